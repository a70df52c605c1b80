// Pure inventory rules: which location a reservation takes from, when stock turns "low", the
// reservation's state machine, input parsing. No I/O: tested without a database.
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';

/** Bounds: quantities stay far below 2^53, so every sum of them is a safe integer. */
export const QTY_MAX = 1_000_000_000;
export const RESERVATION_LINES_MAX = 200;
export const AVAILABILITY_IDS_MAX = 100;
export const DEFAULT_LOW_STOCK_THRESHOLD = 5;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;
export const EXPIRE_BATCH_MAX = 1000;

export const VARIANT_ID = /^var_[0-9a-f]{32}$/;
export const LOCATION_ID = /^loc_[0-9a-f]{32}$/;
/** Ids other modules hand us (orders, merchants, variants): opaque, bounded, printable. */
const OPAQUE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const REASON = /^[a-z][a-z0-9_.]{0,63}$/;

// ------------------------------------------------------------------ reservation states

export const RESERVATION_STATES = ['reserved', 'committed', 'released', 'shipped'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** reserved: held, may expire. committed: paid, held until shipment. released / shipped: final. */
export const RESERVATION_FLOW = {
  reserved: ['committed', 'released', 'shipped'],
  committed: ['released', 'shipped'],
  released: [],
  shipped: [],
} as const satisfies Record<ReservationState, readonly ReservationState[]>;

export const canMove = (from: ReservationState, to: ReservationState): boolean =>
  (RESERVATION_FLOW[from] as readonly ReservationState[]).includes(to);

/** States whose stock is still counted in `reserved`. */
export const isHolding = (s: ReservationState): boolean => s === 'reserved' || s === 'committed';

export function parseState(s: string): ReservationState {
  assert((RESERVATION_STATES as readonly string[]).includes(s), `inventory: unknown reservation state ${s}`);
  return s as ReservationState;
}

// ------------------------------------------------------------------ choosing locations

export interface Stock {
  locationId: string;
  /** on_hand − reserved at that location. */
  available: number;
}

export interface Take {
  locationId: string;
  qty: number;
}

/** Most available first, ties by location id: the one order every choice below follows. */
export const byPreference = (a: Stock, b: Stock): number =>
  b.available - a.available || (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0);

/**
 * Where `qty` units of one variant come from. One location if any has enough (the one with the most
 * available, ties by id); otherwise a split over the fewest locations (largest first, which is
 * optimal: the k largest hold the most any k locations can). null when all locations together are short.
 */
export function pickLocations(levels: readonly Stock[], qty: number): Take[] | null {
  assert(Number.isSafeInteger(qty) && qty > 0, 'inventory: qty to pick must be a positive integer');
  const sorted = levels.filter((l) => l.available > 0).sort(byPreference);
  const first = sorted[0];
  if (first && first.available >= qty) return [{ locationId: first.locationId, qty }];
  const out: Take[] = [];
  let left = qty;
  for (const l of sorted) {
    if (left === 0) break;
    const q = Math.min(left, l.available);
    out.push({ locationId: l.locationId, qty: q });
    left -= q;
  }
  return left === 0 ? out : null;
}

export const totalAvailable = (levels: readonly Stock[]): number => levels.reduce((s, l) => s + l.available, 0);

// ------------------------------------------------------------------ low stock

/** A variant's threshold: the largest of its levels' thresholds (warn early rather than late); null without levels. */
export function thresholdOf(levels: readonly { lowStockThreshold: number }[]): number | null {
  if (levels.length === 0) return null;
  return Math.max(...levels.map((l) => l.lowStockThreshold));
}

export interface StockState {
  available: number;
  threshold: number | null;
}

/** True when a write took the variant from above its threshold to at or below it: one notice per crossing. */
export function crossedLow(before: StockState, after: StockState): boolean {
  const wasAbove = before.threshold !== null && before.available > before.threshold;
  const isLow = after.threshold !== null && after.available <= after.threshold;
  return wasAbove && isLow;
}

// ------------------------------------------------------------------ input

export interface LineInput {
  variantId: string;
  qty: number;
}

export function parseQty(qty: unknown, what = 'qty'): number {
  if (typeof qty !== 'number' || !Number.isSafeInteger(qty) || qty < 1 || qty > QTY_MAX) {
    throw new DomainError('stock.bad_quantity', `${what} must be an integer from 1 to ${QTY_MAX}`, 400);
  }
  return qty;
}

export function parseOpaqueId(id: unknown, what: string): string {
  if (typeof id !== 'string' || !OPAQUE_ID.test(id)) throw new DomainError('stock.bad_id', `${what} must be 1..128 characters of [A-Za-z0-9_.:-]`, 400);
  return id;
}

export function parseReason(reason: unknown): string {
  if (typeof reason !== 'string' || !REASON.test(reason)) {
    throw new DomainError('stock.bad_reason', 'reason must be a short code like "expired" or "cancelled" (no free text: it goes into the ledger)', 400);
  }
  return reason;
}

/** Lines for the same variant are merged; the result is sorted by variant id (the lock order). */
export function mergeLines(lines: unknown): LineInput[] {
  if (!Array.isArray(lines) || lines.length === 0) throw new DomainError('stock.bad_lines', 'a reservation needs at least one line', 400);
  if (lines.length > RESERVATION_LINES_MAX) throw new DomainError('stock.bad_lines', `at most ${RESERVATION_LINES_MAX} lines per reservation`, 400);
  const sums = new Map<string, number>();
  for (const l of lines as { variantId?: unknown; qty?: unknown }[]) {
    const variantId = parseOpaqueId(l?.variantId, 'variantId');
    const qty = parseQty(l?.qty);
    const sum = (sums.get(variantId) ?? 0) + qty;
    if (sum > QTY_MAX) throw new DomainError('stock.bad_quantity', `variant ${variantId}: at most ${QTY_MAX} units per reservation`, 400);
    sums.set(variantId, sum);
  }
  return [...sums].map(([variantId, qty]) => ({ variantId, qty })).sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
}

export function parseExpiry(expiresAt: unknown): string | null {
  if (expiresAt === null) return null;
  if (typeof expiresAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) {
    throw new DomainError('stock.bad_expiry', 'expiresAt must be an ISO 8601 time or null', 400);
  }
  return new Date(expiresAt).toISOString();
}

export function parseLimit(limit: number | undefined): number {
  const n = limit ?? LIST_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(n) || n < 1 || n > LIST_LIMIT_MAX) throw new DomainError('inventory.bad_limit', `limit must be 1..${LIST_LIMIT_MAX}`, 400);
  return n;
}

// ------------------------------------------------------------------ cursors

/** Opaque cursor: base64url of the JSON array of the last row's sort key. */
export const encodeCursor = (key: string[]): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

export function decodeCursor(cursor: string | null | undefined, parts: number): string[] | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const bad = () => new DomainError('inventory.bad_cursor', 'cursor is not one this API returned', 400);
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== parts || !v.every((x) => typeof x === 'string')) throw bad();
  return v as string[];
}
