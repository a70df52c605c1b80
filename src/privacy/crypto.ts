// Envelope encryption and pseudonyms: pure functions over keys, no storage.
//
// A master key (config) derives, with HKDF-SHA256, one key per use: the key-encryption key that
// wraps every user's data key and every pseudonym key, the blind-index key for e-mail lookups, and
// the key that seals stored idempotent responses. Each user's personal fields are sealed with that
// user's own 256-bit data key under AES-256-GCM, the field's owner and name bound in as associated
// data so a ciphertext cannot be moved to another user or field. Destroying the data key makes every
// field sealed with it unreadable at once (crypto-shredding).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { DomainError } from '../shared/errors.ts';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed values are text: version prefix, then base64url of iv ‖ ciphertext ‖ tag. */
const SEALED_PREFIX = 'pii1.';

export type KeyUse = 'kek' | 'email-index' | 'idempotency' | 'chain-custody';

/** Parses a base64 (or base64url) 32-byte master key; throws a one-line error otherwise. */
export function parseMasterKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes in base64, got ${key.length}`);
  return key;
}

export const newKey = (): Buffer => randomBytes(KEY_BYTES);

export function deriveKey(master: Buffer, use: KeyUse): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `chainmall/${use}/v1`, KEY_BYTES));
}

/** AES-256-GCM of `plaintext` under `key`, bound to `aad`. */
export function seal(key: Buffer, plaintext: string | Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
}

export const isSealed = (v: unknown): v is string => typeof v === 'string' && v.startsWith(SEALED_PREFIX);

/** The plaintext of `sealed`; throws when the key, the associated data or any byte is wrong. */
export function open(key: Buffer, sealed: string, aad: string): Buffer {
  if (!isSealed(sealed)) throw new DomainError('privacy.not_sealed', 'the value is not a sealed field', 500);
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new DomainError('privacy.corrupt', 'a sealed field is truncated', 500);
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
}

/** A data key wrapped by the key-encryption key, bound to whose key it is. */
export const wrapKey = (kek: Buffer, key: Buffer, owner: string): string => seal(kek, key, `key:${owner}`);
export function unwrapKey(kek: Buffer, wrapped: string, owner: string): Buffer {
  const key = open(kek, wrapped, `key:${owner}`);
  if (key.length !== KEY_BYTES) throw new DomainError('privacy.corrupt', 'a wrapped key has the wrong length', 500);
  return key;
}

/**
 * The pseudonym of a subject reference ('user:usr_…' or 'visitor:vis_…') under pseudonym key
 * `version`: HMAC-SHA256, 128 bits kept. Stable while the key lives; unlinkable once it is deleted.
 */
export function pseudonymOf(key: Buffer, version: number, ref: string): string {
  return `ps${version}_${createHmac('sha256', key).update(ref, 'utf8').digest().subarray(0, 16).toString('hex')}`;
}

/** Blind index of a normalized e-mail: equality lookups without storing the address. */
export const blindIndex = (key: Buffer, value: string): string => createHmac('sha256', key).update(value, 'utf8').digest('hex');
