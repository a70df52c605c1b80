// '/admin/reconciliation': the platform reconciled against itself (ledger vs money vs payments vs
// settlement), every discrepancy highlighted with its ids, and the payments needing attention.
import { api } from '../lib/api.ts';
import { dateTime, number } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { adminPage } from './shared.tsx';

interface Report {
  at: string; treeSize: number;
  checked: { ledgerEntries: number; accounts: number; transfers: number; payments: number; settlementLines: number };
  discrepancies: { area: string; ids: string[]; problem: string }[];
}

function Reconciliation() {
  const report = useLoad((signal) => api.get<Report>('/api/admin/reconciliation', { signal }));
  const payments = useLoad((signal) => api.get<{ mismatches: { paymentId: string; problem: string }[] }>('/api/admin/payments/reconciliation', { signal }));
  return (
    <section>
      <PageTitle>{t('a.rec.title')}</PageTitle>
      <p class="muted">{t('a.rec.help')}</p>
      <Async state={report}>
        {(r) => (
          <>
            <div class="row">
              <span>{t('a.rec.at', { at: dateTime(r.at), size: number(r.treeSize) })}</span>
              <button type="button" onClick={report.reload}>{t('a.rec.rerun')}</button>
            </div>
            <h2>{t('a.rec.checked')}</h2>
            <div class="grid">
              {(Object.keys(r.checked) as (keyof Report['checked'])[]).map((k) => (
                <div class="card" key={k}><div>{t(`a.rec.c.${k}`)}</div><p class="stat">{number(r.checked[k])}</p></div>
              ))}
            </div>
            <h2>{t('a.rec.discrepancies', { n: r.discrepancies.length })}</h2>
            {r.discrepancies.length === 0 ? (
              <p class="ok check-ok all-clear" role="status">{t('a.rec.none')}</p>
            ) : (
              <>
                <p class="error check-bad" role="alert">{t('a.rec.found', { n: r.discrepancies.length })}</p>
                <div class="table-wrap">
                  <table>
                    <thead><tr><th scope="col">{t('a.rec.area')}</th><th scope="col">{t('a.rec.problem')}</th><th scope="col">{t('a.rec.ids')}</th></tr></thead>
                    <tbody>
                      {r.discrepancies.map((d, i) => (
                        <tr key={i} class="bad">
                          <td>{t(`a.rec.area.${d.area}`)}</td>
                          <td>{d.problem}</td>
                          <td class="mono">{d.ids.join(', ')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </>
        )}
      </Async>
      <h2>{t('a.rec.payments')}</h2>
      <Async state={payments}>
        {(p) => p.mismatches.length === 0 ? <p class="ok check-ok">{t('a.rec.paymentsNone')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('a.rec.payment')}</th><th scope="col">{t('a.rec.problem')}</th></tr></thead>
              <tbody>{p.mismatches.map((m, i) => <tr key={i} class="bad"><td class="mono">{m.paymentId}</td><td>{m.problem}</td></tr>)}</tbody>
            </table>
          </div>
        )}
      </Async>
    </section>
  );
}
export const ReconciliationPage = adminPage(Reconciliation);
