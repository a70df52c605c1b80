// Pure coupon rules: code format, input checks, the stored rule JSON, cursors.
import { AMOUNT_MAX } from '../money/index.ts';
import type { Applies, Coupon, Funder } from '../pricing/index.ts';
import { DomainError } from '../shared/errors.ts';

export const COUPON_CODE = /^[A-Z0-9_-]{3,32}$/;
/** What routes accept (any case); normalized to upper case. */
export const COUPON_CODE_ANY_CASE = '^[A-Za-z0-9_-]{3,32}$';
export const APPLIES_IDS_MAX = 200;
export const COUPON_LIMIT_MAX = 1_000_000_000;
export const COUPONS_LIMIT_DEFAULT = 50;
export const COUPONS_LIMIT_MAX = 200;
export const BPS_MAX = 10_000;

const bad = (code: string, message: string) => new DomainError(code, message, 400);

/** Upper-cases a code; null when it cannot be a coupon code. */
export function normalizeCode(code: unknown): string | null {
  if (typeof code !== 'string') return null;
  const up = code.toUpperCase();
  return COUPON_CODE.test(up) ? up : null;
}

/** What a creator sends: amounts as decimal strings (JSON) or bigints (code). */
export interface NewCoupon {
  code: string;
  /** Internal (prizes): only this user may use it. Not accepted over HTTP. */
  ownerId?: string | undefined;
  kind: 'fixed' | 'percent';
  amountMinor?: string | bigint | undefined;
  percentBps?: number | undefined;
  capMinor?: string | bigint | undefined;
  minSpendMinor?: string | bigint | undefined;
  validFrom?: string | undefined;
  validUntil?: string | undefined;
  applies?: Applies | undefined;
  /** Default true. */
  stackable?: boolean | undefined;
  /** Absent or null: unlimited. */
  totalLimit?: number | null | undefined;
  perUserLimit?: number | null | undefined;
  /** Merchant staff: must be their own merchant (or absent). Admins: must be absent. */
  merchantId?: string | undefined;
}

/** The terms as stored in coupons_coupon.rule. */
export interface StoredRule {
  kind: 'fixed' | 'percent';
  amountMinor?: string;
  percentBps?: number;
  capMinor?: string;
  minSpendMinor?: string;
  validFrom?: string;
  validUntil?: string;
  applies?: Applies;
  stackable: boolean;
}

function amount(v: unknown, field: string, min: bigint): bigint {
  let n: bigint | null = null;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'string' && /^(0|[1-9][0-9]{0,18})$/.test(v)) n = BigInt(v);
  if (n === null || n < min || n > AMOUNT_MAX) throw bad('coupon.bad_amount', `${field} must be a decimal string of minor units in ${min}..${AMOUNT_MAX}`);
  return n;
}

function time(v: unknown, field: string): string {
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw bad('coupon.bad_validity', `${field} must be an ISO 8601 UTC time`);
  return new Date(ms).toISOString();
}

function limit(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > COUPON_LIMIT_MAX) throw bad('coupon.bad_limit', `${field} must be an integer in 1..${COUPON_LIMIT_MAX}, or null for unlimited`);
  return v;
}

function ids(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length > APPLIES_IDS_MAX || !v.every((x) => typeof x === 'string' && x.length >= 1 && x.length <= 64)) {
    throw bad('coupon.bad_applies', `applies.${field} must be a list of at most ${APPLIES_IDS_MAX} ids`);
  }
  return [...new Set(v as string[])];
}

function applies(v: unknown): Applies | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('coupon.bad_applies', 'applies must be an object');
  const out: Applies = {};
  for (const [k, x] of Object.entries(v)) {
    if (k !== 'productIds' && k !== 'categoryIds' && k !== 'merchantIds') throw bad('coupon.bad_applies', `applies.${k} is not a restriction`);
    out[k] = ids(x, k);
  }
  return out;
}

/** Checks a creator's input; returns the normalized code, limits and stored rule. Throws 400s. */
export function parseNewCoupon(input: NewCoupon): { code: string; rule: StoredRule; totalLimit: number | null; perUserLimit: number | null } {
  const code = normalizeCode(input.code);
  if (code === null) throw bad('coupon.bad_code', 'code must be 3..32 of A-Z 0-9 _ -');
  const rule: StoredRule = { kind: input.kind, stackable: input.stackable ?? true };
  if (typeof rule.stackable !== 'boolean') throw bad('coupon.bad_stackable', 'stackable must be a boolean');
  if (input.kind === 'fixed') {
    if (input.percentBps !== undefined || input.capMinor !== undefined) throw bad('coupon.bad_terms', 'a fixed coupon has amountMinor, not percentBps or capMinor');
    rule.amountMinor = amount(input.amountMinor, 'amountMinor', 1n).toString();
  } else if (input.kind === 'percent') {
    if (input.amountMinor !== undefined) throw bad('coupon.bad_terms', 'a percent coupon has percentBps (and capMinor), not amountMinor');
    const bps = input.percentBps;
    if (typeof bps !== 'number' || !Number.isInteger(bps) || bps < 1 || bps > BPS_MAX) throw bad('coupon.bad_terms', `percentBps must be an integer in 1..${BPS_MAX}`);
    rule.percentBps = bps;
    if (input.capMinor !== undefined) rule.capMinor = amount(input.capMinor, 'capMinor', 1n).toString();
  } else {
    throw bad('coupon.bad_terms', 'kind must be fixed or percent');
  }
  if (input.minSpendMinor !== undefined) rule.minSpendMinor = amount(input.minSpendMinor, 'minSpendMinor', 0n).toString();
  if (input.validFrom !== undefined) rule.validFrom = time(input.validFrom, 'validFrom');
  if (input.validUntil !== undefined) rule.validUntil = time(input.validUntil, 'validUntil');
  if (rule.validFrom !== undefined && rule.validUntil !== undefined && !(rule.validFrom < rule.validUntil)) {
    throw bad('coupon.bad_validity', 'validFrom must be before validUntil');
  }
  const a = applies(input.applies);
  if (a !== undefined) rule.applies = a;
  return { code, rule, totalLimit: limit(input.totalLimit, 'totalLimit'), perUserLimit: limit(input.perUserLimit, 'perUserLimit') };
}

export function parseStoredRule(json: string): StoredRule {
  return JSON.parse(json) as StoredRule;
}

/** The pricing function's Coupon for a stored coupon. */
export function toPricingCoupon(code: string, funder: Funder, merchantId: string | null, r: StoredRule): Coupon {
  const c: Coupon = { code, funder, kind: r.kind, stackable: r.stackable };
  if (merchantId !== null) c.merchantId = merchantId;
  if (r.amountMinor !== undefined) c.amountMinor = BigInt(r.amountMinor);
  if (r.percentBps !== undefined) c.percentBps = r.percentBps;
  if (r.capMinor !== undefined) c.capMinor = BigInt(r.capMinor);
  if (r.minSpendMinor !== undefined) c.minSpendMinor = BigInt(r.minSpendMinor);
  if (r.validFrom !== undefined) c.validFrom = r.validFrom;
  if (r.validUntil !== undefined) c.validUntil = r.validUntil;
  if (r.applies !== undefined) c.applies = r.applies;
  return c;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return COUPONS_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > COUPONS_LIMIT_MAX) throw bad('coupon.bad_limit', `limit must be in 1..${COUPONS_LIMIT_MAX}`);
  return limit;
}

/** Opaque cursor: base64url of "c1:<code>" of the last coupon handed out (lists go by code). */
export const encodeCursor = (code: string) => Buffer.from(`c1:${code}`, 'latin1').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^c1:([A-Z0-9_-]{3,32})$/.exec(/^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  if (!m) throw bad('coupon.bad_cursor', 'cursor is not one this API handed out');
  return m[1]!;
}
