// Search results: words and/or a category, page by page.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { track } from '../lib/events.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ActionButton, Async, PageTitle } from '../components/ui.tsx';
import { type Page, type ProductSummary } from './data.ts';
import { Categories, SearchBox } from './home.tsx';
import { ProductGrid } from './parts.tsx';
import { SponsoredSlots } from '../ads/sponsored.tsx';
import './store.css';

export function SearchPage() {
  const { query } = useLocation();
  const q = query['q'] ?? '';
  const categoryId = query['categoryId'] ?? '';
  const [more, setMore] = useState<ProductSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const state = useLoad(async () => {
    const p = await api.get<Page<ProductSummary>>(`/api/products${qs({ q, categoryId, limit: 24 })}`);
    setMore([]);
    setCursor(p.nextCursor);
    return p;
  }, [q, categoryId]);
  useEffect(() => {
    if (q) track('search', { query: q });
  }, [q]);
  return (
    <section>
      <PageTitle>{q ? t('store.search.titleFor', { q }) : t('store.search.title')}</PageTitle>
      <SearchBox initial={q} key={q} />
      <Categories />
      <SponsoredSlots q={q} categoryId={categoryId} />
      <Async state={state}>{(p) => (
        <>
          <p class="muted" role="status">{t('store.search.count', { n: p.items.length + more.length })}</p>
          <ProductGrid items={[...p.items, ...more]} />
          {cursor && (
            <ActionButton action={async () => {
              const next = await api.get<Page<ProductSummary>>(`/api/products${qs({ q, categoryId, limit: 24, cursor })}`);
              setMore((m) => [...m, ...next.items]);
              setCursor(next.nextCursor);
            }}>{t('common.more')}</ActionButton>
          )}
        </>
      )}</Async>
    </section>
  );
}
