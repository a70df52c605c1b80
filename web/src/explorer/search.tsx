// '/explorer/search?q=': an order's entries, by order number (CM-…) or order id, page by page. (An
// entry index goes straight to '/explorer/entries/:index'.)
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Async, PageTitle } from '../components/ui.tsx';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ledger, type EntryView } from './data.ts';
import { EntriesTable, SearchForm } from './parts.tsx';

export function SearchPage() {
  const { query } = useLocation();
  const q = (query['q'] ?? '').trim();
  return (
    <section>
      <p><a href="/explorer">← {t('explorer.back')}</a></p>
      <PageTitle>{t('explorer.search.title')}</PageTitle>
      <SearchForm initial={q} key={q} />
      {q && <Results q={q} key={q} />}
    </section>
  );
}

function Results({ q }: { q: string }) {
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [shown, setShown] = useState<EntryView[]>([]);
  const found = useLoad(async (s) => {
    const page = await ledger.orderEntries(q, cursor, s);
    setShown((prev) => (cursor === undefined ? page.items : [...prev, ...page.items]));
    return page;
  }, [cursor]);
  // Kept while the next page loads (useLoad keeps the last data).
  const orderId = found.data?.orderId ?? null;
  return (
    <section aria-labelledby="explorer-results">
      {shown.length > 0 || orderId ? (
        <>
          <h2 id="explorer-results">{t('explorer.search.found', { q, id: orderId ?? '', n: shown.length })}</h2>
          <EntriesTable entries={shown} caption={t('explorer.search.title')} />
        </>
      ) : (
        found.data && <h2 id="explorer-results">{t('explorer.search.nothing', { q })}</h2>
      )}
      <Async state={found}>
        {(page) => (page.nextCursor ? <button type="button" onClick={() => setCursor(page.nextCursor!)}>{t('common.more')}</button> : null)}
      </Async>
    </section>
  );
}
