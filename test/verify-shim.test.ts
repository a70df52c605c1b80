// The browser's node:crypto (web/src/verify/crypto-shim.ts, over @noble/hashes and @noble/curves) and
// Buffer (web/src/verify/buffer-shim.ts, the `buffer` package plus base64url) against Node's own, on
// many inputs: the receipt verifier in the browser computes exactly what the server and CLI compute.
// Then the shared pure verifiers themselves run with node:crypto replaced by the shim and the global
// Buffer by the browser's, on receipts whose checkpoints Node signed.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as shim from '../web/src/verify/crypto-shim.ts';
import { Buffer as BrowserBuffer } from '../web/src/verify/buffer-shim.ts';

// Every module of this file's graph that imports node:crypto gets the shim, as in the browser build.
vi.mock('node:crypto', async () => await import('../web/src/verify/crypto-shim.ts'));
const node = await vi.importActual<typeof import('node:crypto')>('node:crypto');

const { formatCheckpoint } = await import('../src/ledger/checkpoint.ts');
const { hashLeaf, inclusionProof, rootHash } = await import('../src/ledger/merkle.ts');
const { computeKeyId, verifierKeyFor, signNote } = await import('../src/ledger/note.ts');
const { makeReceipt, verifyReceipt } = await import('../src/ledger/receipt.ts');
const { verifyOrderCommitment } = await import('../src/orders/document.ts');

const runs = { numRuns: 300 };
const bytes = fc.uint8Array({ maxLength: 300 });
const toNode = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

afterEach(() => void vi.unstubAllGlobals());

describe('the shim is the browser build', () => {
  it('is what this test file gets for node:crypto, and is not Node', async () => {
    const mocked = await import('node:crypto');
    expect(mocked.createHash).toBe(shim.createHash);
    expect(mocked.verify).not.toBe(node.verify);
  });
});

describe('SHA-256: createHash and hash', () => {
  it('digests byte chunks exactly as Node, in every output encoding', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 6 }), fc.constantFrom('hex', 'base64', 'base64url', undefined), (chunks, enc) => {
        const a = shim.createHash('sha256');
        const b = node.createHash('sha256');
        for (const c of chunks) {
          a.update(c);
          b.update(c);
        }
        const x = enc ? a.digest(enc) : Buffer.from(a.digest());
        const y = enc ? b.digest(enc) : b.digest();
        expect(x).toEqual(y);
      }),
      runs,
    );
  });

  it('hashes strings as UTF-8 (the default) and honours an input encoding, as Node', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 }), (s, salt) => {
        const a = shim.createHash('sha256').update(salt, 'utf8').update(Uint8Array.of(0)).update(s).digest('hex');
        const b = node.createHash('sha256').update(salt, 'utf8').update(Uint8Array.of(0)).update(s).digest('hex');
        expect(a).toBe(b);
      }),
      runs,
    );
    const hexIn = 'deadbeef00ff';
    expect(shim.createHash('sha256').update(hexIn, 'hex').digest('hex')).toBe(node.createHash('sha256').update(hexIn, 'hex').digest('hex'));
  });

  it('one-shot hash(): hex by default, a Buffer for "buffer", same bytes as Node', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(shim.hash('sha256', b)).toBe(node.hash('sha256', b));
        expect(Buffer.from(shim.hash('sha256', b, 'buffer'))).toEqual(node.hash('sha256', b, 'buffer'));
        expect(shim.hash('sha256', b, 'base64')).toBe(node.hash('sha256', b, 'base64'));
      }),
      runs,
    );
    expect(shim.hash('sha256', 'abc')).toBe(node.hash('sha256', 'abc'));
    expect(shim.hash('sha256', new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('refuses other algorithms and a second digest, as Node', () => {
    expect(() => shim.createHash('md5')).toThrow();
    expect(() => node.createHash('nope')).toThrow();
    const h = shim.createHash('sha256');
    h.digest();
    expect(() => h.digest()).toThrow();
    expect(() => h.update('x')).toThrow();
  });
});

describe('randomBytes', () => {
  it('returns the requested number of bytes, different each time', () => {
    for (const n of [0, 1, 16, 32, 65_536, 70_000]) expect(shim.randomBytes(n).length).toBe(n);
    expect(shim.randomBytes(32).toString('hex')).not.toBe(shim.randomBytes(32).toString('hex'));
    expect(shim.randomBytes(32).toString('base64url')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('Buffer: the browser build (buffer package + base64url) against Node', () => {
  it('base64url, base64 and hex round-trip to the same text and bytes', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        for (const enc of ['base64url', 'base64', 'hex'] as const) {
          const text = toNode(b).toString(enc);
          expect(BrowserBuffer.from(b).toString(enc)).toBe(text);
          expect(new Uint8Array(BrowserBuffer.from(text, enc))).toEqual(new Uint8Array(toNode(Buffer.from(text, enc))));
        }
        const u = toNode(b).toString('base64url');
        expect(BrowserBuffer.from(u, 'base64url').toString('base64url')).toBe(Buffer.from(u, 'base64url').toString('base64url'));
        if (b.length >= 4) expect(BrowserBuffer.from(b).readUInt32BE(0)).toBe(toNode(b).readUInt32BE(0));
      }),
      runs,
    );
  });
});

describe('Ed25519: keys, sign and verify', () => {
  const seeds = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const jwk = (seed: Uint8Array) => ({ kty: 'OKP', crv: 'Ed25519', d: toNode(seed).toString('base64url'), x: toNode(new Uint8Array(32)).toString('base64url') }) as const;

  it('derives the same public key from a seed, and signs identically (RFC 8032 is deterministic)', () => {
    fc.assert(
      fc.property(seeds, bytes, (seed, msg) => {
        const sp = shim.createPrivateKey({ key: jwk(seed), format: 'jwk' });
        const np = node.createPrivateKey({ key: jwk(seed), format: 'jwk' });
        expect(shim.createPublicKey(sp).export({ format: 'jwk' })).toEqual(node.createPublicKey(np).export({ format: 'jwk' }));
        expect(toNode(shim.sign(null, msg, sp))).toEqual(node.sign(null, msg, np));
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with Node on valid, wrong-key, tampered-message and tampered-signature cases', () => {
    fc.assert(
      fc.property(seeds, seeds, bytes, fc.nat(), fc.integer({ min: 1, max: 255 }), (seed, other, msg, at, flip) => {
        const np = node.createPrivateKey({ key: jwk(seed), format: 'jwk' });
        const x = node.createPublicKey(np).export({ format: 'jwk' }).x as string;
        const xOther = node.createPublicKey(node.createPrivateKey({ key: jwk(other), format: 'jwk' })).export({ format: 'jwk' }).x as string;
        const pub = (k: string) => ({ s: shim.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k }, format: 'jwk' }), n: node.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k }, format: 'jwk' }) });
        const mine = pub(x);
        const theirs = pub(xOther);
        const sig = node.sign(null, msg, np);
        const both = (k: { s: shim.KeyObject; n: import('node:crypto').KeyObject }, m: Uint8Array, s: Uint8Array) => {
          const a = shim.verify(null, m, k.s, s);
          const b = node.verify(null, m, k.n, s);
          expect(a).toBe(b);
          return a;
        };
        expect(both(mine, msg, sig)).toBe(true);
        expect(both(theirs, msg, sig)).toBe(toNode(seed).equals(toNode(other)));
        const badSig = new Uint8Array(sig);
        badSig[at % 64]! ^= flip;
        expect(both(mine, msg, badSig)).toBe(false);
        const badMsg = new Uint8Array(msg.length ? msg : [0]);
        if (msg.length) badMsg[at % msg.length]! ^= flip;
        expect(both(mine, badMsg, sig)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a non-canonical S (S + L), short, long and all-zero signatures, as Node', () => {
    const seed = new Uint8Array(32).fill(7);
    const np = node.createPrivateKey({ key: jwk(seed), format: 'jwk' });
    const x = node.createPublicKey(np).export({ format: 'jwk' }).x as string;
    const sk = shim.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    const nk = node.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    const msg = Buffer.from('tree size 42');
    const sig = node.sign(null, msg, np);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    const big = s + L;
    const nonCanonical = new Uint8Array(sig);
    for (let i = 0; i < 32; i++) nonCanonical[32 + i] = Number((big >> BigInt(8 * i)) & 0xffn);
    const cases = [nonCanonical, sig.subarray(0, 63), Buffer.concat([sig, Buffer.of(0)]), new Uint8Array(64), new Uint8Array(0)];
    for (const c of cases) expect([shim.verify(null, msg, sk, c), c.length]).toEqual([node.verify(null, msg, nk, c), c.length]);
    expect(shim.verify(null, msg, sk, nonCanonical)).toBe(false);
  });

  it('generates working key pairs', () => {
    const { publicKey, privateKey } = shim.generateKeyPairSync('ed25519');
    const n = node.createPublicKey({ key: { ...publicKey.export({ format: 'jwk' }) }, format: 'jwk' });
    const msg = Buffer.from('hello');
    expect(node.verify(null, msg, n, shim.sign(null, msg, privateKey))).toBe(true);
    expect(privateKey.export({ format: 'jwk' }).d).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('the shared verifiers on the browser build', () => {
  // A log whose checkpoints Node signs; the receipts are then verified with the shim and the browser's Buffer.
  const seed = node.randomBytes(32);
  const np = node.createPrivateKey({ key: jwk32(seed), format: 'jwk' });
  const pub = new Uint8Array(Buffer.from(node.createPublicKey(np).export({ format: 'jwk' }).x as string, 'base64url'));
  const name = 'chainmall.test/log';
  const signer = { name, keyId: computeKeyId(name, pub), publicKey: pub, verifierKey: verifierKeyFor(name, pub), sign: (m: Uint8Array) => new Uint8Array(node.sign(null, m, np)) };
  const entries = Array.from({ length: 13 }, (_, i) => new TextEncoder().encode(`{"entry":${i}}`));
  const leafHashes = entries.map((e) => node.createHash('sha256').update(Uint8Array.of(0)).update(e).digest()).map((b) => new Uint8Array(b));

  function jwk32(s: Uint8Array) {
    return { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(s).toString('base64url'), x: Buffer.alloc(32).toString('base64url') } as const;
  }

  it('computes Node\'s leaf hashes and root, and verifies every receipt; one changed character fails', () => {
    vi.stubGlobal('Buffer', BrowserBuffer);
    expect(globalThis.Buffer).toBe(BrowserBuffer);
    for (let i = 0; i < entries.length; i++) expect(hashLeaf(entries[i]!)).toEqual(leafHashes[i]);
    const size = entries.length;
    const r = rootHash(leafHashes);
    const checkpoint = signNote(formatCheckpoint({ origin: name, size, rootHash: r }), signer);
    for (let i = 0; i < size; i++) {
      const receipt = makeReceipt({ entry: entries[i]!, leafIndex: i, treeSize: size, proof: inclusionProof(leafHashes, i, size), checkpoint });
      const v = verifyReceipt(receipt, signer.verifierKey);
      expect(v.checks.filter((c) => !c.ok)).toEqual([]);
      expect(v.ok).toBe(true);
      // A changed proof hash, checkpoint signature or entry: failed, with the failing check named.
      if (receipt.inclusionProof.length) {
        const p = receipt.inclusionProof[0]!;
        const bad = { ...receipt, inclusionProof: [p[0] === 'A' ? 'B' + p.slice(1) : 'A' + p.slice(1), ...receipt.inclusionProof.slice(1)] };
        expect(verifyReceipt(bad, signer.verifierKey).checks.find((c) => !c.ok)?.name).toBe('inclusion-proof');
      }
      const sigAt = checkpoint.lastIndexOf(' ') + 10;
      const badSig = checkpoint.slice(0, sigAt) + (checkpoint[sigAt] === 'A' ? 'B' : 'A') + checkpoint.slice(sigAt + 1);
      const v2 = verifyReceipt({ ...receipt, checkpoint: badSig }, signer.verifierKey);
      expect(v2.ok).toBe(false);
      expect(v2.checks.find((c) => !c.ok)?.name).toBe('checkpoint-signature');
    }
  });

  it('checks an order commitment with base64url salts as Node does', () => {
    vi.stubGlobal('Buffer', BrowserBuffer);
    // A malformed salt (padding, wrong alphabet, wrong length) is refused whatever the document.
    for (const salt of ['abc=', '+'.repeat(43), 'A'.repeat(42)]) expect(verifyOrderCommitment({}, salt, '00'.repeat(32))).toBe(false);
  });
});
