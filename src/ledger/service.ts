import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import { assert } from '../shared/assert.ts';
import type { Database } from '../db/database.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { toB64 } from '../shared/bytes.ts';
import { entryBytes, parseEntry, type LedgerEventInput } from './entry.ts';
import { consistencyPlan, inclusionPlan } from './merkle.ts';
import type { Receipt } from './receipt.ts';
import type { Sequencer } from './sequencer.ts';
import type { Block, LedgerStore } from './store.ts';

/** What append() hands back, to await inclusion with: the queue position (PostgreSQL) or the leaf index itself (SQLite). */
export interface Ticket {
  queueId: number;
}

const WAIT_POLL_MS = 25;
/** Most entries orderEntries returns for one order. */
export const ORDER_ENTRIES_MAX = 200;

function sqliteAppend(db: SQLite.Database) {
  return {
    next: db.prepare<[], { n: number }>('select coalesce(max(idx), -1) + 1 as n from ledger_entry'),
    insert: db.prepare<[number, number, Uint8Array]>('insert into ledger_entry (idx, queue_id, body) values (?, ?, ?)'),
  };
}

export class Ledger {
  private waiters = new Map<number, (idx: number) => void>();
  private stmts: ReturnType<typeof sqliteAppend> | undefined;
  /** SQLite statements run directly on the handle, outside Kysely (benchmarks add them to its count). */
  rawStatements = 0;

  constructor(
    readonly db: Kysely<Database>,
    readonly store: LedgerStore,
    readonly sequencer: Sequencer,
    readonly origin: string,
    readonly verifierKey: string,
    /** SQLite's raw handle: appends take their leaf index directly there. */
    private readonly sqlite?: SQLite.Database,
  ) {
    sequencer.on('integrated', ({ indices }) => {
      for (const [qid, idx] of indices) this.waiters.get(qid)?.(idx);
    });
  }

  /**
   * The commit rule: entries are queued inside the caller's transaction, so they commit or roll
   * back with the business rows. Validation happens first: a bad entry throws before any write.
   */
  async append(trx: Transaction<Database>, events: LedgerEventInput[]): Promise<Ticket[]> {
    assert(trx.isTransaction, 'ledger.append needs the caller\'s open transaction');
    if (events.length === 0) return [];
    const now = new Date();
    const bodies = events.map((e) => entryBytes(e, now));
    if (this.sqlite) {
      // SQLite serialises writers, so the next leaf index is known now: dense and in commit order.
      // The caller's transaction holds the one connection, so these statements run inside it.
      const st = (this.stmts ??= sqliteAppend(this.sqlite));
      this.rawStatements += 1 + bodies.length;
      let next = st.next.get()!.n;
      return bodies.map((body) => {
        st.insert.run(next, next, body);
        return { queueId: next++ };
      });
    }
    const rows = await trx
      .insertInto('ledger_queue')
      .values(bodies.map((body) => ({ body })))
      .returning('id')
      .execute();
    return rows.map((r) => ({ queueId: r.id }));
  }

  /** Appends in a transaction of its own and waits until the entries are in a signed checkpoint. */
  async appendNow(events: LedgerEventInput[], timeoutMs?: number): Promise<number[]> {
    const tickets = await this.db.transaction().execute((trx) => this.append(trx, events));
    return this.waitFor(tickets, timeoutMs);
  }

  /**
   * Resolves with the leaf indices once integrated, whichever instance sequences them.
   * Call it after the transaction commits, never inside one: on SQLite the open transaction
   * holds the only connection the sequencer needs.
   */
  async waitFor(tickets: Ticket[], timeoutMs = 30_000): Promise<number[]> {
    const ids = tickets.map((t) => t.queueId);
    const found = new Map<number, number>();
    let wake: () => void = () => {};
    for (const id of ids) {
      this.waiters.set(id, (idx) => {
        found.set(id, idx);
        if (found.size === ids.length) wake();
      });
    }
    this.sequencer.kick();
    const deadline = Date.now() + timeoutMs;
    try {
      while (found.size < ids.length) {
        // Another instance may be the sequencer: look in storage too.
        const missing = ids.filter((id) => !found.has(id));
        const size = (await this.store.latestBlock())?.treeSize ?? 0;
        for (let i = 0; i < missing.length; i += 1000) {
          const rows = await this.db
            .selectFrom('ledger_entry')
            .select(['idx', 'queue_id'])
            .where('queue_id', 'in', missing.slice(i, i + 1000))
            .where('idx', '<', size)
            .execute();
          for (const r of rows) found.set(r.queue_id, r.idx);
        }
        if (found.size === ids.length) break;
        if (Date.now() > deadline) throw new DomainError('ledger.timeout', 'entries were not integrated in time', 503);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, WAIT_POLL_MS);
        });
      }
    } finally {
      for (const id of ids) this.waiters.delete(id);
    }
    return ids.map((id) => found.get(id)!);
  }

  /** The leaf index of each queued entry already integrated; entries still queued are absent. Never waits. */
  async leafIndices(queueIds: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let i = 0; i < queueIds.length; i += 1000) {
      const rows = await this.db.selectFrom('ledger_entry').select(['idx', 'queue_id']).where('queue_id', 'in', queueIds.slice(i, i + 1000)).execute();
      for (const r of rows) out.set(Number(r.queue_id), Number(r.idx));
    }
    return out;
  }

  /**
   * The signed entries about one order (subject.order), oldest first, found by the order id or by
   * its number (CM-…, named in the order.created entry). For the public explorer: the log is public,
   * and entries carry ids and amounts, no personal data. A database scan of entry texts (no index on
   * subjects yet), from leaf index `from`, at most `limit`; every match is re-checked on the parsed entry.
   */
  async orderEntries(ref: string, limit = ORDER_ENTRIES_MAX, from = 0): Promise<{ orderId: string | null; entries: { idx: number; body: Uint8Array }[] }> {
    assert(/^[A-Za-z0-9_-]{1,64}$/.test(ref), 'ledger.orderEntries: ref must be an id or an order number');
    const size = (await this.latest())?.treeSize ?? 0;
    const text = this.sqlite ? sql<string>`cast(body as text)` : sql<string>`convert_from(body, 'UTF8')`;
    const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const scan = (needle: string, n: number, start = 0) =>
      this.db
        .selectFrom('ledger_entry')
        .select(['idx', 'body'])
        .where('idx', '>=', start)
        .where('idx', '<', size)
        .where(sql<boolean>`${text} like ${like(needle)} escape '\\'`)
        .orderBy('idx')
        .limit(n)
        .execute();
    let orderId = ref;
    if (/^CM-/.test(ref)) {
      const created = (await scan(`"number":"${ref}"`, 20))
        .map((r) => parseEntry(new Uint8Array(r.body)))
        .find((e) => e.kind === 'order.created' && e.data['number'] === ref && typeof e.subject['order'] === 'string');
      if (!created) return { orderId: null, entries: [] };
      orderId = created.subject['order']!;
    }
    const rows = await scan(`"order":"${orderId}"`, limit, from);
    const entries = rows
      .map((r) => ({ idx: Number(r.idx), body: new Uint8Array(r.body) }))
      .filter((r) => parseEntry(r.body).subject['order'] === orderId);
    return { orderId: entries.length || from > 0 ? orderId : null, entries };
  }

  async latest(): Promise<Block | undefined> {
    return this.store.latestBlock();
  }

  /** Entry + inclusion proof in the latest signed checkpoint: verifiable offline with the public key. */
  async receipt(idx: number): Promise<Receipt> {
    const last = await this.store.latestBlock();
    if (!Number.isSafeInteger(idx) || idx < 0 || !last || idx >= last.treeSize) throw notFound(`ledger entry ${idx}`);
    const body = await this.store.entry(idx);
    if (!body) throw notFound(`ledger entry ${idx}`);
    const proof = await this.store.evalPlan(inclusionPlan(idx, last.treeSize));
    return { v: 1, entry: toB64(body), leafIndex: idx, treeSize: last.treeSize, inclusionProof: proof.map(toB64), checkpoint: last.checkpoint };
  }

  /** RFC 9162 consistency proof between two tree sizes of this log. */
  async consistency(size1: number, size2: number): Promise<Uint8Array[]> {
    const last = await this.store.latestBlock();
    const size = last?.treeSize ?? 0;
    if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 1 && size1 <= size2)) {
      throw new DomainError('ledger.bad_sizes', 'sizes must satisfy 1 ≤ from ≤ to', 400);
    }
    if (size2 > size) throw new DomainError('ledger.beyond_tree', `the tree has ${size} entries`, 400);
    return this.store.evalPlan(consistencyPlan(size1, size2));
  }
}
