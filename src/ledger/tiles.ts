/** C2SP tlog-tiles (https://c2sp.org/tlog-tiles) paths and entry bundles. */

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
const MAX_LEVEL = 63;
const MAX_ENTRY = 0xffff;

/** width 256 = full tile; 1..255 = partial. */
export type TilePath =
  | { kind: 'hash'; level: number; index: number; width: number }
  | { kind: 'entries'; index: number; width: number };

const isIndex = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** 1234067 → "x001/x234/067". */
export function formatTileIndex(n: number): string {
  if (!isIndex(n)) throw new RangeError(`tile index must be a non-negative safe integer, got ${n}`);
  let s = String(n);
  s = s.padStart(Math.ceil(s.length / 3) * 3, '0');
  const groups = s.match(/.../g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

export function formatTilePath(t: TilePath): string {
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) throw new RangeError(`tile width must be 1..256, got ${t.width}`);
  let level: string;
  if (t.kind === 'entries') level = 'entries';
  else if (Number.isInteger(t.level) && t.level >= 0 && t.level <= MAX_LEVEL) level = String(t.level);
  else throw new RangeError(`tile level must be 0..63, got ${t.level}`);
  const suffix = t.width === TILE_WIDTH ? '' : `.p/${t.width}`;
  return `tile/${level}/${formatTileIndex(t.index)}${suffix}`;
}

const PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/){0,5})([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/** Inverse of formatTilePath; null for anything that is not exactly canonical. */
export function parseTilePath(path: string): TilePath | null {
  if (typeof path !== 'string' || path.length > 64) return null;
  const m = PATH.exec(path);
  if (!m) return null;
  const [, lvl, xs, last, w] = m as unknown as [string, string, string, string, string | undefined];
  const groups = xs === '' ? [] : xs.slice(0, -1).split('/').map((g) => g.slice(1));
  if (groups[0] === '000') return null; // "x000/…" is a leading zero
  const index = Number([...groups, last].join(''));
  const width = w === undefined ? TILE_WIDTH : Number(w);
  if (!isIndex(index) || (w !== undefined && width >= TILE_WIDTH)) return null;
  if (lvl === 'entries') return { kind: 'entries', index, width };
  const level = Number(lvl);
  return level > MAX_LEVEL ? null : { kind: 'hash', level, index, width };
}

/** Shape of one tile level for a tree: its full tiles and the width of the partial one (0 if none). */
export function levelShape(treeSize: number, level: number): { fullTiles: number; partialWidth: number } {
  // Division by a power of two is exact for safe integers.
  const n = Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
  return { fullTiles: Math.floor(n / TILE_WIDTH), partialWidth: n % TILE_WIDTH };
}

/** The hash tile (level, index) as published for a tree of `treeSize`, or null if it has no hashes yet. */
export function tileAt(level: number, index: number, treeSize: number): TilePath | null {
  const width = widthAt(level, index, treeSize);
  return width === 0 ? null : { kind: 'hash', level, index, width };
}

/** The entry bundle `index` as published for a tree of `treeSize`, or null if it is empty. */
export function entriesAt(index: number, treeSize: number): TilePath | null {
  const width = widthAt(0, index, treeSize);
  return width === 0 ? null : { kind: 'entries', index, width };
}

function widthAt(level: number, index: number, treeSize: number): number {
  const { fullTiles, partialWidth } = levelShape(treeSize, level);
  return index < fullTiles ? TILE_WIDTH : index === fullTiles ? partialWidth : 0;
}

/**
 * Where the Merkle node at tree level `level`, index `index` lives: tile (tileLevel, tileIndex),
 * at height nodeLevel inside the tile, position nodeIndex (as tessera's NodeCoordsToTileAddress).
 */
export function tileCoords(level: number, index: number): { tileLevel: number; tileIndex: number; nodeLevel: number; nodeIndex: number } {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const nodeLevel = level % TILE_HEIGHT;
  const perTile = 2 ** (TILE_HEIGHT - nodeLevel);
  return { tileLevel, tileIndex: Math.floor(index / perTile), nodeLevel, nodeIndex: index % perTile };
}

/** Entry bundle: each entry as a big-endian uint16 length then its bytes. */
export function encodeBundle(entries: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY) throw new RangeError(`bundle entry is ${e.length} bytes, over the 65535-byte limit`);
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const e of entries) {
    out[off] = e.length >> 8;
    out[off + 1] = e.length & 0xff;
    out.set(e, off + 2);
    off += 2 + e.length;
  }
  return out;
}

/** Inverse of encodeBundle; entries are views into `bytes`. Throws on truncation. */
export function decodeBundle(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + 2 > bytes.length) throw new Error(`truncated entry bundle: length prefix cut off at byte ${off}`);
    const len = (bytes[off]! << 8) | bytes[off + 1]!;
    if (off + 2 + len > bytes.length) {
      throw new Error(`truncated entry bundle: entry ${out.length} needs ${len} bytes, only ${bytes.length - off - 2} left`);
    }
    out.push(bytes.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return out;
}
