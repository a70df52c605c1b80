import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';
import { asBytes } from '../shared/bytes.ts';
import { blockHash, GENESIS_PREV_HASH } from './block.ts';
import { formatCheckpoint } from './checkpoint.ts';
import type { Leadership } from './leadership.ts';
import { hashLeaf } from './merkle.ts';
import { signNote, type NoteSigner } from './note.ts';
import { LedgerStore, type Block } from './store.ts';
import { TreeBuilder, type TileRow } from './tree-builder.ts';

/** Bound on one batch, so one transaction stays short and memory stays flat. */
export const BATCH_ENTRIES_MAX = 8192;
// Rows per INSERT: under SQLite's 32,766 bound-parameter limit and PostgreSQL's 65,535.
const INSERT_ROWS_MAX = 4000;

export interface SequencerOptions {
  origin: string;
  signer: NoteSigner;
  leadership: Leadership;
  /** Upper bound on how long a committed entry waits before integration starts. */
  maxDelayMs: number;
  batchMax?: number;
  /** Canonical bytes of the entry that opens an empty log (leaf 0). */
  genesis?: Uint8Array | undefined;
  onError?: (err: unknown) => void;
}

export interface Integrated {
  block: Block;
  /** queue id → leaf index for every entry of the block. */
  indices: Map<number, number>;
}

/**
 * Integrates queued entries into the tree in batches: one transaction moves them from the
 * queue into the log, writes the changed tiles, signs a checkpoint and seals a block.
 */
export class Sequencer extends EventEmitter<{ integrated: [Integrated]; leader: [boolean] }> {
  private tree: TreeBuilder | undefined;
  private last: Block | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private leader = false;
  private kicked = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: LedgerStore,
    private readonly opts: SequencerOptions,
  ) {
    super();
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get treeSize(): number {
    return this.tree?.size ?? 0;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.leader) await this.opts.leadership.release();
    this.setLeader(false);
  }

  /** Ask for a batch now rather than at the next tick. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.kicked = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const again = this.kicked;
        this.kicked = false;
        this.schedule(again ? 0 : this.leader ? Math.max(5, Math.floor(this.opts.maxDelayMs / 4)) : 1000);
      });
    }, ms);
  }

  private setLeader(v: boolean) {
    if (v !== this.leader) {
      this.leader = v;
      this.emit('leader', v);
    }
  }

  private async tick(): Promise<void> {
    try {
      const leader = await this.opts.leadership.acquire();
      if (leader && !this.leader) this.tree = undefined; // someone else may have advanced the log: reload
      this.setLeader(leader);
      if (!leader) return;
      // Drain: keep sealing blocks while full batches come back.
      while (!this.stopped && (await this.runOnce()) === (this.opts.batchMax ?? BATCH_ENTRIES_MAX));
    } catch (err) {
      this.tree = undefined; // state may be half-applied in memory: reload from storage next time
      this.opts.onError?.(err);
    }
  }

  /** Loads the right edge of the tree from storage. */
  async load(): Promise<void> {
    const last = await this.store.latestBlock();
    const size = last?.treeSize ?? 0;
    const tree = TreeBuilder.fromRightTiles(size, await this.store.rightTiles(size));
    if (last) assert(Buffer.from(tree.root()).equals(Buffer.from(last.rootHash)), 'sequencer: stored tiles disagree with the last block');
    if (this.tree) assert(size >= this.tree.size, 'sequencer: tree size must never shrink');
    this.tree = tree;
    this.last = last;
  }

  /** Integrates one batch; returns how many entries it took (0: queue empty). */
  async runOnce(): Promise<number> {
    if (!this.tree) await this.load();
    const batchMax = this.opts.batchMax ?? BATCH_ENTRIES_MAX;
    let result: Integrated | undefined;
    try {
      result = await this.db.transaction().execute(async (trx) => {
        const taken: { id: number; body: Uint8Array }[] = [];
        if (this.tree!.size === 0 && this.opts.genesis) {
          // The genesis entry opens the log, whatever is already queued.
          const g = await trx.insertInto('ledger_queue').values({ body: this.opts.genesis }).returning('id').executeTakeFirstOrThrow();
          taken.push(...(await trx.deleteFrom('ledger_queue').where('id', '=', g.id).returning(['id', 'body']).execute()));
        }
        // Take and remove in one statement, so a row committed meanwhile is neither lost nor taken twice.
        const batch = await trx
          .deleteFrom('ledger_queue')
          .where('id', 'in', (qb) => qb.selectFrom('ledger_queue').select('id').orderBy('id').limit(batchMax - taken.length))
          .returning(['id', 'body'])
          .execute();
        if (taken.length + batch.length === 0) return undefined;
        taken.push(...batch.sort((a, b) => a.id - b.id));
        return this.integrate(trx, taken);
      });
    } catch (err) {
      this.tree = undefined;
      throw err;
    }
    if (!result) return 0;
    this.last = result.block;
    this.emit('integrated', result);
    return result.indices.size;
  }

  private async integrate(trx: Kysely<Database>, taken: { id: number; body: Uint8Array }[]): Promise<Integrated> {
    const tree = this.tree!;
    const prev = this.last;
    const before = tree.size;
    assert(taken.length > 0 && taken.length <= (this.opts.batchMax ?? BATCH_ENTRIES_MAX), 'sequencer: batch size out of bounds');
    assert(before === (prev?.treeSize ?? 0), 'sequencer: in-memory tree and last block disagree');

    const indices = new Map<number, number>();
    const rows = taken.map((t, i) => {
      const body = asBytes(t.body);
      tree.push(hashLeaf(body));
      indices.set(t.id, before + i);
      return { idx: before + i, queue_id: t.id, body };
    });
    assert(tree.size === before + taken.length, 'sequencer: tree must grow by the batch');
    for (let i = 0; i < rows.length; i += INSERT_ROWS_MAX) {
      await trx.insertInto('ledger_entry').values(rows.slice(i, i + INSERT_ROWS_MAX)).execute();
    }
    await this.writeTiles(trx, tree.takeTiles());

    const rootHash = tree.root();
    const checkpoint = signNote(formatCheckpoint({ origin: this.opts.origin, size: tree.size, rootHash }), this.opts.signer);
    const fields = {
      height: prev ? prev.height + 1 : 0,
      prevHash: prev ? prev.blockHash : GENESIS_PREV_HASH,
      firstIndex: before,
      treeSize: tree.size,
      rootHash,
      time: new Date().toISOString(),
      checkpoint,
    };
    const block: Block = { ...fields, blockHash: blockHash(fields) };
    // Unique height and tree size: a second sequencer racing this one fails here and rolls back.
    await trx
      .insertInto('ledger_block')
      .values({
        height: block.height,
        prev_hash: block.prevHash,
        first_index: block.firstIndex,
        tree_size: block.treeSize,
        root_hash: block.rootHash,
        time: block.time,
        checkpoint: block.checkpoint,
        block_hash: block.blockHash,
      })
      .execute();
    return { block, indices };
  }

  private async writeTiles(trx: Kysely<Database>, tiles: TileRow[]): Promise<void> {
    for (let i = 0; i < tiles.length; i += INSERT_ROWS_MAX) {
      await trx
        .insertInto('ledger_tile')
        .values(tiles.slice(i, i + INSERT_ROWS_MAX))
        .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ hashes: sql`excluded.hashes` }))
        .execute();
    }
  }
}
