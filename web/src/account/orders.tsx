// The buyer's orders, newest first, page by page.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { usePaged } from '../lib/use.ts';
import { ActionButton, Async, PageTitle } from '../components/ui.tsx';
import { merchantsOf, type Merchant, type Order, type Page } from '../store/data.ts';
import { AccountNav, SignedIn } from './guard.tsx';
import '../store/store.css';

export function OrdersPage() {
  return (
    <SignedIn>
      <section>
        <PageTitle>{t('account.orders')}</PageTitle>
        <AccountNav />
        <OrderList />
      </section>
    </SignedIn>
  );
}

function OrderList() {
  const [ms, setMs] = useState<Map<string, Merchant>>(new Map());
  // Each page brings the names of its merchants along.
  const { state, more } = usePaged<Order>((cursor) => `/api/orders${qs({ limit: 20, cursor })}`, async (path) => {
    const page = await api.get<Page<Order>>(path);
    const names = await merchantsOf(page.items.map((o) => o.merchantId)).catch(() => new Map<string, Merchant>());
    setMs((m) => new Map([...m, ...names]));
    return page;
  });
  return (
    <Async state={state}>{(p) => {
      const orders = p.items;
      if (orders.length === 0) return <p>{t('account.noOrders')} <a href="/">{t('store.cart.shop')}</a></p>;
      return (
        <>
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('account.order.number')}</th><th scope="col">{t('account.order.placed')}</th><th scope="col">{t('account.order.merchant')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.total')}</th></tr></thead>
              <tbody>
                {orders.map((o) => (
                  <tr key={o.id}>
                    <td><a href={`/account/orders/${o.id}`}>{o.number}</a></td>
                    <td>{dateTime(o.createdAt)}</td>
                    <td>{ms.get(o.merchantId)?.name ?? '…'}</td>
                    <td>{t(`store.state.${o.state}`)}{o.paid ? '' : ` · ${t('account.order.unpaid')}`}{o.overdue ? ` · ${t('account.order.overdue')}` : ''}</td>
                    <td>{money(o.totalMinor, o.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
        </>
      );
    }}</Async>
  );
}
