/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 cosignature/v1: a signed-note
 * signature line whose key id uses signature type 0x04 and whose signature is
 * timestamp (u64 big-endian) ‖ Ed25519 signature over
 * "cosignature/v1\ntime <t>\n" ‖ the checkpoint body.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { isValidKeyName, keyIdHex, noteSignatures, openCheckpoint, type OpenedCheckpoint } from '../ledger/index.ts';

export const ALG_COSIGNATURE_V1 = 0x04;
const SIG_PREFIX = '\u2014 ';
const MAX_TIMESTAMP = 2n ** 63n - 1n;
const enc = new TextEncoder();
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export interface Cosigner {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
  /** `<name>+<hex key id>+base64(0x04 ‖ public key)`. */
  verifierKey: string;
  /** The note signature line (with its trailing newline) cosigning `body` at `time` (POSIX seconds). */
  cosign(body: string, time: number): string;
}

export interface CosignerKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
}

/** key id = SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4]. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): number {
  return createHash('sha256').update(name).update('\n').update(Uint8Array.of(ALG_COSIGNATURE_V1)).update(publicKey).digest().readUInt32BE(0);
}

export function cosignerVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new Error(`invalid cosigner name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new Error('Ed25519 public key must be 32 bytes');
  const key = Buffer.concat([Uint8Array.of(ALG_COSIGNATURE_V1), publicKey]);
  return `${name}+${keyIdHex(cosignerKeyId(name, publicKey))}+${key.toString('base64')}`;
}

function splitKey(s: string, what: string): { name: string; keyId: number; key: Uint8Array } {
  // The base64 part may contain '+': split at the first two only.
  const i = s.indexOf('+');
  const j = i < 0 ? -1 : s.indexOf('+', i + 1);
  if (j < 0) throw new Error(`malformed ${what}: want <name>+<key id>+<key>`);
  const [name, hex, key64] = [s.slice(0, i), s.slice(i + 1, j), s.slice(j + 1)];
  if (!isValidKeyName(name)) throw new Error(`malformed ${what}: invalid name`);
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`malformed ${what}: key id must be 8 hex digits`);
  if (!B64.test(key64)) throw new Error(`malformed ${what}: key is not base64`);
  const raw = new Uint8Array(Buffer.from(key64, 'base64'));
  if (raw[0] !== ALG_COSIGNATURE_V1) throw new Error(`malformed ${what}: signature type ${raw[0]} is not 4 (Ed25519 cosignature/v1)`);
  if (raw.length !== 33) throw new Error(`malformed ${what}: Ed25519 key must be 32 bytes`);
  return { name, keyId: parseInt(hex, 16), key: raw.subarray(1) };
}

/** Parses a cosigner verifier key (type 0x04) and checks its key id. */
export function parseCosignerKey(vkey: string): CosignerKey {
  if (typeof vkey !== 'string') throw new Error('malformed cosigner key: not a string');
  const { name, keyId, key } = splitKey(vkey.trim(), 'cosigner key');
  if (cosignerKeyId(name, key) !== keyId) throw new Error('malformed cosigner key: key id does not match name and key');
  return { name, keyId, publicKey: key };
}

/** The message a cosignature/v1 signs. */
export function cosignedMessage(body: string, time: number | bigint): Uint8Array {
  const t = BigInt(time);
  if (t < 0n || t > MAX_TIMESTAMP) throw new RangeError('cosignature timestamp out of range');
  if (!body.endsWith('\n')) throw new Error('checkpoint body must end with a newline');
  return enc.encode(`cosignature/v1\ntime ${t}\n${body}`);
}

function seedKey(seed: Uint8Array): { priv: KeyObject; pub: Uint8Array } {
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(new Uint8Array(32)) };
  const x = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' }).x as string;
  return { priv: createPrivateKey({ key: { ...jwk, x }, format: 'jwk' }), pub: new Uint8Array(Buffer.from(x, 'base64url')) };
}

/** A new cosigner private key: `PRIVATE+KEY+<name>+<hex key id>+base64(0x04 ‖ seed)`. */
export function generateCosignerKey(name: string): string {
  if (!isValidKeyName(name)) throw new Error(`invalid cosigner name ${JSON.stringify(name)}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
  const { pub } = seedKey(seed);
  return `PRIVATE+KEY+${name}+${keyIdHex(cosignerKeyId(name, pub))}+${Buffer.concat([Uint8Array.of(ALG_COSIGNATURE_V1), seed]).toString('base64')}`;
}

export function cosignerFromKey(skey: string): Cosigner {
  const s = skey.trim();
  if (!s.startsWith('PRIVATE+KEY+')) throw new Error('malformed cosigner private key: want PRIVATE+KEY+<name>+<key id>+<key>');
  const { name, keyId, key: seed } = splitKey(s.slice('PRIVATE+KEY+'.length), 'cosigner private key');
  const { priv, pub } = seedKey(seed);
  if (cosignerKeyId(name, pub) !== keyId) throw new Error('malformed cosigner private key: key id does not match name and key');
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId >>> 0);
  return {
    name,
    keyId,
    publicKey: pub,
    verifierKey: cosignerVerifierKey(name, pub),
    cosign(body, time) {
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(time));
      const sig = sign(null, cosignedMessage(body, time), priv);
      return `${SIG_PREFIX}${name} ${Buffer.concat([id, ts, sig]).toString('base64')}\n`;
    },
  };
}

export interface VerifiedCosignature {
  name: string;
  keyId: number;
  /** POSIX seconds the witness put in its cosignature. */
  time: number;
}

/**
 * The valid cosignatures of `note` by the given cosigner keys (one per key at most). Lines by
 * other keys are ignored; a line that names a known key but does not verify throws, as a
 * signed-note verifier does for a known key's bad signature.
 */
export function verifyCosignatures(note: string, body: string, cosignerKeys: string[]): VerifiedCosignature[] {
  const keys = cosignerKeys.map(parseCosignerKey);
  const msgBody = body;
  const out = new Map<string, VerifiedCosignature>();
  for (const s of noteSignatures(note)) {
    const key = keys.find((k) => k.name === s.name && k.keyId === s.keyId);
    if (!key) continue;
    const raw = s.signature; // timestamp (8) ‖ signature (64), key id already stripped
    if (raw.length !== 72) throw new Error(`cosignature by ${s.name}+${keyIdHex(s.keyId)} has ${raw.length} bytes, want 72`);
    const time = Buffer.from(raw.buffer, raw.byteOffset, 8).readBigUInt64BE(0);
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(key.publicKey) }, format: 'jwk' });
    if (time > MAX_TIMESTAMP || !verify(null, cosignedMessage(msgBody, time), pub, raw.subarray(8))) {
      throw new Error(`cosignature by ${s.name}+${keyIdHex(s.keyId)} is invalid`);
    }
    out.set(`${key.name}+${key.keyId}`, { name: key.name, keyId: key.keyId, time: Number(time) });
  }
  return [...out.values()];
}

export interface CosignedCheckpoint extends OpenedCheckpoint {
  cosignatures: VerifiedCosignature[];
}

/**
 * Client check of a witnessed checkpoint: the log's own signature, then at least `k` of the
 * `witnessVkeys` must have cosigned it. Throws when either fails.
 */
export function verifyCosigned(note: string, logVkey: string, witnessVkeys: string[], k: number): CosignedCheckpoint {
  if (!Number.isSafeInteger(k) || k < 1 || k > witnessVkeys.length) {
    throw new RangeError(`quorum k must be between 1 and the ${witnessVkeys.length} witness key(s), got ${k}`);
  }
  const cp = openCheckpoint(note, logVkey);
  const cosignatures = verifyCosignatures(note, cp.body, witnessVkeys);
  if (cosignatures.length < k) {
    throw new Error(`checkpoint has ${cosignatures.length} valid cosignature(s) from known witnesses, ${k} required`);
  }
  return { ...cp, cosignatures };
}
