import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../src/ledger/checkpoint.ts';
import { hashLeaf, inclusionProof, rootHash } from '../src/ledger/merkle.ts';
import { generateSignerKey, signNote, signerFromKey, type NoteSigner } from '../src/ledger/note.ts';
import { makeReceipt, parseReceipt, verifyReceipt, type Receipt } from '../src/ledger/receipt.ts';
import vectors from './fixtures/rfc6962.json' with { type: 'json' };

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const ORIGIN = 'chainmall.localhost/log';
const log = signerFromKey(generateSignerKey(ORIGIN));
const impostor = signerFromKey(generateSignerKey(ORIGIN)); // same name, other key
const witness = signerFromKey(generateSignerKey('witness.example/w1'));

// RFC 6962 "small" tree vectors (transparency-dev/merkle, cross-checked with Go tlog).
const leaves = vectors.leaves.map(hex);
const rootOf = (size: number) => hex(vectors.rootsBySize.find((r) => r.size === size)!.root);
const checkpointFor = (size: number, root: Uint8Array = rootOf(size), ...signers: NoteSigner[]) =>
  signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: root }), ...(signers.length ? signers : [log]));
const vector = vectors.inclusion.find((v) => v.leafIndex === 5 && v.treeSize === 8)!;
const good: Receipt = makeReceipt({
  entry: leaves[5]!,
  leafIndex: 5,
  treeSize: 8,
  proof: vector.proof.map(hex),
  checkpoint: checkpointFor(8),
});

const NAMES = ['format', 'checkpoint-signature', 'checkpoint-format', 'tree-size', 'entry-hash', 'inclusion-proof'];
const verdict = (r: unknown, vkey = log.verifierKey, opts = {}) => {
  const v = verifyReceipt(r, vkey, opts);
  expect(v.checks.map((c) => c.name)).toEqual(NAMES);
  expect(v.ok).toBe(v.checks.every((c) => c.ok));
  return v;
};
/** Which checks passed, as a string like "++++-+"; '.' for skipped. */
const shape = (r: unknown, vkey?: string, opts?: { origin?: string }) =>
  verdict(r, vkey, opts)
    .checks.map((c) => (c.ok ? '+' : c.detail.startsWith('skipped: ') ? '.' : '-'))
    .join('');
const detail = (r: unknown, name: string, vkey?: string) => verdict(r, vkey).checks.find((c) => c.name === name)!.detail;

describe('verifyReceipt', () => {
  it('accepts a good receipt, as an object or as JSON text', () => {
    const v = verdict(good);
    expect(v.ok).toBe(true);
    expect(v.checks.find((c) => c.name === 'entry-hash')!.detail).toContain(vectors.leafHashes[5]);
    expect(v.checks.find((c) => c.name === 'checkpoint-signature')!.detail).toBe(`signed by ${log.verifierKey.split('+').slice(0, 2).join('+')}`);
    expect(verdict(JSON.stringify(good)).ok).toBe(true);
    expect(parseReceipt(good).proofBytes).toHaveLength(3);
  });

  it('accepts every valid RFC 6962 inclusion vector', () => {
    for (const v of vectors.inclusion.filter((x) => x.valid)) {
      const r = makeReceipt({ entry: leaves[v.leafIndex]!, leafIndex: v.leafIndex, treeSize: v.treeSize, proof: v.proof.map(hex), checkpoint: checkpointFor(v.treeSize, hex(v.root)) });
      expect(shape(r), `${v.leafIndex}/${v.treeSize}`).toBe('++++++');
    }
  });

  it('ignores witness cosignatures and checks the origin when asked', () => {
    expect(shape({ ...good, checkpoint: checkpointFor(8, rootOf(8), log, witness) })).toBe('++++++');
    expect(shape({ ...good, checkpoint: checkpointFor(8, rootOf(8), witness, log) })).toBe('++++++');
    expect(shape(good, undefined, { origin: ORIGIN })).toBe('++++++');
    expect(shape(good, undefined, { origin: 'other.example/log' })).toBe('++-.+.');
  });

  it('fails the signature check for the wrong key', () => {
    expect(shape(good, impostor.verifierKey)).toBe('+-..+.');
    expect(detail(good, 'checkpoint-signature', impostor.verifierKey)).toMatch(/^note has no signature by chainmall\.localhost\/log\+[0-9a-f]{8}$/);
    expect(shape(good, witness.verifierKey)).toBe('+-..+.');
    expect(shape(good, 'not a key')).toBe('+-..+.');
    expect(detail(good, 'checkpoint-signature', 'not a key')).toMatch(/malformed verifier key/);
    expect(shape(good, null as unknown as string)).toBe('+-..+.');
  });

  it('fails the signature check for a modified checkpoint', () => {
    const forged = good.checkpoint.replace(`${ORIGIN}\n8\n`, `${ORIGIN}\n9\n`);
    expect(shape({ ...good, checkpoint: forged, treeSize: 9 })).toBe('+-..+.');
    expect(detail({ ...good, checkpoint: forged }, 'checkpoint-signature')).toBe(`signature by ${log.name}+${log.verifierKey.split('+')[1]} is invalid`);
    // Signed by the impostor under the same name: its key id differs, so it is not "ours".
    expect(shape({ ...good, checkpoint: checkpointFor(8, rootOf(8), impostor) })).toBe('+-..+.');
    expect(shape({ ...good, checkpoint: 'garbage' })).toBe('+-..+.');
    expect(detail({ ...good, checkpoint: 'garbage' }, 'checkpoint-signature')).toMatch(/^malformed note/);
  });

  it('fails the checkpoint-format check for a signed non-checkpoint', () => {
    for (const body of ['hello\n', `${ORIGIN}\n08\n${b64(rootOf(8))}\n`, `${ORIGIN}\n8\n${b64(rootOf(8)).slice(0, -1)}\n`]) {
      expect(shape({ ...good, checkpoint: signNote(body, log) }), body).toBe('++-.+.');
    }
  });

  it('fails tree-size when the checkpoint is for another size', () => {
    const at5 = { ...good, checkpoint: checkpointFor(5) };
    expect(shape(at5)).toBe('+++-+.');
    expect(detail(at5, 'tree-size')).toBe('receipt tree size 8 differs from checkpoint size 5');
    expect(detail(at5, 'inclusion-proof')).toBe('skipped: tree size mismatch');
    // Claiming the checkpoint's size does not help: the proof is for size 8.
    expect(shape({ ...at5, treeSize: 5 })).toBe('+++++-');
  });

  it('fails inclusion for a tampered entry, proof node or index', () => {
    const r8 = b64(rootOf(8));
    const notIn = `leaf 5 is not in tree of size 8 with root ${Buffer.from(rootOf(8)).toString('hex')}`;
    expect(shape({ ...good, entry: b64(leaves[4]!) })).toBe('+++++-');
    expect(detail({ ...good, entry: b64(new Uint8Array([0x50, 0x51])) }, 'inclusion-proof')).toBe(notIn);
    expect(detail({ ...good, entry: b64(new Uint8Array([0x50, 0x51])) }, 'entry-hash')).toBe(`leaf hash ${Buffer.from(hashLeaf(new Uint8Array([0x50, 0x51]))).toString('hex')} (2-byte entry)`);
    for (let i = 0; i < good.inclusionProof.length; i++) {
      const node = Buffer.from(good.inclusionProof[i]!, 'base64');
      node.writeUInt8(node.readUInt8(31) ^ 1, 31);
      const proof = good.inclusionProof.map((p, j) => (j === i ? node.toString('base64') : p));
      expect(shape({ ...good, inclusionProof: proof })).toBe('+++++-');
    }
    expect(shape({ ...good, inclusionProof: good.inclusionProof.slice(0, 2) })).toBe('+++++-');
    expect(shape({ ...good, inclusionProof: [...good.inclusionProof, r8] })).toBe('+++++-');
    expect(shape({ ...good, inclusionProof: [...good.inclusionProof].reverse() })).toBe('+++++-');
    for (const leafIndex of [0, 4, 6, 7]) expect(shape({ ...good, leafIndex }), String(leafIndex)).toBe('+++++-');
    expect(detail({ ...good, leafIndex: 8 }, 'inclusion-proof')).toMatch(/^leaf 8 is not in tree of size 8 .*beyond the tree/);
    expect(shape({ ...good, leafIndex: 2 ** 40 })).toBe('+++++-');
  });

  it('fails format for bad shapes and skips the rest', () => {
    const bad: unknown[] = [
      undefined, null, 0, true, [], 'not json', '[]', '{"v":1}', {},
      { ...good, v: 2 }, { ...good, v: '1' },
      { ...good, entry: 1 }, { ...good, entry: 'not base64!' }, { ...good, entry: 'UFE' }, { ...good, entry: 'UFF=' },
      { ...good, leafIndex: -1 }, { ...good, leafIndex: 1.5 }, { ...good, leafIndex: '5' }, { ...good, leafIndex: 2 ** 53 }, { ...good, leafIndex: NaN },
      { ...good, treeSize: -8 }, { ...good, treeSize: null },
      { ...good, inclusionProof: 'x' }, { ...good, inclusionProof: [1] }, { ...good, inclusionProof: [b64(new Uint8Array(31))] },
      { ...good, inclusionProof: [b64(new Uint8Array(33))] }, { ...good, inclusionProof: Array(65).fill(good.inclusionProof[0]) },
      { ...good, checkpoint: 7 }, { ...good, checkpoint: undefined }, { ...good, extra: 1 },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'inclusionProof')),
    ];
    for (const r of bad) expect(shape(r), JSON.stringify(r) ?? String(r)).toBe('-.....');
    expect(detail({ ...good, extra: 1 }, 'format')).toBe('receipt has unknown field(s): extra');
    expect(detail('not json', 'format')).toBe('receipt is not valid JSON');
    expect(() => parseReceipt(null)).toThrow('receipt must be a JSON object');
  });

  it('agrees with merkle.ts proofs on a 40-leaf tree', () => {
    const entries = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`order ${i}`));
    const hashes = entries.map(hashLeaf);
    const cp = checkpointFor(40, rootHash(hashes));
    const r12 = makeReceipt({ entry: entries[12]!, leafIndex: 12, treeSize: 40, proof: inclusionProof(hashes, 12, 40), checkpoint: cp });
    expect(shape(r12)).toBe('++++++');
    expect(detail({ ...r12, leafIndex: 13 }, 'inclusion-proof')).toBe(`leaf 13 is not in tree of size 40 with root ${Buffer.from(rootHash(hashes)).toString('hex')}`);
  });
});

describe('verifyReceipt fuzzing', () => {
  // A 13-leaf log with checkpoints at several sizes: the only true statements are "entry i is leaf i".
  const entries = Array.from({ length: 13 }, (_, i) => new Uint8Array([i, 0xc0, i]));
  const hashes = entries.map(hashLeaf);
  const sizes = [1, 7, 8, 13];
  const cps = new Map(sizes.map((n) => [n, checkpointFor(n, rootHash(hashes.slice(0, n)))]));
  const genuine = sizes.flatMap((n) =>
    Array.from({ length: n }, (_, i) =>
      makeReceipt({ entry: entries[i]!, leafIndex: i, treeSize: n, proof: inclusionProof(hashes, i, n), checkpoint: cps.get(n)! }),
    ),
  );
  const CHARS = ['A', '/', '+', '=', '\n', ' ', '—', '0', '9', 'é'];
  const editString = (s: string, at: number, op: number, c: string) => {
    const p = at % (s.length + 1);
    return op === 0 ? s.slice(0, p) + c + s.slice(p + 1) : op === 1 ? s.slice(0, p) + c + s.slice(p) : s.slice(0, p) + s.slice(p + 1);
  };
  const op = fc.record({
    field: fc.constantFrom('v', 'entry', 'leafIndex', 'treeSize', 'inclusionProof', 'checkpoint', 'extra'),
    kind: fc.nat(5),
    at: fc.nat(),
    c: fc.constantFrom(...CHARS),
    n: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.constantFrom(NaN, 1.5, 2 ** 53, -0)),
    other: fc.nat(),
    any: fc.anything(),
  });
  type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
  const apply = (r: Record<string, unknown>, o: Op): Record<string, unknown> => {
    const x = { ...r };
    const donor = genuine[o.other % genuine.length]! as unknown as Record<string, unknown>;
    const v = x[o.field];
    if (o.kind === 0) x[o.field] = o.any;
    else if (o.kind === 1) delete x[o.field];
    else if (o.kind === 2) x[o.field] = donor[o.field]; // splice a field from another genuine receipt
    else if (typeof v === 'number') x[o.field] = o.kind === 3 ? o.n : v + (o.at % 2 ? 1 : -1);
    else if (typeof v === 'string') x[o.field] = editString(v, o.at, o.kind - 3, o.c);
    else if (Array.isArray(v)) {
      const a = [...v];
      const i = o.at % (a.length + 1);
      if (o.kind === 3) a.splice(i, 1);
      else if (o.kind === 4) a.splice(i, 0, (donor.inclusionProof as string[])[0] ?? b64(new Uint8Array(32)));
      else if (a.length) a[i % a.length] = editString(String(a[i % a.length]), o.at >> 3, 0, o.c);
      x[o.field] = a;
    }
    return x;
  };

  it('never throws and never says valid unless the receipt tells the truth', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(op, { minLength: 1, maxLength: 3 }), (pick, ops) => {
        const start = genuine[pick % genuine.length]! as unknown as Record<string, unknown>;
        const mutated = ops.reduce(apply, start);
        const v = verdict(mutated);
        if (v.ok) {
          const r = parseReceipt(mutated);
          expect(r.leafIndex).toBeLessThan(r.treeSize);
          expect(Buffer.from(r.entryBytes).equals(Buffer.from(entries[r.leafIndex]!))).toBe(true);
          expect([...cps.values()].some((c) => c.split('\n\n')[0] === r.checkpoint.split('\n\n')[0])).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.oneof(fc.string(), fc.constant(log.verifierKey)), (x, vkey) => {
        expect(verdict(x, vkey).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
