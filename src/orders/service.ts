// Orders as a service: every transition is one call that locks the order, asks the flow (pure)
// whether it may happen, moves stock and money, and writes the row, its timeline step and its
// `order.<transition>` ledger entry in ONE transaction.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import type { Actor as HttpActor } from '../http/auth.ts';
import type { Ledger, LedgerEventInput, Ticket } from '../ledger/index.ts';
import type { MoneyService } from '../money/index.ts';
import { assert, decodeTimeCursor, DomainError, encodeTimeCursor, notFound, type Notify } from '../shared/index.ts';
import { escrowAccounts, escrowTransfers, walletPaymentId } from './escrow.ts';
import { apply, orderRefusal, TERMINAL_STATES, whyNot, type Actor as FlowActor, type OrderEvent, type OrderFacts, type TransitionInput, type TransitionName } from './flow.ts';
import type { CatalogPort, CouponsPort, InventoryPort, LoyaltyPort, OrdersPrivacyPort, WalletConfirmation } from './ports.ts';
import type { OrderDocument, ShippingAddress } from './document.ts';
import { ORDER_RECEIPT_FORMAT, type OrderReceipt } from './receipt.ts';
import { addressField, factColumns, factsOf, orderView, type EventRow, type OpenedAddress, type OrderRow, type OrderView, type TimelineStep } from './rows.ts';
import type { Page } from '../shared/index.ts';
export type { Page };

export const ORDERS_LIST_LIMIT_MAX = 200;
const LIST_LIMIT_DEFAULT = 50;
const JOB_BATCH = 100;
const RECEIPT_WAIT_MS = 5_000;
/** An unpaid prepaid order keeps its stock this long. */
export const RESERVATION_TTL_MS = 15 * 60_000;

export interface OrdersDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  money: MoneyService;
  catalog: CatalogPort;
  inventory: InventoryPort;
  notify: Notify;
  clock?: () => Date;
  reservationTtlMs?: number;
  /** SMS confirmation of large wallet payments. */
  walletConfirmation?: WalletConfirmation;
  /** Loyalty points. */
  loyalty?: LoyaltyPort;
  /** Coupons. */
  coupons?: CouponsPort;
  /** Addresses sealed with the buyer's key; staff reads recorded. */
  privacy: OrdersPrivacyPort;
}

/** Who acts, as the flow sees it, and the id the ledger names. */
export interface Acting {
  flow: FlowActor;
  ledgerActor: string;
}

export const SMS_PURPOSE = 'wallet_payment';
/** What an SMS code authorizes, derived from the request it confirms (an idempotency key, an order id). */
export const smsContext = (kind: 'checkout' | 'order', ref: string) => `${kind}:${createHash('sha256').update(ref).digest('hex').slice(0, 32)}`;

export const SYSTEM: Acting = { flow: { role: 'system', id: 'system' }, ledgerActor: 'system' };

/** The flow's view of an HTTP caller. Auditors only read: they get no flow role at all. */
export function acting(actor: HttpActor): Acting {
  switch (actor.role) {
    case 'buyer':
      return { flow: { role: 'buyer', id: actor.userId }, ledgerActor: actor.userId };
    case 'merchant_staff':
      assert(actor.merchantId, 'orders: merchant staff without a merchant');
      return { flow: { role: 'merchant', id: actor.merchantId }, ledgerActor: actor.userId };
    case 'admin':
      return { flow: { role: 'admin', id: actor.userId }, ledgerActor: actor.userId };
    default:
      throw new DomainError('auth.read_only', 'auditors have read-only access', 403);
  }
}

/** Who is told about a step, under which event name (ids only: notices may leave the platform as webhooks). */
const NOTICES: Partial<Record<TransitionName | 'created', { kind: string; to: ('buyer' | 'merchant')[] }>> = {
  created: { kind: 'order.created', to: ['merchant'] },
  pay: { kind: 'order.paid', to: ['merchant'] },
  accept: { kind: 'order.accepted', to: ['buyer'] },
  reject: { kind: 'order.rejected', to: ['buyer'] },
  ship: { kind: 'order.shipped', to: ['buyer'] },
  deliver: { kind: 'order.delivered', to: ['buyer'] },
  confirm_receipt: { kind: 'order.received', to: ['merchant'] },
  auto_confirm: { kind: 'order.received', to: ['buyer', 'merchant'] },
  mark_overdue: { kind: 'order.overdue', to: ['buyer', 'merchant'] },
  request_refund: { kind: 'order.refund_requested', to: ['merchant'] },
  refund: { kind: 'order.refunded', to: ['buyer'] },
  reject_refund: { kind: 'order.refund_rejected', to: ['buyer'] },
  cancel: { kind: 'order.cancelled', to: ['buyer', 'merchant'] },
  fail_payment: { kind: 'order.payment_failed', to: ['buyer'] },
};



export type StepListener = (trx: Transaction<Database>, t: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, subsidy: bigint) => Promise<void>;

export class OrdersService {
  readonly db: Kysely<Database>;
  readonly ledger: Ledger;
  readonly money: MoneyService;
  readonly catalog: CatalogPort;
  readonly inventory: InventoryPort;
  readonly notify: Notify;
  readonly clock: () => Date;
  readonly reservationTtlMs: number;
  readonly walletConfirmation: WalletConfirmation | undefined;
  readonly loyalty: LoyaltyPort | undefined;
  readonly coupons: CouponsPort | undefined;
  readonly privacy: OrdersPrivacyPort;
  private readonly stepListeners: StepListener[] = [];
  private readonly backoff = new ItemBackoff('orders');
  /** SQLite has one writer and no row locks; PostgreSQL locks the order row for the transition. */
  private readonly rowLocks: boolean;

  constructor(deps: OrdersDeps) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.money = deps.money;
    this.catalog = deps.catalog;
    this.inventory = deps.inventory;
    this.notify = deps.notify;
    this.clock = deps.clock ?? (() => new Date());
    this.reservationTtlMs = deps.reservationTtlMs ?? RESERVATION_TTL_MS;
    this.walletConfirmation = deps.walletConfirmation;
    this.loyalty = deps.loyalty;
    this.coupons = deps.coupons;
    this.privacy = deps.privacy;
    this.rowLocks = !isSqlite(this.db);
  }

  /** Called inside every step's transaction after its money moved (on-chain settlement mirrors escrow from here). */
  onStep(listener: StepListener): void {
    this.stepListeners.push(listener);
  }

  // ------------------------------------------------------------------ reading

  /** The order if `actor` may see it; 404 otherwise (tenancy: others' orders do not exist for you). */
  async order(actor: HttpActor, id: string, opts: { timeline?: boolean } = {}): Promise<OrderView> {
    const row = await this.visible(this.db, actor, id);
    const opened = await this.addressFor(actor, row);
    const view = orderView(row, this.viewOpts(actor), opened === undefined ? undefined : (opened?.address ?? null));
    if (opts.timeline) view.timeline = await this.timeline(row.id);
    return view;
  }

  private viewOpts(actor: HttpActor) {
    return { commission: actor.role !== 'buyer' };
  }

  /**
   * The shipping address, for the buyer and the merchant who ships only (undefined for anyone else;
   * platform staff see amounts and states). A merchant's read is a pii.accessed entry committed
   * before the address is returned; null once the buyer was erased.
   */
  private async addressFor(actor: HttpActor, row: OrderRow): Promise<OpenedAddress | null | undefined> {
    if (actor.role !== 'buyer' && actor.role !== 'merchant_staff') return undefined;
    if (row.address_sealed === null) {
      // Orders written before addresses were sealed (document v1) carry it in the document.
      const legacy = (JSON.parse(row.document) as { shippingAddress?: ShippingAddress }).shippingAddress;
      return legacy ? { address: legacy, salt: '' } : null;
    }
    const sealed = row.address_sealed;
    const open = async (db: Kysely<Database> | Transaction<Database>) => {
      const text = await this.privacy.openFor(db, row.buyer_id, addressField(row.id), sealed);
      return text === null ? null : (JSON.parse(text) as OpenedAddress);
    };
    if (actor.role === 'buyer') return open(this.db);
    return this.db.transaction().execute(async (trx) => {
      const opened = await open(trx);
      if (opened !== null) await this.privacy.recordAccess(trx, actor, row.buyer_id, ['shippingAddress'], 'fulfilment', `order:${row.id}`);
      return opened;
    });
  }

  private async visible(db: Kysely<Database> | Transaction<Database>, actor: HttpActor, id: string): Promise<OrderRow> {
    let q = db.selectFrom('orders_order').selectAll().where('id', '=', id);
    if (actor.role === 'buyer') q = q.where('buyer_id', '=', actor.userId);
    else if (actor.role === 'merchant_staff') q = q.where('merchant_id', '=', actor.merchantId ?? '');
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('order');
    return row;
  }

  async list(actor: HttpActor, f: { state?: string; checkoutId?: string; cursor?: string; limit?: number }): Promise<Page<OrderView>> {
    const limit = Math.min(f.limit ?? LIST_LIMIT_DEFAULT, ORDERS_LIST_LIMIT_MAX);
    let q = this.db.selectFrom('orders_order').selectAll();
    if (actor.role === 'buyer') q = q.where('buyer_id', '=', actor.userId);
    else if (actor.role === 'merchant_staff') q = q.where('merchant_id', '=', actor.merchantId ?? '');
    if (f.state) q = q.where('state', '=', f.state);
    if (f.checkoutId) q = q.where('checkout_id', '=', f.checkoutId);
    if (f.cursor) {
      const [at, id] = decodeTimeCursor(f.cursor);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((r) => orderView(r, this.viewOpts(actor))), nextCursor: more && last ? encodeTimeCursor(last.created_at, last.id) : null };
  }

  /**
   * Erasure refuses while the buyer has an open order (its address is still needed to ship or
   * refund); otherwise the cart goes. Called inside the privacy transaction.
   */
  async forgetBuyer(trx: Transaction<Database>, buyerId: string): Promise<void> {
    const open = await trx.selectFrom('orders_order').select('number').where('buyer_id', '=', buyerId).where('state', 'not in', [...TERMINAL_STATES]).limit(5).execute();
    if (open.length > 0) throw new DomainError('privacy.orders_open', `orders still open: ${open.map((o) => o.number).join(', ')}; erasure waits until they are completed, cancelled or refunded`, 409);
    await trx.deleteFrom('orders_cart_item').where('buyer_id', '=', buyerId).execute();
  }

  /** The buyer's orders with documents, addresses and timelines, for their data export. */
  async exportFor(buyerId: string): Promise<Record<string, unknown>[]> {
    const rows = await this.db.selectFrom('orders_order').selectAll().where('buyer_id', '=', buyerId).orderBy('created_at').execute();
    const actor: HttpActor = { userId: buyerId, role: 'buyer', via: 'session' };
    const out = [];
    for (const row of rows) {
      const opened = await this.addressFor(actor, row);
      out.push({ ...orderView(row, this.viewOpts(actor), opened?.address ?? null), document: JSON.parse(row.document), timeline: await this.timeline(row.id) });
    }
    return out;
  }

  /** Every step, oldest first, with its leaf index once integrated. */
  async timeline(orderId: string): Promise<TimelineStep[]> {
    const rows = await this.db.selectFrom('orders_event').selectAll().where('order_id', '=', orderId).orderBy('seq').execute();
    const leaves = await this.ledger.leafIndices(rows.map((r) => r.queue_id));
    return rows.map((r) => ({
      seq: r.seq, kind: r.kind, from: r.from_state, to: r.to_state, at: r.at, actor: r.actor,
      data: JSON.parse(r.data) as Record<string, unknown>, leafIndex: leaves.get(r.queue_id) ?? null,
    }));
  }

  /** The order's steps as stored, for receipts. */
  async events(orderId: string): Promise<EventRow[]> {
    return this.db.selectFrom('orders_event').selectAll().where('order_id', '=', orderId).orderBy('seq').execute();
  }

  /**
   * The order's receipt for the buyer or the merchant: document, salt and a ledger receipt per step.
   * Waits briefly for steps the sequencer has not integrated yet; those still pending are left out.
   */
  async receipt(actor: HttpActor, id: string): Promise<OrderReceipt> {
    if (actor.role !== 'buyer' && actor.role !== 'merchant_staff') throw notFound('order');
    const row = await this.visible(this.db, actor, id);
    const events = await this.events(row.id);
    await this.ledger.waitFor(events.map((e) => ({ queueId: e.queue_id })), RECEIPT_WAIT_MS).catch(() => undefined);
    const leaves = await this.ledger.leafIndices(events.map((e) => e.queue_id));
    const steps = [];
    for (const e of events) {
      const idx = leaves.get(e.queue_id);
      if (idx === undefined) continue;
      steps.push({ seq: e.seq, kind: e.kind, receipt: await this.ledger.receipt(idx) });
    }
    const opened = await this.addressFor(actor, row);
    return {
      format: ORDER_RECEIPT_FORMAT, orderId: row.id, number: row.number, document: JSON.parse(row.document) as OrderDocument, salt: row.salt, commitment: row.commitment,
      // Left out once the buyer was erased: the document's address commitment still verifies.
      ...(opened ? { shippingAddress: opened.address, addressSalt: opened.salt } : {}),
      steps,
    };
  }

  // ------------------------------------------------------------------ transitions

  /** One transition by an HTTP caller. Refusals are problem+json: 404 not yours, 403 role, 409 state or guard. */
  async transition(actor: HttpActor, orderId: string, name: string, input: TransitionInput, fence?: (trx: Transaction<Database>) => Promise<void>): Promise<OrderView> {
    const who = acting(actor);
    const row = await this.db.transaction().execute(async (trx) => {
      const locked = await this.lockVisible(trx, actor, orderId);
      const next = await this.step(trx, locked, who, name, input, this.clock());
      await fence?.(trx);
      return next;
    });
    return orderView(row, this.viewOpts(actor));
  }

  private async lockVisible(trx: Transaction<Database>, actor: HttpActor, id: string): Promise<OrderRow> {
    if (this.rowLocks) await sql`select id from orders_order where id = ${id} for update`.execute(trx);
    return this.visible(trx, actor, id);
  }

  private async lock(trx: Transaction<Database>, id: string): Promise<OrderRow> {
    if (this.rowLocks) await sql`select id from orders_order where id = ${id} for update`.execute(trx);
    const row = await trx.selectFrom('orders_order').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('order');
    return row;
  }

  /**
   * The heart: guard, pure apply, side effects (stock, money), row, timeline, ledger, notices.
   * The caller holds the order's row lock (PostgreSQL) or the only write connection (SQLite).
   */
  async step(trx: Transaction<Database>, row: OrderRow, who: Acting, name: string, input: TransitionInput, now: Date): Promise<OrderRow> {
    const before = factsOf(row);
    const why = whyNot(before, name, who.flow, input, now);
    if (why !== null) throw orderRefusal(why, name, before.state);
    const t = name as TransitionName;
    const { next, event } = apply(before, t, input, now);
    await this.sideEffects(trx, t, before, next, BigInt(row.commission_minor), who.ledgerActor, input, BigInt(row.platform_funded_minor));
    await this.loyaltyEffects(trx, t, row, next, now);
    return this.record(trx, row, next, [event], who.ledgerActor);
  }

  private async sideEffects(trx: Transaction<Database>, t: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, actor: string, input: TransitionInput, subsidy: bigint): Promise<void> {
    switch (t) {
      case 'pay':
        if (before.mode === 'prepaid') await this.inventory.commit(trx, before.id, actor);
        break;
      case 'allocate':
        await this.inventory.allocate(trx, before.id, (input['locationId'] as string | undefined) ?? null, actor);
        break;
      case 'ship':
        await this.inventory.ship(trx, before.id, actor);
        break;
      case 'cancel':
      case 'reject':
        await this.inventory.release(trx, before.id, t === 'cancel' ? String(input['reason']) : t, actor);
        break;
      default:
        break;
    }
    const transfers = escrowTransfers(t, before, after, commission, actor, subsidy);
    if (transfers.length > 0) {
      await this.openEscrowAccounts(trx, before);
      await this.money.transferAll(trx, transfers);
    }
    await this.stepTaken(trx, t, before, after, commission, subsidy);
  }

  /** Tells the step listeners; checkout calls it for the payment it takes with the order. */
  async stepTaken(trx: Transaction<Database>, t: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, subsidy: bigint): Promise<void> {
    for (const l of this.stepListeners) await l(trx, t, before, after, commission, subsidy);
  }

  /** Points: earned when the order completes; those that paid for it come back with a cancellation or refund. */
  private async loyaltyEffects(trx: Transaction<Database>, t: TransitionName, row: OrderRow, after: OrderFacts, now: Date): Promise<void> {
    if (!this.loyalty) return;
    if (t === 'complete') {
      const doc = JSON.parse(row.document) as OrderDocument;
      await this.loyalty.earnForOrder(trx, { id: row.id, buyerId: row.buyer_id, merchantId: row.merchant_id, currency: row.currency, totalMinor: BigInt(row.total_minor), items: doc.items }, now);
    } else if (t === 'cancel' || t === 'reject') {
      await this.loyalty.returnForOrder(trx, row.id, BigInt(row.total_minor), now);
    } else if (t === 'refund') {
      assert(after.refundMinor !== null, 'orders: refunded without an amount');
      await this.loyalty.returnForOrder(trx, row.id, after.refundMinor, now);
    }
  }

  /** The platform's accounts, and the merchant's escrow and receivable, in the order's currency: one read when they exist. */
  async openEscrowAccounts(trx: Transaction<Database>, o: Pick<OrderFacts, 'buyerId' | 'merchantId' | 'currency'>): Promise<void> {
    const a = escrowAccounts(o);
    await this.money.ensureAccounts(trx, [
      { id: a.escrow, kind: 'platform_escrow', owner: o.merchantId, currency: o.currency },
      { id: a.receivable, kind: 'merchant_receivable', owner: o.merchantId, currency: o.currency },
    ], { systemCurrency: o.currency });
  }

  /** Writes the new facts (checking nobody else did in between), the timeline steps, their ledger entries, the notices. */
  async record(trx: Transaction<Database>, row: OrderRow, next: OrderFacts, events: OrderEvent[], actor: string): Promise<OrderRow> {
    const cols = factColumns(next);
    const res = await trx
      .updateTable('orders_order')
      .set({ ...cols, version: row.version + 1 })
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .executeTakeFirst();
    assert(res.numUpdatedRows === 1n, `orders: order ${row.id} changed under its lock`);
    await this.appendSteps(trx, row.id, await this.lastSeq(trx, row.id), events, actor);
    return { ...row, ...cols, version: row.version + 1 };
  }

  private async lastSeq(trx: Transaction<Database>, orderId: string): Promise<number> {
    const r = await trx.selectFrom('orders_event').select((eb) => eb.fn.max('seq').as('seq')).where('order_id', '=', orderId).executeTakeFirst();
    return Number(r?.seq ?? 0);
  }

  /** Timeline rows and ledger entries for consecutive steps of one order, and who hears of them. */
  async appendSteps(trx: Transaction<Database>, orderId: string, lastSeq: number, events: OrderEvent[], actor: string): Promise<Ticket[]> {
    const entries: LedgerEventInput[] = events.map((e) => ({ kind: e.kind, actor, subject: e.subject, data: e.data }));
    const tickets = await this.ledger.append(trx, entries);
    assert(tickets.length === events.length, 'orders: one ledger entry per step');
    await trx
      .insertInto('orders_event')
      .values(events.map((e, i) => ({
        order_id: orderId,
        seq: lastSeq + i + 1,
        kind: e.kind,
        from_state: typeof e.data['from'] === 'string' ? e.data['from'] : null,
        to_state: String(e.data['to']),
        actor,
        at: String(e.data['at']),
        data: JSON.stringify(e.data),
        queue_id: tickets[i]!.queueId,
      })))
      .execute();
    const paidAtCheckout = events[0]?.kind === 'order.created';
    for (const e of events) await this.tell(trx, e, paidAtCheckout);
    return tickets;
  }

  private async tell(trx: Transaction<Database>, e: OrderEvent, paidAtCheckout: boolean): Promise<void> {
    const name = e.kind.slice('order.'.length) as TransitionName | 'created';
    // A checkout paid at once is one piece of news for the merchant: a new, paid order.
    if (name === 'pay' && paidAtCheckout) return;
    const notice = NOTICES[name];
    const data = { orderId: e.subject.order, state: e.data['to'] ?? null, at: e.data['at'] ?? null };
    for (const who of notice?.to ?? []) {
      const audience = who === 'buyer' ? { userId: e.subject.buyer } : { merchantId: e.subject.merchant };
      await this.notify(trx, { audience, kind: notice!.kind, data });
    }
    // A pay-on-receipt order received unpaid: the buyer is told the payment is now due.
    if ((name === 'confirm_receipt' || name === 'auto_confirm') && typeof e.data['paymentDueAt'] === 'string') {
      await this.notify(trx, { audience: { userId: e.subject.buyer }, kind: 'order.payment_due', data: { orderId: e.subject.order, paymentDueAt: e.data['paymentDueAt'] } });
    }
  }

  // ------------------------------------------------------------------ paying with the wallet

  /**
   * A wallet payment of `amount` above the threshold needs the SMS code sent for `context` (the fast
   * confirmation of the specification). Checked inside the payment's transaction, so the code is
   * used up only by a payment that commits.
   */
  async confirmWalletPayment(trx: Transaction<Database>, userId: string, amount: bigint, context: string, code: string | undefined): Promise<void> {
    const c = this.walletConfirmation;
    if (!c || amount <= c.thresholdMinor) return;
    if (!code) {
      throw new DomainError('sms.code_required', `a wallet payment above ${c.thresholdMinor} minor units needs the one-time code: request one (POST /api/me/sms-codes with this purpose and context), then send it in the Sms-Code header`, 403, {
        purpose: SMS_PURPOSE, context, thresholdMinor: c.thresholdMinor.toString(),
      });
    }
    await c.sms.verify(trx, userId, SMS_PURPOSE, context, code);
  }

  /**
   * The buyer pays an order from their wallet: prepaid → held in escrow until receipt;
   * pay-on-receipt (after receipt) → through escrow to the merchant at once.
   */
  async payWithWallet(actor: HttpActor, orderId: string, fence?: (trx: Transaction<Database>) => Promise<void>, smsCode?: string): Promise<OrderView> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only the buyer pays an order', 403);
    const row = await this.db.transaction().execute(async (trx) => {
      const locked = await this.lockVisible(trx, actor, orderId);
      await this.confirmWalletPayment(trx, actor.userId, BigInt(locked.total_minor), smsContext('order', orderId), smsCode);
      const next = await this.payLocked(trx, locked, actor.userId, this.clock());
      await fence?.(trx);
      return next;
    });
    return orderView(row, this.viewOpts(actor));
  }

  async payLocked(trx: Transaction<Database>, row: OrderRow, buyerActor: string, now: Date): Promise<OrderRow> {
    const f = factsOf(row);
    const input = { paymentId: walletPaymentId(f), amountMinor: f.totalMinor.toString() };
    return this.step(trx, row, { flow: SYSTEM.flow, ledgerActor: buyerActor }, 'pay', input, now);
  }

  // ------------------------------------------------------------------ payment gateways

  /**
   * A gateway captured `amountMinor` for this order (the money is in the buyer's wallet by now):
   * pays the order from it, in the caller's transaction. false when the order can no longer be paid
   * (cancelled, already paid, another amount): the caller refunds.
   */
  async payByGateway(trx: Transaction<Database>, orderId: string, paymentId: string, amountMinor: bigint, actor: string, now: Date): Promise<boolean> {
    const row = await this.lock(trx, orderId);
    const input = { paymentId, amountMinor: amountMinor.toString() };
    if (whyNot(factsOf(row), 'pay', SYSTEM.flow, input, now) !== null) return false;
    await this.step(trx, row, { flow: SYSTEM.flow, ledgerActor: actor }, 'pay', input, now);
    return true;
  }

  /** The gateway said no: a prepaid order shows payment_failed (the buyer may try again). false if it does not apply. */
  async failByGateway(trx: Transaction<Database>, orderId: string, paymentId: string, actor: string, now: Date): Promise<boolean> {
    const row = await this.lock(trx, orderId);
    if (whyNot(factsOf(row), 'fail_payment', SYSTEM.flow, { paymentId }, now) !== null) return false;
    await this.step(trx, row, { flow: SYSTEM.flow, ledgerActor: actor }, 'fail_payment', { paymentId }, now);
    return true;
  }

  /** What a buyer may pay for this order now, or null when it is not payable. */
  async payable(actor: HttpActor, orderId: string): Promise<{ amountMinor: bigint; currency: string; buyerId: string } | null> {
    const row = await this.visible(this.db, actor, orderId);
    const f = factsOf(row);
    const input = { paymentId: 'probe', amountMinor: f.totalMinor.toString() };
    if (whyNot(f, 'pay', SYSTEM.flow, input, this.clock()) !== null) return null;
    return { amountMinor: f.totalMinor, currency: f.currency, buyerId: f.buyerId };
  }

  // ------------------------------------------------------------------ background work

  /**
   * One bounded batch of due work: cancel orders whose stock reservation expired unpaid, auto-confirm
   * delivered orders, flag overdue pay-on-receipt orders, complete orders whose review window is over.
   * Each order in its own transaction; an order another instance moved meanwhile is skipped; an order
   * that fails is reported and held back for a while, so it cannot stop the others.
   */
  async tick(now: Date): Promise<number> {
    let done = 0;
    const held = this.backoff.held(now);
    for (const r of await this.inventory.expiredReservations(this.db, now, JOB_BATCH, held)) {
      done += await this.backoff.run(r.orderId, now, () => this.systemStep(r.orderId, 'cancel', { reason: 'reservation_expired' }, now));
    }
    const due = await this.db
      .selectFrom('orders_order')
      .select(['id', 'state', 'paid'])
      .where('state', 'in', ['delivered', 'received'])
      .where('due_at', '<=', now.toISOString())
      .$if(held.length > 0, (qb) => qb.where('id', 'not in', held))
      .orderBy('due_at')
      .limit(JOB_BATCH)
      .execute();
    for (const o of due) {
      const t: TransitionName = o.state === 'delivered' ? 'auto_confirm' : o.paid ? 'complete' : 'mark_overdue';
      done += await this.backoff.run(o.id, now, () => this.systemStep(o.id, t, {}, now));
    }
    this.backoff.report();
    return done;
  }

  private async systemStep(orderId: string, t: TransitionName, input: TransitionInput, now: Date): Promise<number> {
    try {
      await this.db.transaction().execute(async (trx) => this.step(trx, await this.lock(trx, orderId), SYSTEM, t, input, now));
      return 1;
    } catch (err) {
      // Someone else moved the order first (another instance, the buyer): nothing is due any more.
      if (err instanceof DomainError && err.status === 409) return 0;
      throw err;
    }
  }
}
