import { createHmac } from 'node:crypto';
import { DomainError } from '../shared/errors.ts';
import { hexEqual } from './signature.ts';

/**
 * Merchant API authentication (every /v1 request):
 *
 *   Authorization: Bearer <keyId>:<hex HMAC-SHA256(apiSecret, t + "." + METHOD + "." + pathAndQuery + "." + rawBody)>
 *   Sandbox-Timestamp: <t, unix seconds, within ±300 s of the gateway's clock>
 *
 * The method and the path are signed too, so a captured signature of one request (a GET with an
 * empty body, say) cannot be replayed as another (POST …/cancel has an empty body as well). The
 * API secret itself never travels.
 */

export const MERCHANT_TOLERANCE_S = 300;

export function merchantSignature(secret: string, t: number, method: string, pathAndQuery: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${t}.${method.toUpperCase()}.${pathAndQuery}.`).update(rawBody).digest('hex');
}

export function merchantAuthHeaders(
  keyId: string,
  secret: string,
  method: string,
  pathAndQuery: string,
  rawBody: Buffer | string,
  now: Date = new Date(),
): { authorization: string; 'sandbox-timestamp': string } {
  const t = Math.floor(now.getTime() / 1000);
  return { authorization: `Bearer ${keyId}:${merchantSignature(secret, t, method, pathAndQuery, rawBody)}`, 'sandbox-timestamp': String(t) };
}

const unauthorized = (why: string) => new DomainError('unauthorized', why, 401);

/** Returns the authenticated key id or throws a 401 DomainError. Unknown key and bad signature look alike. */
export function verifyMerchant(
  keys: ReadonlyMap<string, string>,
  headers: { authorization?: string | undefined; 'sandbox-timestamp'?: string | string[] | undefined },
  method: string,
  pathAndQuery: string,
  rawBody: Buffer,
  now: Date,
): string {
  const auth = headers.authorization;
  const m = auth ? /^Bearer ([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64})$/.exec(auth) : null;
  if (!m) throw unauthorized('expected Authorization: Bearer <keyId>:<hex HMAC-SHA256>');
  const ts = headers['sandbox-timestamp'];
  if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts)) throw unauthorized('expected a Sandbox-Timestamp header (unix seconds)');
  const t = Number(ts);
  const nowS = Math.floor(now.getTime() / 1000);
  if (Math.abs(nowS - t) > MERCHANT_TOLERANCE_S) throw unauthorized(`Sandbox-Timestamp outside ±${MERCHANT_TOLERANCE_S} s of the gateway clock`);
  const keyId = m[1]!;
  const secret = keys.get(keyId);
  // Unknown keys still cost one HMAC, so timing does not tell which key ids exist.
  const expected = merchantSignature(secret ?? 'unknown-key', t, method, pathAndQuery, rawBody);
  if (!hexEqual(m[2]!, expected) || secret === undefined) throw unauthorized('bad API key or signature');
  return keyId;
}
