// C2SP tlog-cosignature (Ed25519 cosignature/v1) and the tlog-witness request format, without a
// database: key ids and vkeys as the spec derives them, round trips, and every tamper refused.
import { createHash, verify, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, generateSignerKey, signerFromKey, signNote, type NoteSigner } from '../src/ledger/index.ts';
import {
  cosignedMessage,
  cosignerFromKey,
  cosignerKeyId,
  formatAddCheckpoint,
  generateCosignerKey,
  parseAddCheckpoint,
  parseCosignerKey,
  verifyCosignatures,
  verifyCosigned,
} from '../src/witness/index.ts';

const ORIGIN = 'example.test/log';
const logSigner: NoteSigner = signerFromKey(generateSignerKey(ORIGIN));
const body = formatCheckpoint({ origin: ORIGIN, size: 5, rootHash: new Uint8Array(32).fill(7) });
const note = signNote(body, logSigner);
const w1 = cosignerFromKey(generateCosignerKey('witness.example/w1'));
const w2 = cosignerFromKey(generateCosignerKey('witness.example/w2'));

const lineBytes = (line: string) => new Uint8Array(Buffer.from(line.trim().split(' ')[2]!, 'base64'));

describe('cosignature/v1', () => {
  it('derives the key id with signature type 0x04 and encodes the vkey as name+id+base64(0x04 ‖ key)', () => {
    const expected = createHash('sha256').update('witness.example/w1\n').update(Uint8Array.of(0x04)).update(w1.publicKey).digest().readUInt32BE(0);
    expect(w1.keyId).toBe(expected);
    expect(cosignerKeyId(w1.name, w1.publicKey)).toBe(expected);
    const [name, hex, key] = [w1.verifierKey.slice(0, w1.verifierKey.indexOf('+')), ...w1.verifierKey.slice(w1.verifierKey.indexOf('+') + 1).split(/\+(.*)/s)];
    expect(name).toBe('witness.example/w1');
    expect(hex).toBe(expected.toString(16).padStart(8, '0'));
    expect(Buffer.from(key!, 'base64')).toEqual(Buffer.concat([Buffer.of(0x04), Buffer.from(w1.publicKey)]));
    expect(parseCosignerKey(w1.verifierKey).keyId).toBe(expected);
    // An ordinary Ed25519 note key (type 0x01) is not a cosigner key.
    expect(() => parseCosignerKey(logSigner.verifierKey)).toThrow(/signature type 1/);
  });

  it('signs "cosignature/v1\\ntime <t>\\n" ‖ body, with key id ‖ u64 big-endian time ‖ signature in the line', () => {
    const t = 1679315147;
    const line = w1.cosign(body, t);
    expect(line.startsWith('\u2014 witness.example/w1 ')).toBe(true);
    expect(line.endsWith('\n')).toBe(true);
    const raw = lineBytes(line);
    expect(raw.length).toBe(4 + 8 + 64);
    expect(Buffer.from(raw.subarray(0, 4)).readUInt32BE(0)).toBe(w1.keyId);
    expect(Buffer.from(raw.subarray(4, 12)).readBigUInt64BE(0)).toBe(BigInt(t));
    const msg = Buffer.from(`cosignature/v1\ntime ${t}\n${body}`);
    expect(Buffer.from(cosignedMessage(body, t))).toEqual(msg);
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(w1.publicKey).toString('base64url') }, format: 'jwk' });
    expect(verify(null, msg, pub, raw.subarray(12))).toBe(true);
  });

  it('round-trips, and refuses a tampered timestamp, body or signature', () => {
    const line = w1.cosign(body, 1_700_000_000);
    expect(verifyCosignatures(note + line, body, [w1.verifierKey])).toEqual([{ name: w1.name, keyId: w1.keyId, time: 1_700_000_000 }]);

    const raw = Buffer.from(lineBytes(line));
    raw.writeBigUInt64BE(1_700_000_001n, 4);
    const badTime = `\u2014 ${w1.name} ${raw.toString('base64')}\n`;
    expect(() => verifyCosignatures(note + badTime, body, [w1.verifierKey])).toThrow(/invalid/);

    const otherBody = formatCheckpoint({ origin: ORIGIN, size: 6, rootHash: new Uint8Array(32).fill(7) });
    expect(() => verifyCosignatures(signNote(otherBody, logSigner) + line, otherBody, [w1.verifierKey])).toThrow(/invalid/);

    const sig = Buffer.from(lineBytes(line));
    sig[20]! ^= 1;
    expect(() => verifyCosignatures(note + `\u2014 ${w1.name} ${sig.toString('base64')}\n`, body, [w1.verifierKey])).toThrow(/invalid/);
    // Unknown keys are ignored, not counted.
    expect(verifyCosignatures(note + line, body, [w2.verifierKey])).toEqual([]);
  });

  it('verifyCosigned needs the log signature and k of n known witnesses', () => {
    const one = note + w1.cosign(body, 100);
    const both = one + w2.cosign(body, 101);
    const keys = [w1.verifierKey, w2.verifierKey];
    expect(verifyCosigned(both, logSigner.verifierKey, keys, 2).cosignatures.map((c) => c.name)).toEqual([w1.name, w2.name]);
    expect(verifyCosigned(one, logSigner.verifierKey, keys, 1).size).toBe(5);
    expect(() => verifyCosigned(one, logSigner.verifierKey, keys, 2)).toThrow(/1 valid cosignature\(s\).*2 required/);
    // The same witness twice is one witness.
    expect(() => verifyCosigned(one + w1.cosign(body, 102), logSigner.verifierKey, keys, 2)).toThrow(/2 required/);
    // A cosigned note without the log's own signature is not a checkpoint of that log.
    const stranger = signerFromKey(generateSignerKey(ORIGIN));
    expect(() => verifyCosigned(signNote(body, stranger) + w1.cosign(body, 1) + w2.cosign(body, 1), logSigner.verifierKey, keys, 2)).toThrow();
    expect(() => verifyCosigned(both, logSigner.verifierKey, keys, 3)).toThrow(RangeError);
  });
});

describe('tlog-witness add-checkpoint body', () => {
  it('formats and parses old size, proof lines, blank line and the note', () => {
    const proof = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const text = formatAddCheckpoint({ oldSize: 3, proof, checkpoint: note });
    expect(text.startsWith(`old 3\n${Buffer.from(proof[0]!).toString('base64')}\n`)).toBe(true);
    expect(text.endsWith(`\n\n${note}`)).toBe(true);
    expect(parseAddCheckpoint(text)).toEqual({ oldSize: 3, proof, checkpoint: note });
    expect(parseAddCheckpoint(`old 0\n\n${note}`)).toEqual({ oldSize: 0, proof: [], checkpoint: note });
    expect(typeof parseAddCheckpoint(`old 03\n\n${note}`)).toBe('string');
    expect(typeof parseAddCheckpoint(`old 3\nnot-a-hash\n\n${note}`)).toBe('string');
    expect(typeof parseAddCheckpoint(`size 3\n\n${note}`)).toBe('string');
    expect(typeof parseAddCheckpoint(`old 3\n` + 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64) + `\n${note}`)).toBe('string');
  });
});
