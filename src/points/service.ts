// Loyalty points in the double-entry books: a buyer's points account (unit PTS) is credited when an
// order completes, debited when points pay part of a checkout or expire; the platform's expense
// account in PTS is the other side. A redemption is also money: the platform credits the buyer's
// wallet with the points' value (platform expense in the order's currency), so the merchant is paid
// in full. Every movement is a money transfer, hence a money.* ledger entry, in the caller's transaction.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import { minorDigits, ownedAccountId, POINTS_UNIT, systemAccountId, type MoneyService } from '../money/index.ts';
import { assert, DomainError, newId } from '../shared/index.ts';
import { DEFAULT_POINTS_RULES, parseRules, pointsBack, pointsEarned, pointsValueMinor, redeemProblem, type EarnLine, type PointsRules } from './rules.ts';

const DAY_MS = 86_400_000;
const EXPIRE_BATCH = 200;

export interface PointsBalance {
  points: bigint;
  /** The soonest-expiring lots, with what is left of them. */
  expiring: { points: bigint; expiresAt: string }[];
}

/** What the points module needs to know of an order: its buyer and its lines as the categories see them. */
export interface PointsOrder {
  id: string;
  buyerId: string;
  merchantId: string;
  currency: string;
  totalMinor: bigint;
  items: { sku: string; qty: number; unitPriceMinor: string }[];
}

export class PointsService {
  private readonly backoff = new ItemBackoff('points');

  constructor(
    readonly db: Kysely<Database>,
    private readonly money: MoneyService,
    private readonly categories: (db: Transaction<Database>, merchantId: string, skus: string[]) => Promise<Map<string, string | null>>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private account = (userId: string) => ownedAccountId('buyer_points', userId, POINTS_UNIT);
  private readonly issuer = systemAccountId('platform_expense', POINTS_UNIT);

  async rules(db: Kysely<Database> | Transaction<Database> = this.db): Promise<PointsRules> {
    const row = await db.selectFrom('points_rules').select('rules').where('id', '=', 1).executeTakeFirst();
    return row ? parseRules(JSON.parse(row.rules)) : { ...DEFAULT_POINTS_RULES };
  }

  async setRules(adminId: string, input: unknown): Promise<PointsRules> {
    const rules = parseRules(input);
    const at = this.clock().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('points_rules').values({ id: 1, rules: JSON.stringify(rules), updated_at: at, updated_by: adminId })
        .onConflict((oc) => oc.column('id').doUpdateSet({ rules: JSON.stringify(rules), updated_at: at, updated_by: adminId })).execute();
    });
    return rules;
  }

  private async open(trx: Transaction<Database>, userId: string, currency?: string): Promise<void> {
    await this.money.ensureAccounts(trx, [
      { id: this.issuer, kind: 'platform_expense', currency: POINTS_UNIT },
      { id: this.account(userId), kind: 'buyer_points', owner: userId, currency: POINTS_UNIT },
    ], currency ? { systemCurrency: currency } : {});
  }

  async balance(userId: string): Promise<PointsBalance> {
    const acct = await this.db.selectFrom('money_account').select(['credits_posted', 'debits_posted', 'debits_pending']).where('id', '=', this.account(userId)).executeTakeFirst();
    const points = acct ? BigInt(acct.credits_posted) - BigInt(acct.debits_posted) - BigInt(acct.debits_pending) : 0n;
    const lots = await this.db.selectFrom('points_lot').select(['remaining', 'expires_at']).where('user_id', '=', userId).where('remaining', '>', 0).orderBy('expires_at').limit(5).execute();
    return { points, expiring: lots.map((l) => ({ points: BigInt(l.remaining), expiresAt: l.expires_at })) };
  }

  /** The order completed: its points, per the rules in force, into a lot that expires. */
  async earnForOrder(trx: Transaction<Database>, o: PointsOrder, at: Date): Promise<bigint> {
    const rules = await this.rules(trx);
    const cats = await this.categories(trx, o.merchantId, o.items.map((i) => i.sku));
    // Points pay for nothing that was paid with points.
    const redeemed = await trx.selectFrom('points_redemption').select('value_minor').where('order_id', '=', o.id).executeTakeFirst();
    const paidShare = (line: bigint) => (o.totalMinor === 0n ? 0n : (line * (o.totalMinor - BigInt(redeemed?.value_minor ?? 0))) / o.totalMinor);
    const lines: EarnLine[] = o.items.map((i) => ({ categoryId: cats.get(i.sku) ?? null, paidMinor: paidShare(BigInt(i.qty) * BigInt(i.unitPriceMinor)) }));
    const points = pointsEarned(lines, minorDigits(o.currency), rules, at);
    if (points === 0n) return 0n;
    await this.open(trx, o.buyerId);
    await this.money.transfer(trx, { id: `points-earn:${o.id}`, debit: this.issuer, credit: this.account(o.buyerId), amount: points, currency: POINTS_UNIT, code: 'points_earned', meta: { order: o.id }, actor: 'system' });
    await this.addLot(trx, o.buyerId, `order:${o.id}`, points, at, rules);
    return points;
  }

  private async addLot(trx: Transaction<Database>, userId: string, source: string, points: bigint, at: Date, rules: PointsRules): Promise<void> {
    await trx.insertInto('points_lot').values({
      id: newId('pts', 12), user_id: userId, source, points: Number(points), remaining: Number(points),
      expires_at: new Date(at.getTime() + rules.expiryDays * DAY_MS).toISOString(), created_at: at.toISOString(),
    }).execute();
  }

  /** Takes `points` from the user's lots, soonest-expiring first. The money transfer guards the total. */
  private async consumeLots(trx: Transaction<Database>, userId: string, points: bigint): Promise<void> {
    let left = points;
    const lots = await trx.selectFrom('points_lot').select(['id', 'remaining']).where('user_id', '=', userId).where('remaining', '>', 0).orderBy('expires_at').orderBy('id').execute();
    for (const lot of lots) {
      if (left === 0n) break;
      const take = BigInt(lot.remaining) < left ? BigInt(lot.remaining) : left;
      const res = await trx.updateTable('points_lot').set({ remaining: Number(BigInt(lot.remaining) - take) }).where('id', '=', lot.id).where('remaining', '=', lot.remaining).executeTakeFirst();
      assert(res.numUpdatedRows === 1n, `points: lot ${lot.id} changed under the account's lock`);
      left -= take;
    }
    assert(left === 0n, 'points: the lots hold less than the account balance');
  }

  /**
   * Points pay part of an order at checkout: the points leave the buyer's account and the platform
   * credits their wallet with the value, which then pays the order in full. Refused (409) beyond the
   * balance or the rules' share of the order.
   */
  async redeem(trx: Transaction<Database>, p: { orderId: string; userId: string; points: bigint; currency: string; totalMinor: bigint }): Promise<bigint> {
    const rules = await this.rules(trx);
    const why = redeemProblem(p.points, p.totalMinor, rules);
    if (why) throw new DomainError('points.bad_redemption', why, 409);
    const value = pointsValueMinor(p.points, rules);
    await this.open(trx, p.userId, p.currency);
    // The points transfer comes first: its limit refuses a redemption beyond the balance.
    await this.money.transfer(trx, { id: `points-redeem:${p.orderId}`, debit: this.account(p.userId), credit: this.issuer, amount: p.points, currency: POINTS_UNIT, code: 'points_redeemed', meta: { order: p.orderId }, actor: p.userId });
    await this.consumeLots(trx, p.userId, p.points);
    await this.money.transfer(trx, {
      id: `points-value:${p.orderId}`, debit: systemAccountId('platform_expense', p.currency), credit: ownedAccountId('buyer_wallet', p.userId, p.currency),
      amount: value, currency: p.currency, code: 'points_value', meta: { order: p.orderId, points: p.points.toString() }, actor: p.userId,
    });
    await trx.insertInto('points_redemption').values({ order_id: p.orderId, user_id: p.userId, points: Number(p.points), value_minor: Number(value), currency: p.currency, total_minor: Number(p.totalMinor), created_at: this.clock().toISOString() }).execute();
    return value;
  }

  /**
   * The order was cancelled or (partly) refunded: the points that paid for it come back in proportion,
   * and their value leaves the wallet again (the cancellation or refund has just put it there).
   */
  async returnForOrder(trx: Transaction<Database>, orderId: string, refundMinor: bigint, at: Date): Promise<bigint> {
    const r = await trx.selectFrom('points_redemption').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    if (!r) return 0n;
    const due = pointsBack(BigInt(r.points), refundMinor, BigInt(r.total_minor)) - BigInt(r.returned_points);
    if (due <= 0n) return 0n;
    const value = (BigInt(r.value_minor) * due) / BigInt(r.points);
    const n = BigInt(r.returned_points) + due;
    await this.money.transfer(trx, { id: `points-return:${orderId}:${n}`, debit: this.issuer, credit: this.account(r.user_id), amount: due, currency: POINTS_UNIT, code: 'points_returned', meta: { order: orderId }, actor: 'system' });
    if (value > 0n) {
      await this.money.transfer(trx, {
        id: `points-value-return:${orderId}:${n}`, debit: ownedAccountId('buyer_wallet', r.user_id, r.currency), credit: systemAccountId('platform_expense', r.currency),
        amount: value, currency: r.currency, code: 'points_value_returned', meta: { order: orderId }, actor: 'system',
      });
    }
    await trx.updateTable('points_redemption').set({ returned_points: Number(n) }).where('order_id', '=', orderId).where('returned_points', '=', r.returned_points).execute();
    await this.addLot(trx, r.user_id, `return:${orderId}`, due, at, await this.rules(trx));
    return due;
  }

  /**
   * Points granted for something other than an order — a referral, a check-in, a prize — into a lot
   * that expires like any other. Idempotent on `ref` (a replay grants nothing more).
   */
  async grant(trx: Transaction<Database>, p: { userId: string; points: bigint; ref: string; code: string; at: Date; actor?: string; meta?: Record<string, string> }): Promise<boolean> {
    assert(p.points > 0n, 'points: a grant must be positive');
    const source = `grant:${p.ref}`;
    if (await trx.selectFrom('points_lot').select('id').where('source', '=', source).executeTakeFirst()) return false;
    await this.open(trx, p.userId);
    await this.money.transfer(trx, { id: `points-grant:${p.ref}`, debit: this.issuer, credit: this.account(p.userId), amount: p.points, currency: POINTS_UNIT, code: p.code, meta: { ref: p.ref, ...p.meta }, actor: p.actor ?? 'system' });
    await this.addLot(trx, p.userId, source, p.points, p.at, await this.rules(trx));
    return true;
  }

  /** Points spent on something (a lucky-draw entry): 409 points.insufficient beyond the balance. Idempotent on `ref`. */
  async spend(trx: Transaction<Database>, p: { userId: string; points: bigint; ref: string; code: string; actor?: string; meta?: Record<string, string> }): Promise<boolean> {
    assert(p.points > 0n, 'points: spending must be positive');
    const id = `points-spend:${p.ref}`;
    if (await trx.selectFrom('money_transfer').select('id').where('id', '=', id).executeTakeFirst()) return false;
    const have = await trx.selectFrom('money_account').select(['credits_posted', 'debits_posted', 'debits_pending']).where('id', '=', this.account(p.userId)).executeTakeFirst();
    const balance = have ? BigInt(have.credits_posted) - BigInt(have.debits_posted) - BigInt(have.debits_pending) : 0n;
    if (balance < p.points) throw new DomainError('points.insufficient', `this needs ${p.points} points; you have ${balance}`, 409);
    await this.money.transfer(trx, { id, debit: this.account(p.userId), credit: this.issuer, amount: p.points, currency: POINTS_UNIT, code: p.code, meta: { ref: p.ref, ...p.meta }, actor: p.actor ?? p.userId });
    await this.consumeLots(trx, p.userId, p.points);
    return true;
  }

  /**
   * Takes a grant back (a referral reward when its order is refunded): what is left of its lot — points
   * already spent stay spent. Idempotent; returns the points taken.
   */
  async revoke(trx: Transaction<Database>, ref: string, code: string): Promise<bigint> {
    const lot = await trx.selectFrom('points_lot').select(['id', 'user_id', 'remaining']).where('source', '=', `grant:${ref}`).executeTakeFirst();
    if (!lot || BigInt(lot.remaining) === 0n) return 0n;
    const res = await trx.updateTable('points_lot').set({ remaining: 0 }).where('id', '=', lot.id).where('remaining', '=', lot.remaining).executeTakeFirst();
    if (res.numUpdatedRows !== 1n) return 0n;
    await this.money.transfer(trx, { id: `points-revoke:${ref}`, debit: this.account(lot.user_id), credit: this.issuer, amount: BigInt(lot.remaining), currency: POINTS_UNIT, code, meta: { ref }, actor: 'system' });
    return BigInt(lot.remaining);
  }

  /** Expired lots: what is left of them leaves the buyer's account. One transaction per lot. */
  async tick(now: Date): Promise<number> {
    const held = this.backoff.held(now);
    const lots = await this.db.selectFrom('points_lot').select(['id', 'user_id', 'remaining']).where('expires_at', '<=', now.toISOString()).where('remaining', '>', 0)
      .$if(held.length > 0, (qb) => qb.where('id', 'not in', held)).limit(EXPIRE_BATCH).execute();
    for (const lot of lots) {
      await this.backoff.run(lot.id, now, () => this.db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('points_lot').set({ remaining: 0 }).where('id', '=', lot.id).where('remaining', '=', lot.remaining).executeTakeFirst();
        if (res.numUpdatedRows !== 1n) return 0; // spent or expired meanwhile
        await this.money.transfer(trx, { id: `points-expire:${lot.id}`, debit: this.account(lot.user_id), credit: this.issuer, amount: BigInt(lot.remaining), currency: POINTS_UNIT, code: 'points_expired', meta: { lot: lot.id }, actor: 'system' });
        return 1;
      }));
    }
    this.backoff.report();
    return lots.length;
  }
}
