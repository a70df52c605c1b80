// '/admin/withdrawals': withdrawal requests (oldest first) to approve, which pays out, or reject with a reason.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, canWrite, type Page } from './shared.tsx';

interface Withdrawal { id: string; userId: string; amount: string; currency: string; state: string; destination: string; reason: string | null; createdAt: string; decidedAt: string | null; decidedBy: string | null }

function Decide({ w, onDone }: { w: Withdrawal; onDone: () => void }) {
  const [reason, setReason] = useState('');
  return (
    <div class="row">
      <Act class="primary" label={t('a.w.approveOf', { amount: money(w.amount, w.currency), destination: w.destination })} action={async () => {
        await api.command(`/api/admin/withdrawals/${w.id}/approve`, {});
        onDone();
      }}>{t('a.w.approve')}</Act>
      <Field label={t('a.w.reason')}><input value={reason} maxLength={200} onInput={(e) => setReason(e.currentTarget.value)} /></Field>
      <Act class="danger" disabled={!reason.trim()} action={async () => {
        await api.command(`/api/admin/withdrawals/${w.id}/reject`, { reason: reason.trim() });
        onDone();
      }}>{t('a.w.reject')}</Act>
    </div>
  );
}

function Withdrawals() {
  const [state, setState] = useState('requested');
  const list = useLoad((signal) => api.get<Page<Withdrawal>>(`/api/admin/withdrawals${qs({ state, limit: 200 })}`, { signal }), [state]);
  return (
    <section>
      <PageTitle>{t('a.w.title')}</PageTitle>
      <Field label={t('a.w.filter')}>
        <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
          <option value="">{t('a.w.all')}</option>
          {['requested', 'approved', 'paid', 'rejected'].map((s) => <option key={s} value={s}>{t(`a.w.state.${s}`)}</option>)}
        </select>
      </Field>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('a.w.none')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('a.w.requested')}</th><th scope="col">{t('a.w.amount')}</th><th scope="col">{t('a.w.destination')}</th><th scope="col">{t('a.w.user')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
              <tbody>
                {p.items.map((w) => (
                  <tr key={w.id}>
                    <td>{dateTime(w.createdAt)}</td>
                    <td>{money(w.amount, w.currency)}</td>
                    <td>{w.destination}</td>
                    <td class="mono">{w.userId}</td>
                    <td><span class="badge">{t(`a.w.state.${w.state}`)}</span>{w.reason && <div>{w.reason}</div>}{w.decidedAt && <div><small>{dateTime(w.decidedAt)}</small></div>}</td>
                    <td>{w.state === 'requested' && canWrite() ? <Decide w={w} onDone={list.reload} /> : '–'}</td>
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
export const WithdrawalsPage = adminPage(Withdrawals);
