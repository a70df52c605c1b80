import { sameBytes, toHex } from '../shared/bytes.ts';
import { hashLeaf } from './merkle.ts';
import { TILE_WIDTH } from './tiles.ts';
import { tileRows, TreeBuilder } from './tree-builder.ts';

/** Where an audit reads the log from: local storage or a remote log's tiles. */
export interface AuditSource {
  /** Leaf hashes of the entries in chunks, in leaf order from 0; idx is what the source claims. */
  leaves(treeSize: number): AsyncIterable<LeafChunk>;
  /** The hash tile as published for this tree, or undefined when absent. */
  tile(level: number, idx: number, width: number): Promise<Uint8Array | undefined>;
  /** A stored tile row with its inner nodes (local storage only: they are not part of tlog-tiles). */
  tileRow?(level: number, idx: number): Promise<{ hashes: Uint8Array; inner: Uint8Array } | undefined>;
}

export interface LeafChunk {
  idx: ArrayLike<number>;
  /** idx.length concatenated 32-byte leaf hashes. */
  hashes: Uint8Array;
}

/** Hashes entries read by this thread (remote logs, PostgreSQL). */
export async function* hashEntries(chunks: AsyncIterable<{ idx: number; body: Uint8Array }[]>): AsyncGenerator<LeafChunk> {
  for await (const rows of chunks) {
    const hashes = new Uint8Array(rows.length * 32);
    rows.forEach((r, k) => hashes.set(hashLeaf(r.body), k * 32));
    yield { idx: rows.map((r) => r.idx), hashes };
  }
}

/** Something to check when the recomputed tree reaches `size` (a block, a checkpoint). */
export interface Milestone {
  size: number;
  /** The leaf index to name when the check fails (e.g. a block's first entry). */
  index: number;
  label: string;
  /** Returns what is wrong, or null. */
  check(root: Uint8Array): string | null;
}

export interface AuditProblem {
  /** The first leaf index the problem concerns. */
  index: number;
  what: string;
}

export interface AuditReport {
  ok: boolean;
  treeSize: number;
  entries: number;
  milestones: number;
  problem?: AuditProblem;
}

export type Progress = (done: number, total: number) => void;

const hashesOf = (b: Uint8Array, i: number) => b.subarray(i * 32, i * 32 + 32);

/** Does tile[off, off+32) equal h? Without allocating: this runs once per entry. */
function equalAt(tile: Uint8Array, off: number, h: Uint8Array): boolean {
  for (let j = 0; j < 32; j++) if (tile[off + j] !== h[j]) return false;
  return true;
}

/** First inner node (height ≥ 1) of `mine` that `stored` lacks or holds differently; null if none. */
function firstInnerDiff(stored: Uint8Array[][], mine: Uint8Array[][]): { height: number; index: number } | null {
  for (let h = 1; h < mine.length; h++) {
    for (let i = 0; i < mine[h]!.length; i++) {
      const s = stored[h]?.[i];
      if (!s || !sameBytes(s, mine[h]![i]!)) return { height: h, index: i };
    }
  }
  return null;
}

/**
 * Recomputes every leaf hash and the whole tree from the entries, compares each leaf hash and
 * every stored tile with the recomputation, and runs each milestone's check at its size.
 * Stops at the first divergence and names its leaf index.
 */
export async function auditLog(src: AuditSource, treeSize: number, milestones: Milestone[], progress?: Progress): Promise<AuditReport> {
  const tree = TreeBuilder.empty();
  const todo = [...milestones].sort((a, b) => a.size - b.size);
  let m = 0;
  let leafTile: Uint8Array | undefined;
  const fail = (index: number, what: string): AuditReport => ({ ok: false, treeSize, entries: tree.size, milestones: m, problem: { index, what } });

  const checkTiles = async (final: boolean): Promise<AuditProblem | null> => {
    for (const t of final ? tree.takeTiles() : tree.takeFinished()) {
      const width = t.hashes.length / 32;
      if (src.tileRow) {
        // The stored row may have grown since (a live sequencer): compare row by row, each as a prefix.
        const stored = await src.tileRow(t.level, t.idx);
        const bad = stored === undefined ? { height: 1, index: 0 } : firstInnerDiff(tileRows(stored.hashes, stored.inner), tileRows(t.hashes, t.inner));
        if (bad) {
          const first = (t.idx * TILE_WIDTH + bad.index * 2 ** bad.height) * TILE_WIDTH ** t.level;
          return { index: first, what: `stored inner node of tile ${t.level}/${t.idx} (height ${bad.height}, #${bad.index}) differs from the recomputed one` };
        }
      }
      if (t.level === 0) continue; // leaf hashes were compared one by one
      const stored = await src.tile(t.level, t.idx, width);
      if (!stored || stored.length < t.hashes.length) return { index: t.idx * TILE_WIDTH * TILE_WIDTH ** t.level, what: `tile ${t.level}/${t.idx} (width ${width}) is missing` };
      for (let i = 0; i < width; i++) {
        if (!sameBytes(hashesOf(stored, i), hashesOf(t.hashes, i))) {
          const first = (t.idx * TILE_WIDTH + i) * TILE_WIDTH ** t.level;
          return { index: first, what: `stored node hash at level ${t.level * 8}, tile ${t.level}/${t.idx}[${i}] is ${toHex(hashesOf(stored, i))}, recomputed ${toHex(hashesOf(t.hashes, i))}` };
        }
      }
    }
    return null;
  };

  for await (const chunk of src.leaves(treeSize)) {
    for (let k = 0; k < chunk.idx.length; k++) {
      const idx = chunk.idx[k]!;
      const i = tree.size;
      if (i >= treeSize) return fail(i, `entry ${idx} is beyond the tree size ${treeSize}`);
      if (idx !== i) return fail(i, idx > i ? `entry ${i} is missing (next stored is ${idx})` : `entry ${idx} appears out of order or twice`);
      if (i % TILE_WIDTH === 0) leafTile = await src.tile(0, i / TILE_WIDTH, Math.min(TILE_WIDTH, treeSize - i));
      const leaf = chunk.hashes.subarray(k * 32, k * 32 + 32);
      const off = (i % TILE_WIDTH) * 32;
      if (!leafTile || leafTile.length < off + 32) return fail(i, `leaf hash ${i} is missing from tile 0/${Math.floor(i / TILE_WIDTH)}`);
      if (!equalAt(leafTile, off, leaf)) return fail(i, `entry ${i} hashes to ${toHex(leaf)} but the stored leaf hash is ${toHex(hashesOf(leafTile, i % TILE_WIDTH))}`);
      tree.push(leaf);
      if (tree.size % TILE_WIDTH === 0) {
        const bad = await checkTiles(false);
        if (bad) return fail(bad.index, bad.what);
      }
      while (m < todo.length && todo[m]!.size === tree.size) {
        const ms = todo[m]!;
        const why = ms.check(tree.root());
        if (why) return fail(ms.index, `${ms.label}: ${why}`);
        m++;
      }
    }
    progress?.(tree.size, treeSize);
  }
  if (tree.size < treeSize) return fail(tree.size, `entry ${tree.size} is missing (the log ends at ${tree.size} of ${treeSize})`);
  const bad = await checkTiles(true);
  if (bad) return fail(bad.index, bad.what);
  if (m < todo.length) return fail(todo[m]!.index, `${todo[m]!.label}: no entries reach its size ${todo[m]!.size}`);
  return { ok: true, treeSize, entries: tree.size, milestones: m };
}
