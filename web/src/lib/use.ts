// Loading data in a component: state for loading, the value and the error, and a reload.
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: unknown) => !ctl.signal.aborted && setState({ data: undefined, error, loading: false }),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export interface Paged<T> {
  state: Loaded<{ items: T[] }>;
  /** The next page, when there is one; appends to state.data.items. */
  more: (() => Promise<void>) | null;
}

/**
 * A cursor-paged API list (`{ items, nextCursor }`): the first page on load, further pages appended
 * by `more()`. `url(cursor)` gives the request path for a page.
 */
export function usePaged<T>(url: (cursor: string | null) => string, get: (path: string) => Promise<{ items: T[]; nextCursor: string | null }>, deps: unknown[] = []): Paged<T> {
  const [extra, setExtra] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await get(url(null));
    setExtra([]);
    setCursor(page.nextCursor);
    return page;
  }, deps);
  const data = first.data ? { items: [...first.data.items, ...extra] } : undefined;
  return {
    state: { ...first, data },
    more: cursor === null ? null : async () => {
      const page = await get(url(cursor));
      setExtra((e) => [...e, ...page.items]);
      setCursor(page.nextCursor);
    },
  };
}
