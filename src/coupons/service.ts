import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { isUniqueViolation, withSavepoint } from '../db/savepoint.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Applies, Coupon, Funder } from '../pricing/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { decodeCursor, encodeCursor, normalizeCode, pageLimit, parseNewCoupon, parseStoredRule, toPricingCoupon, type NewCoupon, type StoredRule } from './rules.ts';
import type { Page, PageRequest } from '../shared/index.ts';
export type { Page, PageRequest };

type CouponRow = Selectable<Database['coupons_coupon']>;
export type Reader = Kysely<Database> | Transaction<Database>;

/** Who manages coupons: admins (platform coupons, all coupons) and merchant staff (their merchant's). */
export interface CouponActor {
  userId: string;
  role: string;
  merchantId?: string | undefined;
}

/** A coupon's public terms, as the cart page shows them. Amounts are decimal strings of minor units. */
export interface CouponTerms {
  code: string;
  funder: Funder;
  merchantId: string | null;
  kind: 'fixed' | 'percent';
  amountMinor: string | null;
  percentBps: number | null;
  capMinor: string | null;
  minSpendMinor: string | null;
  validFrom: string | null;
  validUntil: string | null;
  applies: Applies | null;
  stackable: boolean;
}

/** A coupon as its managers see it. */
export interface CouponView extends CouponTerms {
  totalLimit: number | null;
  perUserLimit: number | null;
  usedCount: number;
  active: boolean;
  createdBy: string;
  createdAt: string;
}



const forbidden = (why: string) => new DomainError('auth.forbidden', why, 403);

function termsOf(row: CouponRow, r: StoredRule): CouponTerms {
  return {
    code: row.code,
    funder: row.funder,
    merchantId: row.merchant_id,
    kind: r.kind,
    amountMinor: r.amountMinor ?? null,
    percentBps: r.percentBps ?? null,
    capMinor: r.capMinor ?? null,
    minSpendMinor: r.minSpendMinor ?? null,
    validFrom: r.validFrom ?? null,
    validUntil: r.validUntil ?? null,
    applies: r.applies ?? null,
    stackable: r.stackable,
  };
}

function toView(row: CouponRow): CouponView {
  assert(row.active === 0 || row.active === 1, `coupons: coupon ${row.code} active is not 0/1`);
  assert((row.funder === 'merchant') === (row.merchant_id !== null), `coupons: coupon ${row.code} funder and merchant disagree`);
  return {
    ...termsOf(row, parseStoredRule(row.rule)),
    totalLimit: row.total_limit === null ? null : Number(row.total_limit),
    perUserLimit: row.per_user_limit === null ? null : Number(row.per_user_limit),
    usedCount: Number(row.used_count),
    active: Number(row.active) === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * Coupons: platform coupons (made by admins, funded by the platform) and merchant coupons (made by the
 * merchant's staff, funded by the merchant). Checkout reads them for the pricing function with
 * forPricing() and consumes one use per applied coupon with use() inside its own transaction.
 */
export class CouponsService {
  constructor(
    readonly db: Kysely<Database>,
    private readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Admins make platform coupons; merchant staff make their merchant's. coupon.created goes to the ledger. */
  async create(actor: CouponActor, input: NewCoupon): Promise<CouponView> {
    let funder: Funder;
    let merchantId: string | null;
    if (actor.role === 'admin') {
      if (input.merchantId !== undefined) throw new DomainError('coupon.admin_merchant', 'admins make platform coupons; restrict them to merchants with applies.merchantIds', 400);
      funder = 'platform';
      merchantId = null;
    } else if (actor.role === 'merchant_staff' && actor.merchantId !== undefined) {
      if (input.merchantId !== undefined && input.merchantId !== actor.merchantId) throw forbidden('merchant staff make coupons of their own merchant only');
      funder = 'merchant';
      merchantId = actor.merchantId;
    } else {
      throw forbidden('only admins and merchant staff make coupons');
    }
    const { code, rule, totalLimit, perUserLimit } = parseNewCoupon(input);
    const at = this.now().toISOString();
    const row: CouponRow = {
      code,
      funder,
      merchant_id: merchantId,
      rule: JSON.stringify(rule),
      total_limit: totalLimit,
      per_user_limit: perUserLimit,
      used_count: 0,
      active: 1,
      created_by: actor.userId,
      created_at: at,
      owner_id: input.ownerId ?? null,
    };
    return this.db.transaction().execute(async (trx) => {
      const dup = await trx.selectFrom('coupons_coupon').select('code').where('code', '=', code).executeTakeFirst();
      if (dup) throw duplicate(code);
      try {
        await trx.insertInto('coupons_coupon').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(code);
        throw err;
      }
      const data: Record<string, string | number | boolean> = { funder, kind: rule.kind, stackable: rule.stackable };
      if (rule.amountMinor !== undefined) data.amountMinor = rule.amountMinor;
      if (rule.percentBps !== undefined) data.percentBps = rule.percentBps;
      if (rule.capMinor !== undefined) data.capMinor = rule.capMinor;
      if (rule.minSpendMinor !== undefined) data.minSpendMinor = rule.minSpendMinor;
      if (totalLimit !== null) data.totalLimit = totalLimit;
      if (perUserLimit !== null) data.perUserLimit = perUserLimit;
      if (input.ownerId !== undefined) data.restricted = true;
      await this.ledger.append(trx, [
        { kind: 'coupon.created', actor: actor.userId, subject: { coupon: code, ...(merchantId !== null ? { merchant: merchantId } : {}) }, data, at },
      ]);
      return toView(row);
    });
  }

  /**
   * The pricing function's coupons for the codes a buyer typed (any case), in the given order (duplicates
   * kept: pricing refuses them), active ones only; codes that are malformed, missing or inactive come back
   * in `unknown` (upper-cased where they are well-formed).
   */
  async forPricing(db: Reader, codes: string[]): Promise<{ coupons: Coupon[]; unknown: string[] }> {
    const norm = codes.map((c) => ({ given: c, code: normalizeCode(c) }));
    const wanted = [...new Set(norm.flatMap((n) => (n.code === null ? [] : [n.code])))];
    const rows = wanted.length === 0 ? [] : await db.selectFrom('coupons_coupon').selectAll().where('code', 'in', wanted).where('active', '=', 1).execute();
    const byCode = new Map(rows.map((r) => [r.code, r]));
    const coupons: Coupon[] = [];
    const unknown: string[] = [];
    for (const n of norm) {
      const row = n.code === null ? undefined : byCode.get(n.code);
      if (!row) unknown.push(n.code ?? n.given);
      else coupons.push(toPricingCoupon(row.code, row.funder, row.merchant_id, parseStoredRule(row.rule)));
    }
    return { coupons, unknown };
  }

  /**
   * Consumes one use of the coupon by this user INSIDE the caller's transaction (it rolls back with it).
   * Safe under concurrency on both engines: the counters change only by conditional writes whose
   * affected rows are checked (on PostgreSQL a racing writer waits for the row lock, then re-checks the
   * condition on the committed row; SQLite serializes writers). 404 unknown, 409 coupon.inactive,
   * coupon.exhausted (total limit reached), coupon.per_user_limit; a refusal writes nothing (savepoint).
   * Appends coupon.used.
   */
  async use(trx: Transaction<Database>, code: string, userId: string): Promise<void> {
    assert(trx.isTransaction, 'coupons.use needs the caller\'s open transaction');
    const c = normalizeCode(code);
    if (c === null) throw notFound('coupon');
    const row = await trx.selectFrom('coupons_coupon').select(['code', 'merchant_id', 'per_user_limit', 'active', 'owner_id']).where('code', '=', c).executeTakeFirst();
    if (!row) throw notFound('coupon');
    if (row.owner_id !== null && row.owner_id !== userId) throw new DomainError('coupon.not_yours', `coupon ${c} was awarded to another account`, 409);
    if (Number(row.active) !== 1) throw new DomainError('coupon.inactive', `coupon ${c} is no longer active`, 409);
    // In a savepoint: a refusal leaves the caller's transaction as it was (it may go on without the coupon).
    await withSavepoint(trx, 'coupons', async () => {
      const total = await trx
        .updateTable('coupons_coupon')
        .set({ used_count: sql`used_count + 1` })
        .where('code', '=', c)
        .where('active', '=', 1)
        .where((eb) => eb.or([eb('total_limit', 'is', null), eb('used_count', '<', eb.ref('total_limit'))]))
        .executeTakeFirst();
      if (Number(total.numUpdatedRows) !== 1) throw new DomainError('coupon.exhausted', `coupon ${c} has been used up`, 409);
      const perUser = row.per_user_limit === null ? null : Number(row.per_user_limit);
      const counted = await trx
        .insertInto('coupons_use')
        .values({ code: c, user_id: userId, count: 1 })
        .onConflict((oc) => {
          const up = oc.columns(['code', 'user_id']).doUpdateSet({ count: sql`${sql.ref('coupons_use.count')} + 1` });
          return perUser === null ? up : up.where('coupons_use.count', '<', perUser);
        })
        .returning('count')
        .executeTakeFirst();
      if (!counted) throw new DomainError('coupon.per_user_limit', `coupon ${c} has already been used the most times one user may`, 409);
      assert(perUser === null || Number(counted.count) <= perUser, `coupons: ${c} used beyond the per-user limit`);
    });
    await this.ledger.append(trx, [
      { kind: 'coupon.used', actor: userId, subject: { coupon: c, user: userId, ...(row.merchant_id !== null ? { merchant: row.merchant_id } : {}) } },
    ]);
  }

  /** Admins and auditors: all coupons; merchant staff: their merchant's. By code. */
  async list(actor: CouponActor, page: PageRequest = {}): Promise<Page<CouponView>> {
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor);
    let q = this.db.selectFrom('coupons_coupon').selectAll();
    if (actor.role === 'merchant_staff' && actor.merchantId !== undefined) q = q.where('merchant_id', '=', actor.merchantId);
    else if (actor.role !== 'admin' && actor.role !== 'auditor') throw forbidden('only admins, auditors and merchant staff list coupons');
    if (after !== null) q = q.where('code', '>', after);
    const rows = await q.orderBy('code', 'asc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    return { items: kept.map(toView), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.code) : null };
  }

  /** Admins: any coupon; merchant staff: their merchant's (another's is a 404). 409 when already inactive. */
  async deactivate(actor: CouponActor, code: string): Promise<CouponView> {
    if (actor.role !== 'admin' && !(actor.role === 'merchant_staff' && actor.merchantId !== undefined)) throw forbidden('only admins and merchant staff deactivate coupons');
    const c = normalizeCode(code);
    if (c === null) throw notFound('coupon');
    const at = this.now().toISOString();
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('coupons_coupon').selectAll().where('code', '=', c);
      if (actor.role === 'merchant_staff') q = q.where('merchant_id', '=', actor.merchantId!);
      const row = await q.executeTakeFirst();
      if (!row) throw notFound('coupon');
      const res = await trx.updateTable('coupons_coupon').set({ active: 0 }).where('code', '=', c).where('active', '=', 1).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new DomainError('coupon.already_inactive', `coupon ${c} is already inactive`, 409);
      await this.ledger.append(trx, [
        { kind: 'coupon.deactivated', actor: actor.userId, subject: { coupon: c, ...(row.merchant_id !== null ? { merchant: row.merchant_id } : {}) }, at },
      ]);
      return toView({ ...row, active: 0 });
    });
  }

  /** Public: an active coupon's terms (inactive or unknown: 404). */
  async terms(code: string): Promise<CouponTerms> {
    const c = normalizeCode(code);
    if (c === null) throw notFound('coupon');
    const row = await this.db.selectFrom('coupons_coupon').selectAll().where('code', '=', c).where('active', '=', 1).executeTakeFirst();
    if (!row) throw notFound('coupon');
    return termsOf(row, parseStoredRule(row.rule));
  }
}

const duplicate = (code: string) => new DomainError('coupon.duplicate', `coupon ${code} already exists`, 409);
