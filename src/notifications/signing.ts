// Standard Webhooks (https://www.standardwebhooks.com) symmetric signatures: HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>" with the base64-decoded part of a whsec_ secret,
// sent as "v1,<base64>" (space-separated when several keys are in rotation). Pure; no I/O.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
export const SECRET_BYTES = 32;
/** The spec's bounds on a symmetric key: at least 24 bytes, at most 64. */
const SECRET_BYTES_MIN = 24;
const SECRET_BYTES_MAX = 64;
export const TOLERANCE_S_DEFAULT = 300;
const SIGNATURE_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

/** A fresh endpoint secret: whsec_ + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');

/** The key bytes of a secret, with or without its whsec_ prefix; throws on a malformed one. */
export function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(b64)) throw new TypeError('webhook secret is not base64');
  const key = Buffer.from(b64, 'base64');
  if (key.length < SECRET_BYTES_MIN || key.length > SECRET_BYTES_MAX) throw new TypeError(`webhook secret must be ${SECRET_BYTES_MIN}..${SECRET_BYTES_MAX} bytes`);
  return key;
}

const unixSeconds = (t: number | Date): number => (typeof t === 'number' ? t : Math.floor(t.getTime() / 1000));

function mac(key: Buffer, id: string, timestampS: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestampS}.`).update(body).digest();
}

/** The webhook-signature value "v1,<base64 HMAC-SHA256>" for one message; timestamp in unix seconds (or a Date). */
export function signWebhook(secret: string, id: string, timestamp: number | Date, body: string | Uint8Array): string {
  const ts = unixSeconds(timestamp);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new TypeError('webhook timestamp must be a non-negative integer of seconds');
  // The id and timestamp are delimited by full stops: an id holding one could shift the boundary.
  if (id.length === 0 || id.includes('.')) throw new TypeError('webhook id must be non-empty and hold no "."');
  return `v1,${mac(secretKey(secret), id, ts, body).toString('base64')}`;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const h = headers as Record<string, string | string[] | undefined>;
  const v = h[name] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/**
 * True when the webhook-signature header holds at least one v1 signature that matches, made within
 * toleranceS seconds of now either way (a replayed or pre-dated message fails). Constant-time compare;
 * never throws on hostile input (a malformed secret is the caller's bug and does throw).
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  toleranceS: number = TOLERANCE_S_DEFAULT,
  now: Date = new Date(),
): boolean {
  const key = secretKey(secret);
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || id.includes('.') || !ts || !TIMESTAMP.test(ts) || !sigs) return false;
  const timestampS = Number(ts);
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestampS) > toleranceS) return false;
  const expected = mac(key, id, timestampS, body);
  let ok = false;
  for (const sig of sigs.split(' ')) {
    const comma = sig.indexOf(',');
    if (comma < 0 || sig.slice(0, comma) !== 'v1') continue;
    const b64 = sig.slice(comma + 1);
    if (!BASE64.test(b64)) continue;
    const given = Buffer.from(b64, 'base64');
    if (given.length !== SIGNATURE_BYTES) continue;
    // Keep checking the rest: how many signatures precede the good one is not leaked by timing.
    if (timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
