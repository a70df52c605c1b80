// '/merchant/orders': the merchant's orders, newest first, filtered by state.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, ErrorMessage, Field, PageTitle } from '../components/ui.tsx';
import { ORDER_STATES, StateBadge, staffPage, type Page } from './shared.tsx';
import type { Order } from './types.ts';

function Orders() {
  const { query, route } = useLocation();
  const state = query['state'] ?? '';
  const [more, setMore] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const first = useLoad(async (signal) => {
    const p = await api.get<Page<Order>>(`/api/orders${qs({ state, limit: 50 })}`, { signal });
    setMore([]);
    setCursor(p.nextCursor);
    return p;
  }, [state]);
  return (
    <section>
      <PageTitle>{t('m.orders.title')}</PageTitle>
      <Field label={t('m.orders.filter')}>
        <select value={state} onChange={(e) => route(`/merchant/orders${qs({ state: e.currentTarget.value })}`)}>
          <option value="">{t('m.orders.all')}</option>
          {ORDER_STATES.map((s) => <option key={s} value={s}>{t(`m.state.${s}`)}</option>)}
        </select>
      </Field>
      <Async state={first}>
        {(p) => {
          const items = [...p.items, ...more];
          if (items.length === 0) return <p>{t('state.empty')}</p>;
          return (
            <>
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">{t('m.order.number')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('m.order.mode')}</th><th scope="col">{t('common.total')}</th><th scope="col">{t('m.order.placed')}</th></tr></thead>
                  <tbody>
                    {items.map((o) => (
                      <tr key={o.id}>
                        <td><a href={`/merchant/orders/${o.id}`}>{o.number}</a></td>
                        <td><StateBadge state={o.state} />{o.overdue && <> <span class="badge">{t('m.order.overdue')}</span></>}</td>
                        <td>{t(`m.mode.${o.mode}`)}{o.paid ? '' : ` · ${t('m.order.unpaid')}`}</td>
                        <td>{money(o.totalMinor, o.currency)}</td>
                        <td>{dateTime(o.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {moreError !== undefined && <ErrorMessage error={moreError} />}
              {cursor && (
                <button type="button" onClick={async () => {
                  try {
                    const next = await api.get<Page<Order>>(`/api/orders${qs({ state, limit: 50, cursor })}`);
                    setMore((m) => [...m, ...next.items]);
                    setCursor(next.nextCursor);
                  } catch (err) {
                    setMoreError(err);
                  }
                }}>{t('common.more')}</button>
              )}
            </>
          );
        }}
      </Async>
    </section>
  );
}

export const OrdersPage = staffPage(Orders);
