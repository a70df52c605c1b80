// The shop's front page: categories, a search box, the newest products and recommendations.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { type Category, type Page, type ProductSummary } from './data.ts';
import { ProductGrid, RecList } from './parts.tsx';
import './store.css';

export function SearchBox({ initial = '' }: { initial?: string }) {
  const { route } = useLocation();
  const [q, setQ] = useState(initial);
  return (
    <form role="search" class="search-box" onSubmit={(e) => { e.preventDefault(); route(`/search${qs({ q: q.trim() })}`); }}>
      <label>
        <span class="sr-only">{t('store.search.label')}</span>
        <input type="search" name="q" value={q} placeholder={t('store.search.placeholder')} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">{t('common.search')}</button>
    </form>
  );
}

export function Categories() {
  const state = useLoad(() => api.get<Page<Category>>('/api/categories?limit=100'), []);
  return (
    <nav aria-label={t('store.categories')} class="categories">
      <Async state={state}>{(p) => (
        <ul class="chips bare">
          {p.items.map((c) => <li key={c.id}><a class="chip" href={`/search${qs({ categoryId: c.id })}`}>{c.name}</a></li>)}
        </ul>
      )}</Async>
    </nav>
  );
}

export function HomePage() {
  const products = useLoad(() => api.get<Page<ProductSummary>>('/api/products?limit=24'), []);
  const signedIn = user.value?.role === 'buyer';
  return (
    <section>
      <PageTitle>{t('store.home.title')}</PageTitle>
      <SearchBox />
      <Categories />
      {signedIn && <RecList title={t('store.recs.forYou')} strategy="for_you" list="for_you" />}
      <RecList title={t('store.recs.popular')} strategy="popular" list="popular" />
      <h2>{t('store.home.new')}</h2>
      <Async state={products}>{(p) => <ProductGrid items={p.items} />}</Async>
    </section>
  );
}
