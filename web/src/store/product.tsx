// A product: variants with price and stock, rating and reviews, add to cart, and what goes with it.
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../lib/api.ts';
import { track } from '../lib/events.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, errorText, PageTitle } from '../components/ui.tsx';
import { addToCart, availability, merchant, stockKey, type Page, type Product, type Rating, type Review } from './data.ts';
import { priceRange, RecList, Thumb } from './parts.tsx';
import './store.css';
import { FollowButton, ProductSocial, QASection, ReferralCapture } from '../social/parts.tsx';

export function ProductPage() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const state = useLoad(async () => {
    const product = await api.get<Product>(`/api/products/${encodeURIComponent(id)}`);
    const [stock, seller] = await Promise.all([availability(product.variants.map((v) => v.id)), merchant(product.merchantId)]);
    return { product, stock, seller };
  }, [id]);
  useEffect(() => {
    if (id) track('view', { productId: id });
  }, [id]);
  return (
    <Async state={state}>{({ product, stock, seller }) => (
      <article class="product">
        <div class="product-head">
          <Thumb title={product.title} />
          <div>
            <PageTitle>{product.title}</PageTitle>
            <p class="muted">{t('store.product.soldBy', { name: seller.name })}{seller.payOnReceipt ? ` · ${t('store.product.payOnReceipt')}` : ''} <FollowButton merchantId={product.merchantId} name={seller.name} /></p>
            <p class="price">{priceRange(product.minPriceMinor, product.maxPriceMinor, product.currency)}</p>
            <p>{product.description}</p>
            <Buy product={product} stock={stock.items} />
            <ProductSocial productId={product.id} />
            <ReferralCapture />
          </div>
        </div>
        <RatingBlock productId={product.id} />
        <QASection productId={product.id} />
        <RecList title={t('store.recs.boughtTogether')} strategy="bought_together" productId={product.id} list="bought_together" />
        <RecList title={t('store.recs.alsoViewed')} strategy="viewed_together" productId={product.id} list="viewed_together" />
      </article>
    )}</Async>
  );
}

function Buy({ product, stock }: { product: Product; stock: { variantId: string; available: number; inStock: boolean }[] }) {
  const variants = product.variants.filter((v) => v.status === 'active');
  const [variantId, setVariantId] = useState(variants[0]?.id ?? '');
  const [qty, setQty] = useState(1);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const v = variants.find((x) => x.id === variantId);
  const s = stock.find((x) => x.variantId === variantId);
  if (variants.length === 0) return <p class="warn">{t('store.product.unavailable')}</p>;
  const canBuy = !!v && !!s && s.inStock && s.available > 0;
  return (
    <form class="buy" onSubmit={async (e) => {
      e.preventDefault();
      if (!v) return;
      setBusy(true);
      setMessage(null);
      try {
        await addToCart({ variantId: v.id, qty, sku: v.sku, name: `${product.title} (${v.title})`, merchantId: product.merchantId, unitPriceMinor: v.priceMinor, currency: v.currency });
        track('cart_add', { productId: product.id });
        setMessage({ ok: true, text: t('store.product.added') });
      } catch (err) {
        setMessage({ ok: false, text: errorText(err) });
      } finally {
        setBusy(false);
      }
    }}>
      <fieldset class="variants">
        <legend>{t('store.product.variant')}</legend>
        {variants.map((x) => {
          const st = stock.find((a) => a.variantId === x.id);
          return (
            <label key={x.id} class="variant">
              <input type="radio" name="variant" value={x.id} checked={x.id === variantId} onChange={() => setVariantId(x.id)} />
              <span>{x.title}</span>
              <span class="price">{money(x.priceMinor, x.currency)}</span>
              <span class={`stock ${stockKey(st).split('.').pop()}`}>{t(stockKey(st), { n: st?.available ?? 0 })}</span>
            </label>
          );
        })}
      </fieldset>
      <div class="row">
        <label class="qty">
          <span>{t('store.product.qty')}</span>
          <input type="number" min={1} max={Math.max(1, Math.min(99, s?.available ?? 1))} value={qty} onInput={(e) => setQty(Math.max(1, Number(e.currentTarget.value) || 1))} />
        </label>
        <button type="submit" class="primary" disabled={busy || !canBuy}>{t('store.product.add')}</button>
        <a href="/cart">{t('store.product.toCart')}</a>
      </div>
      {message && <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
    </form>
  );
}

function RatingBlock({ productId }: { productId: string }) {
  const rating = useLoad(() => api.get<Rating>(`/api/products/${encodeURIComponent(productId)}/rating`), [productId]);
  const [more, setMore] = useState<Review[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const reviews = useLoad(async () => {
    const p = await api.get<Page<Review>>(`/api/products/${encodeURIComponent(productId)}/reviews?limit=10`);
    setMore([]);
    setCursor(p.nextCursor);
    return p;
  }, [productId]);
  return (
    <section class="reviews" aria-labelledby="reviews-h">
      <h2 id="reviews-h">{t('store.reviews.title')}</h2>
      <Async state={rating}>{(r) => (
        r.count === 0 ? <p class="muted">{t('store.reviews.none')}</p> : (
          <div class="rating">
            <p><strong class="stars" aria-hidden="true">{'★'.repeat(Math.round(Number(r.average ?? 0)))}</strong> {t('store.reviews.average', { avg: r.average ?? '–', n: r.count })}</p>
            <table class="dist">
              <caption class="sr-only">{t('store.reviews.distribution')}</caption>
              <tbody>
                {(['5', '4', '3', '2', '1'] as const).map((k) => (
                  <tr key={k}>
                    <th scope="row">{t('store.reviews.stars', { n: k })}</th>
                    <td><span class="bar" style={{ width: `${r.count ? Math.round((r.distribution[k] / r.count) * 100) : 0}%` }} /></td>
                    <td>{r.distribution[k]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      )}</Async>
      <Async state={reviews}>{(p) => (
        <>
          <ul class="bare review-list">
            {[...p.items, ...more].map((rv) => (
              <li key={rv.id} class="card">
                <p><span aria-label={t('store.reviews.ratingOf', { n: rv.rating })}>{'★'.repeat(rv.rating)}{'☆'.repeat(5 - rv.rating)}</span> <span class="muted">{dateTime(rv.createdAt)} · {rv.sku}</span></p>
                <p>{rv.text}</p>
                {rv.reply && <p class="reply"><strong>{t('store.reviews.reply')}</strong> {rv.reply.text}</p>}
              </li>
            ))}
          </ul>
          {cursor && (
            <button type="button" onClick={async () => {
              const next = await api.get<Page<Review>>(`/api/products/${encodeURIComponent(productId)}/reviews?limit=10&cursor=${encodeURIComponent(cursor)}`);
              setMore((m) => [...m, ...next.items]);
              setCursor(next.nextCursor);
            }}>{t('common.more')}</button>
          )}
        </>
      )}</Async>
    </section>
  );
}
