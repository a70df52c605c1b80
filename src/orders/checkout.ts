// One cart across merchants; checkout turns it into one checkout and one order per merchant, in
// ONE transaction: stock reserved, orders and their documents written, the buyer's money held in
// escrow (when paying by wallet), every step in the ledger. Any refusal leaves nothing behind.
import { newId } from '../shared/ids.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Actor as HttpActor } from '../http/auth.ts';
import type { TransferInput } from '../money/index.ts';
import { assert, DomainError } from '../shared/index.ts';
import { commitAddress, commitOrder, computeTotals, ORDER_QTY_MAX, orderInit, type OrderDocument, type ShippingAddress } from './document.ts';
import { escrowTransfers, lineCommission, walletPaymentId } from './escrow.ts';
import { apply, createOrder, isTerminal, ORDER_STATES, whyNot, type OrderEvent, type OrderFacts, type PaymentMode } from './flow.ts';
import { randomOrderNumber } from './numbers.ts';
import { price, type CartLine as PricingLine } from '../pricing/index.ts';
import type { CheckoutVariant, LivePort, MerchantTerms, Reader } from './ports.ts';
import { addressField, factColumns, orderView, type OrderView } from './rows.ts';
import { SYSTEM, type OrdersService } from './service.ts';

export const CART_LINES_MAX = 100;

export interface CheckoutInput {
  /** The lines to buy; without them, the caller's cart (which the checkout then empties). */
  items?: { variantId: string; qty: number; liveSessionId?: string }[];
  shippingAddress: ShippingAddress;
  /** Per checkout; pay_on_receipt only where every merchant in it allows it. */
  paymentMode?: PaymentMode;
  /** wallet: pay now from the wallet (prepaid); later: leave prepaid orders unpaid, stock reserved until they expire. */
  pay?: 'wallet' | 'later';
  /** Points to pay part of it with (whole hundreds; wallet payments only). */
  redeemPoints?: number;
  /** Coupon codes, applied in this order (see src/pricing for the rules). */
  coupons?: string[];
}

export interface CheckoutView {
  id: string;
  buyerId: string;
  createdAt: string;
  orders: OrderView[];
}

export interface CartLine {
  variantId: string;
  qty: number;
  sku: string;
  name: string;
  merchantId: string;
  unitPriceMinor: string;
  currency: string;
  purchasable: boolean;
}

export interface CartView {
  lines: CartLine[];
  /** Per merchant, what the checkout would make one order of. */
  merchants: { merchantId: string; currency: string; itemsMinor: string }[];
}

function mergeLines(items: { variantId: string; qty: number }[]): Map<string, number> {
  if (items.length === 0) throw new DomainError('checkout.empty', 'nothing to check out: the cart is empty', 400);
  const lines = new Map<string, number>();
  for (const i of items) {
    if (!Number.isSafeInteger(i.qty) || i.qty < 1 || i.qty > ORDER_QTY_MAX) throw new DomainError('checkout.bad_qty', `quantity must be a whole number in 1..${ORDER_QTY_MAX}`, 400);
    const q = (lines.get(i.variantId) ?? 0) + i.qty;
    if (q > ORDER_QTY_MAX) throw new DomainError('checkout.bad_qty', `quantity must be a whole number in 1..${ORDER_QTY_MAX}`, 400);
    lines.set(i.variantId, q);
  }
  if (lines.size > CART_LINES_MAX) throw new DomainError('checkout.too_many_lines', `at most ${CART_LINES_MAX} different items per checkout`, 400);
  return lines;
}

/** Per variant, the live session its lines were bought from; every line of a variant must name the same one (or none). */
function liveSessions(items: { variantId: string; liveSessionId?: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  const plain = new Set<string>();
  for (const i of items) {
    if (i.liveSessionId === undefined) plain.add(i.variantId);
    else if ((out.get(i.variantId) ?? i.liveSessionId) !== i.liveSessionId) throw new DomainError('checkout.live_line_conflict', `variant ${i.variantId} is named with two live sessions`, 400);
    else out.set(i.variantId, i.liveSessionId);
  }
  for (const id of plain) if (out.has(id)) throw new DomainError('checkout.live_line_conflict', `variant ${id} is bought both from a live session and not`, 400);
  return out;
}

/** Per variant: the discounts on its line, by who funds them. */
type LineDiscounts = Map<string, { merchantFunded: bigint; platformFunded: bigint }>;

interface Planned {
  facts: OrderFacts;
  transfers: TransferInput[];
  buyerId: string;
  merchantId: string;
  lines: { variantId: string; qty: number }[];
  view: OrderView;
}

/** Told after a checkout commits, with the products bought together (analytics records them if the buyer consented). */
export type PurchaseListener = (buyerId: string, checkoutId: string, productIds: string[]) => Promise<void>;

export class CheckoutService {
  constructor(
    private readonly orders: OrdersService,
    private readonly purchased?: { listener: PurchaseListener; onError: (err: unknown) => void },
  ) {}

  private live: LivePort | undefined;

  /** Live shopping's prices and quotas (optional; set once at start-up, after construction). */
  useLive(live: LivePort): void {
    this.live = live;
  }

  private get db() {
    return this.orders.db;
  }

  // ------------------------------------------------------------------ cart

  async cart(buyerId: string): Promise<CartView> {
    const rows = await this.db.selectFrom('orders_cart_item').selectAll().where('buyer_id', '=', buyerId).orderBy('added_at').orderBy('variant_id').execute();
    const variants = new Map((await this.orders.catalog.variantsForCheckout(this.db, rows.map((r) => r.variant_id))).map((v) => [v.variantId, v]));
    const lines: CartLine[] = [];
    const totals = new Map<string, { currency: string; items: bigint }>();
    for (const r of rows) {
      const v = variants.get(r.variant_id);
      if (!v) continue; // removed from the catalog: no longer offered
      lines.push({ variantId: v.variantId, qty: r.qty, sku: v.sku, name: v.name, merchantId: v.merchantId, unitPriceMinor: v.priceMinor.toString(), currency: v.currency, purchasable: v.purchasable });
      if (!v.purchasable) continue;
      const t = totals.get(v.merchantId) ?? { currency: v.currency, items: 0n };
      t.items += v.priceMinor * BigInt(r.qty);
      totals.set(v.merchantId, t);
    }
    return { lines, merchants: [...totals].map(([merchantId, t]) => ({ merchantId, currency: t.currency, itemsMinor: t.items.toString() })) };
  }

  /** Sets a line's quantity (0 removes it). Only purchasable variants go in. */
  async setCartLine(buyerId: string, variantId: string, qty: number): Promise<CartView> {
    if (!Number.isSafeInteger(qty) || qty < 0 || qty > ORDER_QTY_MAX) throw new DomainError('checkout.bad_qty', `quantity must be a whole number in 0..${ORDER_QTY_MAX}`, 400);
    await this.db.transaction().execute(async (trx) => {
      if (qty === 0) {
        await trx.deleteFrom('orders_cart_item').where('buyer_id', '=', buyerId).where('variant_id', '=', variantId).execute();
        return;
      }
      const [v] = await this.orders.catalog.variantsForCheckout(trx, [variantId]);
      if (!v || !v.purchasable) throw new DomainError('not_found', 'product variant not found', 404);
      const count = await trx.selectFrom('orders_cart_item').select((eb) => eb.fn.countAll<number>().as('n')).where('buyer_id', '=', buyerId).executeTakeFirstOrThrow();
      const existing = await trx.selectFrom('orders_cart_item').select('qty').where('buyer_id', '=', buyerId).where('variant_id', '=', variantId).executeTakeFirst();
      if (existing) {
        await trx.updateTable('orders_cart_item').set({ qty }).where('buyer_id', '=', buyerId).where('variant_id', '=', variantId).execute();
      } else {
        if (Number(count.n) >= CART_LINES_MAX) throw new DomainError('checkout.too_many_lines', `at most ${CART_LINES_MAX} different items in a cart`, 400);
        await trx.insertInto('orders_cart_item').values({ buyer_id: buyerId, variant_id: variantId, qty, added_at: this.orders.clock().toISOString() }).execute();
      }
    });
    return this.cart(buyerId);
  }

  async clearCart(buyerId: string): Promise<void> {
    await this.db.deleteFrom('orders_cart_item').where('buyer_id', '=', buyerId).execute();
  }

  // ------------------------------------------------------------------ checkout

  /** `confirm`: the SMS code and what it must have been sent for, when the payment needs one. */
  async checkout(actor: HttpActor, input: CheckoutInput, fence?: (trx: Transaction<Database>) => Promise<void>, confirm: { smsCode?: string | undefined; context: string } = { context: 'checkout:none' }): Promise<CheckoutView> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only buyers check out', 403);
    const buyerId = actor.userId;
    const mode: PaymentMode = input.paymentMode ?? 'prepaid';
    const payNow = mode === 'prepaid' && (input.pay ?? 'wallet') === 'wallet';
    const now = this.orders.clock();
    const checkoutId = newId('chk');
    let productIds: string[] = [];

    const orders = await this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      const fromCart = input.items === undefined;
      const items = fromCart
        ? (await trx.selectFrom('orders_cart_item').select(['variant_id', 'qty']).where('buyer_id', '=', buyerId).orderBy('added_at').execute()).map((r) => ({ variantId: r.variant_id, qty: r.qty }))
        : input.items!;
      const lines = mergeLines(items);
      const live = liveSessions(items);
      if (live.size > 0 && !this.live) throw new DomainError('live.unavailable', 'live shopping is not enabled here', 400);
      const variants = await this.orders.catalog.variantsForCheckout(trx, [...lines.keys()]);
      const byId = new Map(variants.map((v) => [v.variantId, v]));
      const groups = new Map<string, CheckoutVariant[]>();
      for (const id of lines.keys()) {
        let v = byId.get(id);
        if (!v) throw new DomainError('checkout.variant_not_found', `product variant ${id} not found`, 404, { variantId: id });
        if (!v.purchasable) throw new DomainError('checkout.not_purchasable', `product variant ${id} is not for sale`, 409, { variantId: id });
        const sessionId = live.get(id);
        if (sessionId !== undefined) {
          // The live price replaces the list price for this line: in the pricing, the document, its commitment and the totals.
          const lp = await this.live!.livePrice(trx, sessionId, id);
          assert(lp.currency === v.currency, `checkout: live price of ${id} in ${lp.currency}, the variant in ${v.currency}`);
          byId.set(id, (v = { ...v, priceMinor: lp.priceMinor }));
        }
        groups.set(v.merchantId, [...(groups.get(v.merchantId) ?? []), v]);
      }
      productIds = [...new Set(variants.map((v) => v.productId))];

      const discounts = await this.applyCoupons(trx, buyerId, input.coupons ?? [], [...lines].map(([id, qty]) => ({ v: byId.get(id)!, qty })), now);
      await trx.insertInto('orders_checkout').values({ id: checkoutId, buyer_id: buyerId, order_count: groups.size, created_at: now.toISOString() }).execute();
      // Merchants in a fixed order: concurrent checkouts take stock rows and accounts in the same order.
      const planned: Planned[] = [];
      for (const merchantId of [...groups.keys()].sort()) {
        const merchant = await this.orders.catalog.merchant(trx, merchantId);
        await this.checkMerchant(trx, merchant, buyerId, mode);
        const group = groups.get(merchantId)!;
        planned.push(await this.planOrder(trx, { checkoutId, buyerId, merchant, mode, payNow, now, address: input.shippingAddress, lines: group.map((v) => ({ v, qty: lines.get(v.variantId)! })), discounts }));
      }
      if (fromCart) await trx.deleteFrom('orders_cart_item').where('buyer_id', '=', buyerId).execute();
      // Contended rows last, so their locks (PostgreSQL) are held only until the commit right after:
      // first every order's stock, then every order's money.
      if (payNow) {
        const total = planned.reduce((sum, p) => sum + p.facts.totalMinor, 0n);
        await this.orders.confirmWalletPayment(trx, buyerId, total, confirm.context, confirm.smsCode);
      }
      if (input.redeemPoints) await this.redeemPoints(trx, buyerId, BigInt(input.redeemPoints), payNow, planned);
      // Live quotas: one conditional UPDATE per pinned line (sold + qty <= quota), contended like stock.
      for (const p of planned) {
        for (const l of p.lines) {
          const sessionId = live.get(l.variantId);
          if (sessionId !== undefined) await this.live!.claim(trx, { sessionId, variantId: l.variantId, orderId: p.facts.id, qty: l.qty });
        }
      }
      for (const p of planned) await this.reserve(trx, p, payNow, now);
      for (const p of planned) {
        if (p.transfers.length === 0) continue;
        await this.orders.openEscrowAccounts(trx, p.facts);
        await this.orders.money.transferAll(trx, p.transfers);
      }
      return planned.map((p) => p.view);
    });
    // After the commit and off the buyer's path: behaviour data never delays or fails a checkout.
    if (this.purchased) this.purchased.listener(buyerId, checkoutId, productIds).catch(this.purchased.onError);
    return { id: checkoutId, buyerId, createdAt: now.toISOString(), orders };
  }

  async checkoutView(actor: HttpActor, id: string): Promise<CheckoutView> {
    let q = this.db.selectFrom('orders_checkout').selectAll().where('id', '=', id);
    if (actor.role === 'buyer') q = q.where('buyer_id', '=', actor.userId);
    else if (actor.role === 'merchant_staff') throw new DomainError('not_found', 'checkout not found', 404);
    const row = await q.executeTakeFirst();
    if (!row) throw new DomainError('not_found', 'checkout not found', 404);
    const { items } = await this.orders.list(actor, { checkoutId: id, limit: 200 });
    return { id: row.id, buyerId: row.buyer_id, createdAt: row.created_at, orders: items };
  }

  private async checkMerchant(trx: Reader, m: MerchantTerms, buyerId: string, mode: PaymentMode): Promise<void> {
    if (m.status !== 'active') throw new DomainError('checkout.merchant_unavailable', `merchant ${m.id} is not taking orders`, 409, { merchantId: m.id });
    if (mode !== 'pay_on_receipt') return;
    if (!m.payOnReceipt) throw new DomainError('checkout.pay_on_receipt_unavailable', `merchant ${m.id} does not offer pay on receipt`, 409, { merchantId: m.id });
    // Trust is earned: an overdue order anywhere, or too many unpaid ones here, stops pay-on-receipt.
    const open = ORDER_STATES.filter((s) => !isTerminal(s));
    const unpaid = await trx
      .selectFrom('orders_order')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('buyer_id', '=', buyerId)
      .where('mode', '=', 'pay_on_receipt')
      .where('paid', '=', 0)
      .where('state', 'in', open)
      .where('merchant_id', '=', m.id)
      .executeTakeFirstOrThrow();
    const overdue = await trx.selectFrom('orders_order').select('id').where('buyer_id', '=', buyerId).where('overdue', '=', 1).limit(1).executeTakeFirst();
    if (overdue) throw new DomainError('checkout.overdue_orders', 'pay the overdue orders first', 409, { orderId: overdue.id });
    if (Number(unpaid.n) >= m.unpaidLimit) {
      throw new DomainError('checkout.unpaid_limit', `at most ${m.unpaidLimit} unpaid pay-on-receipt orders with this merchant`, 409, { merchantId: m.id, limit: m.unpaidLimit });
    }
  }

  /** One merchant's order: document, commitment, facts, rows, timeline, ledger entries, notices; the stock and money moves it needs. */
  private async planOrder(
    trx: Transaction<Database>,
    p: { checkoutId: string; buyerId: string; merchant: MerchantTerms; mode: PaymentMode; payNow: boolean; now: Date; address: ShippingAddress; lines: { v: CheckoutVariant; qty: number }[]; discounts: LineDiscounts },
  ): Promise<Planned> {
    const { merchant, now } = p;
    const orderId = newId('ord');
    let commission = 0n;
    let subsidy = 0n;
    let discount = 0n;
    const bpsByCategory = new Map<string | null, number>();
    for (const { v, qty } of p.lines) {
      if (v.currency !== merchant.currency) throw new DomainError('checkout.currency_mismatch', `variant ${v.variantId} is priced in ${v.currency}, its merchant sells in ${merchant.currency}`, 409);
      let bps = bpsByCategory.get(v.categoryId);
      if (bps === undefined) bpsByCategory.set(v.categoryId, (bps = await this.orders.catalog.commissionBps(trx, merchant.id, v.categoryId)));
      const d = p.discounts.get(v.variantId) ?? { merchantFunded: 0n, platformFunded: 0n };
      // Commission on what the merchant is paid: the list price less its own discounts.
      commission += lineCommission(v.priceMinor * BigInt(qty) - d.merchantFunded, bps);
      subsidy += d.platformFunded;
      discount += d.merchantFunded + d.platformFunded;
    }
    const items = p.lines.map(({ v, qty }) => ({ sku: v.sku, name: v.name, qty, unitPriceMinor: v.priceMinor.toString(), currency: v.currency }));
    const address = commitAddress(p.address);
    const doc: OrderDocument = {
      v: 2, orderId, number: randomOrderNumber(now), buyerId: p.buyerId, merchantId: merchant.id, placedAt: now.toISOString(),
      paymentMode: p.mode, currency: merchant.currency, items, totals: computeTotals(items, '0', discount.toString()), shippingAddressCommitment: address.commitment,
    };
    const { salt, commitment } = commitOrder(doc);
    const created = createOrder(orderInit(doc, commitment, merchant.terms), now);
    assert(commission <= created.next.totalMinor + subsidy, 'checkout: commission above what the merchant is paid');

    let facts: OrderFacts = created.next;
    // The discounts are part of what the ledger says of the order (the document has them line by line).
    const events: OrderEvent[] = [discount > 0n ? { ...created.event, data: { ...created.event.data, discountMinor: discount.toString(), platformFundedMinor: subsidy.toString() } } : created.event];
    let transfers: TransferInput[] = [];
    let paidFrom: OrderFacts | null = null;
    if (p.payNow) {
      const input = { paymentId: walletPaymentId(facts), amountMinor: facts.totalMinor.toString() };
      const why = whyNot(facts, 'pay', SYSTEM.flow, input, now);
      assert(why === null, `checkout: a new prepaid order refused payment (${why})`);
      const paid = apply(facts, 'pay', input, now);
      transfers = escrowTransfers('pay', facts, paid.next, commission, p.buyerId, subsidy);
      paidFrom = facts;
      facts = paid.next;
      events.push(paid.event);
    }

    const row = {
      id: orderId, number: doc.number, checkout_id: p.checkoutId, buyer_id: p.buyerId, merchant_id: merchant.id, mode: p.mode,
      currency: merchant.currency, total_minor: Number(facts.totalMinor), commission_minor: Number(commission), platform_funded_minor: Number(subsidy),
      ...factColumns(facts), version: 1, document: JSON.stringify(doc), salt, commitment, created_at: facts.createdAt,
      address_sealed: await this.orders.privacy.sealFor(trx, p.buyerId, addressField(orderId), JSON.stringify({ address: p.address, salt: address.addressSalt })),
    };
    assert(Number.isSafeInteger(row.total_minor), 'checkout: order total beyond 2^53');
    await trx.insertInto('orders_order').values(row).execute();
    await this.orders.appendSteps(trx, orderId, 0, events, p.buyerId);
    if (paidFrom) await this.orders.stepTaken(trx, 'pay', paidFrom, facts, commission, subsidy);
    return {
      facts, transfers, buyerId: p.buyerId, merchantId: merchant.id,
      lines: p.lines.map(({ v, qty }) => ({ variantId: v.variantId, qty })),
      view: orderView(row, { commission: false }, p.address),
    };
  }

  /**
   * Coupons priced over the whole cart by the pure pricing function; each applied coupon uses one of
   * its limits in this transaction. A coupon the buyer named that cannot apply refuses the checkout
   * (409, with the reason), so nobody pays more than they expected.
   */
  private async applyCoupons(trx: Transaction<Database>, buyerId: string, codes: string[], lines: { v: CheckoutVariant; qty: number }[], now: Date): Promise<LineDiscounts> {
    const out: LineDiscounts = new Map();
    const port = this.orders.coupons;
    if (!port) {
      if (codes.length > 0) throw new DomainError('checkout.coupons_unavailable', 'coupons are not enabled here', 400);
      return out;
    }
    const promotions = await port.promotions(trx);
    if (codes.length === 0 && promotions.length === 0) return out;
    const { coupons, unknown } = codes.length > 0 ? await port.forPricing(trx, codes) : { coupons: [], unknown: [] };
    if (unknown.length > 0) throw new DomainError('checkout.coupon_not_found', `no such coupon: ${unknown.join(', ')}`, 404, { codes: unknown });
    const cart: PricingLine[] = lines.map(({ v, qty }) => ({ lineId: v.variantId, merchantId: v.merchantId, productId: v.productId, variantId: v.variantId, categoryId: v.categoryId, qty, unitPriceMinor: v.priceMinor, currency: v.currency }));
    const priced = price(cart, { coupons, promotions, now });
    if (priced.refused.length > 0) {
      const r = priced.refused[0]!;
      throw new DomainError('checkout.coupon_refused', `coupon ${r.code} cannot apply: ${r.reason}`, 409, { refused: priced.refused.map((x) => ({ code: x.code, reason: x.reason })) });
    }
    for (const code of priced.applied.coupons) await port.use(trx, code, buyerId);
    for (const l of priced.lines) {
      const d = { merchantFunded: 0n, platformFunded: 0n };
      for (const a of l.discounts) {
        if (a.funder === 'platform') d.platformFunded += a.amountMinor;
        else d.merchantFunded += a.amountMinor;
      }
      out.set(l.lineId, d);
    }
    return out;
  }

  /**
   * Points pay part of the checkout: spread over its orders in whole hundreds, each within the share
   * the rules allow, before the wallet holds (which the points' value then helps to cover).
   */
  private async redeemPoints(trx: Transaction<Database>, buyerId: string, points: bigint, payNow: boolean, planned: Planned[]): Promise<void> {
    const loyalty = this.orders.loyalty;
    if (!loyalty) throw new DomainError('points.unavailable', 'points are not enabled here', 400);
    if (!payNow) throw new DomainError('points.wallet_only', 'points pay only together with the wallet, at checkout', 400);
    if (points <= 0n || points % 100n !== 0n) throw new DomainError('points.bad_redemption', 'points are redeemed in whole hundreds', 400);
    const rules = await loyalty.rules(trx);
    let left = points;
    for (const p of planned) {
      if (left === 0n) break;
      // The most points this order can take: its share of the total, in hundreds.
      const maxValue = (p.facts.totalMinor * BigInt(rules.redeemMaxPct)) / 100n;
      const maxPoints = ((maxValue * 100n) / BigInt(rules.valuePer100PointsMinor) / 100n) * 100n;
      const take = left < maxPoints ? left : maxPoints;
      if (take === 0n) continue;
      await loyalty.redeem(trx, { orderId: p.facts.id, userId: buyerId, points: take, currency: p.facts.currency, totalMinor: p.facts.totalMinor });
      left -= take;
    }
    if (left > 0n) throw new DomainError('points.bad_redemption', `these orders can take at most ${points - left} points`, 409);
  }

  /** Stock for one planned order: reserved until paid (prepaid, later), or taken for good now (paid). */
  private async reserve(trx: Transaction<Database>, p: Planned, payNow: boolean, now: Date): Promise<void> {
    const expires = p.facts.mode === 'prepaid' && !payNow;
    await this.orders.inventory.reserve(trx, {
      orderId: p.facts.id, merchantId: p.merchantId, lines: p.lines, committed: p.facts.paid,
      expiresAt: expires ? new Date(now.getTime() + this.orders.reservationTtlMs).toISOString() : null, actor: p.buyerId,
    });
  }
}
