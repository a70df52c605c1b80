// Pure rules of the catalog: no I/O. Parsing of user input (slugs, URLs, prices, options, terms),
// search words, cursors and the commission resolution order.
import { randomBytes } from 'node:crypto';
import { DomainError } from '../shared/errors.ts';
import type { Page, PageRequest } from '../shared/index.ts';
export type { Page, PageRequest };

export const DEFAULT_CURRENCY = 'CNY';
export const NAME_CHARS_MAX = 100;
export const TITLE_CHARS_MAX = 200;
export const DESCRIPTION_CHARS_MAX = 10_000;
export const SLUG_CHARS_MAX = 64;
export const SKU_CHARS_MAX = 64;
export const ALT_CHARS_MAX = 200;
export const URL_CHARS_MAX = 2048;
export const OPTIONS_MAX = 10;
export const OPTION_VALUE_CHARS_MAX = 64;
export const IMAGES_PER_PRODUCT_MAX = 20;
export const VARIANTS_PER_PRODUCT_MAX = 100;
export const SEARCH_WORDS_MAX = 8;
export const SEARCH_WORD_CHARS_MAX = 64;
export const BPS_MAX = 10_000;
export const TERM_DAYS_MAX = 90;
export const UNPAID_LIMIT_MAX = 100;
export const LIMIT_DEFAULT = 50;
export const LIMIT_MAX = 200;
export const CHECKOUT_VARIANTS_MAX = 500;
export const PRICE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

export const DEFAULT_MERCHANT_TERMS = Object.freeze({ autoConfirmDays: 10, reviewDays: 7, paymentDays: 7 });
export const DEFAULT_COMMISSION_BPS = 500;
export const DEFAULT_UNPAID_LIMIT = 3;

export const MERCHANT_STATUSES = ['active', 'suspended'] as const;
export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export const VARIANT_STATUSES = ['active', 'archived'] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export type VariantStatus = (typeof VARIANT_STATUSES)[number];

export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SKU = /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/;
const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Ids made here and accepted from other modules: `<prefix>_<32 hex>`. */
export const ID = /^[a-z]{3}_[0-9a-f]{32}$/;

export { newId } from '../shared/ids.ts';

const bad = (code: string, message: string) => new DomainError(code, message, 400);
const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v === 'bigint' ? `${v}n` : String(v));

export function isStatus<T extends string>(list: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (list as readonly string[]).includes(v);
}

/** Trimmed, non-empty, at most max characters; control characters refused. */
export function parseText(v: unknown, what: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string') throw bad('catalog.bad_text', `${what} must be a string`);
  const s = v.normalize('NFC').trim();
  if (!allowEmpty && s.length === 0) throw bad('catalog.bad_text', `${what} must not be empty`);
  if (s.length > max) throw bad('catalog.bad_text', `${what} is longer than ${max} characters`);
  // Newlines and tabs are fine in a description; other control characters never are.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) throw bad('catalog.bad_text', `${what} contains control characters`);
  return s;
}

/** "Crème Brûlée Shop!" → "creme-brulee-shop"; '' when nothing Latin or digit is left (e.g. all CJK). */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_CHARS_MAX)
    .replace(/-+$/, '');
}

export function parseSlug(v: unknown): string {
  if (typeof v !== 'string' || v.length > SLUG_CHARS_MAX || !SLUG.test(v)) {
    throw bad('catalog.bad_slug', `slug must be lower-case letters and digits separated by single dashes, at most ${SLUG_CHARS_MAX} characters (got ${describe(v)})`);
  }
  return v;
}

/** A slug from the given one or the name; a random one when the name has no usable characters. */
export function slugFor(given: unknown, name: string): string {
  if (given !== undefined) return parseSlug(given);
  const s = slugify(name);
  return s.length > 0 ? s : `m-${randomBytes(4).toString('hex')}`;
}

/** An absolute http(s) URL without credentials, normalized by WHATWG URL. */
export function parseImageUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > URL_CHARS_MAX) {
    throw bad('catalog.bad_image_url', `image url must be a string of 1..${URL_CHARS_MAX} characters`);
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad('catalog.bad_image_url', `image url ${describe(v)} is not an absolute URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('catalog.bad_image_url', `image url must be https or http (got ${u.protocol})`);
  if (u.hostname === '') throw bad('catalog.bad_image_url', 'image url needs a host');
  if (u.username !== '' || u.password !== '') throw bad('catalog.bad_image_url', 'image url must not carry credentials');
  if (u.href.length > URL_CHARS_MAX) throw bad('catalog.bad_image_url', `image url is longer than ${URL_CHARS_MAX} characters`);
  return u.href;
}

/** A price in integer minor units: positive, at most 2^53−1; a bigint, a safe integer or a decimal string. */
export function parsePrice(v: unknown): bigint {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^[0-9]{1,16}$/.test(v)) n = BigInt(v);
  if (n === undefined || n <= 0n || n > PRICE_MAX) {
    throw bad('catalog.bad_price', `priceMinor must be a positive whole number of minor units, e.g. "4990" (got ${describe(v)})`);
  }
  return n;
}

export function parseSku(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > SKU_CHARS_MAX || !SKU.test(v)) {
    throw bad('catalog.bad_sku', `sku must be 1..${SKU_CHARS_MAX} letters, digits, '.', '_', '/' or '-' (got ${describe(v)})`);
  }
  return v;
}

/** Variant options: a flat object of short string values; returned with sorted keys. */
export function parseOptions(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) {
    throw bad('catalog.bad_options', 'options must be an object like {"color":"red","size":"L"}');
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > OPTIONS_MAX) throw bad('catalog.bad_options', `at most ${OPTIONS_MAX} options`);
  const out: Record<string, string> = {};
  for (const [k, x] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!OPTION_KEY.test(k)) throw bad('catalog.bad_options', `option name ${describe(k)} must be a letter then letters, digits or '_'`);
    out[k] = parseText(x, `option ${k}`, OPTION_VALUE_CHARS_MAX);
  }
  return out;
}

export function parseBps(v: unknown, what = 'commissionBps'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > BPS_MAX) {
    throw bad('catalog.bad_commission', `${what} must be a whole number of basis points in 0..${BPS_MAX} (got ${describe(v)})`);
  }
  return v;
}

export function parseDays(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > TERM_DAYS_MAX) {
    throw bad('catalog.bad_terms', `${what} must be a whole number of days in 1..${TERM_DAYS_MAX} (got ${describe(v)})`);
  }
  return v;
}

export function parseUnpaidLimit(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > UNPAID_LIMIT_MAX) {
    throw bad('catalog.bad_unpaid_limit', `unpaidLimit must be a whole number in 0..${UNPAID_LIMIT_MAX} (got ${describe(v)})`);
  }
  return v;
}

// ---------------------------------------------------------------- search

/**
 * The words of a text as both engines will index them: NFKC, lower case, maximal runs of letters,
 * marks and digits. The service stores these words space-separated, so SQLite FTS5 (unicode61) and
 * PostgreSQL to_tsvector('simple') see the same tokens and a query word matches on both or neither.
 */
export function searchWords(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).filter((w) => w.length <= SEARCH_WORD_CHARS_MAX);
}

/** The indexed text of a product: unique words of its title, description and SKUs, in order of first use. */
export function searchDocument(title: string, description: string, skus: readonly string[]): string {
  return [...new Set(searchWords([title, description, ...skus].join(' ')))].join(' ');
}

/** The query's words (all must match), or null when it has none. */
export function queryWords(q: string): string[] | null {
  const words = [...new Set(searchWords(q))].slice(0, SEARCH_WORDS_MAX);
  return words.length > 0 ? words : null;
}

/** FTS5 MATCH expression: each word as a quoted string, implicitly ANDed. Words hold no quotes. */
export const ftsQuery = (words: readonly string[]) => words.map((w) => `"${w}"`).join(' ');
/** websearch_to_tsquery input: quoted words, so that "or" or a leading "-" stays a plain word. */
export const tsQuery = (words: readonly string[]) => words.map((w) => `"${w}"`).join(' ');

// ---------------------------------------------------------------- pages



/** An opaque cursor: base64url of the last row's sequence number, tagged so that garbage is refused. */
export const encodeCursor = (seq: number): string => Buffer.from(`c1:${seq}`).toString('base64url');

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^c1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('catalog.bad_cursor', 'cursor is not one this API handed out');
  return n;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) throw bad('catalog.bad_limit', `limit must be in 1..${LIMIT_MAX}`);
  return limit;
}

/** Rows fetched with limit + 1 (sorted by seq): the page, and a cursor when there is more. */
export function pageOf<R extends { seq: number }, T>(rows: R[], limit: number, map: (rows: R[]) => T[]): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: map(kept), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.seq) : null };
}

// ---------------------------------------------------------------- commission

export interface CommissionRuleFact {
  merchantId: string | null;
  categoryId: string;
  bps: number;
}

/**
 * The commission for a sale, most specific rule first: for the product's category, then each
 * ancestor up to the root, a rule for this merchant and that category beats a rule for that
 * category and any merchant; with no rule at any level, the merchant's own commission_bps.
 * chain: the category id and its ancestors, nearest first ([] for an uncategorized product).
 */
export function resolveCommission(chain: readonly string[], rules: readonly CommissionRuleFact[], merchantId: string, merchantBps: number): number {
  for (const categoryId of chain) {
    const own = rules.find((r) => r.categoryId === categoryId && r.merchantId === merchantId);
    if (own) return own.bps;
    const any = rules.find((r) => r.categoryId === categoryId && r.merchantId === null);
    if (any) return any.bps;
  }
  return merchantBps;
}

/** The category and its ancestors, nearest first; stops at a cycle or unknown parent (bounded by the map size). */
export function ancestry(categoryId: string, parentOf: ReadonlyMap<string, string | null>): string[] {
  const chain: string[] = [];
  let at: string | null | undefined = categoryId;
  while (at != null && parentOf.has(at) && !chain.includes(at)) {
    chain.push(at);
    at = parentOf.get(at);
  }
  return chain;
}
