// The public ledger API the explorer reads (src/ledger/routes.ts), and small helpers.
import { api, qs } from '../lib/api.ts';

export interface BlockView {
  height: number;
  prevBlockHash: string;
  blockHash: string;
  firstIndex: number;
  treeSize: number;
  entryCount: number;
  rootHash: string;
  time: string;
  checkpoint: string;
}

export interface LedgerEvent {
  v: number;
  kind: string;
  at: string;
  actor: string;
  subject: Record<string, string>;
  data: Record<string, unknown>;
}

export interface EntryView {
  index: number;
  leafHash: string;
  event: LedgerEvent;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface KeyView {
  origin: string;
  verifierKey: string;
}

export const PAGE_SIZE = 10;
/** How often the live feed asks for new blocks. */
export const POLL_MS = 2_000;

export const ledger = {
  key: (signal?: AbortSignal) => api.get<KeyView>('/api/ledger/key', { signal }),
  blocks: (limit: number, cursor?: string, signal?: AbortSignal) => api.get<Page<BlockView>>(`/api/ledger/blocks${qs({ limit, cursor })}`, { signal }),
  block: (height: string, signal?: AbortSignal) => api.get<BlockView>(`/api/ledger/blocks/${encodeURIComponent(height)}`, { signal }),
  entries: (from: number, limit: number, signal?: AbortSignal) => api.get<Page<EntryView>>(`/api/ledger/entries${qs({ cursor: from, limit })}`, { signal }),
  entry: (index: string, signal?: AbortSignal) => api.get<EntryView>(`/api/ledger/entries/${encodeURIComponent(index)}`, { signal }),
  orderEntries: (ref: string, cursor?: string, signal?: AbortSignal) =>
    api.get<Page<EntryView> & { orderId: string | null }>(`/api/ledger/orders/${encodeURIComponent(ref)}/entries${qs({ limit: 200, cursor })}`, { signal }),
};

/** The C2SP checkpoint body: origin, tree size, base64 root; then the signature lines. */
export function checkpointParts(note: string): { origin: string; size: string; root: string } {
  const [origin = '', size = '', root = ''] = note.split('\n');
  return { origin, size, root };
}

/** A shortened hash for tables: the first and last characters. */
export const short = (hex: string): string => (hex.length > 20 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex);
