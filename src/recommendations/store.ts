// Persistence of the model's aggregates: load at start, add each batch's increments.
//
// A batch is saved only if the stored cursor is still where the batch started (compare-and-set in
// the same transaction as the increments): when several instances run the job, exactly one saves a
// given range, and the others catch up in memory from the events (see RecommendationsService).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';
import { SIGNALS, TALLIES, type Delta, type ItemDelta, type PairDelta, type Signal, type Snapshot, type Tally } from './model.ts';

const UPSERT_ROWS = 500;
const LOAD_PAGE = 10_000;

export interface StoredState {
  cursor: number;
  replayFrom: number;
  landmarkMs: number | null;
  streamAtMs: number;
}

const isTally = (v: string): v is Tally => (TALLIES as readonly string[]).includes(v);
const isSignal = (v: string): v is Signal => (SIGNALS as readonly string[]).includes(v);

export class RecsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async state(): Promise<StoredState> {
    const r = await this.db.selectFrom('recs_state').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    return { cursor: Number(r.cursor), replayFrom: Number(r.replay_from), landmarkMs: r.landmark_ms === null ? null : Number(r.landmark_ms), streamAtMs: Number(r.stream_at_ms) };
  }

  /** Everything stored, with the state it belongs to (read in one transaction: a concurrent save is all or nothing). */
  async load(): Promise<Snapshot & { replayFrom: number }> {
    return this.db.transaction().execute(async (trx) => {
      const s = await new RecsStore(trx).state();
      const items: ItemDelta[] = (await trx.selectFrom('recs_item').selectAll().execute()).map((r) => {
        assert(isTally(r.tally), `recs: stored tally ${r.tally}`);
        return { tally: r.tally, productId: r.product_id, n: Number(r.n), w: Number(r.w) };
      });
      const pairs: PairDelta[] = [];
      // Keyset pages: the pair table is the big one.
      let after: { signal: string; a: string; b: string } | null = null;
      for (;;) {
        let q = trx.selectFrom('recs_pair').selectAll();
        if (after) {
          const k = after;
          q = q.where((eb) => eb.or([
            eb('signal', '>', k.signal),
            eb.and([eb('signal', '=', k.signal), eb('a', '>', k.a)]),
            eb.and([eb('signal', '=', k.signal), eb('a', '=', k.a), eb('b', '>', k.b)]),
          ]));
        }
        const rows = await q.orderBy('signal').orderBy('a').orderBy('b').limit(LOAD_PAGE).execute();
        for (const r of rows) {
          assert(isSignal(r.signal), `recs: stored signal ${r.signal}`);
          pairs.push({ signal: r.signal, a: r.a, b: r.b, n: Number(r.n), w: Number(r.w) });
        }
        if (rows.length < LOAD_PAGE) break;
        after = rows[rows.length - 1]!;
      }
      return { ...s, items, pairs };
    });
  }

  /** Adds the delta and moves the cursor, unless another instance saved from this cursor first (false). */
  async save(delta: Delta, replayFrom: number, now: Date): Promise<boolean> {
    assert(replayFrom <= delta.toCursor, 'recs: replay point after the cursor');
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('recs_state')
        .set({ cursor: delta.toCursor, replay_from: replayFrom, landmark_ms: delta.landmarkMs, stream_at_ms: delta.streamAtMs, updated_at: now.toISOString() })
        .where('id', '=', 1).where('cursor', '=', delta.fromCursor)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      if (delta.rescale !== null) {
        await trx.updateTable('recs_item').set({ w: sql`w * ${delta.rescale}` }).execute();
        await trx.updateTable('recs_pair').set({ w: sql`w * ${delta.rescale}` }).execute();
      }
      const items = [...delta.items.values()].map((d) => ({ tally: d.tally, product_id: d.productId, n: d.n, w: d.w }));
      for (let i = 0; i < items.length; i += UPSERT_ROWS) {
        await trx.insertInto('recs_item').values(items.slice(i, i + UPSERT_ROWS))
          .onConflict((oc) => oc.columns(['tally', 'product_id']).doUpdateSet({ n: sql`recs_item.n + excluded.n`, w: sql`recs_item.w + excluded.w` }))
          .execute();
      }
      const pairs = [...delta.pairs.values()].map((d) => {
        assert(d.a < d.b, 'recs: a pair is stored as (a, b) with a < b');
        return { signal: d.signal, a: d.a, b: d.b, n: d.n, w: d.w };
      });
      for (let i = 0; i < pairs.length; i += UPSERT_ROWS) {
        await trx.insertInto('recs_pair').values(pairs.slice(i, i + UPSERT_ROWS))
          .onConflict((oc) => oc.columns(['signal', 'a', 'b']).doUpdateSet({ n: sql`recs_pair.n + excluded.n`, w: sql`recs_pair.w + excluded.w` }))
          .execute();
      }
      return true;
    });
  }
}
