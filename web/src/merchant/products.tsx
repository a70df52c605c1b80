// '/merchant/products': the merchant's products (drafts and archived included); '/merchant/products/new': create one with variants.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import { staffPage, type Page } from './shared.tsx';
import type { Category, Product, ProductSummary } from './types.ts';

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;

function priceRange(p: { minPriceMinor: string | null; maxPriceMinor: string | null; currency: string }): string {
  if (p.minPriceMinor === null) return '–';
  if (p.minPriceMinor === p.maxPriceMinor || p.maxPriceMinor === null) return money(p.minPriceMinor, p.currency);
  return `${money(p.minPriceMinor, p.currency)} – ${money(p.maxPriceMinor, p.currency)}`;
}

function Products() {
  const [status, setStatus] = useState('');
  const list = useLoad((signal) => api.get<Page<ProductSummary>>(`/api/merchant/products${qs({ status, limit: 200 })}`, { signal }), [status]);
  return (
    <section>
      <div class="spread">
        <PageTitle>{t('m.products.title')}</PageTitle>
        <a href="/merchant/products/new">{t('m.products.new')}</a>
      </div>
      <Field label={t('m.products.filter')}>
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">{t('m.products.all')}</option>
          {PRODUCT_STATUSES.map((s) => <option key={s} value={s}>{t(`m.pstatus.${s}`)}</option>)}
        </select>
      </Field>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('state.empty')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('m.product.title')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('m.product.price')}</th><th scope="col">{t('m.product.variants')}</th><th scope="col">{t('m.product.updated')}</th></tr></thead>
              <tbody>
                {p.items.map((x) => (
                  <tr key={x.id}>
                    <td><a href={`/merchant/products/${x.id}`}>{x.title}</a></td>
                    <td><span class="badge">{t(`m.pstatus.${x.status}`)}</span></td>
                    <td>{priceRange(x)}</td>
                    <td>{x.variants.map((v) => v.sku).join(', ')}</td>
                    <td>{dateTime(x.updatedAt)}</td>
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

export const ProductsPage = staffPage(Products);

export function useCategories() {
  return useLoad((signal) => api.get<Page<Category>>('/api/categories?limit=200', { signal }), []);
}

interface VariantDraft { sku: string; title: string; price: string }

function NewProduct() {
  const { route } = useLocation();
  const categories = useCategories();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [status, setStatus] = useState<string>('draft');
  const [variants, setVariants] = useState<VariantDraft[]>([{ sku: '', title: '', price: '' }]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setVariant = (i: number, patch: Partial<VariantDraft>) => setVariants((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  return (
    <section class="narrow">
      <PageTitle>{t('m.products.new')}</PageTitle>
      <form onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const vs = variants.filter((v) => v.sku.trim() || v.title.trim() || v.price.trim());
        const bodyVariants = [];
        for (const v of vs) {
          const priceMinor = parseMoney(v.price);
          if (!priceMinor || priceMinor === '0') return setError(t('m.product.badPrice', { sku: v.sku }));
          bodyVariants.push({ sku: v.sku.trim(), title: v.title.trim() || v.sku.trim(), priceMinor });
        }
        setBusy(true);
        try {
          const p = await api.post<Product>('/api/merchant/products', {
            title: title.trim(), description, status, ...(categoryId ? { categoryId } : {}), variants: bodyVariants,
          });
          route(`/merchant/products/${p.id}`);
        } catch (err) {
          setError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}>
        <ProductFields {...{ title, setTitle, description, setDescription, categoryId, setCategoryId, status, setStatus, categories: categories.data?.items ?? [] }} />
        <h2>{t('m.product.variants')}</h2>
        {variants.map((v, i) => (
          <fieldset class="variant-row" key={i}>
            <legend>{t('m.product.variantN', { n: i + 1 })}</legend>
            <div class="form-row">
              <Field label={t('m.product.sku')}><input value={v.sku} required pattern="[A-Za-z0-9][A-Za-z0-9._/\-]*" maxLength={64} onInput={(e) => setVariant(i, { sku: e.currentTarget.value })} /></Field>
              <Field label={t('m.product.variantTitle')}><input value={v.title} maxLength={120} onInput={(e) => setVariant(i, { title: e.currentTarget.value })} /></Field>
              <Field label={t('m.product.priceInput')}><input value={v.price} required inputMode="decimal" onInput={(e) => setVariant(i, { price: e.currentTarget.value })} /></Field>
            </div>
            {variants.length > 1 && <button type="button" class="link" onClick={() => setVariants((vs) => vs.filter((_, j) => j !== i))}>{t('m.product.removeVariant')}</button>}
          </fieldset>
        ))}
        <p><button type="button" onClick={() => setVariants((vs) => [...vs, { sku: '', title: '', price: '' }])}>{t('m.product.addVariantRow')}</button></p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{t('m.product.create')}</button>
      </form>
    </section>
  );
}

export const NewProductPage = staffPage(NewProduct);

export function ProductFields(p: {
  title: string; setTitle: (v: string) => void; description: string; setDescription: (v: string) => void;
  categoryId: string; setCategoryId: (v: string) => void; status: string; setStatus: (v: string) => void; categories: Category[];
}) {
  return (
    <>
      <Field label={t('m.product.title')}><input value={p.title} required maxLength={200} onInput={(e) => p.setTitle(e.currentTarget.value)} /></Field>
      <Field label={t('m.product.description')}><textarea rows={4} value={p.description} onInput={(e) => p.setDescription(e.currentTarget.value)} /></Field>
      <Field label={t('m.product.category')}>
        <select value={p.categoryId} onChange={(e) => p.setCategoryId(e.currentTarget.value)}>
          <option value="">{t('m.product.noCategory')}</option>
          {p.categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </Field>
      <Field label={t('common.status')}>
        <select value={p.status} onChange={(e) => p.setStatus(e.currentTarget.value)}>
          {PRODUCT_STATUSES.map((s) => <option key={s} value={s}>{t(`m.pstatus.${s}`)}</option>)}
        </select>
      </Field>
    </>
  );
}
