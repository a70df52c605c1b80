// After checkout: the orders it made (one per merchant), and a way to pay those still unpaid.
import { useRoute } from 'preact-iso';
import { api } from '../lib/api.ts';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { merchantsOf, type Checkout } from './data.ts';
import './store.css';

export function CheckoutDonePage() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const state = useLoad(async () => {
    const c = await api.get<Checkout>(`/api/checkouts/${encodeURIComponent(id)}`);
    return { c, ms: await merchantsOf(c.orders.map((o) => o.merchantId)).catch(() => new Map()) };
  }, [id]);
  return (
    <section>
      <PageTitle>{t('store.done.title')}</PageTitle>
      <Async state={state}>{({ c, ms }) => (
        <>
          <p role="status">{t('store.done.lead', { n: c.orders.length })}</p>
          <ul class="bare">
            {c.orders.map((o) => (
              <li key={o.id} class="card order-card">
                <p class="spread"><a href={`/account/orders/${o.id}`}>{t('store.done.order', { number: o.number })}</a><strong>{money(o.totalMinor, o.currency)}</strong></p>
                <p class="muted">{ms.get(o.merchantId)?.name ?? o.merchantId} · {t(`store.state.${o.state}`)} · {o.paid ? t('store.done.paid') : o.mode === 'pay_on_receipt' ? t('store.done.payLater') : t('store.done.unpaid')}</p>
                {!o.paid && o.mode === 'prepaid' && <a class="button primary" href={`/pay/${o.id}`}>{t('store.done.payNow', { number: o.number })}</a>}
              </li>
            ))}
          </ul>
          <p><a href="/account/orders">{t('store.done.allOrders')}</a> · <a href="/">{t('store.done.continue')}</a></p>
        </>
      )}</Async>
    </section>
  );
}
