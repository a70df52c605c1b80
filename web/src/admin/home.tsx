// '/admin': what needs attention (withdrawals waiting, payments flagged) and the sections.
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { adminPage, type Page } from './shared.tsx';

function Home() {
  const state = useLoad(async (signal) => {
    const [w, p] = await Promise.all([
      api.get<Page<unknown>>('/api/admin/withdrawals?state=requested&limit=200', { signal }),
      api.get<{ mismatches: unknown[] }>('/api/admin/payments/reconciliation', { signal }),
    ]);
    return { withdrawals: w.items.length, payments: p.mismatches.length };
  });
  return (
    <section>
      <PageTitle>{t('a.home.title')}</PageTitle>
      <Async state={state}>
        {(s) => (
          <div class="grid">
            <div class="card"><div>{t('a.home.withdrawals')}</div><p class="stat">{s.withdrawals}</p><a href="/admin/withdrawals">{t('a.nav.withdrawals')}</a></div>
            <div class={`card${s.payments > 0 ? ' discrepancy' : ''}`}><div>{t('a.home.payments')}</div><p class="stat">{s.payments}</p><a href="/admin/reconciliation">{t('a.nav.reconciliation')}</a></div>
          </div>
        )}
      </Async>
    </section>
  );
}
export const HomePage = adminPage(Home);
