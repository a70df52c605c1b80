// The games: a daily check-in with streaks, and provably fair lucky draws (commit to a seed before
// entries open, close on a signed ledger checkpoint, reveal the seed, derive winners anyone can recompute).
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import type { Actor } from '../http/auth.ts';
import type { Json, Ledger, Ticket } from '../ledger/index.ts';
import type { PointsService } from '../points/index.ts';
import type { NewCoupon } from '../coupons/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { bytesToHex, DRAW_ALGORITHM, DRAW_ALGORITHM_ID, drawWinners, entriesHash, seedCommitment, seedMatches, sha256Hex } from './draw.ts';
import {
  decodeCursor, encodeCursor, entrantOf, newDrawId, newEntrantKey, newPrizeCouponCode, newSeed, pageLimit, parseNewDraw,
  type CouponPrize, type NewDraw, type Prize,
} from './rules.ts';
import { CHECKIN_REWARDS, CHECKIN_TIME_ZONE_DEFAULT, checkTimeZone, currentStreak, dayOf, nextStreak, rewardFor, addDays } from './streak.ts';
import type { Page } from '../shared/index.ts';
export type { Page };

type DrawRow = Selectable<Database['games_draw']>;
type Fence = ((trx: Transaction<Database>) => Promise<void> | void) | undefined;

/** What the games need of coupons: make a platform coupon (its own transaction; 409 coupon.duplicate when the code exists). */
export interface GamesCouponsPort {
  create(actor: { userId: string; role: string }, input: NewCoupon): Promise<unknown>;
}

export interface GamesDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  points: PointsService;
  coupons: GamesCouponsPort;
  /** The check-in calendar's time zone (default Asia/Shanghai). */
  timeZone?: string | undefined;
  clock?: () => Date;
}

export interface CheckinResult {
  day: string;
  streak: number;
  points: number;
}

export interface CheckinStatus {
  today: string;
  timeZone: string;
  checkedInToday: boolean;
  /** The streak as it stands: 0 when broken. */
  streak: number;
  /** Points the next check-in earns (today's if not yet checked in, else tomorrow's). */
  nextReward: number;
  schedule: { day: number; points: number }[];
  /** The last 30 days' check-ins, newest first. */
  recent: CheckinResult[];
}

export type DrawState = 'upcoming' | 'open' | 'closing' | 'closed' | 'revealed';

export interface DrawSummary {
  id: string;
  title: string;
  entryCostPoints: number;
  maxEntriesPerUser: number;
  prizes: Prize[];
  opensAt: string;
  closesAt: string;
  state: DrawState;
  entryCount: number;
  createdAt: string;
}

export interface DrawView extends DrawSummary {
  algorithm: string;
  algorithmId: string;
  commitment: { seedHash: string; ledgerIndex: number | null };
  closed: { at: string; early: boolean; treeSize: number; rootHash: string; checkpoint: string; entryCount: number; entriesHash: string; ledgerIndex: number | null } | null;
  reveal: { at: string; seed: string; winners: { prize: number; entryNo: number; entrant: string }[]; ledgerIndex: number | null } | null;
}

export interface EntryView {
  entryNo: number;
  entrant: string;
  ledgerIndex: number | null;
}

export interface MyDraw {
  drawId: string;
  entrant: string;
  entries: { entryNo: number; createdAt: string }[];
  prizes: { prize: number; entryNo: number; kind: 'points' | 'coupon'; points: number | null; couponCode: string | null; awarded: boolean }[];
}


const conflict = (code: string, message: string) => new DomainError(code, message, 409);
const alreadyCheckedIn = (day: string) => conflict('games.already_checked_in', `you have already checked in on ${day}`);
const ticket = (q: number | string | null): Ticket[] => (q === null ? [] : [{ queueId: Number(q) }]);

export class GamesService {
  readonly db: Kysely<Database>;
  private readonly ledger: Ledger;
  private readonly points: PointsService;
  private readonly coupons: GamesCouponsPort;
  private readonly backoff = new ItemBackoff('games');
  readonly timeZone: string;
  /** The clock; tests replace it to walk through days. */
  clock: () => Date;

  constructor(deps: GamesDeps) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.points = deps.points;
    this.coupons = deps.coupons;
    this.timeZone = checkTimeZone(deps.timeZone ?? CHECKIN_TIME_ZONE_DEFAULT);
    this.clock = deps.clock ?? (() => new Date());
  }

  // ---- daily check-in ------------------------------------------------------------------------

  /** Once per calendar day (in the configured zone): the streak goes on from yesterday or restarts; points by streak day. */
  async checkin(actor: Actor, fence?: Fence): Promise<CheckinResult> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only buyers check in', 403);
    const now = this.clock();
    const day = dayOf(now, this.timeZone);
    return this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      const last = await trx.selectFrom('games_checkin').select(['day', 'streak']).where('user_id', '=', actor.userId).orderBy('day', 'desc').limit(1).executeTakeFirst();
      const streak = nextStreak(last ? { day: last.day, streak: Number(last.streak) } : null, day);
      if (streak === null) throw alreadyCheckedIn(day);
      const points = rewardFor(streak);
      try {
        // The unique (user, day) row, in the grant's transaction: of racing check-ins one commits.
        await trx.insertInto('games_checkin').values({ user_id: actor.userId, day, streak, points, created_at: now.toISOString() }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw alreadyCheckedIn(day);
        throw err;
      }
      const granted = await this.points.grant(trx, {
        userId: actor.userId, points: BigInt(points), ref: `checkin:${actor.userId}:${day}`, code: 'checkin_reward', at: now, actor: actor.userId,
        meta: { day, streak: String(streak) },
      });
      assert(granted, `games: the check-in grant of ${actor.userId} on ${day} existed before its check-in row`);
      return { day, streak, points };
    });
  }

  async checkinStatus(actor: Actor): Promise<CheckinStatus> {
    const today = dayOf(this.clock(), this.timeZone);
    const rows = await this.db.selectFrom('games_checkin').select(['day', 'streak', 'points']).where('user_id', '=', actor.userId)
      .where('day', '>', addDays(today, -30)).orderBy('day', 'desc').execute();
    const recent = rows.map((r) => ({ day: r.day, streak: Number(r.streak), points: Number(r.points) }));
    const last = recent[0] ?? null;
    const checkedInToday = last?.day === today;
    const streak = currentStreak(last, today);
    return {
      today,
      timeZone: this.timeZone,
      checkedInToday,
      streak,
      nextReward: rewardFor(streak + 1),
      schedule: CHECKIN_REWARDS.map((points, i) => ({ day: i + 1, points })),
      recent,
    };
  }

  // ---- lucky draws -----------------------------------------------------------------------------

  /** Admin: a new draw. Its secret seed is made now and committed to (draw.committed) before any entry can exist. */
  async createDraw(actor: Actor, input: NewDraw): Promise<DrawView> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only admins create draws', 403);
    const now = this.clock();
    const d = parseNewDraw(input, now);
    const id = newDrawId();
    const seed = newSeed();
    const seedHash = seedCommitment(seed);
    const at = now.toISOString();
    const tickets = await this.db.transaction().execute(async (trx) => {
      const t = await this.ledger.append(trx, [{
        kind: 'draw.committed', actor: actor.userId, subject: { draw: id },
        data: {
          seedHash, algorithm: DRAW_ALGORITHM_ID, entryCostPoints: d.entryCostPoints, maxEntriesPerUser: d.maxEntriesPerUser,
          prizes: d.prizes as unknown as Json, opensAt: d.opensAt, closesAt: d.closesAt,
        },
        at,
      }]);
      await trx.insertInto('games_draw').values({
        id, title: d.title, entry_cost: d.entryCostPoints, max_per_user: d.maxEntriesPerUser, prizes: JSON.stringify(d.prizes),
        opens_at: d.opensAt, closes_at: d.closesAt, state: 'open', seed: bytesToHex(seed), seed_hash: seedHash, entrant_key: newEntrantKey(),
        entry_count: 0, commit_queue: t[0]!.queueId, closed_at: null, closed_early: 0, checkpoint_size: null, checkpoint_root: null, checkpoint_text: null,
        entries_hash: null, close_queue: null, revealed_at: null, revealed_seed: null, winners: null, reveal_queue: null, created_by: actor.userId, created_at: at,
      }).execute();
      return t;
    });
    await this.ledger.waitFor(tickets);
    return this.draw(id);
  }

  private async row(db: Kysely<Database> | Transaction<Database>, id: string): Promise<DrawRow> {
    const r = await db.selectFrom('games_draw').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('draw');
    return r;
  }

  private stateOf(r: DrawRow, now: Date): DrawState {
    if (r.state !== 'open') return r.state;
    const t = now.toISOString();
    if (t < r.opens_at) return 'upcoming';
    return t >= r.closes_at ? 'closing' : 'open';
  }

  private summary(r: DrawRow, now: Date): DrawSummary {
    return {
      id: r.id, title: r.title, entryCostPoints: Number(r.entry_cost), maxEntriesPerUser: Number(r.max_per_user), prizes: JSON.parse(r.prizes) as Prize[],
      opensAt: r.opens_at, closesAt: r.closes_at, state: this.stateOf(r, now), entryCount: Number(r.entry_count), createdAt: r.created_at,
    };
  }

  /** Public: a draw's terms, commitment, close checkpoint and reveal, with the leaf indices of their ledger entries. */
  async draw(id: string): Promise<DrawView> {
    const r = await this.row(this.db, id);
    const queues = [r.commit_queue, r.close_queue, r.reveal_queue].filter((q) => q !== null).map(Number);
    const idx = await this.ledger.leafIndices(queues);
    const leaf = (q: number | string | null) => (q === null ? null : idx.get(Number(q)) ?? null);
    const winners = r.winners === null ? null : (JSON.parse(r.winners) as number[]);
    let revealWinners: { prize: number; entryNo: number; entrant: string }[] = [];
    if (winners && winners.length) {
      const rows = await this.db.selectFrom('games_draw_entry').select(['entry_no', 'entrant']).where('draw_id', '=', id).where('entry_no', 'in', winners).execute();
      const by = new Map(rows.map((e) => [Number(e.entry_no), e.entrant]));
      revealWinners = winners.map((n, i) => ({ prize: i, entryNo: n, entrant: by.get(n)! }));
    }
    return {
      ...this.summary(r, this.clock()),
      algorithm: DRAW_ALGORITHM,
      algorithmId: DRAW_ALGORITHM_ID,
      commitment: { seedHash: r.seed_hash, ledgerIndex: leaf(r.commit_queue) },
      closed: r.checkpoint_root === null ? null : {
        at: r.closed_at!, early: Number(r.closed_early) === 1, treeSize: Number(r.checkpoint_size), rootHash: r.checkpoint_root, checkpoint: r.checkpoint_text!,
        entryCount: Number(r.entry_count), entriesHash: r.entries_hash!, ledgerIndex: leaf(r.close_queue),
      },
      reveal: winners === null ? null : { at: r.revealed_at!, seed: r.revealed_seed!, winners: revealWinners, ledgerIndex: leaf(r.reveal_queue) },
    };
  }

  /** Public: draws, newest first. */
  async draws(page: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<Page<DrawSummary>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('games_draw').selectAll();
    if (before !== null) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const now = this.clock();
    return { items: kept.map((r) => this.summary(r, now)), nextCursor: more ? encodeCursor(Number(kept[kept.length - 1]!.seq)) : null };
  }

  /** Public: the entries in entry order (numbers and pseudonyms only), with the leaf index of each draw.entered. */
  async entries(id: string, page: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<Page<EntryView>> {
    await this.row(this.db, id);
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor) ?? 0;
    const rows = await this.db.selectFrom('games_draw_entry').select(['entry_no', 'entrant', 'queue_id']).where('draw_id', '=', id).where('entry_no', '>', after)
      .orderBy('entry_no', 'asc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const idx = await this.ledger.leafIndices(kept.map((e) => Number(e.queue_id)));
    return {
      items: kept.map((e) => ({ entryNo: Number(e.entry_no), entrant: e.entrant, ledgerIndex: idx.get(Number(e.queue_id)) ?? null })),
      nextCursor: more ? encodeCursor(Number(kept[kept.length - 1]!.entry_no)) : null,
    };
  }

  /** Buyer: your entries and prizes in a draw (your coupon codes only here). */
  async myDraw(actor: Actor, id: string): Promise<MyDraw> {
    const r = await this.row(this.db, id);
    const entries = await this.db.selectFrom('games_draw_entry').select(['entry_no', 'created_at']).where('draw_id', '=', id).where('user_id', '=', actor.userId).orderBy('entry_no').execute();
    const prizes = await this.db.selectFrom('games_draw_prize').selectAll().where('draw_id', '=', id).where('user_id', '=', actor.userId).orderBy('prize_no').execute();
    return {
      drawId: id,
      entrant: entrantOf(r.entrant_key, actor.userId),
      entries: entries.map((e) => ({ entryNo: Number(e.entry_no), createdAt: e.created_at })),
      prizes: prizes.map((p) => ({
        prize: Number(p.prize_no), entryNo: Number(p.entry_no), kind: p.kind, points: p.points === null ? null : Number(p.points),
        couponCode: p.coupon_code, awarded: Number(p.awarded) === 1,
      })),
    };
  }

  /** Buyer: one entry, paid in points. 409 when the draw is not open, after close, or beyond your maximum; 409 points.insufficient. */
  async enter(actor: Actor, id: string, fence?: Fence): Promise<{ drawId: string; entryNo: number; entrant: string; pointsSpent: number; createdAt: string }> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only buyers enter draws', 403);
    const now = this.clock();
    const at = now.toISOString();
    const { out, tickets } = await this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      const r = await this.row(trx, id);
      const state = this.stateOf(r, now);
      if (state === 'upcoming') throw conflict('draw.not_open', 'this draw is not open yet');
      if (state !== 'open') throw conflict('draw.closed', 'this draw is closed');
      // The entry number: an atomic increment on the draw row. Its row lock serialises the draw's entries
      // (and orders them against the close), so the count below sees every committed entry of this user.
      const upd = await trx.updateTable('games_draw').set((eb) => ({ entry_count: eb('entry_count', '+', 1) })).where('id', '=', id).where('state', '=', 'open')
        .returning('entry_count').executeTakeFirst();
      if (!upd) throw conflict('draw.closed', 'this draw is closed');
      const mine = await trx.selectFrom('games_draw_entry').select((eb) => eb.fn.countAll().as('n')).where('draw_id', '=', id).where('user_id', '=', actor.userId).executeTakeFirst();
      const n = Number(mine?.n ?? 0);
      if (n >= Number(r.max_per_user)) throw maxEntries(Number(r.max_per_user));
      const entryNo = Number(upd.entry_count);
      const entrant = entrantOf(r.entrant_key, actor.userId);
      const cost = Number(r.entry_cost);
      await this.points.spend(trx, { userId: actor.userId, points: BigInt(cost), ref: `draw:${id}:${entryNo}`, code: 'draw_entry', meta: { draw: id, entry: String(entryNo) } });
      const t = await this.ledger.append(trx, [{ kind: 'draw.entered', actor: entrant, subject: { draw: id }, data: { entryNo, entrant, entryCostPoints: cost }, at }]);
      try {
        await trx.insertInto('games_draw_entry').values({ draw_id: id, entry_no: entryNo, user_id: actor.userId, user_entry_no: n + 1, entrant, queue_id: t[0]!.queueId, created_at: at }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw maxEntries(Number(r.max_per_user));
        throw err;
      }
      return { out: { drawId: id, entryNo, entrant, pointsSpent: cost, createdAt: at }, tickets: t };
    });
    await this.ledger.waitFor(tickets);
    return out;
  }

  /**
   * Closes a draw: no more entries, then the ledger's latest signed checkpoint (which includes every
   * draw.entered) goes into draw.closed with the entry count and the entry list hash. Due at closesAt
   * (the job); an admin may close earlier (`early`, recorded). Closing a closed draw changes nothing.
   */
  async close(id: string, opts: { early?: boolean; actor?: string } = {}): Promise<DrawView> {
    await this.closeNow(id, opts);
    return this.draw(id);
  }

  private async closeNow(id: string, opts: { early?: boolean; actor?: string } = {}): Promise<void> {
    const now = this.clock();
    let r = await this.row(this.db, id);
    if (r.state === 'open') {
      const due = now.toISOString() >= r.closes_at;
      if (!due && !opts.early) throw conflict('draw.not_due', `this draw closes at ${r.closes_at}`);
      await this.db.updateTable('games_draw').set({ state: 'closing', closed_at: now.toISOString(), closed_early: due ? 0 : 1 }).where('id', '=', id).where('state', '=', 'open').execute();
      r = await this.row(this.db, id);
    }
    if (r.state === 'closing') {
      const entries = await this.db.selectFrom('games_draw_entry').select(['entry_no', 'entrant', 'queue_id']).where('draw_id', '=', id).orderBy('entry_no').execute();
      assert(entries.length === Number(r.entry_count), `games: draw ${id} counts ${r.entry_count} entries but has ${entries.length}`);
      // Every entry (and the commitment) in a signed checkpoint before that checkpoint is taken.
      await this.ledger.waitFor([...ticket(r.commit_queue), ...entries.map((e) => ({ queueId: Number(e.queue_id) }))]);
      const block = await this.ledger.latest();
      assert(block !== undefined, 'games: no signed checkpoint after waiting for the draw\'s entries');
      const hash = entriesHash(entries.map((e) => ({ entryNo: Number(e.entry_no), entrant: e.entrant })));
      const rootHash = bytesToHex(block.rootHash);
      const at = now.toISOString();
      const tickets = await this.db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('games_draw').set({
          state: 'closed', checkpoint_size: block.treeSize, checkpoint_root: rootHash, checkpoint_text: block.checkpoint, entries_hash: hash,
        }).where('id', '=', id).where('state', '=', 'closing').executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return [];
        const t = await this.ledger.append(trx, [{
          kind: 'draw.closed', actor: opts.actor ?? 'system', subject: { draw: id },
          data: { treeSize: block.treeSize, rootHash, entryCount: entries.length, entriesHash: hash, early: Number(r.closed_early) === 1 }, at,
        }]);
        await trx.updateTable('games_draw').set({ close_queue: t[0]!.queueId }).where('id', '=', id).execute();
        return t;
      });
      await this.ledger.waitFor(tickets);
    }
  }

  /**
   * Reveals a closed draw: the seed (given by the operator, or the stored one) must hash to the
   * commitment (else 422 draw.bad_reveal); the winners follow from it and the close checkpoint's root
   * (draw.ts); prizes are awarded once (a retried reveal awards nothing twice).
   */
  async reveal(id: string, opts: { seed?: string | undefined; actor?: string } = {}): Promise<DrawView> {
    await this.revealNow(id, opts);
    return this.draw(id);
  }

  private async revealNow(id: string, opts: { seed?: string | undefined; actor?: string } = {}): Promise<void> {
    const r = await this.row(this.db, id);
    if (r.state === 'open' || r.state === 'closing') throw conflict('draw.not_closed', 'close the draw before revealing it');
    const seed = opts.seed?.toLowerCase() ?? r.seed;
    if (!seedMatches(seed, r.seed_hash)) throw new DomainError('draw.bad_reveal', 'this seed does not hash to the draw\'s commitment', 422);
    if (r.state === 'closed') {
      const prizes = JSON.parse(r.prizes) as Prize[];
      const winners = drawWinners({ seedHex: seed, rootHex: r.checkpoint_root!, drawId: id, entries: Number(r.entry_count), prizes: prizes.length });
      const now = this.clock();
      const at = now.toISOString();
      const tickets = await this.db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('games_draw').set({ state: 'revealed', revealed_at: at, revealed_seed: seed, winners: JSON.stringify(winners) })
          .where('id', '=', id).where('state', '=', 'closed').executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return [];
        const rows = winners.length === 0 ? [] : await trx.selectFrom('games_draw_entry').select(['entry_no', 'user_id', 'entrant']).where('draw_id', '=', id).where('entry_no', 'in', winners).execute();
        const by = new Map(rows.map((e) => [Number(e.entry_no), e]));
        assert(winners.every((n) => by.has(n)), `games: a winning entry of draw ${id} does not exist`);
        const actor = opts.actor ?? 'system';
        const t = await this.ledger.append(trx, [{
          kind: 'draw.revealed', actor, subject: { draw: id },
          data: { seed, seedHash: r.seed_hash, treeSize: Number(r.checkpoint_size), rootHash: r.checkpoint_root!, winners: winners.map((n, i) => ({ prize: i, entryNo: n, entrant: by.get(n)!.entrant })) },
          at,
        }]);
        await trx.updateTable('games_draw').set({ reveal_queue: t[0]!.queueId }).where('id', '=', id).execute();
        for (const [i, n] of winners.entries()) {
          const e = by.get(n)!;
          const prize = prizes[i]!;
          const isPoints = prize.kind === 'points';
          await trx.insertInto('games_draw_prize').values({
            draw_id: id, prize_no: i, entry_no: n, user_id: e.user_id, kind: prize.kind, points: isPoints ? prize.points : null,
            coupon_code: isPoints ? null : newPrizeCouponCode(), awarded: isPoints ? 1 : 0, created_at: at,
          }).execute();
          if (isPoints) {
            const granted = await this.points.grant(trx, { userId: e.user_id, points: BigInt(prize.points), ref: `draw:${id}:prize:${i}`, code: 'draw_prize', at: now, meta: { draw: id, prize: String(i) } });
            assert(granted, `games: prize ${i} of draw ${id} was granted before its reveal`);
            t.push(...(await this.ledger.append(trx, [{ kind: 'draw.prize_awarded', actor, subject: { draw: id }, data: { prize: i, entryNo: n, entrant: e.entrant, kind: 'points', points: prize.points }, at }])));
          }
        }
        return t;
      });
      await this.ledger.waitFor(tickets);
    }
    await this.awardCoupons(id);
  }

  /** Coupon prizes: each winner's single-use coupon, made through the coupons service after the reveal commits; retried until done. */
  private async awardCoupons(id: string): Promise<number> {
    const r = await this.row(this.db, id);
    const pending = await this.db.selectFrom('games_draw_prize').selectAll().where('draw_id', '=', id).where('kind', '=', 'coupon').where('awarded', '=', 0).orderBy('prize_no').execute();
    const prizes = JSON.parse(r.prizes) as Prize[];
    let done = 0;
    for (const p of pending) {
      const prize = prizes[Number(p.prize_no)] as CouponPrize;
      assert(prize?.kind === 'coupon' && p.coupon_code !== null, `games: prize ${p.prize_no} of draw ${id} is not a coupon`);
      const validUntil = prize.validDays === undefined ? undefined : new Date(Date.parse(r.revealed_at!) + prize.validDays * 86_400_000).toISOString();
      try {
        await this.coupons.create({ userId: r.created_by, role: 'admin' }, {
          code: p.coupon_code, kind: prize.couponKind, amountMinor: prize.amountMinor, percentBps: prize.percentBps, capMinor: prize.capMinor,
          minSpendMinor: prize.minSpendMinor, validUntil, totalLimit: 1, perUserLimit: 1, stackable: true, ownerId: p.user_id,
        });
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'coupon.duplicate')) throw err;
      }
      const entrant = entrantOf(r.entrant_key, p.user_id);
      const tickets = await this.db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('games_draw_prize').set({ awarded: 1 }).where('draw_id', '=', id).where('prize_no', '=', p.prize_no).where('awarded', '=', 0).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return [];
        return this.ledger.append(trx, [{
          kind: 'draw.prize_awarded', actor: 'system', subject: { draw: id },
          data: { prize: Number(p.prize_no), entryNo: Number(p.entry_no), entrant, kind: 'coupon', couponHash: sha256Hex(p.coupon_code!) },
        }]);
      });
      await this.ledger.waitFor(tickets);
      done++;
    }
    return done;
  }

  /**
   * The job: closes draws past closesAt and reveals closed ones with the stored seed; finishes pending
   * coupon prizes. A draw that fails is reported and held back for a while, so it cannot stop the others.
   */
  async tick(now: Date): Promise<number> {
    const t = now.toISOString();
    const held = this.backoff.held(now);
    const due = await this.db.selectFrom('games_draw').select(['id', 'state']).where((eb) => eb.or([
      eb.and([eb('state', '=', 'open'), eb('closes_at', '<=', t)]),
      // A close or reveal interrupted half-way (crash between its two transactions) is finished here.
      eb('state', 'in', ['closing', 'closed']),
    ])).$if(held.length > 0, (qb) => qb.where('id', 'not in', held)).orderBy('seq').limit(20).execute();
    let done = 0;
    for (const d of due) {
      // Not close()/reveal(): the job has no use for the draw's view.
      done += await this.backoff.run(d.id, now, async () => {
        if (d.state !== 'closed') await this.closeNow(d.id);
        await this.revealNow(d.id);
        return 1;
      });
    }
    const pending = await this.db.selectFrom('games_draw_prize').select('draw_id').distinct().where('awarded', '=', 0)
      .$if(held.length > 0, (qb) => qb.where('draw_id', 'not in', held)).limit(20).execute();
    for (const p of pending) done += await this.backoff.run(p.draw_id, now, async () => (await this.awardCoupons(p.draw_id), 1));
    this.backoff.report();
    return done;
  }
}

const maxEntries = (max: number) => conflict('draw.max_entries', `at most ${max} entries per person in this draw`);
