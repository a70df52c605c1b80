// The cart across merchants: one group (and one order at checkout) per merchant, with subtotals.
import { useLocation } from 'preact-iso';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad } from '../lib/use.ts';
import { ActionButton, Async, PageTitle } from '../components/ui.tsx';
import { cartVersion, getCart, localCart, mergeLocalCart, merchantsOf, setCartQty, type CartLine, type Merchant } from './data.ts';
import './store.css';

export interface CartGroup { merchantId: string; merchant: Merchant | undefined; currency: string; lines: (CartLine & { purchasable: boolean })[]; subtotalMinor: string }

/** The cart as groups per merchant, from the server (buyer) or this browser (visitor). */
export async function loadCartGroups(): Promise<CartGroup[]> {
  let lines: CartLine[];
  let totals = new Map<string, string>();
  if (user.value?.role === 'buyer') {
    await mergeLocalCart();
    const cart = await getCart();
    lines = cart.lines;
    totals = new Map(cart.merchants.map((m) => [m.merchantId, m.itemsMinor]));
  } else {
    lines = localCart().map((l) => ({ ...l, purchasable: true }));
  }
  const ms = await merchantsOf(lines.map((l) => l.merchantId)).catch(() => new Map<string, Merchant>());
  const groups = new Map<string, CartGroup>();
  for (const l of lines) {
    const g = groups.get(l.merchantId) ?? { merchantId: l.merchantId, merchant: ms.get(l.merchantId), currency: l.currency, lines: [], subtotalMinor: '0' };
    g.lines.push(l);
    groups.set(l.merchantId, g);
  }
  for (const g of groups.values()) {
    g.subtotalMinor = totals.get(g.merchantId) ?? g.lines.reduce((s, l) => s + BigInt(l.unitPriceMinor) * BigInt(l.qty), 0n).toString();
  }
  return [...groups.values()];
}

export function totalsByCurrency(groups: CartGroup[]): [string, bigint][] {
  const m = new Map<string, bigint>();
  for (const g of groups) m.set(g.currency, (m.get(g.currency) ?? 0n) + BigInt(g.subtotalMinor));
  return [...m.entries()];
}

export function CartPage() {
  const { route } = useLocation();
  const state = useLoad(() => loadCartGroups(), [cartVersion.value, user.value?.id]);
  return (
    <section>
      <PageTitle>{t('store.cart.title')}</PageTitle>
      <Async state={state}>{(groups) => groups.length === 0 ? (
        <p>{t('store.cart.empty')} <a href="/">{t('store.cart.shop')}</a></p>
      ) : (
        <>
          {groups.map((g) => (
            <section class="panel cart-group" key={g.merchantId} aria-label={g.merchant?.name ?? g.merchantId}>
              <h2>{g.merchant?.name ?? g.merchantId}</h2>
              <ul class="bare cart-lines">
                {g.lines.map((l) => (
                  <li key={l.variantId} class="cart-line">
                    <span class="name">{l.name}{!l.purchasable && <span class="badge warn"> {t('store.cart.notAvailable')}</span>}</span>
                    <span class="muted">{money(l.unitPriceMinor, l.currency)}</span>
                    <label class="qty">
                      <span class="sr-only">{t('store.cart.qtyOf', { name: l.name })}</span>
                      <input type="number" min={0} max={99} value={l.qty} onChange={(e) => void setCartQty(l, Math.max(0, Number(e.currentTarget.value) || 0))} />
                    </label>
                    <span class="line-total">{money((BigInt(l.unitPriceMinor) * BigInt(l.qty)).toString(), l.currency)}</span>
                    <ActionButton class="link" action={() => setCartQty(l, 0)} aria-label={t('store.cart.removeItem', { name: l.name })}>{t('store.cart.remove')}</ActionButton>
                  </li>
                ))}
              </ul>
              <p class="subtotal">{t('store.cart.subtotal')}: <strong>{money(g.subtotalMinor, g.currency)}</strong></p>
            </section>
          ))}
          <div class="spread cart-foot">
            <p class="total">{t('common.total')}: <strong>{totalsByCurrency(groups).map(([c, v]) => money(v.toString(), c)).join(' + ')}</strong></p>
            <button type="button" class="primary" onClick={() => route(user.value?.role === 'buyer' ? '/checkout' : '/signin?next=%2Fcheckout')}>{t('store.cart.checkout')}</button>
          </div>
          <p class="muted">{t('store.cart.perMerchant')}</p>
        </>
      )}</Async>
    </section>
  );
}
