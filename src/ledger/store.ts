import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';
import type { BlockFields } from './block.ts';
import { asBytes } from '../shared/bytes.ts';
import { foldNodes, type NodeRef } from './merkle.ts';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.ts';
import { innerCount } from './tree-builder.ts';

export interface Block extends BlockFields {
  blockHash: Uint8Array;
}

type BlockRow = Database['ledger_block'];
export const toBlock = (r: BlockRow): Block => ({
  height: r.height,
  prevHash: asBytes(r.prev_hash),
  firstIndex: r.first_index,
  treeSize: r.tree_size,
  rootHash: asBytes(r.root_hash),
  time: r.time,
  checkpoint: r.checkpoint,
  blockHash: asBytes(r.block_hash),
});

const CACHE_TILES_MAX = 4096;

/** Prepared statements for SQLite, where a query through the builder costs ~10× the query. */
function sqliteReads(db: SQLite.Database) {
  return {
    latest: db.prepare<[], BlockRow>('select * from ledger_block order by height desc limit 1'),
    block: db.prepare<[number], BlockRow>('select * from ledger_block where height = ?'),
    entry: db.prepare<[number], { body: Uint8Array }>('select body from ledger_entry where idx = ?'),
    entries: db.prepare<[number, number], { idx: number; body: Uint8Array }>('select idx, body from ledger_entry where idx >= ? and idx < ? order by idx'),
    tile: db.prepare<[number, number], { hashes: Uint8Array }>('select hashes from ledger_tile where level = ? and idx = ?'),
    tileRow: db.prepare<[number, number], { hashes: Uint8Array; inner: Uint8Array }>('select hashes, inner from ledger_tile where level = ? and idx = ?'),
  };
}

/** Raw rows only: thousands of cached tiles as millions of small arrays would cost GC pauses. */
interface CachedTile {
  width: number;
  hashes: Uint8Array;
  inner: Uint8Array;
}

/** Node of height h (0..7) at position i inside a tile, by offset into its stored rows. */
function nodeIn(t: CachedTile, h: number, i: number): Uint8Array | undefined {
  if (h === 0) return i < t.width ? t.hashes.subarray(i * 32, i * 32 + 32) : undefined;
  let off = 0;
  for (let j = 1; j < h; j++) off += Math.floor(t.width / 2 ** j);
  if (i >= Math.floor(t.width / 2 ** h)) return undefined;
  return t.inner.subarray((off + i) * 32, (off + i) * 32 + 32);
}

/**
 * Reads of the integrated log. A tile only ever grows by appending hashes, so any cached
 * version wide enough for a node answers for it; full tiles never change at all.
 * On SQLite, reads run as synchronous prepared statements: the sequencer's batch is one
 * synchronous transaction too, so a read never sees half a batch.
 */
export class LedgerStore {
  private tiles = new Map<string, CachedTile>();
  private raw: ReturnType<typeof sqliteReads> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SQLite.Database,
  ) {
    this.raw = sqlite && sqliteReads(sqlite);
  }

  async latestBlock(): Promise<Block | undefined> {
    if (this.raw) {
      const r = this.raw.latest.get();
      return r && toBlock(r);
    }
    const r = await this.db.selectFrom('ledger_block').selectAll().orderBy('height', 'desc').limit(1).executeTakeFirst();
    return r && toBlock(r);
  }

  async block(height: number): Promise<Block | undefined> {
    if (this.raw) {
      const r = this.raw.block.get(height);
      return r && toBlock(r);
    }
    const r = await this.db.selectFrom('ledger_block').selectAll().where('height', '=', height).executeTakeFirst();
    return r && toBlock(r);
  }

  /** Blocks newest first, strictly below `before` when given. */
  async blocks(limit: number, before?: number): Promise<Block[]> {
    let q = this.db.selectFrom('ledger_block').selectAll().orderBy('height', 'desc').limit(limit);
    if (before !== undefined) q = q.where('height', '<', before);
    return (await q.execute()).map(toBlock);
  }

  async entry(idx: number): Promise<Uint8Array | undefined> {
    const r = this.raw ? this.raw.entry.get(idx) : await this.db.selectFrom('ledger_entry').select('body').where('idx', '=', idx).executeTakeFirst();
    return r && asBytes(r.body);
  }

  /** Entries with start ≤ idx < end, in order. */
  async entries(start: number, end: number): Promise<{ idx: number; body: Uint8Array }[]> {
    const rows = this.raw
      ? this.raw.entries.all(start, end)
      : await this.db.selectFrom('ledger_entry').select(['idx', 'body']).where('idx', '>=', start).where('idx', '<', end).orderBy('idx').execute();
    return rows.map((r) => ({ idx: r.idx, body: asBytes(r.body) }));
  }

  /** The stored tile, full or partial, as concatenated hashes. */
  async tile(level: number, idx: number): Promise<Uint8Array | undefined> {
    const r = this.raw
      ? this.raw.tile.get(level, idx)
      : await this.db.selectFrom('ledger_tile').select('hashes').where('level', '=', level).where('idx', '=', idx).executeTakeFirst();
    return r && asBytes(r.hashes);
  }

  /** A stored tile row with its inner nodes (laid out for its own width, which may have grown). */
  async tileRow(level: number, idx: number): Promise<{ hashes: Uint8Array; inner: Uint8Array } | undefined> {
    const r = this.raw
      ? this.raw.tileRow.get(level, idx)
      : await this.db.selectFrom('ledger_tile').select(['hashes', 'inner']).where('level', '=', level).where('idx', '=', idx).executeTakeFirst();
    return r && { hashes: asBytes(r.hashes), inner: asBytes(r.inner) };
  }

  /** The rightmost stored tile of every level, to resume the tree after a restart. */
  async rightTiles(size: number): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    for (let k = 0, count = size; count > 0; k++, count = Math.floor(count / TILE_WIDTH)) {
      if (count % TILE_WIDTH === 0) continue;
      const t = await this.tile(k, Math.floor(count / TILE_WIDTH));
      if (t) out.set(k, t);
    }
    return out;
  }

  private async cachedTile(level: number, idx: number, minWidth: number): Promise<CachedTile> {
    const key = `${level}/${idx}`;
    const hit = this.tiles.get(key);
    if (hit && hit.width >= minWidth) return hit;
    const r = this.raw
      ? this.raw.tileRow.get(level, idx)
      : await this.db.selectFrom('ledger_tile').select(['hashes', 'inner']).where('level', '=', level).where('idx', '=', idx).executeTakeFirst();
    assert(r !== undefined && r.hashes.length >= minWidth * 32, `ledger store: tile ${key} is missing or short`);
    const t: CachedTile = { width: r.hashes.length / 32, hashes: asBytes(r.hashes), inner: asBytes(r.inner) };
    assert(t.inner.length === innerCount(t.width) * 32, `ledger store: tile ${key} has ${t.inner.length / 32} inner nodes, expected ${innerCount(t.width)}`);
    if (!hit && this.tiles.size >= CACHE_TILES_MAX) this.tiles.delete(this.tiles.keys().next().value!);
    this.tiles.set(key, t);
    return t;
  }

  /** Hash of a perfect subtree, read from the tile that holds it. */
  async node(ref: NodeRef): Promise<Uint8Array> {
    const k = Math.floor(ref.level / TILE_HEIGHT);
    const h = ref.level % TILE_HEIGHT;
    const first = ref.index * 2 ** h; // position of its leftmost descendant at tree level 8k
    const idx = Math.floor(first / TILE_WIDTH);
    const tile = await this.cachedTile(k, idx, (first % TILE_WIDTH) + 2 ** h);
    const hash = nodeIn(tile, h, (first % TILE_WIDTH) / 2 ** h);
    assert(hash !== undefined, `ledger store: node ${ref.level}/${ref.index} not in tile`);
    return hash;
  }

  /** Evaluates a proof plan (lists of perfect subtrees, each folded into one proof hash). */
  async evalPlan(plan: NodeRef[][]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const refs of plan) {
      const hashes: Uint8Array[] = [];
      for (const r of refs) hashes.push(await this.node(r));
      out.push(foldNodes(hashes));
    }
    return out;
  }
}
