// Helpers shared by the provider adapters: hostile-input parsing that only ever throws
// CallbackRejected, key loading (cached), decimal amounts without floats. Pure; no I/O.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CallbackRejected, type RejectReason, type RawCallback } from './types.ts';

export const reject = (reason: RejectReason, message: string): never => {
  throw new CallbackRejected(reason, message);
};

/** Callbacks are small; anything bigger is refused before any work is done. */
export const BODY_BYTES_MAX = 256 * 1024;
/** No signature header we accept is anywhere near this long. */
export const HEADER_CHARS_MAX = 8192;

export function checkBody(raw: RawCallback): Buffer {
  if (raw === null || typeof raw !== 'object' || !Buffer.isBuffer(raw.body)) reject('malformed_body', 'callback body is not bytes');
  if (raw.body.length > BODY_BYTES_MAX) reject('body_too_large', `callback body over ${BODY_BYTES_MAX} bytes`);
  return raw.body;
}

/**
 * One header's value, looked up case-insensitively. A header sent twice (an array of several
 * values) is ambiguous and refused; an over-long one too.
 */
export function header(raw: RawCallback, name: string): string | undefined {
  const h = raw?.headers;
  if (h === null || typeof h !== 'object') return undefined;
  const lower = name.toLowerCase();
  let v: string | string[] | undefined = Object.prototype.hasOwnProperty.call(h, lower) ? h[lower] : undefined;
  if (v === undefined) {
    for (const k of Object.keys(h)) if (k.toLowerCase() === lower) { v = h[k]; break; }
  }
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length !== 1) reject('malformed_signature', `header ${name} sent ${v.length} times`);
    v = v[0];
  }
  if (typeof v !== 'string') reject('malformed_signature', `header ${name} is not text`);
  if ((v as string).length > HEADER_CHARS_MAX) reject('malformed_signature', `header ${name} too long`);
  return v as string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Strict standard base64 (padded), or null. Node's decoder silently skips junk; we do not. */
export function strictBase64(s: string, maxChars = 4096): Buffer | null {
  if (s.length === 0 || s.length > maxChars || !BASE64.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  // Canonical only: the padding bits of the last character must be zero, so one value has one spelling
  // (otherwise "…Q==" and "…S==" decode alike and a changed byte would still verify).
  return b.toString('base64') === s ? b : null;
}

const UNIX_SECONDS = /^[0-9]{1,12}$/;
export function unixSeconds(s: string): number | null {
  return UNIX_SECONDS.test(s) ? Number(s) : null;
}

/** A two-sided window: signed within toleranceS seconds of now, either way. */
export function checkWindow(timestampS: number, now: Date | undefined, toleranceS: number): void {
  const nowS = Math.floor((now ?? new Date()).getTime() / 1000);
  if (timestampS < nowS - toleranceS) reject('stale_timestamp', `signed ${nowS - timestampS} s ago (tolerance ${toleranceS} s)`);
  if (timestampS > nowS + toleranceS) reject('future_timestamp', `signed ${timestampS - nowS} s in the future (tolerance ${toleranceS} s)`);
}

export function checkTolerance(toleranceS: number | undefined, fallback: number): number {
  const t = toleranceS ?? fallback;
  if (!Number.isSafeInteger(t) || t <= 0) throw new TypeError('toleranceS must be a positive integer of seconds');
  return t;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
export function utf8(body: Buffer): string {
  try {
    return fatalUtf8.decode(body);
  } catch {
    return reject('malformed_body', 'body is not UTF-8');
  }
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return reject('malformed_body', `${what} is not JSON`);
  }
  return asObject(v, what);
}

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) reject('malformed_body', `${what} is not an object`);
  return v as Record<string, unknown>;
}

/** A required non-empty string field of at most maxChars. */
export function field(o: Record<string, unknown>, key: string, what: string, maxChars = 256): string {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (v === undefined || v === null || v === '') reject('missing_field', `${what}.${key} missing`);
  if (typeof v !== 'string' || v.length > maxChars) reject('malformed_body', `${what}.${key} is not a string of at most ${maxChars} characters`);
  return v as string;
}

export function optionalField(o: Record<string, unknown>, key: string, what: string, maxChars = 256): string | null {
  const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (v === undefined || v === null || v === '') return null;
  return field(o, key, what, maxChars);
}

/** An ISO 8601 instant in UTC from a provider's time string, or null when it does not parse. */
export function isoOrNull(s: string | null): string | null {
  if (s === null || s.length > 64) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

// ---- amounts ----

/** Providers' amount bound: Alipay caps a trade at 100,000,000.00 yuan; we allow a margin. */
const DECIMAL_AMOUNT = /^(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,2}))?$/;

/**
 * A provider's decimal major-unit string ("0.01", "100", "1.5") as exact minor units (2 decimals).
 * No floats: "1.005", "-1", "1e3", " 1", "01" and "1." are refused (null).
 */
export function minorFromDecimal(s: string): bigint | null {
  if (typeof s !== 'string') return null;
  const m = DECIMAL_AMOUNT.exec(s);
  if (!m) return null;
  const whole = BigInt(m[1]!);
  const frac = (m[2] ?? '').padEnd(2, '0');
  return whole * 100n + BigInt(frac);
}

/** Minor units as a 2-decimal major-unit string: 1n → "0.01", 10000n → "100.00". */
export function decimalFromMinor(minor: bigint): string {
  if (typeof minor !== 'bigint' || minor < 0n) throw new TypeError('amount must be a non-negative bigint of minor units');
  const s = minor.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** An integer minor-unit amount from JSON (WeChat fen, Stripe cents): a non-negative safe integer. */
export function minorFromJsonInteger(v: unknown): bigint | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
}

const CURRENCY = /^[A-Za-z]{3}$/;
export function currencyOrNull(v: unknown): string | null {
  return typeof v === 'string' && CURRENCY.test(v) ? v.toUpperCase() : null;
}

// ---- keys ----

const KEY_CACHE_MAX = 64;
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new Map<string, KeyObject>();

function remember(cache: Map<string, KeyObject>, k: string, v: KeyObject): KeyObject {
  if (cache.size >= KEY_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(k, v);
  return v;
}

/**
 * A public key from PEM (SPKI or a certificate) or bare base64 of SPKI DER (how Alipay hands
 * out its public key). Cached: parsing a key costs more than verifying with it. Throws TypeError
 * on a malformed key: that is a configuration bug, not hostile input.
 */
export function publicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  const hit = publicKeys.get(key);
  if (hit) return hit;
  const k = key.includes('-----BEGIN')
    ? createPublicKey(key)
    : createPublicKey({ key: Buffer.from(key.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  return remember(publicKeys, key, k);
}

/** A private key from PEM or bare base64 of PKCS#8 (or PKCS#1) DER. Cached. */
export function privateKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  const hit = privateKeys.get(key);
  if (hit) return hit;
  let k: KeyObject;
  if (key.includes('-----BEGIN')) k = createPrivateKey(key);
  else {
    const der = Buffer.from(key.replace(/\s+/g, ''), 'base64');
    try {
      k = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      k = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    }
  }
  return remember(privateKeys, key, k);
}
