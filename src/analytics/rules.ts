// Pure rules of behaviour events: what a client may send, how times are clamped and queries
// scrubbed, the k-anonymity rule and the report arithmetic. No I/O, no clock: callers pass `now`.
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';

export const EVENT_KINDS = ['view', 'search', 'cart_add', 'purchase', 'rec_shown', 'rec_clicked'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
/** What a client may send: purchases are recorded by the server after checkout commits. */
export const CLIENT_KINDS = ['view', 'search', 'cart_add', 'rec_shown', 'rec_clicked'] as const;
export const PRODUCT_KINDS: readonly EventKind[] = ['view', 'cart_add', 'rec_shown', 'rec_clicked', 'purchase'];

export const BATCH_MAX = 500;
export const QUERY_CHARS_MAX = 100;
export const CLIENT_ID_MIN = 8;
export const CLIENT_ID_MAX = 64;
/** A client's clock is believed up to this far back; later times are clamped to the receipt time. */
export const CLIENT_LAG_MS = 24 * 3600_000;
const LIST = /^[a-z][a-z0-9_]{0,31}$/;
const CLIENT_ID = /^[A-Za-z0-9_.:-]+$/;

/** One event as a client sends it. */
export interface EventInput {
  /** The client's id of this event (8..64 characters): a retried batch is stored once. */
  id: string;
  kind: EventKind;
  productId?: string | undefined;
  query?: string | undefined;
  list?: string | undefined;
  at?: string | undefined;
}

/** An event checked and normalised, before its product is resolved. */
export interface CheckedEvent {
  clientId: string;
  kind: EventKind;
  productId: string | null;
  query: string | null;
  list: string | null;
  at: string;
}

const bad = (i: number, why: string) => new DomainError('analytics.bad_event', `events[${i}]: ${why}`, 400);

/** The client's time clamped to [now − 24 h, now]; absent or unreadable → now. */
export function clampTime(at: string | undefined, now: Date): string {
  const t = at === undefined ? NaN : Date.parse(at);
  const hi = now.getTime();
  if (!Number.isFinite(t)) return now.toISOString();
  return new Date(Math.min(hi, Math.max(hi - CLIENT_LAG_MS, t))).toISOString();
}

/**
 * A search query as kept: one line, trimmed, at most 100 characters, with what looks like an
 * e-mail address or a phone/card number masked — people paste those into search boxes, and events
 * must never carry them. null when nothing searchable is left.
 */
export function scrubQuery(q: string): string | null {
  const line = q.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const masked = line
    .replace(/[^\s@]+@[^\s@]+/g, '[email]')
    // Six or more digits, possibly split by spaces, dots, dashes or brackets: phone, card, id numbers.
    .replace(/\+?\d(?:[\s().-]*\d){5,}/g, '[number]');
  const cut = [...masked].slice(0, QUERY_CHARS_MAX).join('').trim();
  return cut.length > 0 ? cut : null;
}

/**
 * A client batch checked: 'purchase' is refused, each kind has what it needs, client ids are
 * well-formed. Repeated client ids within the batch are kept once (the first).
 */
export function checkClientEvents(events: readonly EventInput[], now: Date): CheckedEvent[] {
  if (events.length > BATCH_MAX) throw new DomainError('analytics.batch_too_large', `at most ${BATCH_MAX} events per batch`, 400);
  const seen = new Set<string>();
  const out: CheckedEvent[] = [];
  events.forEach((e, i) => {
    if (e.kind === 'purchase') throw new DomainError('analytics.purchase_from_client', 'purchases are recorded by the server when a checkout commits; do not send them', 400);
    if (!(CLIENT_KINDS as readonly string[]).includes(e.kind)) throw bad(i, `unknown kind ${String(e.kind).slice(0, 32)}`);
    if (typeof e.id !== 'string' || e.id.length < CLIENT_ID_MIN || e.id.length > CLIENT_ID_MAX || !CLIENT_ID.test(e.id)) {
      throw bad(i, `id must be ${CLIENT_ID_MIN}..${CLIENT_ID_MAX} characters of A-Z a-z 0-9 _ . : -`);
    }
    const needsProduct = PRODUCT_KINDS.includes(e.kind);
    if (needsProduct && (typeof e.productId !== 'string' || e.productId.length === 0)) throw bad(i, `a ${e.kind} event needs productId`);
    let query: string | null = null;
    if (e.kind === 'search') {
      if (typeof e.query !== 'string') throw bad(i, 'a search event needs query');
      query = scrubQuery(e.query);
      if (query === null) throw bad(i, 'query is empty');
    }
    let list: string | null = null;
    if (e.list !== undefined && e.kind.startsWith('rec_')) {
      if (!LIST.test(e.list)) throw bad(i, 'list must be a recommendation list name such as bought_together');
      list = e.list;
    }
    if (seen.has(e.id)) return;
    seen.add(e.id);
    out.push({ clientId: e.id, kind: e.kind, productId: needsProduct ? e.productId! : null, query, list, at: clampTime(e.at, now) });
  });
  return out;
}

// ---- k-anonymity and report arithmetic ------------------------------------------------------

/**
 * The k-anonymity rule: a figure computed over a group of 1..k−1 distinct people (buyers or
 * subjects) is withheld. An empty group is not suppressed: a zero says nothing about anyone.
 */
export function suppressed(people: number, minGroup: number): boolean {
  assert(Number.isSafeInteger(people) && people >= 0, `analytics: group size ${people} is not a count`);
  assert(Number.isSafeInteger(minGroup) && minGroup >= 1, `analytics: minGroup ${minGroup} must be at least 1`);
  return people > 0 && people < minGroup;
}

/** part / whole as a decimal fraction with 4 places, rounded half up ("0.3333"); null when whole is 0. */
export function ratio(part: number, whole: number): string | null {
  assert(Number.isSafeInteger(part) && Number.isSafeInteger(whole) && part >= 0 && whole >= 0, 'analytics: bad ratio terms');
  if (whole === 0) return null;
  const tenThousandths = (BigInt(part) * 20_000n + BigInt(whole)) / (2n * BigInt(whole));
  const s = tenThousandths.toString().padStart(5, '0');
  return `${s.slice(0, -4)}.${s.slice(-4)}`;
}

/** sum / count in minor units, rounded half up; null when count is 0. */
export function averageMinor(sum: bigint, count: number): string | null {
  assert(sum >= 0n && Number.isSafeInteger(count) && count >= 0, 'analytics: bad average terms');
  if (count === 0) return null;
  return ((sum * 2n + BigInt(count)) / (2n * BigInt(count))).toString();
}

export const FUNNEL_STEPS = ['viewed', 'added_to_cart', 'purchased'] as const;
export type FunnelStepName = (typeof FUNNEL_STEPS)[number];

export interface FunnelStep {
  step: FunnelStepName;
  /** Distinct subjects who reached this step (and every step before it). */
  subjects: number | null;
  /** subjects / the previous step's subjects; null for the first step. */
  rateFromPrevious: string | null;
  /** subjects / the first step's subjects. */
  rateFromFirst: string | null;
  suppressed: boolean;
}

/**
 * The funnel from nested counts (each step's subjects did every earlier step too, so counts never
 * grow). A step over 1..k−1 subjects shows nulls; a rate also needs its denominator shown.
 */
export function funnel(counts: readonly [number, number, number], minGroup: number): FunnelStep[] {
  assert(counts[1] <= counts[0] && counts[2] <= counts[1], 'analytics: funnel counts must not grow');
  return FUNNEL_STEPS.map((step, i) => {
    const n = counts[i]!;
    const hidden = suppressed(n, minGroup);
    const prev = i === 0 ? null : counts[i - 1]!;
    const prevHidden = prev !== null && suppressed(prev, minGroup);
    const firstHidden = suppressed(counts[0], minGroup);
    return {
      step,
      subjects: hidden ? null : n,
      rateFromPrevious: hidden || prev === null || prevHidden ? null : ratio(n, prev),
      rateFromFirst: hidden || firstHidden ? null : ratio(n, counts[0]),
      suppressed: hidden,
    };
  });
}

// ---- periods ----------------------------------------------------------------------------

export const PERIOD_DAYS_DEFAULT = 30;
export const PERIOD_DAYS_MAX = 366;
const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A report period [from, to) from the query: dates (YYYY-MM-DD, UTC midnight) or date-times.
 * Defaults: to = now, from = to − 30 days. At most 366 days.
 */
export function parsePeriod(fromText: string | undefined, toText: string | undefined, now: Date): { from: string; to: string } {
  const read = (v: string, name: string): number => {
    const t = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00.000Z` : v);
    if (!Number.isFinite(t)) throw new DomainError('analytics.bad_period', `${name} must be a date (YYYY-MM-DD) or an RFC 3339 date-time`, 400);
    return t;
  };
  const to = toText !== undefined ? read(toText, 'to') : now.getTime();
  const from = fromText !== undefined ? read(fromText, 'from') : to - PERIOD_DAYS_DEFAULT * DAY_MS;
  if (from >= to) throw new DomainError('analytics.bad_period', 'from must be before to', 400);
  if (to - from > PERIOD_DAYS_MAX * DAY_MS) throw new DomainError('analytics.bad_period', `a period spans at most ${PERIOD_DAYS_MAX} days`, 400);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The UTC days (YYYY-MM-DD) that [from, to) touches, in order. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(to);
  for (let t = Date.parse(from.slice(0, 10) + 'T00:00:00.000Z'); t < end; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
