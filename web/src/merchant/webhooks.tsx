// '/merchant/webhooks': webhook endpoints (list, add, remove). The signing secret appears once, right after adding.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { staffPage, Act } from './shared.tsx';
import type { Endpoint } from './types.ts';

function Webhooks() {
  const list = useLoad((signal) => api.get<{ items: Endpoint[] }>('/api/merchant/webhooks', { signal }));
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('order.*');
  const [created, setCreated] = useState<Endpoint | null>(null);
  return (
    <section>
      <PageTitle>{t('m.wh.title')}</PageTitle>
      <p class="muted">{t('m.wh.help')}</p>
      {created?.secret && (
        <div class="panel" role="status">
          <h2>{t('m.wh.secretTitle')}</h2>
          <p>{t('m.wh.secretOnce', { url: created.url })}</p>
          <p class="secret mono">{created.secret}</p>
          <button type="button" onClick={() => setCreated(null)}>{t('m.wh.secretDone')}</button>
        </div>
      )}
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('m.wh.none')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">URL</th><th scope="col">{t('m.wh.events')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('m.wh.created')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
              <tbody>
                {p.items.map((w) => (
                  <tr key={w.id}>
                    <td class="mono">{w.url}</td>
                    <td>{w.events.join(', ')}</td>
                    <td>{w.enabled ? t('m.wh.enabled') : t('m.wh.disabled')}</td>
                    <td>{dateTime(w.createdAt)}</td>
                    <td class="row">
                      <Act action={async () => { await api.post(`/api/merchant/webhooks/${w.id}/test`); }}>{t('m.wh.test')}</Act>
                      <Act class="danger" label={t('m.wh.deleteOf', { url: w.url })} action={async () => {
                        if (!confirm(t('m.wh.confirmDelete', { url: w.url }))) return;
                        await api.delete(`/api/merchant/webhooks/${w.id}`);
                        list.reload();
                      }}>{t('m.wh.delete')}</Act>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      <h2>{t('m.wh.add')}</h2>
      <form class="form-row" onSubmit={(e) => e.preventDefault()}>
        <Field label={t('m.wh.url')}><input type="url" value={url} placeholder="https://example.com/hooks/chainmall" onInput={(e) => setUrl(e.currentTarget.value)} /></Field>
        <Field label={t('m.wh.events')} hint={t('m.wh.eventsHint')}><input value={events} onInput={(e) => setEvents(e.currentTarget.value)} /></Field>
        <Act class="primary" disabled={!url.trim() || !events.trim()} action={async () => {
          const ep = await api.post<Endpoint>('/api/merchant/webhooks', { url: url.trim(), events: events.split(/[\s,]+/).filter(Boolean) });
          setCreated(ep);
          setUrl('');
          list.reload();
        }}>{t('m.wh.create')}</Act>
      </form>
    </section>
  );
}

export const WebhooksPage = staffPage(Webhooks);
