// Pure rules of reviews: input checks, the content hashes the ledger carries, rating totals, cursors.
import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';

export const RATING_MIN = 1;
export const RATING_MAX = 5;
export const REVIEW_TEXT_CHARS_MAX = 2000;
export const REPLY_TEXT_CHARS_MAX = 2000;
export const PHOTOS_MAX = 6;
export const PHOTO_URL_CHARS_MAX = 2048;
export const REVIEWS_LIMIT_DEFAULT = 50;
export const REVIEWS_LIMIT_MAX = 200;

/** The order states in which the buyer has the goods: only then may a line be reviewed. */
export const REVIEWABLE_STATES = ['received', 'refund_requested', 'refunded', 'completed'] as const;

/** Why an admin hides a review. */
export const HIDE_REASONS = ['spam', 'abuse', 'off_topic', 'personal_data', 'illegal', 'fake', 'other'] as const;
/** Why an admin shows a hidden review again. */
export const UNHIDE_REASONS = ['appeal_upheld', 'moderation_error', 'edited', 'other'] as const;
export type HideReason = (typeof HIDE_REASONS)[number];
export type UnhideReason = (typeof UNHIDE_REASONS)[number];

const bad = (code: string, message: string) => new DomainError(code, message, 400);

export const newReviewId = () => `rev_${randomBytes(16).toString('hex')}`;

export function parseRating(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < RATING_MIN || v > RATING_MAX) {
    throw bad('review.bad_rating', `rating must be a whole number in ${RATING_MIN}..${RATING_MAX}`);
  }
  return v;
}

/** Text of 1..max characters (code points), trimmed; whitespace alone is no text. */
export function parseReviewText(v: unknown, max = REVIEW_TEXT_CHARS_MAX, what = 'text'): string {
  if (typeof v !== 'string') throw bad('review.bad_text', `${what} must be a string`);
  const t = v.trim();
  const n = [...t].length;
  if (n < 1 || n > max) throw bad('review.bad_text', `${what} must be 1..${max} characters`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(t)) throw bad('review.bad_text', `${what} must not contain control characters`);
  return t;
}

export function parsePhotoUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > PHOTO_URL_CHARS_MAX) {
    throw bad('review.bad_photo_url', `a photo url must be a string of 1..${PHOTO_URL_CHARS_MAX} characters`);
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad('review.bad_photo_url', 'a photo url must be an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('review.bad_photo_url', `a photo url must be https or http (got ${u.protocol})`);
  if (u.hostname === '') throw bad('review.bad_photo_url', 'a photo url needs a host');
  if (u.username !== '' || u.password !== '') throw bad('review.bad_photo_url', 'a photo url must not carry credentials');
  if (u.href.length > PHOTO_URL_CHARS_MAX) throw bad('review.bad_photo_url', `a photo url is longer than ${PHOTO_URL_CHARS_MAX} characters`);
  return u.href;
}

/** At most PHOTOS_MAX distinct http(s) URLs, normalized, in the order given. */
export function parsePhotos(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad('review.bad_photos', 'photos must be an array of URLs');
  if (v.length > PHOTOS_MAX) throw bad('review.bad_photos', `at most ${PHOTOS_MAX} photos`);
  const urls = v.map(parsePhotoUrl);
  if (new Set(urls).size !== urls.length) throw bad('review.bad_photos', 'a photo is listed twice');
  return urls;
}

export function parseReason<T extends string>(list: readonly T[], v: unknown): T {
  if (typeof v !== 'string' || !(list as readonly string[]).includes(v)) throw bad('review.bad_reason', `reason must be one of ${list.join(', ')}`);
  return v as T;
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * What review.created commits to instead of the text: hex SHA-256 of the RFC 8785 canonical JSON
 * {"photos":[…urls],"text":"…"}. Anyone holding the review can recompute it; the log never holds the text.
 */
export function reviewContentHash(text: string, photos: readonly string[]): string {
  const c = canonicalize({ text, photos: [...photos] });
  assert(c !== undefined, 'reviews: review content is not serialisable');
  return sha256Hex(c);
}

/** What review.replied commits to: hex SHA-256 of the canonical JSON {"text":"…"}. */
export function replyContentHash(text: string): string {
  const c = canonicalize({ text });
  assert(c !== undefined, 'reviews: reply content is not serialisable');
  return sha256Hex(c);
}

export type Distribution = { '1': number; '2': number; '3': number; '4': number; '5': number };

export interface RatingSummary {
  /** Mean of all ratings (hidden ones included) to 2 decimals, half up; null without reviews. */
  average: string | null;
  /** All reviews, visible and hidden. */
  count: number;
  visibleCount: number;
  hiddenCount: number;
  /** Reviews per star over all reviews: hidden reviews stay counted. */
  distribution: Distribution;
}

/** Rating totals from per-(rating, hidden) counts. Integer arithmetic only: no float ever rounds an average. */
export function summarize(rows: readonly { rating: number; hidden: boolean; n: number }[]): RatingSummary {
  const distribution: Distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  let count = 0;
  let hiddenCount = 0;
  let sum = 0;
  for (const r of rows) {
    assert(Number.isInteger(r.rating) && r.rating >= RATING_MIN && r.rating <= RATING_MAX, `reviews: stored rating ${r.rating} out of range`);
    assert(Number.isSafeInteger(r.n) && r.n >= 0, `reviews: count ${r.n} is not a count`);
    distribution[String(r.rating) as keyof Distribution] += r.n;
    count += r.n;
    sum += r.rating * r.n;
    if (r.hidden) hiddenCount += r.n;
  }
  return { average: averageOf(sum, count), count, visibleCount: count - hiddenCount, hiddenCount, distribution };
}

/** sum / count to 2 decimals, rounded half up, as a string ("4.67"); null when count is 0. */
export function averageOf(sum: number, count: number): string | null {
  assert(Number.isSafeInteger(sum) && Number.isSafeInteger(count) && sum >= 0 && count >= 0, 'reviews: bad totals');
  if (count === 0) return null;
  const hundredths = (BigInt(sum) * 200n + BigInt(count)) / (2n * BigInt(count));
  const whole = hundredths / 100n;
  const frac = hundredths % 100n;
  return `${whole}.${frac.toString().padStart(2, '0')}`;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return REVIEWS_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > REVIEWS_LIMIT_MAX) throw bad('review.bad_limit', `limit must be in 1..${REVIEWS_LIMIT_MAX}`);
  return limit;
}

/** Opaque cursor: base64url of "r1:<seq>" of the last row handed out. */
export const encodeCursor = (seq: number) => Buffer.from(`r1:${seq}`, 'latin1').toString('base64url');

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^r1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('review.bad_cursor', 'cursor is not one this API handed out');
  return n;
}
