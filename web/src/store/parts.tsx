// Pieces of the storefront: product cards, price ranges, recommendation lists with their reasons.
import { useEffect, useRef } from 'preact/hooks';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { track } from '../lib/events.ts';
import { user } from '../lib/session.ts';
import { Async } from '../components/ui.tsx';
import { recommendations, type ProductSummary, type Recs } from './data.ts';

export function priceRange(min: string | null, max: string | null, currency: string): string {
  if (min === null) return t('store.price.none');
  return max !== null && max !== min ? `${money(min, currency)} – ${money(max, currency)}` : money(min, currency);
}

/** A picture stand-in: product images live on other hosts, which this app never contacts. */
export function Thumb({ title }: { title: string }) {
  return <div class="thumb" aria-hidden="true">{title.slice(0, 1).toUpperCase()}</div>;
}

export function ProductCard({ p }: { p: ProductSummary }) {
  return (
    <li class="card product-card">
      <Thumb title={p.title} />
      <a href={`/products/${p.id}`} class="product-link">{p.title}</a>
      <p class="price">{priceRange(p.minPriceMinor, p.maxPriceMinor, p.currency)}</p>
    </li>
  );
}

export function ProductGrid({ items }: { items: ProductSummary[] }) {
  if (items.length === 0) return <p class="muted">{t('store.noProducts')}</p>;
  return <ul class="grid bare">{items.map((p) => <ProductCard key={p.id} p={p} />)}</ul>;
}

/** A list of recommendations: each item with its reason; impressions and clicks are behaviour events. */
export function RecList({ title, strategy, productId, list }: { title: string; strategy: string; productId?: string; list: string }) {
  const state = useLoad((_s) => recommendations(strategy, productId), [strategy, productId, user.value?.id]);
  return (
    <section class="recs" aria-label={title}>
      <h2>{title}</h2>
      <Async state={state}>{(r) => <RecItems recs={r} list={list} />}</Async>
    </section>
  );
}

function RecItems({ recs, list }: { recs: Recs; list: string }) {
  const shown = useRef('');
  const key = recs.items.map((i) => i.productId).join(',');
  useEffect(() => {
    if (shown.current === key) return;
    shown.current = key;
    for (const i of recs.items) track('rec_shown', { productId: i.productId, list });
  }, [key]);
  if (recs.items.length === 0) return <p class="muted">{t('store.recs.none')}</p>;
  return (
    <ul class="rec-list bare">
      {recs.items.map((i) => (
        <li key={i.productId} class="card rec">
          <Thumb title={i.name} />
          <a href={`/products/${i.productId}`} onClick={() => track('rec_clicked', { productId: i.productId, list })}>{i.name}</a>
          <p class="reason muted">{i.reason.text}</p>
        </li>
      ))}
    </ul>
  );
}
