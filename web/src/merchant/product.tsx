// '/merchant/products/:id': edit a product, its variants (SKU, title, price, status), and the
// units on hand of each variant at each stock location.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../lib/api.ts';
import { money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { ProductFields, useCategories } from './products.tsx';
import { staffPage, type Page, Act } from './shared.tsx';
import type { Location, Product, StockLevel, Variant } from './types.ts';

function minorToText(minor: string, currency: string): string {
  const digits = currency === 'JPY' || currency === 'KRW' ? 0 : 2;
  if (digits === 0) return minor;
  const s = minor.padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

function ProductForm({ product, onSaved }: { product: Product; onSaved: () => void }) {
  const categories = useCategories();
  const [title, setTitle] = useState(product.title);
  const [description, setDescription] = useState(product.description);
  const [categoryId, setCategoryId] = useState(product.categoryId ?? '');
  const [status, setStatus] = useState(product.status);
  const [saved, setSaved] = useState(false);
  return (
    <form onSubmit={(e) => e.preventDefault()} class="narrow">
      <ProductFields {...{ title, setTitle, description, setDescription, categoryId, setCategoryId, status, setStatus, categories: categories.data?.items ?? [] }} />
      <Act class="primary" action={async () => {
        setSaved(false);
        await api.patch(`/api/merchant/products/${product.id}`, { title: title.trim(), description, categoryId: categoryId || null, status });
        setSaved(true);
        onSaved();
      }}>{t('m.product.save')}</Act>
      {saved && <span class="ok" role="status"> {t('state.saved')}</span>}
    </form>
  );
}

function VariantRow({ v, onSaved }: { v: Variant; onSaved: () => void }) {
  const [sku, setSku] = useState(v.sku);
  const [title, setTitle] = useState(v.title);
  const [price, setPrice] = useState(minorToText(v.priceMinor, v.currency));
  const [status, setStatus] = useState(v.status);
  return (
    <tr>
      <td><label><span class="sr-only">{t('m.product.skuOf', { sku: v.sku })}</span><input value={sku} size={10} onInput={(e) => setSku(e.currentTarget.value)} /></label></td>
      <td><label><span class="sr-only">{t('m.product.variantTitleOf', { sku: v.sku })}</span><input value={title} size={12} onInput={(e) => setTitle(e.currentTarget.value)} /></label></td>
      <td><label><span class="sr-only">{t('m.product.priceOf', { sku: v.sku })}</span><input value={price} size={8} inputMode="decimal" onInput={(e) => setPrice(e.currentTarget.value)} /></label></td>
      <td>
        <label><span class="sr-only">{t('m.product.statusOf', { sku: v.sku })}</span>
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            {['active', 'archived'].map((s) => <option key={s} value={s}>{t(`m.pstatus.${s}`)}</option>)}
          </select>
        </label>
      </td>
      <td>
        <Act label={t('m.product.saveVariant', { sku: v.sku })} action={async () => {
          const priceMinor = parseMoney(price, v.currency);
          if (!priceMinor || priceMinor === '0') throw new Error(t('m.product.badPrice', { sku }));
          const patch: Record<string, string> = {};
          if (sku !== v.sku) patch['sku'] = sku.trim();
          if (title !== v.title) patch['title'] = title.trim();
          if (priceMinor !== v.priceMinor) patch['priceMinor'] = priceMinor;
          if (status !== v.status) patch['status'] = status;
          if (Object.keys(patch).length > 0) await api.patch(`/api/merchant/variants/${v.id}`, patch);
          onSaved();
        }}>{t('common.save')}</Act>
      </td>
    </tr>
  );
}

function AddVariant({ productId, onAdded }: { productId: string; onAdded: () => void }) {
  const [sku, setSku] = useState('');
  const [title, setTitle] = useState('');
  const [price, setPrice] = useState('');
  return (
    <form class="form-row" onSubmit={(e) => e.preventDefault()}>
      <Field label={t('m.product.sku')}><input value={sku} onInput={(e) => setSku(e.currentTarget.value)} /></Field>
      <Field label={t('m.product.variantTitle')}><input value={title} onInput={(e) => setTitle(e.currentTarget.value)} /></Field>
      <Field label={t('m.product.priceInput')}><input value={price} inputMode="decimal" onInput={(e) => setPrice(e.currentTarget.value)} /></Field>
      <Act disabled={!sku.trim() || !price.trim()} action={async () => {
        const priceMinor = parseMoney(price);
        if (!priceMinor || priceMinor === '0') throw new Error(t('m.product.badPrice', { sku }));
        await api.post(`/api/merchant/products/${productId}/variants`, { sku: sku.trim(), title: title.trim() || sku.trim(), priceMinor });
        setSku(''); setTitle(''); setPrice('');
        onAdded();
      }}>{t('m.product.addVariant')}</Act>
    </form>
  );
}

function StockCell({ variant, location, level, onSaved }: { variant: Variant; location: Location; level: StockLevel | undefined; onSaved: () => void }) {
  const [onHand, setOnHand] = useState(String(level?.onHand ?? 0));
  // Follow the stored level when it changes (after a save), but never on mount: that would wipe what
  // the merchant typed between the first paint and the effect.
  const shown = useRef(level?.onHand);
  useEffect(() => {
    if (shown.current === level?.onHand) return;
    shown.current = level?.onHand;
    setOnHand(String(level?.onHand ?? 0));
  }, [level?.onHand]);
  const [saved, setSaved] = useState(false);
  return (
    <td>
      <div class="row">
        <label>
          <span class="sr-only">{t('m.stock.onHandOf', { sku: variant.sku, location: location.name })}</span>
          <input type="number" min={0} step={1} size={5} value={onHand} onInput={(e) => { setOnHand(e.currentTarget.value); setSaved(false); }} />
        </label>
        <Act label={t('m.stock.setOf', { sku: variant.sku, location: location.name })} action={async () => {
          await api.command(`/api/merchant/stock/${variant.id}/${location.id}`, { onHand: Number(onHand) });
          setSaved(true);
          onSaved();
        }}>{t('m.stock.set')}</Act>
        {saved && <span class="ok" role="status">{t('state.saved')}</span>}
      </div>
      {level && <small class="muted">{t('m.stock.levels', { reserved: level.reserved, available: level.available })}</small>}
    </td>
  );
}

function Stock({ product }: { product: Product }) {
  const data = useLoad(async (signal) => {
    const [locations, levels] = await Promise.all([
      api.get<Page<Location>>('/api/merchant/locations?limit=200', { signal }),
      Promise.all(product.variants.map((v) => api.get<Page<StockLevel>>(`/api/merchant/stock?variantId=${encodeURIComponent(v.id)}&limit=200`, { signal }))),
    ]);
    return { locations: locations.items, levels: levels.flatMap((l) => l.items) };
  }, [product.id, product.variants.length]);
  return (
    <Async state={data}>
      {({ locations, levels }) => locations.length === 0 ? <p>{t('m.stock.noLocations')} <a href="/merchant/locations">{t('m.nav.locations')}</a></p> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">SKU</th>{locations.map((l) => <th scope="col" key={l.id}>{l.name}</th>)}</tr></thead>
            <tbody>
              {product.variants.map((v) => (
                <tr key={v.id}>
                  <th scope="row" class="mono">{v.sku}</th>
                  {locations.map((l) => <StockCell key={l.id} variant={v} location={l} level={levels.find((x) => x.variantId === v.id && x.locationId === l.id)} onSaved={data.reload} />)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Async>
  );
}

function ProductEdit() {
  const { params } = useRoute();
  const id = params['id']!;
  const product = useLoad((signal) => api.get<Product>(`/api/products/${encodeURIComponent(id)}`, { signal }), [id]);
  return (
    <section>
      <p><a href="/merchant/products">{t('m.products.back')}</a></p>
      <Async state={product}>
        {(p) => (
          <>
            <PageTitle>{p.title}</PageTitle>
            <ProductForm key={p.updatedAt} product={p} onSaved={product.reload} />
            <h2>{t('m.product.variants')}</h2>
            {p.variants.length > 0 && (
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">{t('m.product.sku')}</th><th scope="col">{t('m.product.variantTitle')}</th><th scope="col">{t('m.product.priceInput')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
                  <tbody>{p.variants.map((v) => <VariantRow key={`${v.id}-${v.priceMinor}-${v.status}`} v={v} onSaved={product.reload} />)}</tbody>
                </table>
              </div>
            )}
            <p class="muted">{p.variants.map((v) => `${v.sku}: ${money(v.priceMinor, v.currency)}`).join(' · ')}</p>
            <h3>{t('m.product.addVariant')}</h3>
            <AddVariant productId={p.id} onAdded={product.reload} />
            <h2>{t('m.stock.title')}</h2>
            {p.variants.length === 0 ? <p>{t('m.stock.noVariants')}</p> : <Stock product={p} />}
          </>
        )}
      </Async>
    </section>
  );
}

export const ProductPage = staffPage(ProductEdit);
