// Pieces shared by the explorer's pages: the search form, the entries table, the live block feed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Field } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { ledger, POLL_MS, type BlockView, type EntryView } from './data.ts';
import './explorer.css';

/** An entry index goes straight to the entry; anything else is looked up as an order id or number. */
export function SearchForm({ initial = '' }: { initial?: string }) {
  const { route } = useLocation();
  const [q, setQ] = useState(initial);
  const [invalid, setInvalid] = useState(false);
  return (
    <form
      class="explorer-search"
      role="search"
      onSubmit={(ev) => {
        ev.preventDefault();
        const s = q.trim();
        if (/^#?\d{1,16}$/.test(s)) return route(`/explorer/entries/${s.replace('#', '')}`);
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(s)) return setInvalid(true);
        setInvalid(false);
        route(`/explorer/search?q=${encodeURIComponent(s)}`);
      }}
    >
      <Field label={t('explorer.search.label')} hint={t('explorer.search.hint')}>
        <input type="search" value={q} aria-invalid={invalid} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
      </Field>
      <button type="submit">{t('common.search')}</button>
      {invalid && <p class="error" role="alert">{t('explorer.search.invalid')}</p>}
    </form>
  );
}

export function EntriesTable({ entries, caption }: { entries: EntryView[]; caption: string }) {
  if (entries.length === 0) return <p class="muted">{t('explorer.entries.none')}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('explorer.col.index')}</th>
            <th scope="col">{t('explorer.col.kind')}</th>
            <th scope="col">{t('explorer.col.subject')}</th>
            <th scope="col">{t('explorer.col.at')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.index}>
              <td><a href={`/explorer/entries/${e.index}`} aria-label={t('explorer.entry.link', { index: e.index })}>#{e.index}</a></td>
              <td><code>{e.event.kind}</code></td>
              <td class="explorer-mono">{Object.entries(e.event.subject).map(([k, v]) => `${k}: ${v}`).join(' · ')}</td>
              <td>{dateTime(e.event.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * New blocks as they are sealed: polls the newest blocks every POLL_MS and reports those above the
 * highest height seen so far. `latest` is the newest block; `feed` the ones that arrived while open.
 */
export function useLiveBlocks(onNew?: (blocks: BlockView[]) => void): { latest: BlockView | undefined; feed: BlockView[]; error: unknown } {
  const [latest, setLatest] = useState<BlockView | undefined>(undefined);
  const [feed, setFeed] = useState<BlockView[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const seen = useRef<number | null>(null);
  const callback = useRef(onNew);
  callback.current = onNew;
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const page = await ledger.blocks(20, undefined, ctl.signal);
        setError(undefined);
        const top = page.items[0];
        if (top) {
          if (seen.current === null) seen.current = top.height;
          else if (top.height > seen.current) {
            const fresh = page.items.filter((b) => b.height > seen.current!);
            seen.current = top.height;
            setFeed((f) => [...fresh, ...f].slice(0, 20));
            callback.current?.(fresh);
          }
          setLatest(top);
        }
      } catch (err) {
        if (ctl.signal.aborted) return;
        setError(err);
      }
      if (!ctl.signal.aborted) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, []);
  return { latest, feed, error };
}

export function LiveFeed({ feed }: { feed: BlockView[] }) {
  return (
    <section class="panel" aria-labelledby="explorer-live">
      <h2 id="explorer-live">{t('explorer.live.title')}</h2>
      <p class="muted">{t('explorer.live.hint', { s: POLL_MS / 1000 })}</p>
      <ul class="explorer-feed" aria-live="polite" aria-label={t('explorer.live.list')}>
        {feed.length === 0 && <li class="muted">{t('explorer.live.waiting')}</li>}
        {feed.map((b) => (
          <li key={b.height}>
            <a href={`/explorer/blocks/${b.height}`}>{t('explorer.block.name', { height: b.height })}</a>{' '}
            · {t('explorer.live.item', { entries: b.entryCount, size: b.treeSize })} · {dateTime(b.time)}
          </li>
        ))}
      </ul>
    </section>
  );
}
