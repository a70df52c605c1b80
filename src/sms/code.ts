// Pure pieces of SMS one-time codes: generation, hashing, the message text, the payment threshold.
import { createHash, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

/** What a code may authorize; each purpose has its own open code and its own rate limit. */
export const SMS_PURPOSES = ['wallet_payment'] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];
const PURPOSE_TEXT: Record<SmsPurpose, string> = { wallet_payment: 'confirm a wallet payment' };

export const isSmsPurpose = (p: string): p is SmsPurpose => (SMS_PURPOSES as readonly string[]).includes(p);

export const CODE_DIGITS = 6;
/** The context a code is bound to: printable ASCII without spaces, e.g. 'checkout:<sha256>' or 'order:<id>'. */
export const CONTEXT_PATTERN = '^[\\x21-\\x7e]{1,256}$';
const CONTEXT = new RegExp(CONTEXT_PATTERN);
export const isSmsContext = (c: string) => CONTEXT.test(c);
const CODE = /^[0-9]{6}$/;
export const isCodeShaped = (c: string) => CODE.test(c);

/** Six uniformly random digits (leading zeros kept). */
export const newCode = (): string => String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');

export const contextHash = (context: string): string => createHash('sha256').update(`chainmall.sms.context\u0000${context}`).digest('hex');

/**
 * scrypt (N=2^14, r=8, p=1: 16 MiB, tens of milliseconds) of the code, salted with the code's id and
 * the context it authorizes: a stolen row cannot be replayed for another payment, and the million
 * candidates of a six-digit code cost hours of scrypt, far beyond the code's five minutes of life.
 */
export const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
export function codeHash(code: string, codeId: string, context: string): Promise<Buffer> {
  const salt = `chainmall.sms.v1\u0000${codeId}\u0000${context}`;
  return new Promise((resolve, reject) => scrypt(code, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Constant-time comparison of two hashes (false on a length mismatch). */
export const sameHash = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

export const smsText = (purpose: SmsPurpose, code: string, ttlMs: number): string =>
  `chainmall: ${code} is your code to ${PURPOSE_TEXT[purpose]}. It expires in ${Math.round(ttlMs / 60_000)} minutes. Never share it.`;

/** A wallet payment strictly above the threshold (integer minor units) needs an SMS code. */
export const needsSmsCode = (amountMinor: bigint, thresholdMinor: number | bigint): boolean => amountMinor > BigInt(thresholdMinor);
