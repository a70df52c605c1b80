// Pure rules of sponsored listings: campaign input checks, the signed impression token, day keys, cursors.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { assert } from '../shared/assert.ts';
import { DomainError, badRequest as bad } from '../shared/errors.ts';

export const CAMPAIGN_STATUSES = ['active', 'paused', 'ended', 'exhausted'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const NAME_CHARS_MAX = 80;
export const PRODUCTS_MAX = 20;
export const KEYWORDS_MAX = 50;
export const KEYWORD_CHARS_MAX = 60;
export const CATEGORIES_MAX = 20;
/** 1 000 000.00 in a 2-digit currency: a bid above it is a typo. */
export const BID_MAX = 100_000_000;
export const BUDGET_MAX = 1_000_000_000_000;
export const LIMIT_DEFAULT = 50;
export const LIMIT_MAX = 200;
/** An impression token can be clicked for this long after the slot was served. */
export const TOKEN_TTL_MS = 60 * 60_000;
/** A second click by the same viewer on the same campaign and product within this window is free. */
export const DEDUPE_WINDOW_MS = 30 * 60_000;
/** Orders by the clicker within this time after a charged click count as attributed sales. */
export const ATTRIBUTION_MS = 7 * 86_400_000;


export const newCampaignId = () => `adc_${randomBytes(12).toString('hex')}`;
export const newClickId = () => `adk_${randomBytes(12).toString('hex')}`;

/** UTC calendar day of an instant, "2026-11-26": the key of daily budgets and stats. */
export const dayKey = (d: Date) => d.toISOString().slice(0, 10);

/** A whole number of minor units in 1..max, as a decimal string or a safe integer. */
export function parseMinor(v: unknown, what: string, max: number): number {
  const n = typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : typeof v === 'number' && Number.isSafeInteger(v) ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw bad('ads.bad_amount', `${what} must be a whole number of minor units in 1..${max}`);
  return n;
}

export function parseName(v: unknown): string {
  if (typeof v !== 'string') throw bad('ads.bad_name', 'name must be a string');
  const t = v.trim();
  if ([...t].length < 1 || [...t].length > NAME_CHARS_MAX) throw bad('ads.bad_name', `name must be 1..${NAME_CHARS_MAX} characters`);
  if (/\p{Cc}/u.test(t)) throw bad('ads.bad_name', 'name must not contain control characters');
  return t;
}

function idList(v: unknown, what: string, max: number, min: number): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(x))) throw bad(`ads.bad_${what}`, `${what} must be a list of ids`);
  const list = [...new Set(v as string[])];
  if (list.length < min || list.length > max) throw bad(`ads.bad_${what}`, `${what} must hold ${min}..${max} ids`);
  return list;
}

export const parseProductIds = (v: unknown) => idList(v, 'products', PRODUCTS_MAX, 1);
export const parseCategoryIds = (v: unknown) => idList(v ?? [], 'categories', CATEGORIES_MAX, 0);

/** Keywords trimmed, lower-cased (NFKC), deduplicated; each 1..60 characters of text. */
export function parseKeywords(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad('ads.bad_keywords', 'keywords must be a list of strings');
  const list = [...new Set((v as string[]).map((k) => k.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ')))];
  if (list.length > KEYWORDS_MAX) throw bad('ads.bad_keywords', `at most ${KEYWORDS_MAX} keywords`);
  for (const k of list) {
    if (k.length < 1 || [...k].length > KEYWORD_CHARS_MAX || /\p{Cc}/u.test(k) || !/[\p{L}\p{N}]/u.test(k)) {
      throw bad('ads.bad_keywords', `a keyword must be 1..${KEYWORD_CHARS_MAX} characters with a letter or digit`);
    }
  }
  return list;
}

export function parseInstant(v: unknown, what: string): string {
  const d = typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw bad('ads.bad_schedule', `${what} must be an RFC 3339 date-time`);
  return d.toISOString();
}

/** Targeting needs something to match: a campaign with neither keywords nor categories would never show. */
export function checkTargeting(keywords: readonly string[], categoryIds: readonly string[]): void {
  if (keywords.length === 0 && categoryIds.length === 0) throw bad('ads.no_targeting', 'give at least one keyword or category');
}

export function checkBudgets(c: { bidMinor: number; dailyBudgetMinor: number; totalBudgetMinor: number }): void {
  if (c.dailyBudgetMinor < c.bidMinor) throw bad('ads.bad_budget', 'the daily budget must cover at least one click at the bid');
  if (c.totalBudgetMinor < c.dailyBudgetMinor) throw bad('ads.bad_budget', 'the total budget must be at least the daily budget');
}

export function checkSchedule(startsAt: string, endsAt: string | null): void {
  if (endsAt !== null && Date.parse(endsAt) <= Date.parse(startsAt)) throw bad('ads.bad_schedule', 'endsAt must be after startsAt');
}

// ---------------------------------------------------------------- impression tokens

/** The HMAC key of impression tokens, derived from the master key (HKDF-SHA256, its own label). */
export const adsTokenKey = (master: Buffer): Buffer => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'chainmall/ads-impression/v1', 32));

export interface Impression {
  campaignId: string;
  productId: string;
  priceMinor: number;
  /** 'u:<userId>', 'v:<visitorId>', or '' for a viewer without identity. */
  viewer: string;
  /** ms since the epoch, when served. */
  at: number;
}

const TOKEN_PREFIX = 'ai1.';

/** ai1.<base64url JSON>.<base64url HMAC-SHA256(key, "ai1." + payload)>: opaque to clients, verified on click. */
export function signImpression(key: Buffer, imp: Impression): string {
  assert(key.length >= 32, 'ads: token key too short');
  const payload = Buffer.from(JSON.stringify({ c: imp.campaignId, p: imp.productId, pr: imp.priceMinor, v: imp.viewer, t: imp.at }), 'utf8').toString('base64url');
  const mac = createHmac('sha256', key).update(TOKEN_PREFIX + payload).digest('base64url');
  return `${TOKEN_PREFIX}${payload}.${mac}`;
}

/** The impression a token carries, or null if it is not one this server signed (forged or mangled). */
export function verifyImpression(key: Buffer, token: unknown): Impression | null {
  if (typeof token !== 'string' || token.length > 2048 || !token.startsWith(TOKEN_PREFIX)) return null;
  const rest = token.slice(TOKEN_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return null;
  const payload = rest.slice(0, dot);
  const mac = Buffer.from(rest.slice(dot + 1), 'base64url');
  const want = createHmac('sha256', key).update(TOKEN_PREFIX + payload).digest();
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) return null;
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const { c, p, pr, v, t } = o as Record<string, unknown>;
  if (typeof c !== 'string' || typeof p !== 'string' || typeof v !== 'string' || !Number.isSafeInteger(pr) || !Number.isSafeInteger(t) || (pr as number) < 1) return null;
  return { campaignId: c, productId: p, priceMinor: pr as number, viewer: v, at: t as number };
}

/** Who looks: the signed-in user, else the cm_visitor cookie, else nobody. */
export const viewerOf = (s: { userId?: string; visitorId?: string } | null): string =>
  s?.userId !== undefined ? `u:${s.userId}` : s?.visitorId !== undefined ? `v:${s.visitorId}` : '';

/** Clicks store a keyed hash of the viewer: dedupe works, the raw ids stay out of the table. */
export const viewerKey = (key: Buffer, viewer: string): string => createHmac('sha256', key).update(`viewer:${viewer}`).digest('hex').slice(0, 40);

// ---------------------------------------------------------------- pages

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) throw bad('ads.bad_limit', `limit must be in 1..${LIMIT_MAX}`);
  return limit;
}

export const encodeCursor = (seq: number) => Buffer.from(`a1:${seq}`, 'latin1').toString('base64url');

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^a1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('ads.bad_cursor', 'cursor is not one this API handed out');
  return n;
}
