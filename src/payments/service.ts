// Payments through gateways: create a payment (the provider's client parameters come back), take the
// provider's asynchronous callback — verified over its raw bytes before anything is believed — and
// apply it once, in one transaction with the order, the money and the ledger; reconcile what the
// callbacks missed; refund. Calls to providers never happen inside a database transaction.
import { newId } from '../shared/ids.ts';
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import type { Actor as HttpActor } from '../http/auth.ts';
import { parseEntry, type Ledger, type LedgerEventInput } from '../ledger/index.ts';
import { ownedAccountId, parseCurrency, systemAccountId, type MoneyService } from '../money/index.ts';
import type { OrdersService } from '../orders/index.ts';
import { assert, DomainError, notFound } from '../shared/index.ts';
import type { PaymentProvider, ProviderName } from './provider.ts';
import { CallbackRejected, type RawCallback, type VerifiedNotification } from './providers/types.ts';
import { decide, refundProblem, type PaymentPurpose, type PaymentState } from './rules.ts';

export type PaymentRow = Selectable<Database['payments_payment']>;

export interface PaymentView {
  id: string;
  purpose: PaymentPurpose;
  orderId: string | null;
  provider: string;
  amountMinor: string;
  currency: string;
  state: PaymentState;
  refundedMinor: string;
  flagged: boolean;
  failure: string | null;
  clientParams: Record<string, unknown> | null;
  providerTxnId: string | null;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentsDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  money: MoneyService;
  orders: OrdersService;
  providers: PaymentProvider[];
  /** This server as the providers reach it, for notify URLs (known once it listens). */
  publicUrl: () => string;
  clock?: () => Date;
  /** How long a payment may stay open. */
  ttlMs?: number;
  /** Pending payments older than this are asked about (reconciliation). */
  reconcileAfterMs?: number;
}

export const PAYMENT_TTL_MS = 15 * 60_000;
const RECONCILE_AFTER_MS = 5 * 60_000;
const JOB_BATCH = 50;
const REFUND_RETRY_MS = [0, 10_000, 60_000, 600_000, 3_600_000];
const TOP_UP_MAX = 100_000_000n; // 1,000,000.00 in a two-decimal currency

/** 96 random bits, 28 characters: within WeChat Pay's 32-character out_trade_no (Alipay allows 64). */
const newPaymentId = () => newId('pay', 12);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Crash tests only: CHAINMALL_CRASH=<point> kills this process at that point, as a power cut would
 * (SIGKILL: no cleanup, no answer sent). Ignored in production.
 */
function crashPoint(point: string): void {
  if (process.env.CHAINMALL_CRASH === point && process.env.NODE_ENV !== 'production') process.kill(process.pid, 'SIGKILL');
}

export function paymentView(r: PaymentRow): PaymentView {
  return {
    id: r.id, purpose: r.purpose as PaymentPurpose, orderId: r.order_id, provider: r.provider, amountMinor: String(r.amount), currency: r.currency,
    state: r.state as PaymentState, refundedMinor: String(r.refunded), flagged: r.flagged === 1, failure: r.failure,
    clientParams: r.client_params ? (JSON.parse(r.client_params) as Record<string, unknown>) : null, providerTxnId: r.provider_txn_id,
    expiresAt: r.expires_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface CallbackAnswer {
  status: number;
  body: string;
  contentType: string;
  outcome: 'accepted' | 'duplicate' | 'flagged';
}

export class PaymentsService {
  readonly db: Kysely<Database>;
  private readonly providers = new Map<string, PaymentProvider>();
  private readonly backoff = new ItemBackoff('payments');
  private readonly rowLocks: boolean;

  constructor(private readonly deps: PaymentsDeps) {
    this.db = deps.db;
    for (const p of deps.providers) this.providers.set(p.name, p);
    this.rowLocks = !isSqlite(this.db);
  }

  private get clock() {
    return this.deps.clock ?? (() => new Date());
  }

  get providerNames(): string[] {
    return [...this.providers.keys()];
  }

  private provider(name: string): PaymentProvider {
    const p = this.providers.get(name);
    if (!p) throw new DomainError('payment.unknown_provider', `provider ${name} is not configured here (have: ${this.providerNames.join(', ')})`, 400);
    return p;
  }

  // ------------------------------------------------------------------ creating

  /** The buyer pays an order through a gateway: a payment row now, the provider's parameters back. */
  async createForOrder(actor: HttpActor, orderId: string, providerName: string): Promise<PaymentView> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only the buyer pays an order', 403);
    const provider = this.provider(providerName);
    const due = await this.deps.orders.payable(actor, orderId);
    if (!due) throw new DomainError('payment.order_not_payable', 'this order is not waiting for a payment', 409);
    return this.create(provider, { purpose: 'order', orderId, userId: actor.userId, amountMinor: due.amountMinor, currency: due.currency, description: `Order ${orderId}` });
  }

  /** A wallet top-up through a gateway. */
  async createTopUp(actor: HttpActor, input: { amountMinor: bigint; currency?: string; provider: string }): Promise<PaymentView> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only buyers have a wallet to top up', 403);
    if (input.amountMinor <= 0n || input.amountMinor > TOP_UP_MAX) throw new DomainError('payment.bad_amount', `a top-up is 1..${TOP_UP_MAX} minor units`, 400);
    const provider = this.provider(input.provider);
    const currency = parseCurrency(input.currency ?? 'CNY');
    return this.create(provider, { purpose: 'top_up', orderId: null, userId: actor.userId, amountMinor: input.amountMinor, currency, description: 'Wallet top-up' });
  }

  private async create(provider: PaymentProvider, p: { purpose: PaymentPurpose; orderId: string | null; userId: string; amountMinor: bigint; currency: string; description: string }): Promise<PaymentView> {
    const now = this.clock();
    const id = newPaymentId();
    const expiresAt = new Date(now.getTime() + (this.deps.ttlMs ?? PAYMENT_TTL_MS)).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('payments_payment').values({
        id, purpose: p.purpose, order_id: p.orderId, user_id: p.userId, provider: provider.name, amount: Number(p.amountMinor), currency: p.currency,
        state: 'created', provider_ref: null, provider_txn_id: null, client_params: null, failure: null, expires_at: expiresAt,
        created_at: now.toISOString(), updated_at: now.toISOString(),
      }).execute();
      await this.deps.ledger.append(trx, [{
        kind: 'payment.created', actor: p.userId, subject: { payment: id, ...(p.orderId ? { order: p.orderId } : {}), user: p.userId },
        data: { purpose: p.purpose, provider: provider.name, amountMinor: p.amountMinor.toString(), currency: p.currency, expiresAt },
      }]);
    });
    // The provider, outside any transaction. If it fails, the payment fails; nothing else changed.
    try {
      const created = await provider.create({ paymentId: id, amountMinor: p.amountMinor, currency: p.currency, description: p.description, notifyUrl: `${this.deps.publicUrl()}/api/payments/callbacks/${provider.name}`, expiresAt });
      const row = await this.db.updateTable('payments_payment')
        .set({ state: 'pending', provider_ref: created.providerRef, client_params: JSON.stringify(created.clientParams), updated_at: this.clock().toISOString() })
        .where('id', '=', id).where('state', '=', 'created')
        .returningAll().executeTakeFirst();
      // A callback may already have moved it on (fast providers): show what is there.
      return paymentView(row ?? (await this.row(this.db, id)));
    } catch (err) {
      await this.db.updateTable('payments_payment').set({ state: 'failed', failure: 'provider_unavailable', updated_at: this.clock().toISOString() }).where('id', '=', id).where('state', '=', 'created').execute();
      throw new DomainError('payment.provider_unavailable', `the payment provider did not answer: ${(err as Error).message}`, 502);
    }
  }

  private async row(db: Kysely<Database> | Transaction<Database>, id: string): Promise<PaymentRow> {
    const r = await db.selectFrom('payments_payment').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('payment');
    return r;
  }

  /** A payment its buyer, or the platform (admin, auditor), may see. */
  async payment(actor: HttpActor, id: string): Promise<PaymentView> {
    let q = this.db.selectFrom('payments_payment').selectAll().where('id', '=', id);
    if (actor.role === 'buyer') q = q.where('user_id', '=', actor.userId);
    else if (actor.role === 'merchant_staff') throw notFound('payment');
    const r = await q.executeTakeFirst();
    if (!r) throw notFound('payment');
    return paymentView(r);
  }

  // ------------------------------------------------------------------ callbacks

  /**
   * A provider's asynchronous notification. Verified first (signature over the raw bytes, time
   * window, pinned algorithm); a rejection is recorded with its reason and answered 4xx. Then, in one
   * transaction: the provider's event id is taken (a duplicate is acknowledged and ignored), amount
   * and currency are checked (a mismatch is flagged, nothing else changes), and the payment moves.
   */
  async handleCallback(providerName: string, raw: RawCallback): Promise<CallbackAnswer> {
    const provider = this.providers.get(providerName);
    const bodyHash = sha256(raw.body);
    const now = this.clock();
    if (!provider) {
      await this.record({ provider: providerName, outcome: 'rejected', reason: 'unknown_provider', body_sha256: bodyHash });
      throw new DomainError('not_found', 'no such payment provider', 404);
    }
    let n: VerifiedNotification;
    try {
      n = provider.verify(raw, now);
    } catch (err) {
      const reason = err instanceof CallbackRejected ? err.reason : 'unverifiable';
      if (reason === 'ignored_event') {
        // Authentic, but nothing we act on (another event type): acknowledged so it is not retried.
        await this.record({ provider: provider.name, outcome: 'accepted', reason, body_sha256: bodyHash });
        return { status: provider.ack.status, body: provider.ack.body, contentType: provider.ack.contentType, outcome: 'accepted' };
      }
      await this.record({ provider: provider.name, outcome: 'rejected', reason, body_sha256: bodyHash });
      throw new DomainError('payment.callback_rejected', `callback rejected: ${reason}`, reason === 'bad_signature' || reason === 'unknown_key' ? 401 : 400, { reason });
    }
    const ack = { status: provider.ack.status, body: provider.ack.body, contentType: provider.ack.contentType };
    try {
      const outcome = await this.db.transaction().execute(async (trx) => {
        const o = await this.apply(trx, provider, n, bodyHash, now);
        crashPoint('callback_before_commit');
        return o;
      });
      // Committed, not yet acknowledged: the provider will retry, and the retry must be a no-op.
      crashPoint('callback_after_commit');
      return { ...ack, outcome };
    } catch (err) {
      if (isUniqueViolation(err)) {
        // The same event committed by a concurrent delivery: acknowledged, ignored.
        await this.record({ provider: provider.name, event_id: n.eventId, payment_id: n.paymentId, outcome: 'duplicate', reason: null, body_sha256: bodyHash });
        return { ...ack, outcome: 'duplicate' };
      }
      if (err instanceof DomainError && err.code === 'payment.unknown_payment') {
        await this.record({ provider: provider.name, event_id: n.eventId, payment_id: n.paymentId, outcome: 'rejected', reason: 'unknown_payment', body_sha256: bodyHash });
      }
      throw err;
    }
  }

  private async record(r: { provider: string; event_id?: string | null; payment_id?: string | null; outcome: string; reason: string | null; body_sha256: string }): Promise<void> {
    await this.db.insertInto('payments_callback').values({ event_id: null, payment_id: null, ...r, received_at: this.clock().toISOString() }).execute();
  }

  private async lockPayment(trx: Transaction<Database>, id: string): Promise<PaymentRow | undefined> {
    if (this.rowLocks) await sql`select id from payments_payment where id = ${id} for update`.execute(trx);
    return trx.selectFrom('payments_payment').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async apply(trx: Transaction<Database>, provider: PaymentProvider, n: VerifiedNotification, bodyHash: string, now: Date): Promise<CallbackAnswer['outcome']> {
    const at = now.toISOString();
    const payment = await this.lockPayment(trx, n.paymentId);
    if (!payment || payment.provider !== provider.name) throw new DomainError('payment.unknown_payment', `no ${provider.name} payment ${n.paymentId}`, 404);
    // The dedupe: a second delivery of this event fails here on the primary key, whichever instance got it.
    await trx.insertInto('payments_event').values({ provider: provider.name, event_id: n.eventId, payment_id: payment.id, received_at: at }).execute();
    const record = (outcome: string, reason: string | null) =>
      trx.insertInto('payments_callback').values({ provider: provider.name, event_id: n.eventId, payment_id: payment.id, outcome, reason, body_sha256: bodyHash, received_at: at }).execute();

    const amountKnown = n.amountMinor !== null;
    const mismatch = (amountKnown && n.amountMinor !== BigInt(payment.amount)) || (n.currency !== null && n.currency !== payment.currency);
    if (mismatch && n.status !== 'pending') {
      await trx.updateTable('payments_payment').set({ flagged: 1, updated_at: at }).where('id', '=', payment.id).execute();
      await this.deps.ledger.append(trx, [{
        kind: 'payment.flagged', actor: provider.name, subject: { payment: payment.id },
        data: { eventId: n.eventId, reason: 'amount_mismatch', notifiedAmountMinor: n.amountMinor?.toString() ?? null, notifiedCurrency: n.currency, amountMinor: String(payment.amount), currency: payment.currency },
      }]);
      await record('flagged', 'amount_mismatch');
      return 'flagged';
    }

    if (n.status === 'refunded') {
      // The provider confirms refunds: ours that were waiting are done. The payment itself stays succeeded.
      const waiting = await trx.selectFrom('payments_refund').select(['id', 'amount', 'currency']).where('payment_id', '=', payment.id).where('state', '=', 'pending').execute();
      for (const r of waiting) {
        await trx.updateTable('payments_refund').set({ state: 'succeeded', updated_at: at }).where('id', '=', r.id).where('state', '=', 'pending').execute();
        await this.deps.ledger.append(trx, [{ kind: 'payment.refunded', actor: provider.name, subject: { payment: payment.id, refund: r.id }, data: { eventId: n.eventId, amountMinor: String(r.amount), currency: r.currency } }]);
      }
      await record('accepted', waiting.length ? null : 'no_refund_waiting');
      return 'accepted';
    }
    const d = decide(payment.state as PaymentState, n.status);
    if (d.action === 'ignore') {
      await record('accepted', d.why);
      return 'accepted';
    }
    await trx.updateTable('payments_payment')
      .set({ state: d.next, provider_txn_id: n.providerTxnId ?? payment.provider_txn_id, failure: d.action === 'fail' ? 'declined' : payment.failure, updated_at: at })
      .where('id', '=', payment.id).execute();
    const subject = { payment: payment.id, ...(payment.order_id ? { order: payment.order_id } : {}), user: payment.user_id };
    const entry = (kind: string, data: Record<string, string | null>): LedgerEventInput => ({ kind, actor: provider.name, subject, data: { eventId: n.eventId, ...data } });
    const amount = BigInt(payment.amount);

    switch (d.action) {
      case 'capture':
      case 'capture_and_refund': {
        await this.deps.ledger.append(trx, [entry('payment.succeeded', { providerTxnId: n.providerTxnId, amountMinor: amount.toString(), currency: payment.currency, from: payment.state })]);
        await this.captureToWallet(trx, payment, provider.name);
        let kept = false;
        if (d.action === 'capture') {
          kept = payment.purpose === 'top_up' || (await this.deps.orders.payByGateway(trx, payment.order_id!, payment.id, amount, payment.user_id, now));
        }
        // Paid for nothing (the order was cancelled or expired meanwhile, or already paid): all of it goes back.
        if (!kept) await this.startRefund(trx, payment, amount, d.action === 'capture' ? 'order_not_payable' : `late_success_after_${payment.state}`, now);
        break;
      }
      case 'fail':
        await this.deps.ledger.append(trx, [entry('payment.failed', {})]);
        if (payment.order_id) await this.deps.orders.failByGateway(trx, payment.order_id, payment.id, provider.name, now);
        break;
      case 'cancel':
        await this.deps.ledger.append(trx, [entry('payment.canceled', {})]);
        break;
      case 'expire':
        await this.deps.ledger.append(trx, [entry('payment.expired', {})]);
        break;
    }
    await record('accepted', null);
    return 'accepted';
  }

  /** The provider holds the buyer's money for us: gateway clearing → the buyer's wallet. */
  private async captureToWallet(trx: Transaction<Database>, p: PaymentRow, actor: string): Promise<void> {
    const wallet = ownedAccountId('buyer_wallet', p.user_id, p.currency);
    const clearing = systemAccountId('gateway_clearing', p.currency);
    await this.deps.money.ensureAccounts(trx, [{ id: wallet, kind: 'buyer_wallet', owner: p.user_id, currency: p.currency }], { systemCurrency: p.currency });
    await this.deps.money.transfer(trx, {
      id: `gw:${p.id}`, debit: clearing, credit: wallet, amount: BigInt(p.amount), currency: p.currency,
      code: p.purpose === 'top_up' ? 'gateway_top_up' : 'gateway_capture', meta: { payment: p.id }, actor,
    });
  }

  /** Money back to the provider: the wallet is debited now; the provider is asked by the job, outside the transaction. */
  private async startRefund(trx: Transaction<Database>, p: PaymentRow, amount: bigint, reason: string, now: Date): Promise<string> {
    const refunded = BigInt(p.refunded);
    const why = refundProblem(BigInt(p.amount), refunded, amount);
    if (why) throw new DomainError('payment.bad_refund', why, 409);
    const id = newId('rfd');
    const at = now.toISOString();
    await this.deps.money.transfer(trx, {
      id: `gwrefund:${id}`, debit: ownedAccountId('buyer_wallet', p.user_id, p.currency), credit: systemAccountId('gateway_clearing', p.currency),
      amount, currency: p.currency, code: 'gateway_refund', meta: { payment: p.id, refund: id }, actor: 'system',
    });
    const res = await trx.updateTable('payments_payment').set({ refunded: Number(refunded + amount), updated_at: at }).where('id', '=', p.id).where('refunded', '=', p.refunded).executeTakeFirst();
    assert(res.numUpdatedRows === 1n, `payments: payment ${p.id} refunded concurrently under its lock`);
    await trx.insertInto('payments_refund').values({ id, payment_id: p.id, amount: Number(amount), currency: p.currency, reason, state: 'pending', next_attempt_at: at, created_at: at, updated_at: at }).execute();
    await this.deps.ledger.append(trx, [{
      kind: 'payment.refund_requested', actor: 'system', subject: { payment: p.id, refund: id, user: p.user_id },
      data: { amountMinor: amount.toString(), currency: p.currency, reason },
    }]);
    return id;
  }

  /** An admin refunds (part of) a captured payment back through its provider. */
  async refund(actor: HttpActor, paymentId: string, amountMinor: bigint, reason: string): Promise<PaymentView> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only admins refund payments', 403);
    await this.db.transaction().execute(async (trx) => {
      const p = await this.lockPayment(trx, paymentId);
      if (!p) throw notFound('payment');
      if (p.state !== 'succeeded') throw new DomainError('payment.not_captured', 'only a succeeded payment can be refunded', 409);
      await this.startRefund(trx, p, amountMinor, reason, this.clock());
    });
    return paymentView(await this.row(this.db, paymentId));
  }

  // ------------------------------------------------------------------ background work

  /**
   * Refunds waiting for their provider are sent (retried with backoff); pending payments older than
   * the threshold are asked about and settled to what the provider says (the same path as a callback,
   * with a synthetic event id so a later real callback is still applied once). A refund or payment
   * that fails is reported and held back for a while, so it cannot stop the others.
   */
  async tick(now: Date): Promise<number> {
    let done = 0;
    const held = this.backoff.held(now);
    const refunds = await this.db.selectFrom('payments_refund').innerJoin('payments_payment as p', 'p.id', 'payments_refund.payment_id')
      .select(['payments_refund.id', 'payments_refund.amount', 'payments_refund.currency', 'payments_refund.attempts', 'payments_refund.payment_id', 'p.provider', 'p.provider_ref', 'p.amount as total'])
      .where('payments_refund.state', '=', 'pending').where('payments_refund.next_attempt_at', '<=', now.toISOString())
      .$if(held.length > 0, (qb) => qb.where('payments_refund.id', 'not in', held)).limit(JOB_BATCH).execute();
    for (const r of refunds) done += await this.backoff.run(r.id, now, async () => {
      const provider = this.providers.get(r.provider);
      if (!provider) return 0;
      let state: 'succeeded' | 'pending' | 'failed';
      try {
        state = await provider.refund({ paymentId: r.payment_id, providerRef: r.provider_ref, refundId: r.id, amountMinor: BigInt(r.amount), totalMinor: BigInt(r.total), currency: r.currency });
      } catch {
        state = 'pending';
      }
      const attempts = r.attempts + 1;
      const next = new Date(now.getTime() + (REFUND_RETRY_MS[Math.min(attempts, REFUND_RETRY_MS.length - 1)] ?? 3_600_000)).toISOString();
      await this.db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('payments_refund').set({ state: state === 'failed' && attempts < REFUND_RETRY_MS.length ? 'pending' : state, attempts, next_attempt_at: next, updated_at: now.toISOString() })
          .where('id', '=', r.id).where('state', '=', 'pending').where('attempts', '=', r.attempts).executeTakeFirst();
        if (res.numUpdatedRows === 1n && state === 'succeeded') {
          await this.deps.ledger.append(trx, [{ kind: 'payment.refunded', actor: r.provider, subject: { payment: r.payment_id, refund: r.id }, data: { amountMinor: String(r.amount), currency: r.currency } }]);
        }
      });
      return 1;
    });

    const stale = await this.db.selectFrom('payments_payment').selectAll()
      .where('state', 'in', ['created', 'pending'])
      .where('created_at', '<=', new Date(now.getTime() - (this.deps.reconcileAfterMs ?? RECONCILE_AFTER_MS)).toISOString())
      .$if(held.length > 0, (qb) => qb.where('id', 'not in', held))
      .orderBy('created_at').limit(JOB_BATCH).execute();
    for (const p of stale) done += await this.backoff.run(p.id, now, async () => {
      const provider = this.providers.get(p.provider);
      if (!provider) return 0;
      const s = await provider.query({ paymentId: p.id, providerRef: p.provider_ref }).catch(() => null);
      let status = s?.status ?? null;
      // The provider never heard of it and its time is up: it expired.
      if (status === null && Date.parse(p.expires_at) <= now.getTime()) status = 'expired';
      if (status === null || status === 'pending' || status === 'refunded') return 0;
      const n: VerifiedNotification = {
        provider: provider.name, eventId: `reconcile:${p.id}:${status}`, paymentId: p.id, providerTxnId: s?.providerTxnId ?? null,
        status, amountMinor: s?.amountMinor ?? null, currency: s?.currency ?? null, occurredAt: null,
      } as VerifiedNotification;
      try {
        await this.db.transaction().execute((trx) => this.apply(trx, provider, n, 'reconciliation', now));
        return 1;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        return 0;
      }
    });
    this.backoff.report();
    return done;
  }

  /** Payments whose provider, payment row and ledger disagree: for the reconciliation report. */
  async mismatches(): Promise<{ paymentId: string; problem: string }[]> {
    const out: { paymentId: string; problem: string }[] = [];
    const flagged = await this.db.selectFrom('payments_payment').select(['id']).where('flagged', '=', 1).execute();
    for (const f of flagged) out.push({ paymentId: f.id, problem: 'flagged: a callback disagreed on amount or currency' });
    const captured = await this.db.selectFrom('payments_payment as p').leftJoin('money_transfer as t', (j) => j.on('t.id', '=', sql<string>`'gw:' || p.id`))
      .select(['p.id', 'p.state', 't.id as transfer']).where((eb) => eb.or([eb('p.state', '=', 'succeeded'), eb('t.id', 'is not', null)])).execute();
    for (const c of captured) {
      if (c.state === 'succeeded' && !c.transfer) out.push({ paymentId: c.id, problem: 'succeeded without its capture transfer' });
      if (c.state !== 'succeeded' && c.transfer) out.push({ paymentId: c.id, problem: `capture transfer for a payment in state ${c.state}` });
    }
    out.push(...(await this.ledgerMismatches()));
    return out;
  }

  /**
   * Payments against the ledger: every succeeded payment has exactly one payment.succeeded entry and
   * every such entry a succeeded payment; refunds likewise. Reads the integrated log (a full scan, for
   * an on-demand report); payments changed after the latest checkpoint are judged at the next run.
   */
  private async ledgerMismatches(): Promise<{ paymentId: string; problem: string }[]> {
    const last = await this.deps.ledger.latest();
    if (!last) return [];
    const succeeded = new Map<string, number>();
    const refundsLogged = new Map<string, number>();
    const CHUNK = 4096;
    for (let start = 0; start < last.treeSize; start += CHUNK) {
      for (const e of await this.deps.ledger.store.entries(start, Math.min(last.treeSize, start + CHUNK))) {
        const text = Buffer.from(e.body).toString('utf8');
        if (!text.includes('"kind":"payment.')) continue;
        const entry = parseEntry(e.body);
        const id = entry.subject['payment'];
        if (!id) continue;
        if (entry.kind === 'payment.succeeded') succeeded.set(id, (succeeded.get(id) ?? 0) + 1);
        if (entry.kind === 'payment.refund_requested') refundsLogged.set(id, (refundsLogged.get(id) ?? 0) + 1);
      }
    }
    const out: { paymentId: string; problem: string }[] = [];
    const rows = await this.db.selectFrom('payments_payment').select(['id', 'state', 'updated_at']).where('updated_at', '<=', last.time).execute();
    const refunds = await this.db.selectFrom('payments_refund').select(['payment_id']).where('created_at', '<=', last.time).execute();
    const refundRows = new Map<string, number>();
    for (const r of refunds) refundRows.set(r.payment_id, (refundRows.get(r.payment_id) ?? 0) + 1);
    const known = new Set<string>();
    for (const r of rows) {
      known.add(r.id);
      const logged = succeeded.get(r.id) ?? 0;
      if (r.state === 'succeeded' && logged !== 1) out.push({ paymentId: r.id, problem: `succeeded with ${logged} payment.succeeded ledger entries` });
      if (r.state !== 'succeeded' && logged > 0) out.push({ paymentId: r.id, problem: `payment.succeeded in the ledger for a payment in state ${r.state}` });
      if ((refundRows.get(r.id) ?? 0) !== (refundsLogged.get(r.id) ?? 0)) out.push({ paymentId: r.id, problem: `${refundRows.get(r.id) ?? 0} refunds against ${refundsLogged.get(r.id) ?? 0} payment.refund_requested entries` });
    }
    for (const id of succeeded.keys()) {
      if (!known.has(id) && !(await this.db.selectFrom('payments_payment').select('id').where('id', '=', id).executeTakeFirst())) {
        out.push({ paymentId: id, problem: 'payment.succeeded in the ledger for a payment that does not exist' });
      }
    }
    return out;
  }
}
