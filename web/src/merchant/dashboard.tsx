// '/merchant': what needs doing now (orders by state) and the receivable balance.
import { api } from '../lib/api.ts';
import { money, dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { StateBadge, staffPage, type Page } from './shared.tsx';
import type { Balance, Order } from './types.ts';

/** States where the merchant has the next move. */
const ACTION_STATES = ['created', 'accepted', 'allocated', 'shipped', 'in_transit', 'refund_requested'] as const;

function Dashboard() {
  const balance = useLoad((signal) => api.get<Balance>('/api/merchant/balance', { signal }));
  const orders = useLoad(async (signal) => {
    const lists = await Promise.all(ACTION_STATES.map((s) => api.get<Page<Order>>(`/api/orders?state=${s}&limit=50`, { signal })));
    return ACTION_STATES.map((s, i) => ({ state: s, items: lists[i]!.items }));
  });
  return (
    <section>
      <PageTitle>{t('m.dash.title')}</PageTitle>
      <h2>{t('m.dash.balance')}</h2>
      <Async state={balance}>
        {(b) => (
          <div class="grid">
            <div class="card"><div>{t('m.dash.available')}</div><p class="stat">{money(b.available, b.currency)}</p></div>
            <div class="card"><div>{t('m.dash.posted')}</div><p class="stat">{money(b.posted, b.currency)}</p></div>
            <div class="card"><div>{t('m.dash.incoming')}</div><p class="stat">{money(b.incoming, b.currency)}</p></div>
          </div>
        )}
      </Async>
      <h2>{t('m.dash.needAction')}</h2>
      <Async state={orders}>
        {(groups) => {
          const all = groups.flatMap((g) => g.items);
          return (
            <>
              <div class="row">
                {groups.map((g) => (
                  <a key={g.state} class="badge" href={`/merchant/orders?state=${g.state}`}>{t(`m.state.${g.state}`)}: {g.items.length}</a>
                ))}
              </div>
              {all.length === 0 ? <p>{t('m.dash.nothing')}</p> : (
                <div class="table-wrap">
                  <table>
                    <thead><tr><th scope="col">{t('m.order.number')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.total')}</th><th scope="col">{t('m.order.placed')}</th></tr></thead>
                    <tbody>
                      {all.map((o) => (
                        <tr key={o.id}>
                          <td><a href={`/merchant/orders/${o.id}`}>{o.number}</a></td>
                          <td><StateBadge state={o.state} /></td>
                          <td>{money(o.totalMinor, o.currency)}</td>
                          <td>{dateTime(o.createdAt)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </Async>
    </section>
  );
}

export const DashboardPage = staffPage(Dashboard);
