// '/admin/settlements': run settlement (every merchant receivable up to a period end, paid out) and the batches.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, canWrite, type Page } from './shared.tsx';

interface Batch { id: string; merchantId: string; currency: string; number: number; periodEnd: string; opening: string; total: string; closing: string; payoutMinor: string; lineCount: number; payoutState: string; ledgerLeafIndex: number | null }

function Settlements() {
  const list = useLoad((signal) => api.get<Page<Batch>>('/api/admin/settlements?limit=200', { signal }));
  const merchants = useLoad((signal) => api.get<Page<{ id: string; name: string }>>('/api/admin/merchants?limit=200', { signal }));
  const [periodEnd, setPeriodEnd] = useState('');
  const [result, setResult] = useState<number | null>(null);
  const name = (id: string) => merchants.data?.items.find((m) => m.id === id)?.name ?? id;
  return (
    <section>
      <PageTitle>{t('a.stl.title')}</PageTitle>
      {canWrite() && (
        <div class="panel">
          <h2>{t('a.stl.run')}</h2>
          <p class="muted">{t('a.stl.help')}</p>
          <form class="form-row" onSubmit={(e) => e.preventDefault()}>
            <Field label={t('a.stl.periodEnd')} hint={t('a.stl.periodEndHint')}><input type="datetime-local" value={periodEnd} onInput={(e) => setPeriodEnd(e.currentTarget.value)} /></Field>
            <Act class="primary" action={async () => {
              const r = await api.command<{ items: Batch[] }>('/api/admin/settlements', periodEnd ? { periodEnd: new Date(periodEnd).toISOString() } : {});
              setResult(r.items.length);
              list.reload();
            }}>{t('a.stl.runButton')}</Act>
          </form>
          {result !== null && <p role="status" class="ok">{t('a.stl.closed', { n: result })}</p>}
        </div>
      )}
      <h2>{t('a.stl.batches')}</h2>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('state.empty')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('a.stl.merchant')}</th><th scope="col">{t('a.stl.batch')}</th><th scope="col">{t('a.stl.periodEnd')}</th><th scope="col">{t('a.stl.total')}</th><th scope="col">{t('a.stl.closing')}</th><th scope="col">{t('a.stl.payout')}</th><th scope="col">{t('a.stl.lines')}</th><th scope="col">{t('a.stl.ledger')}</th></tr></thead>
              <tbody>
                {p.items.map((b) => (
                  <tr key={b.id}>
                    <td>{name(b.merchantId)}</td>
                    <td>{b.number}</td>
                    <td>{dateTime(b.periodEnd)}</td>
                    <td>{money(b.total, b.currency)}</td>
                    <td>{money(b.closing, b.currency)}</td>
                    <td>{money(b.payoutMinor, b.currency)} <span class="badge">{t(`m.payout.${b.payoutState}`)}</span></td>
                    <td>{b.lineCount}</td>
                    <td>{b.ledgerLeafIndex === null ? '–' : <a href={`/explorer/entries/${b.ledgerLeafIndex}`}>#{b.ledgerLeafIndex}</a>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </section>
  );
}
export const SettlementsPage = adminPage(Settlements);
