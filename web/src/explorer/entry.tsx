// '/explorer/entries/:index': one entry decoded — kind, actor, subject, data, time — with its leaf
// hash and a link to verify its receipt in this browser.
import { useRoute } from 'preact-iso';
import { Async, PageTitle } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ledger } from './data.ts';
import { SearchForm } from './parts.tsx';
import './explorer.css';

export function EntryPage() {
  const { params } = useRoute();
  const index = params['index'] ?? '';
  const entry = useLoad((s) => ledger.entry(index, s), [index]);
  return (
    <section>
      <p><a href="/explorer">← {t('explorer.back')}</a></p>
      <PageTitle>{t('explorer.entry.title', { index })}</PageTitle>
      <Async state={entry}>
        {(e) => {
          const order = e.event.subject['order'];
          return (
            <>
              <dl class="explorer-facts panel">
                <dt>{t('explorer.col.kind')}</dt>
                <dd><code data-testid="entry-kind">{e.event.kind}</code></dd>
                <dt>{t('explorer.entry.actor')}</dt>
                <dd class="explorer-mono">{e.event.actor}</dd>
                <dt>{t('explorer.col.at')}</dt>
                <dd>{dateTime(e.event.at)} <span class="muted explorer-mono">({e.event.at})</span></dd>
                <dt>{t('explorer.entry.leafHash')}</dt>
                <dd class="explorer-mono">{e.leafHash}</dd>
              </dl>
              <p>
                <a href={`/verify?entry=${e.index}`}>{t('explorer.entry.verify')}</a>
                {order && <> · <a href={`/explorer/search?q=${encodeURIComponent(order)}`}>{t('explorer.entry.order')}</a></>}
              </p>
              <h2>{t('explorer.col.subject')}</h2>
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">{t('explorer.col.subject')}</caption>
                  <tbody>
                    {Object.entries(e.event.subject).map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row">{k}</th>
                        <td class="explorer-mono">{v}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h2>{t('explorer.entry.data')}</h2>
              <pre class="panel explorer-mono explorer-note" aria-label={t('explorer.entry.data')}>{JSON.stringify(e.event.data, null, 2)}</pre>
            </>
          );
        }}
      </Async>
      <h2>{t('explorer.search.title')}</h2>
      <SearchForm />
    </section>
  );
}
