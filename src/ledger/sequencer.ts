import { EventEmitter } from 'node:events';
import type SQLite from 'better-sqlite3';
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

type Queued = { id: number; body: Uint8Array };

function sqliteWrites(db: SQLite.Database) {
  return {
    genesis: db.prepare<[Uint8Array]>('insert into ledger_entry (idx, queue_id, body) select 0, 0, ? where not exists (select 1 from ledger_entry)'),
    take: db.prepare<[number, number], Queued>('select idx as id, body from ledger_entry where idx >= ? order by idx limit ?'),
    upsertTile: db.prepare<[number, number, Uint8Array, Uint8Array]>(
      'insert into ledger_tile (level, idx, hashes, inner) values (?, ?, ?, ?) on conflict (level, idx) do update set hashes = excluded.hashes, inner = excluded.inner',
    ),
    insertBlock: db.prepare<[number, Uint8Array, number, number, Uint8Array, string, string, Uint8Array]>(
      'insert into ledger_block (height, prev_hash, first_index, tree_size, root_hash, time, checkpoint, block_hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
}

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
  /** ticket (queue id; on SQLite the leaf index itself) → leaf index, for every entry of the block. */
  indices: Map<number, number>;
}

/**
 * Integrates committed entries into the tree in batches. One transaction per batch takes the
 * entries (PostgreSQL: moves them from the queue into the log, giving them their indices;
 * SQLite: reads those appended since the last block), writes the changed tiles, signs a
 * checkpoint and seals a block. A failed batch leaves nothing behind: the in-memory tree is
 * dropped and reloaded from storage.
 */
export class Sequencer extends EventEmitter<{ integrated: [Integrated]; leader: [boolean] }> {
  private tree: TreeBuilder | undefined;
  private last: Block | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private leader = false;
  private kicked = false;
  private stmts: ReturnType<typeof sqliteWrites> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: LedgerStore,
    private readonly opts: SequencerOptions,
    /** The raw handle on SQLite: batches run as synchronous transactions there. */
    private readonly sqlite?: SQLite.Database,
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
    // SQLite assigns indices at append time: the genesis entry takes leaf 0 before any writer can.
    if (this.sqlite && this.opts.genesis) (this.stmts ??= sqliteWrites(this.sqlite)).genesis.run(this.opts.genesis);
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
      while (!this.stopped && (await this.runOnce()) === this.batchMax);
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
    let result: Integrated | undefined;
    try {
      result = this.sqlite ? await this.runSqlite(this.sqlite) : await this.runKysely();
    } catch (err) {
      this.tree = undefined;
      throw err;
    }
    if (!result) return 0;
    this.last = result.block;
    this.emit('integrated', result);
    return result.indices.size;
  }

  private get batchMax(): number {
    return this.opts.batchMax ?? BATCH_ENTRIES_MAX;
  }

  private needsGenesis(): boolean {
    return this.tree!.size === 0 && this.opts.genesis !== undefined;
  }


  /**
   * SQLite: writers are serialised by the database, so append() gives each entry its leaf
   * index at once (dense, in commit order) and the sequencer only hashes what was committed.
   * The whole batch is one synchronous transaction on the connection, taken from the query
   * builder's pool so no other transaction is open, and no read can see half of it.
   */
  private async runSqlite(db: SQLite.Database): Promise<Integrated | undefined> {
    const st = (this.stmts ??= sqliteWrites(db));
    return this.db.connection().execute(async () =>
      db.transaction(() => {
        const taken = st.take.all(this.tree!.size, this.batchMax);
        if (taken.length === 0) return undefined;
        taken.forEach((t, i) => assert(t.id === this.tree!.size + i, `sequencer: entry ${this.tree!.size + i} is missing`));
        const out = this.integrate(taken);
        for (const t of out.tiles) st.upsertTile.run(t.level, t.idx, t.hashes, t.inner);
        const b = out.block;
        st.insertBlock.run(b.height, b.prevHash, b.firstIndex, b.treeSize, b.rootHash, b.time, b.checkpoint, b.blockHash);
        return { block: b, indices: out.indices };
      })(),
    );
  }

  private async runKysely(): Promise<Integrated | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const taken: Queued[] = [];
      if (this.needsGenesis()) {
        const g = await trx.insertInto('ledger_queue').values({ body: this.opts.genesis! }).returning('id').executeTakeFirstOrThrow();
        taken.push(...(await trx.deleteFrom('ledger_queue').where('id', '=', g.id).returning(['id', 'body']).execute()));
      }
      // Take and remove in one statement, so a row committed meanwhile is neither lost nor taken twice.
      const batch = await trx
        .deleteFrom('ledger_queue')
        .where('id', 'in', (qb) => qb.selectFrom('ledger_queue').select('id').orderBy('id').limit(this.batchMax - taken.length))
        .returning(['id', 'body'])
        .execute();
      taken.push(...batch.sort((a, b) => a.id - b.id));
      if (taken.length === 0) return undefined;
      const out = this.integrate(taken);
      for (let i = 0; i < out.rows.length; i += INSERT_ROWS_MAX) {
        await trx.insertInto('ledger_entry').values(out.rows.slice(i, i + INSERT_ROWS_MAX)).execute();
      }
      await this.writeTiles(trx, out.tiles);
      const b = out.block;
      // Unique height and tree size: a second sequencer racing this one fails here and rolls back.
      await trx
        .insertInto('ledger_block')
        .values({
          height: b.height,
          prev_hash: b.prevHash,
          first_index: b.firstIndex,
          tree_size: b.treeSize,
          root_hash: b.rootHash,
          time: b.time,
          checkpoint: b.checkpoint,
          block_hash: b.blockHash,
        })
        .execute();
      return { block: b, indices: out.indices };
    });
  }

  /** Pure part of a batch: grows the tree, signs the checkpoint, builds the block. No I/O. */
  private integrate(taken: Queued[]) {
    const tree = this.tree!;
    const prev = this.last;
    const before = tree.size;
    assert(taken.length > 0 && taken.length <= this.batchMax, 'sequencer: batch size out of bounds');
    assert(before === (prev?.treeSize ?? 0), 'sequencer: in-memory tree and last block disagree');

    const indices = new Map<number, number>();
    const rows = taken.map((t, i) => {
      const body = asBytes(t.body);
      tree.push(hashLeaf(body));
      indices.set(t.id, before + i);
      return { idx: before + i, queue_id: t.id, body };
    });
    assert(tree.size === before + taken.length, 'sequencer: tree must grow by the batch');
    const tiles = tree.takeTiles();
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
    return { rows, tiles, block, indices };
  }

  private async writeTiles(trx: Kysely<Database>, tiles: TileRow[]): Promise<void> {
    for (let i = 0; i < tiles.length; i += INSERT_ROWS_MAX) {
      await trx
        .insertInto('ledger_tile')
        .values(tiles.slice(i, i + INSERT_ROWS_MAX))
        .onConflict((oc) => oc.columns(['level', 'idx']).doUpdateSet({ hashes: sql`excluded.hashes`, inner: sql`excluded.inner` }))
        .execute();
    }
  }
}
