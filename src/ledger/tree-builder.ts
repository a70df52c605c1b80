import { assert } from '../shared/assert.ts';
import { hashChildren, rootHash } from './merkle.ts';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.ts';

export interface TileRow {
  level: number;
  idx: number;
  /** Concatenated 32-byte hashes: 256 for a full tile, fewer for the rightmost partial one. */
  hashes: Uint8Array;
  /**
   * The tile's inner nodes, heights 1..7 in order, complete ones only: with them a proof is
   * pure lookups, like tlog's stored hashes, instead of up to 255 hashes per tile read.
   */
  inner: Uint8Array;
}

/** Number of inner nodes of a tile whose bottom row has `width` hashes. */
export function innerCount(width: number): number {
  let n = 0;
  for (let w = Math.floor(width / 2); w > 0; w = Math.floor(w / 2)) n += w;
  return n - (width === TILE_WIDTH ? 1 : 0); // a full tile's top (height 8) is the next level's bottom
}

/** Splits a tile row into rows[h] = perfect-subtree hashes of height h inside the tile (h = 0..7). */
export function tileRows(hashes: Uint8Array, inner: Uint8Array): Uint8Array[][] {
  const rows: Uint8Array[][] = [split(hashes)];
  let off = 0;
  for (let h = 1, w = Math.floor(rows[0]!.length / 2); h < TILE_HEIGHT; h++, w = Math.floor(w / 2)) {
    assert(inner.length >= (off + w) * 32, 'tile: inner nodes are short');
    rows.push(split(inner.subarray(off * 32, (off + w) * 32)));
    off += w;
  }
  return rows;
}

/** Inner rows computed from the bottom row (for resuming, and for checking stored ones). */
export function innerFromBottom(bottom: Uint8Array[]): Uint8Array[][] {
  const rows: Uint8Array[][] = [bottom];
  for (let h = 1; h < TILE_HEIGHT; h++) {
    const below = rows[h - 1]!;
    const row: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) row.push(hashChildren(below[i]!, below[i + 1]!));
    rows.push(row);
  }
  return rows;
}

interface StackNode {
  level: number;
  hash: Uint8Array;
}

const concat = (hs: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(hs));
const split = (b: Uint8Array): Uint8Array[] => {
  assert(b.length % 32 === 0, 'tile: length is not a multiple of 32');
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += 32) out.push(b.subarray(i, i + 32));
  return out;
};

const emptyRows = (): Uint8Array[][] => Array.from({ length: TILE_HEIGHT }, () => []);
const toRow = (level: number, idx: number, rows: Uint8Array[][]): TileRow => ({ level, idx, hashes: concat(rows[0]!), inner: concat(rows.slice(1).flat()) });

/** Perfect-subtree hash of 2^k hashes (k ≥ 0). */
export function foldPerfect(hs: Uint8Array[]): Uint8Array {
  let level = hs;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
    level = next;
  }
  assert(level.length === 1, 'foldPerfect: empty input');
  return level[0]!;
}

/**
 * Grows the tree leaf by leaf, keeping only the right edge: the compact range (one hash per
 * set bit of the size) and, per tile level, the rightmost unfinished tile. Everything else is
 * immutable and lives in storage. Pure: no I/O.
 */
export class TreeBuilder {
  private stack: StackNode[] = [];
  /** right[k][h]: nodes of height h (tree level 8k+h) in the unfinished tile at tile level k. */
  private right: Uint8Array[][][] = [];
  private finished: TileRow[] = [];
  private touched = new Set<number>();

  private constructor(public size: number) {}

  static empty(): TreeBuilder {
    return new TreeBuilder(0);
  }

  /** Rebuilds the right edge from the stored partial tiles (level k → hashes of its rightmost tile). */
  static fromRightTiles(size: number, rightTiles: Map<number, Uint8Array>): TreeBuilder {
    assert(Number.isSafeInteger(size) && size >= 0, 'tree builder: bad size');
    const b = new TreeBuilder(size);
    for (let k = 0, count = size; count > 0; k++, count = Math.floor(count / TILE_WIDTH)) {
      const w = count % TILE_WIDTH;
      const stored = rightTiles.get(k);
      if (w === 0) {
        b.right[k] = emptyRows();
        continue;
      }
      assert(stored !== undefined, `tree builder: partial tile at level ${k} is missing`);
      const hs = split(stored);
      assert(hs.length === w, `tree builder: tile level ${k} has width ${hs.length}, expected ${w}`);
      b.right[k] = innerFromBottom(hs);
    }
    // Compact range: one perfect subtree per set bit of size, found lowest bit first, kept highest first.
    const nodes: StackNode[] = [];
    let rest = size;
    for (let level = 0; rest > 0; level++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) {
        const k = Math.floor(level / TILE_HEIGHT);
        const h = level % TILE_HEIGHT;
        const tile = b.right[k]![0]!;
        // Bit h of the tile's width is set: its node is the run of 2^h hashes after the larger runs.
        const start = Math.floor(tile.length / 2 ** (h + 1)) * 2 ** (h + 1);
        const span = 2 ** h;
        assert(start + span <= tile.length, 'tree builder: compact range outside the tile');
        nodes.push({ level, hash: foldPerfect(tile.slice(start, start + span)) });
      }
    }
    b.stack = nodes.reverse();
    return b;
  }

  push(leafHash: Uint8Array): void {
    this.addNode(0, leafHash);
    let h = leafHash;
    let level = 0;
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) {
      const left = this.stack.pop();
      assert(left !== undefined && left.level === level, 'tree builder: compact range out of order');
      h = hashChildren(left.hash, h);
      level++;
      this.addNode(level, h);
    }
    this.stack.push({ level, hash: h });
    this.size++;
    // A tile is finished once its bottom row is full; its inner rows filled in the same push.
    for (let k = 0; this.right[k]?.[0]!.length === TILE_WIDTH; k++) {
      const rows = this.right[k]!;
      const node = Math.floor(this.size / TILE_WIDTH ** k) - 1; // index of its last bottom node
      this.finished.push(toRow(k, Math.floor(node / TILE_WIDTH), rows));
      this.right[k] = emptyRows();
    }
  }

  private addNode(level: number, h: Uint8Array): void {
    const k = Math.floor(level / TILE_HEIGHT);
    (this.right[k] ??= emptyRows())[level % TILE_HEIGHT]!.push(h);
    if (level % TILE_HEIGHT === 0) this.touched.add(k);
  }

  /** RFC 9162 root of the current tree. */
  root(): Uint8Array {
    if (this.stack.length === 0) return rootHash([]);
    let h = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) h = hashChildren(this.stack[i]!.hash, h);
    return h;
  }

  /** Tiles finished since the last call, without the partial ones. */
  takeFinished(): TileRow[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Tiles to write since the last call: finished ones, then the current partial tile of every level touched. */
  takeTiles(): TileRow[] {
    const out = this.finished;
    for (const k of [...this.touched].sort((a, b) => a - b)) {
      const rows = this.right[k]!;
      const count = Math.floor(this.size / TILE_WIDTH ** k);
      assert(rows[0]!.length === count % TILE_WIDTH, 'tree builder: partial tile width disagrees with the size');
      if (rows[0]!.length > 0) out.push(toRow(k, Math.floor(count / TILE_WIDTH), rows));
    }
    this.finished = [];
    this.touched.clear();
    return out;
  }
}
