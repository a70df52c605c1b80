import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  decodeBundle,
  encodeBundle,
  entriesAt,
  formatTileIndex,
  formatTilePath,
  levelShape,
  parseTilePath,
  tileAt,
  tileCoords,
  type TilePath,
} from '../src/ledger/tiles.ts';

describe('tile paths', () => {
  it('encodes indexes as in c2sp.org/tlog-tiles', () => {
    expect([TILE_HEIGHT, TILE_WIDTH]).toEqual([8, 256]);
    expect(formatTileIndex(1234067)).toBe('x001/x234/067'); // the spec's example
    expect(formatTileIndex(5)).toBe('005');
    expect(formatTileIndex(0)).toBe('000');
    expect(formatTileIndex(999)).toBe('999');
    expect(formatTileIndex(1000)).toBe('x001/000');
    expect(formatTileIndex(Number.MAX_SAFE_INTEGER)).toBe('x009/x007/x199/x254/x740/991');
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) expect(() => formatTileIndex(bad)).toThrow(RangeError);
  });

  it('formats and parses the spec and tessera examples', () => {
    const cases: [string, TilePath][] = [
      ['tile/0/x001/x234/067', { kind: 'hash', level: 0, index: 1234067, width: 256 }],
      // transparency-dev/tessera api/layout example_test.go: TilePath(0, 1234067, 315921160), EntriesPath(...)
      ['tile/0/x001/x234/067.p/8', { kind: 'hash', level: 0, index: 1234067, width: 8 }],
      ['tile/entries/x001/x234/067.p/8', { kind: 'entries', index: 1234067, width: 8 }],
      ['tile/entries/x001/x234/067', { kind: 'entries', index: 1234067, width: 256 }],
      ['tile/1/000.p/1', { kind: 'hash', level: 1, index: 0, width: 1 }],
      ['tile/63/x009/x007/x199/x254/x740/991.p/255', { kind: 'hash', level: 63, index: Number.MAX_SAFE_INTEGER, width: 255 }],
      ['tile/entries/000', { kind: 'entries', index: 0, width: 256 }],
    ];
    for (const [path, t] of cases) {
      expect(formatTilePath(t)).toBe(path);
      expect(parseTilePath(path)).toEqual(t);
    }
    expect(tileAt(0, 1234067, 315921160)).toEqual({ kind: 'hash', level: 0, index: 1234067, width: 8 });
    expect(entriesAt(1234067, 315921160)).toEqual({ kind: 'entries', index: 1234067, width: 8 });
  });

  it('refuses to format what it would not parse', () => {
    expect(() => formatTilePath({ kind: 'hash', level: 64, index: 0, width: 256 })).toThrow(/level/);
    expect(() => formatTilePath({ kind: 'hash', level: 0, index: 0, width: 0 })).toThrow(/width/);
    expect(() => formatTilePath({ kind: 'entries', index: 0, width: 257 })).toThrow(/width/);
    expect(() => formatTilePath({ kind: 'entries', index: -1, width: 256 })).toThrow(/index/);
  });

  it('returns null for every non-canonical or hostile path', () => {
    const hostile = [
      '', 'tile', 'tile/', 'tile/0', 'tile/0/', 'tile/0/1', 'tile/0/01', 'tile/0/0000', 'tile/0/x000/001', 'tile/0/x001',
      'tile/0/001/234', 'tile/0/x001/x234', 'tile/0/X001/234', 'tile/0/x01/234', 'tile/0/xx001/234', 'tile/00/000',
      'tile/01/000', 'tile/64/000', 'tile/99/000', 'tile/-1/000', 'tile/+1/000', 'tile/1.0/000', 'tile/0/000.p/0',
      'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000.p/', 'tile/0/000.p', 'tile/0/000.p/1/', 'tile/0/000/', '/tile/0/000',
      'tile/0/000/extra', 'tile/0//000', 'tile/0/./000', 'tile/0/../000', 'tile/0/%30%30%30', 'tile/0/000?x=1', 'tile/0/000#',
      'tile/0/000 ', ' tile/0/000', 'tile/0/000\n', 'tile/0/\u0660\u0660\u0660', 'tile/0/００0', 'TILE/0/000', 'tile/Entries/000',
      'tile/entries/000.p/256', 'tile/entries', 'tile/entries/', 'tile/entries/x000/000', 'tile/0/000.P/1', 'tile/0/000.p/+1',
      'tile/0/x010/x000/x000/x000/x000/000', // 10^16: above MAX_SAFE_INTEGER
      'tile/0/x001/x000/x000/x000/x000/x000/000', // too many groups
      'tile/0/x009/x007/x199/x254/x740/992', // MAX_SAFE_INTEGER + 1
      'tile\\0\\000', 'log/tile/0/000', 'checkpoint', 'tile/0/' + 'x001/'.repeat(1000) + '000',
    ];
    for (const p of hostile) expect(parseTilePath(p), JSON.stringify(p)).toBeNull();
    expect(parseTilePath(undefined as unknown as string)).toBeNull();
  });

  const tilePath: fc.Arbitrary<TilePath> = fc.oneof(
    fc.record({
      kind: fc.constant('hash' as const),
      level: fc.integer({ min: 0, max: 63 }),
      index: fc.oneof(fc.nat(1000), fc.maxSafeNat()),
      width: fc.integer({ min: 1, max: 256 }),
    }),
    fc.record({ kind: fc.constant('entries' as const), index: fc.oneof(fc.nat(1000), fc.maxSafeNat()), width: fc.integer({ min: 1, max: 256 }) }),
  );

  it('round-trips every valid tile path', () => {
    fc.assert(
      fc.property(tilePath, (t) => {
        expect(parseTilePath(formatTilePath(t))).toEqual(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only canonical spellings (fuzzed)', () => {
    const chars = fc.constantFrom(...'0123456789xp./-+ tileentries\\%\u0660'.split(''));
    const mutated = fc
      .tuple(tilePath, fc.array(fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), chars), { minLength: 1, maxLength: 3 }))
      .map(([t, ops]) =>
        ops.reduce((s, [i, op, c]) => {
          const p = i % (s.length + 1);
          return s.slice(0, p) + (op === 'delete' ? '' : c) + s.slice(op === 'insert' ? p : p + 1);
        }, formatTilePath(t)),
      );
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string(), fc.string({ unit: 'binary' })), (s) => {
        const t = parseTilePath(s);
        if (t !== null) expect(formatTilePath(t)).toBe(s);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('tree shape', () => {
  it('matches the spec example: tree size 70,000', () => {
    expect(levelShape(70000, 0)).toEqual({ fullTiles: 273, partialWidth: 112 });
    expect(levelShape(70000, 1)).toEqual({ fullTiles: 1, partialWidth: 17 });
    expect(levelShape(70000, 2)).toEqual({ fullTiles: 0, partialWidth: 1 });
    expect(levelShape(70000, 3)).toEqual({ fullTiles: 0, partialWidth: 0 });
  });

  it('matches the spec example: tree size 256', () => {
    expect(levelShape(256, 0)).toEqual({ fullTiles: 1, partialWidth: 0 });
    expect(tileAt(0, 0, 256)).toEqual({ kind: 'hash', level: 0, index: 0, width: 256 });
    expect(tileAt(0, 1, 256)).toBeNull();
    expect(tileAt(1, 0, 256)).toEqual({ kind: 'hash', level: 1, index: 0, width: 1 });
    expect(entriesAt(0, 0)).toBeNull();
  });

  it('maps tree nodes to tile coordinates (tessera NodeCoordsToTileAddress example)', () => {
    expect(tileCoords(8, 123456789)).toEqual({ tileLevel: 1, tileIndex: 482253, nodeLevel: 0, nodeIndex: 21 });
    expect(tileCoords(0, 1234067 * 256 + 7)).toEqual({ tileLevel: 0, tileIndex: 1234067, nodeLevel: 0, nodeIndex: 7 });
    expect(tileCoords(3, 100)).toEqual({ tileLevel: 0, tileIndex: 3, nodeLevel: 3, nodeIndex: 4 });
  });
});

describe('entry bundles', () => {
  it('encodes big-endian uint16 length prefixes', () => {
    const b = encodeBundle([new Uint8Array([0xaa]), new Uint8Array(0), new Uint8Array(300).fill(7)]);
    expect(Array.from(b.subarray(0, 6))).toEqual([0, 1, 0xaa, 0, 0, 1]);
    expect(b[6]).toBe(300 & 0xff);
    expect(b.length).toBe(3 + 2 + 302);
    expect(decodeBundle(b).map((e) => e.length)).toEqual([1, 0, 300]);
    expect(decodeBundle(new Uint8Array(0))).toEqual([]);
    expect(decodeBundle(encodeBundle([new Uint8Array(65535)]))[0]!.length).toBe(65535);
    expect(() => encodeBundle([new Uint8Array(65536)])).toThrow(/65535/);
  });

  it('throws on truncation', () => {
    const b = encodeBundle([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    for (let n = 1; n < b.length; n++) {
      if (n === 5) continue; // a whole first entry
      expect(() => decodeBundle(b.subarray(0, n)), String(n)).toThrow(/truncated entry bundle/);
    }
    expect(decodeBundle(b.subarray(0, 5))).toHaveLength(1);
  });

  it('round-trips and decodes only exact encodings (fuzzed)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (entries) => {
        expect(decodeBundle(encodeBundle(entries)).map((e) => Array.from(e))).toEqual(entries.map((e) => Array.from(e)));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        let out: Uint8Array[];
        try {
          out = decodeBundle(bytes);
        } catch (e) {
          expect((e as Error).message).toMatch(/^truncated entry bundle/);
          return;
        }
        expect(Buffer.from(encodeBundle(out)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
