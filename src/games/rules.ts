// Pure rules of the games module: draw terms, prizes, cursors, the entrant pseudonym.
import { createHmac, randomBytes } from 'node:crypto';
import { parseNewCoupon } from '../coupons/index.ts';
import { newId } from '../shared/ids.ts';
import { DomainError, badRequest as bad } from '../shared/errors.ts';

export const DRAW_PRIZES_MAX = 100;
export const DRAW_TITLE_MAX = 120;
export const DRAW_COST_MAX = 1_000_000;
export const DRAW_PER_USER_MAX = 1000;
export const POINTS_PRIZE_MAX = 10_000_000;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;

export type PointsPrize = { kind: 'points'; points: number };
/** A single-use platform coupon made for the winner (code handed to them only). */
export type CouponPrize = {
  kind: 'coupon';
  couponKind: 'fixed' | 'percent';
  amountMinor?: string;
  percentBps?: number;
  capMinor?: string;
  minSpendMinor?: string;
  /** The coupon is valid this many days from the reveal (absent: no end). */
  validDays?: number;
};
export type Prize = PointsPrize | CouponPrize;

export interface NewDraw {
  title: string;
  entryCostPoints: number;
  maxEntriesPerUser: number;
  prizes: Prize[];
  opensAt: string;
  closesAt: string;
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

function time(v: unknown, field: string): string {
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw bad('draw.bad_time', `${field} must be an ISO 8601 UTC time`);
  return new Date(ms).toISOString();
}

export function parsePrize(p: unknown, i: number): Prize {
  if (typeof p !== 'object' || p === null) throw bad('draw.bad_prize', `prize ${i} must be an object`);
  const o = p as Record<string, unknown>;
  if (o['kind'] === 'points') {
    if (!isInt(o['points'], 1, POINTS_PRIZE_MAX)) throw bad('draw.bad_prize', `prize ${i}: points must be 1..${POINTS_PRIZE_MAX}`);
    return { kind: 'points', points: o['points'] };
  }
  if (o['kind'] === 'coupon') {
    const c: CouponPrize = { kind: 'coupon', couponKind: o['couponKind'] as 'fixed' | 'percent' };
    for (const k of ['amountMinor', 'capMinor', 'minSpendMinor'] as const) if (o[k] !== undefined) c[k] = o[k] as string;
    if (o['percentBps'] !== undefined) c.percentBps = o['percentBps'] as number;
    if (o['validDays'] !== undefined) {
      if (!isInt(o['validDays'], 1, 3650)) throw bad('draw.bad_prize', `prize ${i}: validDays must be 1..3650`);
      c.validDays = o['validDays'];
    }
    // The coupons module's own checks, on a stand-in code.
    parseNewCoupon({ code: 'DRAW-CHECK', kind: c.couponKind, amountMinor: c.amountMinor, percentBps: c.percentBps, capMinor: c.capMinor, minSpendMinor: c.minSpendMinor });
    return c;
  }
  throw bad('draw.bad_prize', `prize ${i}: kind must be points or coupon`);
}

/** Checks an admin's new draw; `now` so a draw cannot close in the past. */
export function parseNewDraw(input: NewDraw, now: Date): NewDraw {
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title.length < 1 || title.length > DRAW_TITLE_MAX) throw bad('draw.bad_title', `title must be 1..${DRAW_TITLE_MAX} characters`);
  if (!isInt(input.entryCostPoints, 1, DRAW_COST_MAX)) throw bad('draw.bad_cost', `entryCostPoints must be 1..${DRAW_COST_MAX}`);
  if (!isInt(input.maxEntriesPerUser, 1, DRAW_PER_USER_MAX)) throw bad('draw.bad_max', `maxEntriesPerUser must be 1..${DRAW_PER_USER_MAX}`);
  if (!Array.isArray(input.prizes) || input.prizes.length < 1 || input.prizes.length > DRAW_PRIZES_MAX) throw bad('draw.bad_prize', `1..${DRAW_PRIZES_MAX} prizes`);
  const prizes = input.prizes.map(parsePrize);
  const opensAt = time(input.opensAt, 'opensAt');
  const closesAt = time(input.closesAt, 'closesAt');
  if (!(opensAt < closesAt)) throw bad('draw.bad_window', 'opensAt must be before closesAt');
  if (!(closesAt > now.toISOString())) throw bad('draw.bad_window', 'closesAt must be in the future');
  return { title, entryCostPoints: input.entryCostPoints, maxEntriesPerUser: input.maxEntriesPerUser, prizes, opensAt, closesAt };
}

export const newDrawId = () => newId('drw', 12);
export const newSeed = () => randomBytes(32);
export const newEntrantKey = () => randomBytes(32).toString('hex');
/** A single-use coupon code for a winner: unguessable. */
export const newPrizeCouponCode = () => `DRAW-${randomBytes(12).toString('hex').toUpperCase()}`;

/** The draw's pseudonym of a user: HMAC-SHA-256 under the draw's secret key, 16 bytes hex. Not linkable across draws. */
export const entrantOf = (entrantKeyHex: string, userId: string): string =>
  `ent_${createHmac('sha256', Buffer.from(entrantKeyHex, 'hex')).update(userId, 'utf8').digest('hex').slice(0, 32)}`;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LIST_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) throw bad('games.bad_limit', `limit must be in 1..${LIST_LIMIT_MAX}`);
  return limit;
}

/** Opaque cursor: base64url of "g1:<n>". */
export const encodeCursor = (n: number) => Buffer.from(`g1:${n}`, 'latin1').toString('base64url');
export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^g1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('games.bad_cursor', 'cursor is not one this API handed out');
  return n;
}
