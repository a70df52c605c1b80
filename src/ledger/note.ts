/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, byte-compatible with
 * golang.org/x/mod/sumdb/note (key strings, key ids, note text).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

const ALG_ED25519 = 0x01;
/** Same cap as Go's note.Open; C2SP requires accepting at least 16. */
const MAX_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 ';

export interface NoteSigner {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
  verifierKey: string;
  sign(msg: Uint8Array): Uint8Array;
}

export interface VerifierKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
}

export type NoteErrorReason = 'malformed' | 'no-signature' | 'invalid-signature';

export class NoteError extends Error {
  override name = 'NoteError';
  constructor(
    readonly reason: NoteErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The 64-byte signature (key id stripped). */
  signature: Uint8Array;
}

const enc = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const keyIdHex = (id: number): string => id.toString(16).padStart(8, '0');

/** Go's isValidName: non-empty, no Unicode white space (unicode.IsSpace), no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !/[\p{White_Space}+]/u.test(name) && !/\p{Cs}/u.test(name);
}

/** Standard base64 with padding, as Go's base64.StdEncoding accepts it (no embedded newlines). */
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
function decodeB64(s: string): Uint8Array | null {
  return B64.test(s) ? new Uint8Array(Buffer.from(s, 'base64')) : null;
}
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4], big-endian. */
export function computeKeyId(name: string, publicKey: Uint8Array): number {
  const h = createHash('sha256').update(name).update('\n').update(Uint8Array.of(ALG_ED25519)).update(publicKey).digest();
  return h.readUInt32BE(0);
}

export function verifierKeyFor(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new Error(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new Error(`Ed25519 public key must be 32 bytes, got ${publicKey.length}`);
  const key = new Uint8Array(33);
  key[0] = ALG_ED25519;
  key.set(publicKey, 1);
  return `${name}+${keyIdHex(computeKeyId(name, publicKey))}+${b64(key)}`;
}

/** Splits "<name>+<hex id>+<base64 key>"; Go parses the id as hex of either case. */
function splitKey(s: string, what: string): { name: string; keyId: number; alg: number; key: Uint8Array } {
  // The base64 key may itself contain '+': split at the first two only.
  const i = s.indexOf('+');
  const j = i < 0 ? -1 : s.indexOf('+', i + 1);
  if (j < 0) throw new Error(`malformed ${what}: want <name>+<key id>+<key>`);
  const [name, hex, key64] = [s.slice(0, i), s.slice(i + 1, j), s.slice(j + 1)];
  if (!isValidKeyName(name)) throw new Error(`malformed ${what}: invalid key name`);
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`malformed ${what}: key id must be 8 hex digits`);
  const raw = decodeB64(key64);
  if (!raw || raw.length === 0) throw new Error(`malformed ${what}: key is not base64`);
  if (raw[0] !== ALG_ED25519) throw new Error(`malformed ${what}: unknown algorithm ${raw[0]} (only 1 = Ed25519)`);
  if (raw.length !== 33) throw new Error(`malformed ${what}: Ed25519 key must be 32 bytes, got ${raw.length - 1}`);
  return { name, keyId: parseInt(hex, 16), alg: raw[0], key: raw.subarray(1) };
}

export function parseVerifierKey(vkey: string): VerifierKey {
  if (typeof vkey !== 'string') throw new Error('malformed verifier key: not a string');
  const { name, keyId, key } = splitKey(vkey, 'verifier key');
  if (computeKeyId(name, key) !== keyId) throw new Error('malformed verifier key: key id does not match name and key');
  return { name, keyId, publicKey: key };
}

function privateKeyFromSeed(seed: Uint8Array): { priv: KeyObject; pub: Uint8Array } {
  // Node wants x in the JWK but derives the real public key from d; derive it, then rebuild.
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(new Uint8Array(32)) };
  const x = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' }).x as string;
  const priv = createPrivateKey({ key: { ...jwk, x }, format: 'jwk' });
  return { priv, pub: new Uint8Array(Buffer.from(x, 'base64url')) };
}

export function signerFromKey(skey: string): NoteSigner {
  if (typeof skey !== 'string' || !skey.startsWith('PRIVATE+KEY+')) {
    throw new Error('malformed signer key: want PRIVATE+KEY+<name>+<key id>+<key>');
  }
  const { name, keyId, key: seed } = splitKey(skey.slice('PRIVATE+KEY+'.length), 'signer key');
  const { priv, pub } = privateKeyFromSeed(seed);
  if (computeKeyId(name, pub) !== keyId) throw new Error('malformed signer key: key id does not match name and key');
  return {
    name,
    keyId,
    publicKey: pub,
    verifierKey: verifierKeyFor(name, pub),
    sign: (msg) => new Uint8Array(sign(null, msg, priv)),
  };
}

export function generateSignerKey(name: string): string {
  if (!isValidKeyName(name)) throw new Error(`invalid key name ${JSON.stringify(name)}`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'));
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const key = Buffer.concat([Uint8Array.of(ALG_ED25519), seed]);
  return `PRIVATE+KEY+${name}+${keyIdHex(computeKeyId(name, pub))}+${key.toString('base64')}`;
}

/** Signed notes are UTF-8 with no control characters other than newline. */
const hasBadChars = (s: string): boolean => /[\x00-\x09\x0b-\x1f]|\p{Cs}/u.test(s);

export function signNote(body: string, ...signers: NoteSigner[]): string {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new Error('note body must end with a newline');
  if (hasBadChars(body)) throw new Error('note body must be valid text without control characters other than newline');
  if (signers.length === 0) throw new Error('signNote needs at least one signer');
  const msg = enc.encode(body);
  let out = body + '\n';
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new Error(`invalid signer name ${JSON.stringify(s.name)}`);
    const sig = Buffer.alloc(4);
    sig.writeUInt32BE(s.keyId >>> 0);
    out += `${SIG_PREFIX}${s.name} ${Buffer.concat([sig, s.sign(msg)]).toString('base64')}\n`;
  }
  return out;
}

interface ParsedNote {
  body: string;
  bodyBytes: Uint8Array;
  signatures: NoteSignature[];
}

const malformed = (why: string) => new NoteError('malformed', `malformed note: ${why}`);

function parseNote(note: string | Uint8Array): ParsedNote {
  let text: string;
  if (typeof note === 'string') text = note;
  else if (note instanceof Uint8Array) {
    try {
      text = utf8.decode(note);
    } catch {
      throw malformed('not valid UTF-8');
    }
  } else throw malformed('not a string');
  if (hasBadChars(text)) throw malformed('contains control characters or invalid UTF-8');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed('signature line must start with "\u2014 "');
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const raw = sp < 0 ? null : decodeB64(rest.slice(sp + 1));
    if (!isValidKeyName(name)) throw malformed('invalid key name in signature line');
    if (!raw || raw.length < 5) throw malformed(`bad signature encoding for ${name}`);
    const keyId = Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0);
    return { name, keyId, signature: raw.subarray(4) };
  });
  return { body, bodyBytes: enc.encode(body), signatures };
}

/** All signature lines of a note, unverified. Throws NoteError('malformed'). */
export function noteSignatures(note: string | Uint8Array): NoteSignature[] {
  return parseNote(note).signatures;
}

export interface OpenedNote {
  body: string;
  /** Every signature line; `verified` is true only for those by the given key. */
  signatures: { name: string; keyId: number; verified: boolean }[];
}

/**
 * Verifies `note` against one verifier key. Signatures by other keys are ignored (C2SP),
 * but every signature whose name and key id match the key must verify — stricter than Go,
 * which checks only the first of duplicates. Throws Error for a malformed vkey.
 */
export function openNote(note: string | Uint8Array, vkey: string): OpenedNote {
  const key = parseVerifierKey(vkey);
  const parsed = parseNote(note);
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(key.publicKey) }, format: 'jwk' });
  const id = `${key.name}+${keyIdHex(key.keyId)}`;
  let verified = 0;
  const signatures = parsed.signatures.map((s) => {
    const mine = s.name === key.name && s.keyId === key.keyId;
    if (mine) {
      if (s.signature.length !== 64 || !verify(null, parsed.bodyBytes, pub, s.signature)) {
        throw new NoteError('invalid-signature', `signature by ${id} is invalid`);
      }
      verified++;
    }
    return { name: s.name, keyId: s.keyId, verified: mine };
  });
  if (verified === 0) throw new NoteError('no-signature', `note has no signature by ${id}`);
  return { body: parsed.body, signatures };
}
