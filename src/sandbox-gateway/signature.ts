import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Callback signatures, Stripe style: `Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>`.
 * The algorithm is fixed here (never read from the message); several v1 values are accepted
 * (secret rotation); unknown keys (v0, …) are ignored.
 */

export type SandboxSignatureReason = 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'future_timestamp' | 'bad_signature';

export class SandboxSignatureError extends Error {
  override name = 'SandboxSignatureError';
  constructor(
    readonly reason: SandboxSignatureReason,
    message: string,
  ) {
    super(message);
  }
}

export const SIGNATURE_TOLERANCE_S = 300;
const SIGNATURES_MAX = 8;

/** hex HMAC-SHA256(secret, t + "." + rawBody). */
export function signSandboxPayload(secret: string, t: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
}

/** The Sandbox-Signature header value for a body sent at `now`. */
export function sandboxSignatureHeader(secret: string, rawBody: Buffer | string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${signSandboxPayload(secret, t, rawBody)}`;
}

/** hex strings of equal length compared in constant time; false on any malformation. */
export function hexEqual(a: string, b: string): boolean {
  if (a.length !== b.length || !/^[0-9a-f]+$/.test(a) || !/^[0-9a-f]+$/.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * Verifies a callback before anything in it is trusted: the header's form, a two-sided timestamp
 * window, then the HMAC over the raw bytes as received. Throws SandboxSignatureError with a reason.
 */
export function verifySandboxSignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  opts: { toleranceS?: number; now?: Date } = {},
): void {
  if (header === undefined || header.trim() === '') throw new SandboxSignatureError('missing_signature', 'no Sandbox-Signature header');
  if (header.length > 1024) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature header too long');
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: expected k=v pairs');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(v)) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: one numeric t expected');
      t = Number(v);
    } else if (k === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(v)) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: v1 must be 64 lowercase hex digits');
      v1.push(v);
    }
  }
  if (t === undefined) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: no timestamp');
  if (v1.length === 0) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: no v1 signature');
  if (v1.length > SIGNATURES_MAX) throw new SandboxSignatureError('malformed_signature', 'Sandbox-Signature: too many signatures');
  const toleranceS = opts.toleranceS ?? SIGNATURE_TOLERANCE_S;
  const nowS = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (nowS - t > toleranceS) throw new SandboxSignatureError('stale_timestamp', `Sandbox-Signature: timestamp ${nowS - t} s old (tolerance ${toleranceS} s)`);
  if (t - nowS > toleranceS) throw new SandboxSignatureError('future_timestamp', `Sandbox-Signature: timestamp ${t - nowS} s in the future (tolerance ${toleranceS} s)`);
  const expected = signSandboxPayload(secret, t, rawBody);
  let ok = false;
  for (const candidate of v1) ok = hexEqual(candidate, expected) || ok; // every candidate compared: no early exit
  if (!ok) throw new SandboxSignatureError('bad_signature', 'Sandbox-Signature: no signature matches');
}
