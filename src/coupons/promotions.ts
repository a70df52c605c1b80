// Automatic promotions (category discount, buy X get Y, spend and save): stored here, applied at
// checkout by the pure pricing function. Admins create platform-funded ones; merchant staff their own.
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { price, type Promotion } from '../pricing/index.ts';
import { decodeTimeCursor, DomainError, encodeTimeCursor, notFound } from '../shared/index.ts';

export interface PromotionInput {
  kind: Promotion['kind'];
  percentBps?: number;
  buyX?: number;
  getY?: number;
  thresholdMinor?: string;
  saveMinor?: string;
  applies?: Promotion['applies'];
  validFrom?: string;
  validUntil?: string;
  merchantId?: string;
}

export interface PromotionView extends Omit<Promotion, 'thresholdMinor' | 'saveMinor'> {
  thresholdMinor?: string;
  saveMinor?: string;
  active: boolean;
  createdAt: string;
}

type Reader = Kysely<Database> | Transaction<Database>;
type StoredPromotion = Omit<Promotion, 'id' | 'funder' | 'merchantId' | 'thresholdMinor' | 'saveMinor'> & { thresholdMinor?: string; saveMinor?: string };

const toPromotion = (r: { id: string; funder: 'platform' | 'merchant'; merchant_id: string | null; rule: string }): Promotion => {
  const { thresholdMinor, saveMinor, ...rule } = JSON.parse(r.rule) as StoredPromotion;
  return {
    ...rule, id: r.id, funder: r.funder, ...(r.merchant_id ? { merchantId: r.merchant_id } : {}),
    ...(thresholdMinor !== undefined ? { thresholdMinor: BigInt(thresholdMinor) } : {}),
    ...(saveMinor !== undefined ? { saveMinor: BigInt(saveMinor) } : {}),
  };
};

export const promotionView = (r: { id: string; funder: 'platform' | 'merchant'; merchant_id: string | null; rule: string; active: number; created_at: string }): PromotionView => {
  const { thresholdMinor, saveMinor, ...p } = toPromotion(r);
  return {
    ...p, ...(thresholdMinor !== undefined ? { thresholdMinor: thresholdMinor.toString() } : {}), ...(saveMinor !== undefined ? { saveMinor: saveMinor.toString() } : {}),
    active: r.active === 1, createdAt: r.created_at,
  };
};

export class PromotionsService {
  constructor(readonly db: Kysely<Database>, private readonly ledger: Ledger, private readonly now: () => Date = () => new Date()) {}

  async create(actor: { userId: string; role: string; merchantId?: string | undefined }, input: PromotionInput): Promise<PromotionView> {
    let funder: 'platform' | 'merchant';
    let merchantId: string | null = null;
    if (actor.role === 'admin') {
      if (input.merchantId) throw new DomainError('promotion.admin_merchant', 'platform promotions are funded by the platform; merchants create their own', 400);
      funder = 'platform';
    } else if (actor.role === 'merchant_staff' && actor.merchantId) {
      if (input.merchantId && input.merchantId !== actor.merchantId) throw new DomainError('auth.forbidden', 'staff create promotions for their own merchant only', 403);
      funder = 'merchant';
      merchantId = actor.merchantId;
    } else throw new DomainError('auth.forbidden', 'admins and merchant staff create promotions', 403);
    const id = `prm_${randomBytes(12).toString('hex')}`;
    const { merchantId: _m, ...rest } = input;
    const rule: StoredPromotion = rest as StoredPromotion;
    const promotion = toPromotion({ id, funder, merchant_id: merchantId, rule: JSON.stringify(rule) });
    // The pricing function is the validator: a rule it refuses is refused here, before it is stored.
    try {
      price([], { coupons: [], promotions: [promotion], now: this.now() });
    } catch (err) {
      if (err instanceof DomainError) throw new DomainError('promotion.bad_rule', err.message, 400);
      throw err;
    }
    const at = this.now().toISOString();
    const row = { id, funder, merchant_id: merchantId, rule: JSON.stringify(rule), active: 1, created_by: actor.userId, created_at: at };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('coupons_promotion').values(row).execute();
      await this.ledger.append(trx, [{
        kind: 'promotion.created', actor: actor.userId, subject: { promotion: id, ...(merchantId ? { merchant: merchantId } : {}) },
        data: { funder, kind: input.kind, percentBps: input.percentBps ?? null, buyX: input.buyX ?? null, getY: input.getY ?? null, thresholdMinor: input.thresholdMinor ?? null, saveMinor: input.saveMinor ?? null, validFrom: input.validFrom ?? null, validUntil: input.validUntil ?? null },
      }]);
    });
    return promotionView(row);
  }

  /** Every active promotion (pricing checks each one's window and scope). */
  async active(db: Reader): Promise<Promotion[]> {
    const rows = await db.selectFrom('coupons_promotion').selectAll().where('active', '=', 1).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPromotion);
  }

  /** Newest first, a page at a time (the cursor is the last item's creation time and id). */
  async list(actor: { role: string; merchantId?: string | undefined }, page: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<{ items: PromotionView[]; nextCursor: string | null }> {
    const limit = Math.min(page.limit ?? 50, 200);
    let q = this.db.selectFrom('coupons_promotion').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1);
    if (actor.role === 'merchant_staff') q = q.where('merchant_id', '=', actor.merchantId ?? '');
    if (page.cursor) {
      const [at, id] = decodeTimeCursor(page.cursor);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q.execute();
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items: items.map(promotionView), nextCursor: rows.length > limit && last ? encodeTimeCursor(last.created_at, last.id) : null };
  }

  async deactivate(actor: { userId: string; role: string; merchantId?: string | undefined }, id: string): Promise<PromotionView> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('coupons_promotion').selectAll().where('id', '=', id);
      if (actor.role === 'merchant_staff') q = q.where('merchant_id', '=', actor.merchantId ?? '');
      const row = await q.executeTakeFirst();
      if (!row) throw notFound('promotion');
      if (row.active === 0) throw new DomainError('promotion.already_inactive', 'the promotion is already inactive', 409);
      await trx.updateTable('coupons_promotion').set({ active: 0 }).where('id', '=', id).execute();
      await this.ledger.append(trx, [{ kind: 'promotion.deactivated', actor: actor.userId, subject: { promotion: id } }]);
      return promotionView({ ...row, active: 0 });
    });
  }
}
