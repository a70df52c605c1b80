import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { entryBytes, ENTRY_BYTES_MAX, hashLeaf, parseEntry, rootHash } from '../src/ledger/index.ts';
import { innerCount, innerFromBottom, tileRows, TreeBuilder, type TileRow } from '../src/ledger/tree-builder.ts';

describe('entries', () => {
  it('are RFC 8785 canonical: sorted keys, no whitespace, one byte string per event', () => {
    const bytes = entryBytes({ kind: 'order.created', actor: 'buyer:1', subject: { order: 'o1', merchant: 'm1' }, data: { total: 4990, lines: [{ sku: 'A', qty: 2 }], note: 'é€😀' }, at: '2026-11-25T10:00:00.000Z' });
    expect(Buffer.from(bytes).toString('utf8')).toBe(
      '{"actor":"buyer:1","at":"2026-11-25T10:00:00.000Z","data":{"lines":[{"qty":2,"sku":"A"}],"note":"é€😀","total":4990},"kind":"order.created","subject":{"merchant":"m1","order":"o1"},"v":1}',
    );
    expect(parseEntry(bytes).subject).toEqual({ order: 'o1', merchant: 'm1' });
  });

  it('refuses bytes that are not the canonical form', () => {
    const good = Buffer.from(entryBytes({ kind: 'a.b', actor: 'x', subject: {}, at: '2026-11-25T10:00:00.000Z' })).toString();
    for (const bad of [good.replace('{', '{ '), good.replace('"actor":"x","at"', '"at"').replace('}', ',"actor":"x"}'), good.replace('"v":1', '"v":1.0'), good + '\n', good.replace('"v":1', '"v":1,"extra":0')]) {
      expect(() => parseEntry(new Uint8Array(Buffer.from(bad)))).toThrow(/ledger entry rejected/);
    }
    expect(() => parseEntry(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/);
  });

  it('allows exactly 65,535 bytes and no more', () => {
    const base = entryBytes({ kind: 'a.b', actor: 'x', subject: {}, data: { s: '' }, at: '2026-11-25T10:00:00.000Z' }).length;
    const fill = (n: number) => entryBytes({ kind: 'a.b', actor: 'x', subject: {}, data: { s: 'y'.repeat(n) }, at: '2026-11-25T10:00:00.000Z' });
    expect(fill(ENTRY_BYTES_MAX - base).length).toBe(ENTRY_BYTES_MAX);
    expect(() => fill(ENTRY_BYTES_MAX - base + 1)).toThrow(/65535-byte limit/);
  });

  it('refuses what cannot be canonical or is personal data', () => {
    const e = (data: unknown) => () => entryBytes({ kind: 'a.b', actor: 'x', subject: {}, data: data as never });
    expect(e({ n: 1.5 })).toThrow(/safe integer/);
    expect(e({ n: 2 ** 60 })).toThrow(/safe integer/);
    expect(e({ n: NaN })).toThrow();
    expect(e({ when: new Date() })).toThrow(/not JSON/);
    expect(e({ phone: '13800000000' })).toThrow(/personal data/);
    expect(e({ contact: 'bob@example.org' })).toThrow(/e-mail/);
    expect(e({ s: '\uD800' })).toThrow();
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(e({ deep })).toThrow(/deeper/);
  });
});

describe('tree builder', () => {
  it('matches rootHash at every size, and resumes from stored tiles alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 0, max: 600 }), (n, more) => {
        const leaves = Array.from({ length: n + more }, (_, i) => hashLeaf(new Uint8Array([i % 256, Math.floor(i / 256) % 256, Math.floor(i / 65536)])));
        const b = TreeBuilder.empty();
        const stored = new Map<string, TileRow>();
        for (let i = 0; i < n; i++) {
          b.push(leaves[i]!);
          if (i % 997 === 0) for (const t of b.takeTiles()) stored.set(`${t.level}/${t.idx}`, t);
        }
        for (const t of b.takeTiles()) stored.set(`${t.level}/${t.idx}`, t);
        expect(Buffer.from(b.root()).equals(Buffer.from(rootHash(leaves.slice(0, n))))).toBe(true);
        // Stored inner nodes are exactly the perfect subtrees of each tile's bottom row.
        for (const t of stored.values()) {
          const rows = tileRows(t.hashes, t.inner);
          expect(t.inner.length).toBe(innerCount(rows[0]!.length) * 32);
          expect(rows.map((r) => r.map((h) => Buffer.from(h).toString('hex')))).toEqual(innerFromBottom(rows[0]!).map((r) => r.map((h) => Buffer.from(h).toString('hex'))));
        }
        // Restart: only the rightmost tile of each level is needed.
        const right = new Map<number, Uint8Array>();
        for (let k = 0, count = n; count > 0; k++, count = Math.floor(count / 256)) {
          const t = stored.get(`${k}/${Math.floor(count / 256)}`);
          if (count % 256 && t) right.set(k, t.hashes);
        }
        const r = TreeBuilder.fromRightTiles(n, right);
        expect(Buffer.from(r.root()).equals(Buffer.from(b.root()))).toBe(true);
        for (let i = n; i < n + more; i++) r.push(leaves[i]!);
        expect(Buffer.from(r.root()).equals(Buffer.from(rootHash(leaves)))).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});
