// Pure rules of the social module: text bounds, referral codes, attribution and reward, feed merging.
import { randomBytes } from 'node:crypto';
import { assert } from '../shared/assert.ts';
import { DomainError, badRequest as bad } from '../shared/errors.ts';

export const WISHLIST_NAME_CHARS_MAX = 80;
export const QUESTION_TEXT_CHARS_MAX = 500;
export const ANSWER_TEXT_CHARS_MAX = 2000;
export const WISHLIST_ITEMS_MAX = 200;
export const WISHLISTS_MAX = 50;
export const ANSWERS_PER_QUESTION_MAX = 50;
export const LIMIT_DEFAULT = 20;
export const LIMIT_MAX = 100;

/** Referral rewards: a fixed number of points per paid order, whatever its amount (documented in the API). */
export const REFERRAL_REWARD_POINTS_DEFAULT = 100;
/** A visit counts for orders paid within this many days after it. */
export const REFERRAL_WINDOW_DAYS_DEFAULT = 7;
export const DAY_MS = 86_400_000;

/** Order states in which the buyer has had the goods: a verified buyer may answer questions. */
export const VERIFIED_BUYER_STATES = ['received', 'refund_requested', 'refunded', 'completed'] as const;
/** Order steps that take a referral reward back. */
export const REVERSING_STEPS = ['refund', 'cancel', 'reject'] as const;

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Text of 1..max code points, trimmed. Single-line text (names, questions) refuses line breaks;
 * multi-line text (answers) keeps them but no other control character.
 */
export function parseText(v: unknown, max: number, opts: { multiline: boolean; code: string; what: string }): string {
  if (typeof v !== 'string') throw bad(opts.code, `${opts.what} must be a string`);
  const t = v.trim();
  const n = [...t].length;
  if (n < 1 || n > max) throw bad(opts.code, `${opts.what} must be 1..${max} characters`);
  if (CONTROL.test(t) || (!opts.multiline && /[\r\n]/.test(t))) throw bad(opts.code, `${opts.what} must not contain ${opts.multiline ? 'control characters' : 'line breaks or control characters'}`);
  return t;
}

export const parseWishlistName = (v: unknown) => parseText(v, WISHLIST_NAME_CHARS_MAX, { multiline: false, code: 'wishlist.bad_name', what: 'name' });
export const parseQuestion = (v: unknown) => parseText(v, QUESTION_TEXT_CHARS_MAX, { multiline: false, code: 'qa.bad_text', what: 'question' });
export const parseAnswer = (v: unknown) => parseText(v, ANSWER_TEXT_CHARS_MAX, { multiline: true, code: 'qa.bad_text', what: 'answer' });

/** 128 random bits, base64url: unguessable, and unique by the table's constraint. */
export const newReferralCode = (): string => randomBytes(16).toString('base64url');
export const REFERRAL_CODE = /^[A-Za-z0-9_-]{22}$/;

/** The link a referrer shares: the product page carrying the code. */
export const referralUrl = (productId: string, code: string) => `/p/${encodeURIComponent(productId)}?ref=${encodeURIComponent(code)}`;

export interface Visit {
  linkId: string;
  referrerId: string;
  productId: string;
  visitedAt: string;
}

/**
 * The one link an order is attributed to: among the buyer's visits to links of products in the order,
 * made at most `windowDays` before payment (and not after it), by someone other than the buyer, the
 * latest one (last click wins; ties broken by link id so that the choice is deterministic).
 */
export function attribute(visits: readonly Visit[], p: { buyerId: string; productIds: readonly string[]; paidAt: Date; windowDays: number }): Visit | null {
  assert(p.windowDays > 0, 'social: referral window must be positive');
  const from = p.paidAt.getTime() - p.windowDays * DAY_MS;
  const to = p.paidAt.getTime();
  const ok = visits.filter((v) => {
    const at = Date.parse(v.visitedAt);
    return v.referrerId !== p.buyerId && p.productIds.includes(v.productId) && at >= from && at <= to;
  });
  ok.sort((a, b) => (a.visitedAt === b.visitedAt ? (a.linkId < b.linkId ? 1 : -1) : a.visitedAt < b.visitedAt ? 1 : -1));
  return ok[0] ?? null;
}

/** Whether a step's change of facts is the payment of the order (checkout's payment or a later one). */
export const isPayment = (beforePaid: boolean, afterPaid: boolean) => !beforePaid && afterPaid;
export const isReversal = (step: string) => (REVERSING_STEPS as readonly string[]).includes(step);

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) throw bad('bad_limit', `limit must be in 1..${LIMIT_MAX}`);
  return limit;
}

/** A feed item: anything a followed merchant did that a buyer may want to see. */
export interface FeedItem {
  /** 'product.new', later e.g. 'live.started'. */
  kind: string;
  /** Unique within its kind. */
  id: string;
  /** RFC 3339 UTC; the feed is newest first. */
  at: string;
  merchantId: string;
  productId: string | null;
  title: string;
  /** In-app path to open it. */
  href: string;
  priceMinor: string | null;
  currency: string | null;
}

/** Feed position: the (at, kind:id) of the last item handed out. */
export interface FeedCursor {
  at: string;
  key: string;
}

export const feedKey = (i: Pick<FeedItem, 'kind' | 'id'>) => `${i.kind}:${i.id}`;

/** Strictly after the cursor in the feed's order (newest first). */
export const isBefore = (i: FeedItem, c: FeedCursor | null) => c === null || i.at < c.at || (i.at === c.at && feedKey(i) < c.key);

/**
 * Merges what the sources returned (each newest first, each possibly limit+1 long) into one page:
 * newest first, deduplicated, strictly after the cursor; `more` when anything is left over.
 */
export function mergeFeed(lists: readonly (readonly FeedItem[])[], before: FeedCursor | null, limit: number): { items: FeedItem[]; more: boolean } {
  const seen = new Set<string>();
  const all: FeedItem[] = [];
  for (const list of lists) {
    for (const i of list) {
      const k = feedKey(i);
      if (seen.has(k) || !isBefore(i, before)) continue;
      seen.add(k);
      all.push(i);
    }
  }
  all.sort((a, b) => (a.at === b.at ? (feedKey(a) < feedKey(b) ? 1 : -1) : a.at < b.at ? 1 : -1));
  return { items: all.slice(0, limit), more: all.length > limit };
}
