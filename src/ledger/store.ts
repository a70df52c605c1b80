import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';
import { asBytes } from '../shared/bytes.ts';
import { foldNodes, type NodeRef } from './merkle.ts';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.ts';
import { foldPerfect } from './tree-builder.ts';

export interface Block {
  height: number;
  prevHash: Uint8Array;
  firstIndex: number;
  treeSize: number;
  rootHash: Uint8Array;
  time: string;
  checkpoint: string;
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

/** Reads of the integrated log. Full tiles are immutable, so they are cached with their inner levels. */
export class LedgerStore {
  private full = new Map<string, Uint8Array[][]>();

  constructor(private readonly db: Kysely<Database>) {}

  async latestBlock(): Promise<Block | undefined> {
    const r = await this.db.selectFrom('ledger_block').selectAll().orderBy('height', 'desc').limit(1).executeTakeFirst();
    return r && toBlock(r);
  }

  async block(height: number): Promise<Block | undefined> {
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
    const r = await this.db.selectFrom('ledger_entry').select('body').where('idx', '=', idx).executeTakeFirst();
    return r && asBytes(r.body);
  }

  /** Entries with start ≤ idx < end, in order. */
  async entries(start: number, end: number): Promise<{ idx: number; body: Uint8Array }[]> {
    const rows = await this.db
      .selectFrom('ledger_entry')
      .select(['idx', 'body'])
      .where('idx', '>=', start)
      .where('idx', '<', end)
      .orderBy('idx')
      .execute();
    return rows.map((r) => ({ idx: r.idx, body: asBytes(r.body) }));
  }

  /** The stored tile, full or partial, as concatenated hashes. */
  async tile(level: number, idx: number): Promise<Uint8Array | undefined> {
    const r = await this.db.selectFrom('ledger_tile').select('hashes').where('level', '=', level).where('idx', '=', idx).executeTakeFirst();
    return r && asBytes(r.hashes);
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

  private async tileLevels(level: number, idx: number, minWidth: number): Promise<Uint8Array[][]> {
    const key = `${level}/${idx}`;
    const hit = this.full.get(key);
    if (hit) return hit;
    const raw = await this.tile(level, idx);
    assert(raw !== undefined && raw.length >= minWidth * 32, `ledger store: tile ${key} is missing or short`);
    const levels: Uint8Array[][] = [[]];
    for (let i = 0; i < raw.length; i += 32) levels[0]!.push(raw.subarray(i, i + 32));
    for (let h = 1; h <= TILE_HEIGHT; h++) {
      const below = levels[h - 1]!;
      const row: Uint8Array[] = [];
      for (let i = 0; i + 1 < below.length; i += 2) row.push(foldPerfect([below[i]!, below[i + 1]!]));
      levels.push(row);
    }
    if (raw.length === TILE_WIDTH * 32) {
      if (this.full.size >= CACHE_TILES_MAX) this.full.delete(this.full.keys().next().value!);
      this.full.set(key, levels);
    }
    return levels;
  }

  /** Hash of a perfect subtree, read from the tile that holds it. */
  async node(ref: NodeRef): Promise<Uint8Array> {
    const k = Math.floor(ref.level / TILE_HEIGHT);
    const h = ref.level % TILE_HEIGHT;
    const first = ref.index * 2 ** h; // position of its leftmost descendant at tree level 8k
    const idx = Math.floor(first / TILE_WIDTH);
    const levels = await this.tileLevels(k, idx, (first % TILE_WIDTH) + 2 ** h);
    const hash = levels[h]![(first % TILE_WIDTH) / 2 ** h];
    assert(hash !== undefined, `ledger store: node ${ref.level}/${ref.index} not in tile`);
    return hash;
  }

  /** Evaluates a proof plan (lists of perfect subtrees, each folded into one proof hash). */
  async evalPlan(plan: NodeRef[][]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const refs of plan) out.push(foldNodes(await Promise.all(refs.map((r) => this.node(r)))));
    return out;
  }
}
