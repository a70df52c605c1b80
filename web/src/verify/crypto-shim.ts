// node:crypto for the browser, just what the shared pure modules import (src/ledger merkle, note,
// entry, block; src/orders document, numbers; src/shared ids), with Node's behaviour for the calls
// they make. SHA-256 from @noble/hashes, Ed25519 from @noble/curves. Vite aliases 'node:crypto' here
// (web/vite.config.ts); test/verify-shim.test.ts checks every export against Node's own.
import './setup.ts';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { Buffer } from './buffer-shim.ts';

type Bytes = Uint8Array;
type Encoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'utf8' | 'utf-8' | 'ascii';

const bytes = (b: ArrayBufferView): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const copy = (b: Bytes): Bytes => new Uint8Array(b);

function input(data: unknown, enc?: string): Bytes {
  if (typeof data === 'string') return bytes(Buffer.from(data, (enc ?? 'utf8') as 'utf8'));
  if (ArrayBuffer.isView(data)) return bytes(data);
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
}

function checkAlgorithm(algorithm: string): void {
  if (typeof algorithm !== 'string' || algorithm.toLowerCase() !== 'sha256') throw new Error('Digest method not supported');
}

const output = (digest: Bytes, enc?: string): Buffer | string => {
  const b = Buffer.from(digest);
  return enc === undefined || enc === 'buffer' ? b : b.toString(enc as Encoding);
};

export interface Hash {
  update(data: string | ArrayBufferView, inputEncoding?: Encoding): Hash;
  digest(): Buffer;
  digest(encoding: Encoding): string;
}

/** createHash('sha256') only: update() chains, digest() once, as Node's. */
export function createHash(algorithm: string): Hash {
  checkAlgorithm(algorithm);
  const h = sha256.create();
  let done = false;
  const self = {
    update(data: string | ArrayBufferView, inputEncoding?: Encoding) {
      if (done) throw new Error('Digest already called');
      h.update(input(data, inputEncoding));
      return self;
    },
    digest(encoding?: Encoding) {
      if (done) throw new Error('Digest already called');
      done = true;
      return output(h.digest(), encoding);
    },
  };
  return self as Hash;
}

/** crypto.hash(algorithm, data, outputEncoding = 'hex'): one-shot. */
export function hash(algorithm: string, data: string | ArrayBufferView, outputEncoding: Encoding | 'buffer' = 'hex'): any {
  checkAlgorithm(algorithm);
  return output(sha256(input(data)), outputEncoding);
}

export function randomBytes(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 31 - 1) throw new RangeError(`The value of "size" is out of range. Received ${size}`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65_536)));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

// ---------------------------------------------------------------------------
// Ed25519 keys: KeyObject, JWK import/export, sign/verify.

const b64url = (b: Bytes): string => Buffer.from(b).toString('base64url');
const unb64url = (s: unknown, what: string): Bytes => {
  if (typeof s !== 'string') throw new TypeError(`Invalid JWK Ed25519 key: "${what}" must be a string`);
  return bytes(Buffer.from(s, 'base64url'));
};

export interface JwkEd25519 {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d?: string;
}

export class KeyObject {
  readonly asymmetricKeyType = 'ed25519';
  private constructor(
    readonly type: 'public' | 'private',
    /** @internal 32-byte public key */
    readonly _pub: Bytes,
    /** @internal 32-byte seed, private keys only */
    readonly _seed?: Bytes,
  ) {}
  /** @internal */
  static _make(type: 'public' | 'private', pub: Bytes, seed?: Bytes): KeyObject {
    return new KeyObject(type, copy(pub), seed && copy(seed));
  }
  export(options: { format: 'jwk' }): JwkEd25519 {
    if (options?.format !== 'jwk') throw new Error('only JWK export is supported in the browser');
    const jwk: JwkEd25519 = { crv: 'Ed25519', x: b64url(this._pub), kty: 'OKP' };
    if (this.type === 'private') jwk.d = b64url(this._seed!);
    return jwk;
  }
}

type KeyInput = KeyObject | { key: JwkEd25519 | Record<string, unknown>; format: 'jwk' };

function jwkOf(input: KeyInput): Record<string, unknown> {
  if (input instanceof KeyObject) throw new TypeError('unexpected KeyObject');
  if (!input || typeof input !== 'object' || input.format !== 'jwk' || typeof input.key !== 'object' || input.key === null) {
    throw new TypeError('only { key: <JWK>, format: "jwk" } key input is supported in the browser');
  }
  const jwk = input.key as Record<string, unknown>;
  if (jwk['kty'] !== 'OKP') throw new TypeError('Invalid JWK "kty" Parameter');
  if (jwk['crv'] !== 'Ed25519') throw new TypeError('Unsupported JWK EC curve: ' + String(jwk['crv']));
  return jwk;
}

/** From a JWK with x (and d, whose public key wins, as in Node) or from a private KeyObject. */
export function createPublicKey(input: KeyInput): KeyObject {
  if (input instanceof KeyObject) return KeyObject._make('public', input._pub);
  const jwk = jwkOf(input);
  if (jwk['d'] !== undefined) return KeyObject._make('public', createPrivateKey(input)._pub);
  const x = unb64url(jwk['x'], 'x');
  if (x.length !== 32) throw new TypeError('Invalid JWK data');
  return KeyObject._make('public', x);
}

/** From a JWK with d; the public key is derived from d (Node ignores a wrong x). */
export function createPrivateKey(input: KeyInput): KeyObject {
  if (input instanceof KeyObject) throw new TypeError('Invalid key object type public, expected private.');
  const jwk = jwkOf(input);
  const d = unb64url(jwk['d'], 'd');
  if (d.length !== 32) throw new TypeError('Invalid JWK data');
  return KeyObject._make('private', ed25519.getPublicKey(d), d);
}

export function generateKeyPairSync(type: 'ed25519'): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type !== 'ed25519') throw new Error(`only ed25519 key pairs are supported in the browser, not ${String(type)}`);
  const seed = randomBytes(32);
  const pub = ed25519.getPublicKey(bytes(seed));
  return { publicKey: KeyObject._make('public', pub), privateKey: KeyObject._make('private', pub, bytes(seed)) };
}

const checkNullAlgorithm = (algorithm: unknown) => {
  if (algorithm !== null && algorithm !== undefined) throw new Error('Ed25519 keys take no digest algorithm: pass null');
};

/** sign(null, data, privateKey): a 64-byte RFC 8032 Ed25519 signature. */
export function sign(algorithm: null | undefined, data: ArrayBufferView, key: KeyObject): Buffer {
  checkNullAlgorithm(algorithm);
  if (!(key instanceof KeyObject) || key.type !== 'private') throw new TypeError('sign needs a private Ed25519 KeyObject');
  return Buffer.from(ed25519.sign(input(data), key._seed!));
}

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/**
 * verify(null, data, publicKey, signature). Node uses OpenSSL's check, which is RFC 8032's without
 * the cofactor: s < L, A decodes, and the encoding of [s]B − [k]A equals R byte for byte. That is
 * done here with noble's point arithmetic (noble's own verify multiplies by the cofactor, which
 * would accept some crafted signatures OpenSSL refuses). Malformed input is false, not an error.
 */
export function verify(algorithm: null | undefined, data: ArrayBufferView, key: KeyObject, signature: ArrayBufferView): boolean {
  checkNullAlgorithm(algorithm);
  if (!(key instanceof KeyObject)) throw new TypeError('verify needs an Ed25519 KeyObject');
  const sig = input(signature);
  if (sig.length !== 64) return false;
  const msg = input(data);
  try {
    const r = sig.subarray(0, 32);
    const s = bytesToNumberLE(sig.subarray(32));
    if (s >= L) return false;
    const A = Point.fromBytes(key._pub, false);
    const k = bytesToNumberLE(sha512.create().update(r).update(key._pub).update(msg).digest()) % L;
    const rCheck = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
    const enc = rCheck.toBytes();
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= enc[i]! ^ r[i]!;
    return diff === 0;
  } catch {
    return false;
  }
}

export default { createHash, hash, randomBytes, createPublicKey, createPrivateKey, generateKeyPairSync, sign, verify, KeyObject };
