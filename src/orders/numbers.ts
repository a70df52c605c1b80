// Human-readable order numbers: CM-<UTC date YYYYMMDD>-<7 Crockford base32 symbols><check symbol>,
// e.g. CM-20261125-7K3QX9MB. Pure given the date and the source (random bytes or a sequence value).
// The check symbol is Luhn mod 32 over the date digits and the body, so every single-symbol
// substitution (and most adjacent swaps) is caught before a lookup.
import { randomBytes } from 'node:crypto';
import { assert } from '../shared/assert.ts';

/** Crockford base32: no I, L, O, U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE = 32;
export const ORDER_NUMBER_PREFIX = 'CM';
/** 7 symbols = 35 bits: about 3.4e10 numbers per day. Uniqueness is still enforced by the store. */
export const ORDER_NUMBER_BODY_CHARS = 7;
const BODY_BITS = 35n;
const BODY_SPACE = 1n << BODY_BITS;
/** Random sources must give at least this many bytes (35 of their 40 bits are used). */
export const ORDER_NUMBER_RANDOM_BYTES = 5;
// Sequence values are mixed with an odd multiplier mod 2^35 (a bijection), so consecutive orders do
// not get visibly consecutive numbers. This is mixing, not secrecy: it is public and reversible.
const MIX = 0x5_b3c5_a7d5n; // odd
const MIX_OFFSET = 0x3_1f5e_9c21n;

export type OrderNumberSource = { random: Uint8Array } | { sequence: bigint };

export interface ParsedOrderNumber {
  /** The canonical spelling (upper case, no look-alike symbols). */
  number: string;
  /** The UTC calendar date, YYYY-MM-DD. */
  date: string;
  /** The 7 body symbols. */
  body: string;
  /** The 35-bit body value. */
  value: bigint;
}

const SHAPE = /^CM-(\d{8})-([0-9A-HJKMNP-TV-Z]{8})$/;

const symbolValue = (c: string): number => ALPHABET.indexOf(c);

/** Luhn mod N (N = 32) check symbol over `payload`, every symbol of which is in ALPHABET. */
function checkSymbol(payload: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i--) {
    const v = symbolValue(payload[i]!);
    assert(v >= 0, `order number: ${payload[i]} is not a Crockford symbol`);
    const addend = factor * v;
    sum += Math.floor(addend / BASE) + (addend % BASE);
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(BASE - (sum % BASE)) % BASE]!;
}

function utcDate(d: Date): string {
  assert(Number.isFinite(d.getTime()), 'order number: invalid date');
  const y = d.getUTCFullYear();
  assert(y >= 1000 && y <= 9999, `order number: year ${y} has not 4 digits`);
  return `${y}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

function bodyValue(source: OrderNumberSource): bigint {
  if ('random' in source) {
    assert(source.random.length >= ORDER_NUMBER_RANDOM_BYTES, `order number: need ${ORDER_NUMBER_RANDOM_BYTES} random bytes`);
    let v = 0n;
    for (let i = 0; i < ORDER_NUMBER_RANDOM_BYTES; i++) v = (v << 8n) | BigInt(source.random[i]!);
    return v >> (BigInt(ORDER_NUMBER_RANDOM_BYTES * 8) - BODY_BITS);
  }
  assert(source.sequence >= 0n && source.sequence < BODY_SPACE, 'order number: sequence out of range');
  return (source.sequence * MIX + MIX_OFFSET) % BODY_SPACE;
}

function encodeBody(v: bigint): string {
  let s = '';
  for (let i = 0; i < ORDER_NUMBER_BODY_CHARS; i++) {
    s = ALPHABET[Number(v % 32n)]! + s;
    v /= 32n;
  }
  assert(v === 0n, 'order number: body overflow');
  return s;
}

/** The order number for `date` (its UTC day) and a random or sequence source. Pure. */
export function orderNumber(date: Date, source: OrderNumberSource): string {
  const day = utcDate(date);
  const body = encodeBody(bodyValue(source));
  return `${ORDER_NUMBER_PREFIX}-${day}-${body}${checkSymbol(day + body)}`;
}

/** The one impure convenience: a random order number for `now`. */
export const randomOrderNumber = (now: Date): string => orderNumber(now, { random: new Uint8Array(randomBytes(ORDER_NUMBER_RANDOM_BYTES)) });

/**
 * Reads an order number as a person may type it (any case; O for 0; I or L for 1; spaces
 * around it) and returns it canonical, or null if it is malformed, names no real date, or
 * its check symbol does not match. Never throws.
 */
export function parseOrderNumber(text: unknown): ParsedOrderNumber | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const t = text.trim().toUpperCase();
  if (!t.startsWith(`${ORDER_NUMBER_PREFIX}-`)) return null;
  const norm = ORDER_NUMBER_PREFIX + t.slice(ORDER_NUMBER_PREFIX.length).replace(/O/g, '0').replace(/[IL]/g, '1');
  const m = SHAPE.exec(norm);
  if (!m) return null;
  const day = m[1]!;
  const code = m[2]!;
  const iso = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`;
  const when = new Date(`${iso}T00:00:00Z`);
  if (!Number.isFinite(when.getTime()) || when.toISOString().slice(0, 10) !== iso) return null;
  const body = code.slice(0, ORDER_NUMBER_BODY_CHARS);
  if (checkSymbol(day + body) !== code.slice(ORDER_NUMBER_BODY_CHARS)) return null;
  let value = 0n;
  for (const c of body) value = value * 32n + BigInt(symbolValue(c));
  return { number: norm, date: iso, body, value };
}
