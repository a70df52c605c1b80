import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with node:crypto scrypt. A stored hash is a PHC-style string that carries its own
 * parameters and salt, so the cost can be raised later without invalidating existing hashes:
 *
 *   $scrypt$ln=15,r=8,p=3$<salt, base64 unpadded>$<32-byte key, base64 unpadded>
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** OWASP's scrypt row "N=2^15 (32 MiB), r=8, p=3". */
export const SCRYPT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 3 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
// Bounds on what a stored hash may ask for: a tampered row must not make a login allocate gigabytes.
const LN_RANGE = [10, 20] as const;
const R_RANGE = [1, 32] as const;
const P_RANGE = [1, 16] as const;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{40,})$/;

const within = (v: number, [lo, hi]: readonly [number, number]) => Number.isInteger(v) && v >= lo && v <= hi;

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams, keylen: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) =>
    // Unicode passwords compare by meaning, not by the keyboard's choice of code points.
    scrypt(password.normalize('NFKC'), salt, keylen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

interface Parsed extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

export function parseHash(stored: string): Parsed | null {
  const m = FORMAT.exec(stored);
  if (!m) return null;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!within(ln, LN_RANGE) || !within(r, R_RANGE) || !within(p, P_RANGE)) return null;
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  if (salt.length < SALT_BYTES || key.length < KEY_BYTES) return null;
  return { ln, r, p, salt, key };
}

export interface Verdict {
  ok: boolean;
  /** The hash uses weaker parameters than today's: store a fresh one now that the password is known. */
  rehash: boolean;
}

/** Timing-safe. An unparseable stored hash never matches (and is not an exception: it is data). */
export async function verifyPassword(password: string, stored: string, current: ScryptParams = SCRYPT_PARAMS): Promise<Verdict> {
  const h = parseHash(stored);
  if (!h) return { ok: false, rehash: false };
  const key = await derive(password, h.salt, h, h.key.length);
  const ok = timingSafeEqual(key, h.key);
  const weaker = h.ln < current.ln || h.r < current.r || h.p < current.p || h.key.length < KEY_BYTES;
  return { ok, rehash: ok && weaker };
}

const dummies = new Map<string, Promise<string>>();
/**
 * A real hash of a password nobody knows, to verify against when the account does not exist: an
 * unknown e-mail then costs the same scrypt work as a wrong password, so timing does not tell them apart.
 */
export function dummyHash(params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const id = `${params.ln},${params.r},${params.p}`;
  let h = dummies.get(id);
  if (!h) dummies.set(id, (h = hashPassword(randomBytes(16).toString('hex'), params)));
  return h;
}
