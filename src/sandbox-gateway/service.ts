import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { canMove, refundCheck, type PaymentStatus, type SandboxEventType } from './flow.ts';
import type { EventRow, PaymentRow, RefundRow, SandboxStore } from './store.ts';

export const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

/** Test-mode settings of one payment (see README of the module in index.ts). */
export interface SandboxTestSettings {
  /** Deliver every callback this many times, concurrently (1–20). */
  duplicate?: number;
  /** Hold each new callback this long before its first attempt. */
  delayMs?: number;
  /** Hold callbacks until released (POST /v1/test/payments/:id/release), then deliver them newest first, one after another. */
  reorder?: boolean;
  /** Finish the payment by itself with this outcome at the gateway's next tick. */
  outcome?: 'succeeded' | 'failed';
}

export interface SandboxTestMode extends SandboxTestSettings {
  /** The next n delivery attempts of this payment's callbacks fail as if the network dropped them (nothing is sent). */
  failCallbacks?: number;
}

export interface CreatePaymentInput {
  paymentId: string;
  amountMinor: string;
  currency: string;
  description: string;
  notifyUrl: string;
  returnUrl?: string;
  expiresInS?: number;
  test?: SandboxTestMode;
}

export interface RefundInput {
  id?: string;
  paymentId?: string;
  amountMinor: string;
  refundId: string;
}

export const TAMPER_FIELDS = ['amountMinor', 'currency', 'paymentId', 'providerTxnId', 'status'] as const;
export type TamperField = (typeof TAMPER_FIELDS)[number];

const EVENT_OF: Partial<Record<PaymentStatus, SandboxEventType>> = {
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  canceled: 'payment.canceled',
  expired: 'payment.expired',
};

const DEFAULT_EXPIRES_IN_S = 900;
const AUTO_BATCH_MAX = 100;

const hashOf = (v: unknown) => createHash('sha256').update(canonicalize(v) ?? '').digest('hex');
const conflict = (code: string, message: string) => new DomainError(code, message, 409);
const paymentNotFound = () => new DomainError('not_found', 'payment not found', 404);

function httpUrl(s: string, field: string): void {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new DomainError('validation', `${field} must be an absolute URL`, 400);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DomainError('validation', `${field} must be http or https`, 400);
}

function testSettings(t: SandboxTestMode | undefined): SandboxTestSettings {
  const out: SandboxTestSettings = {};
  if (t?.duplicate !== undefined) out.duplicate = t.duplicate;
  if (t?.delayMs !== undefined) out.delayMs = t.delayMs;
  if (t?.reorder !== undefined) out.reorder = t.reorder;
  if (t?.outcome !== undefined) out.outcome = t.outcome;
  return out;
}

export const readTest = (p: PaymentRow): SandboxTestSettings => JSON.parse(p.test) as SandboxTestSettings;

/** The gateway's business: payments, refunds, and the callback events their changes produce. Synchronous SQLite. */
export class GatewayCore {
  constructor(
    readonly store: SandboxStore,
    private readonly opts: { retrySchedule: readonly number[] },
  ) {
    assert(opts.retrySchedule.length > 0, 'sandbox: retry schedule must have at least one attempt');
  }

  create(keyId: string, input: CreatePaymentInput, nowMs: number): { payment: PaymentRow; created: boolean } {
    httpUrl(input.notifyUrl, 'notifyUrl');
    if (input.returnUrl !== undefined) httpUrl(input.returnUrl, 'returnUrl');
    const requestHash = hashOf(input);
    return this.store.tx(() => {
      const existing = this.store.paymentByMerchantId(keyId, input.paymentId);
      if (existing) {
        if (existing.request_hash !== requestHash) throw conflict('payment_id_reused', `paymentId ${input.paymentId} was used with a different request`);
        return { payment: this.fresh(existing, nowMs), created: false };
      }
      const p: PaymentRow = {
        id: newId('sbx_pay'),
        key_id: keyId,
        payment_id: input.paymentId,
        request_hash: requestHash,
        amount_minor: BigInt(input.amountMinor).toString(),
        refunded_minor: '0',
        currency: input.currency,
        description: input.description,
        notify_url: input.notifyUrl,
        return_url: input.returnUrl ?? null,
        status: 'pending',
        provider_txn_id: null,
        page_token: randomBytes(24).toString('base64url'),
        expires_at: nowMs + (input.expiresInS ?? DEFAULT_EXPIRES_IN_S) * 1000,
        created_at: nowMs,
        updated_at: nowMs,
        test: JSON.stringify(testSettings(input.test)),
        fail_callbacks: input.test?.failCallbacks ?? 0,
        tamper: null,
      };
      this.store.insertPayment(p);
      return { payment: p, created: true };
    });
  }

  /** A merchant's own payment; anyone else's is answered like a missing one. */
  get(keyId: string, id: string, nowMs: number): PaymentRow {
    const p = this.store.payment(id);
    if (!p || p.key_id !== keyId) throw paymentNotFound();
    return this.fresh(p, nowMs);
  }

  find(keyId: string, paymentId: string, nowMs: number): PaymentRow {
    const p = this.store.paymentByMerchantId(keyId, paymentId);
    if (!p) throw paymentNotFound();
    return this.fresh(p, nowMs);
  }

  /** For the hosted pages (no merchant auth): the payment, expired if its time has passed. */
  forPage(id: string, nowMs: number): PaymentRow | undefined {
    const p = this.store.payment(id);
    return p && this.fresh(p, nowMs);
  }

  /** A pending payment past its expiry becomes expired (with its callback) before anyone reads it. */
  private fresh(p: PaymentRow, nowMs: number): PaymentRow {
    if (p.status !== 'pending' || p.expires_at > nowMs) return p;
    return this.store.tx(() => {
      const cur = this.store.payment(p.id);
      assert(cur, 'sandbox: payment vanished');
      if (cur.status !== 'pending') return cur;
      return this.move(cur, 'expired', nowMs);
    });
  }

  /** Applies one transition and emits its callback event, inside the caller's transaction. */
  private move(p: PaymentRow, to: PaymentStatus, nowMs: number, opts: { late?: boolean } = {}): PaymentRow {
    assert(canMove(p.status, to, opts), `sandbox: illegal transition ${p.status} → ${to}`);
    const set = { status: to, updated_at: nowMs, provider_txn_id: to === 'succeeded' ? (p.provider_txn_id ?? newId('sbx_txn')) : p.provider_txn_id };
    const ok = this.store.updatePayment(p.id, p.status, set);
    assert(ok, 'sandbox: payment changed under a transaction');
    const next = { ...p, ...set };
    const type = EVENT_OF[to];
    assert(type, `sandbox: no event for ${to}`);
    this.emit(next, type, nowMs);
    return next;
  }

  /** Buyer's decision (hosted page) or test control. Decided or expired payments are returned unchanged. */
  decide(id: string, outcome: 'succeeded' | 'failed', nowMs: number, opts: { late?: boolean } = {}): { payment: PaymentRow; changed: boolean } {
    return this.store.tx(() => {
      const p0 = this.store.payment(id);
      if (!p0) throw paymentNotFound();
      const p = this.fresh(p0, nowMs);
      if (!canMove(p.status, outcome, opts)) return { payment: p, changed: false };
      return { payment: this.move(p, outcome, nowMs, opts), changed: true };
    });
  }

  /** Test control: finish a payment without the page. 409 when it cannot move. */
  complete(keyId: string, id: string, outcome: 'succeeded' | 'failed', late: boolean, nowMs: number): PaymentRow {
    this.get(keyId, id, nowMs);
    const r = this.decide(id, outcome, nowMs, { late });
    if (!r.changed) {
      if (r.payment.status === outcome) return r.payment; // repeated: idempotent
      throw conflict('payment_not_pending', `payment is ${r.payment.status}`);
    }
    return r.payment;
  }

  cancel(keyId: string, id: string, nowMs: number): PaymentRow {
    return this.store.tx(() => {
      const p = this.get(keyId, id, nowMs);
      if (p.status === 'canceled') return p;
      if (p.status !== 'pending') throw conflict('payment_not_pending', `payment is ${p.status}`);
      return this.move(p, 'canceled', nowMs);
    });
  }

  refund(keyId: string, input: RefundInput, nowMs: number): { refund: RefundRow; payment: PaymentRow; created: boolean } {
    if ((input.id === undefined) === (input.paymentId === undefined)) throw new DomainError('validation', 'give exactly one of id and paymentId', 400);
    const requestHash = hashOf(input);
    return this.store.tx(() => {
      const p = input.id !== undefined ? this.get(keyId, input.id, nowMs) : this.find(keyId, input.paymentId!, nowMs);
      const existing = this.store.refundByMerchantId(keyId, input.refundId);
      if (existing) {
        if (existing.request_hash !== requestHash || existing.payment !== p.id) throw conflict('refund_id_reused', `refundId ${input.refundId} was used with a different request`);
        return { refund: existing, payment: p, created: false };
      }
      const amount = BigInt(input.amountMinor);
      const check = refundCheck(p.status, BigInt(p.amount_minor), BigInt(p.refunded_minor), amount);
      if ('error' in check) {
        if (check.error === 'payment_not_refundable') throw conflict(check.error, `a ${p.status} payment cannot be refunded`);
        throw new DomainError(check.error, `refund of ${amount} exceeds the ${BigInt(p.amount_minor) - BigInt(p.refunded_minor)} left`, 422);
      }
      const r: RefundRow = { id: newId('sbx_ref'), key_id: keyId, refund_id: input.refundId, payment: p.id, amount_minor: amount.toString(), request_hash: requestHash, created_at: nowMs };
      this.store.insertRefund(r);
      const set = { status: check.status, refunded_minor: check.refundedMinor.toString(), updated_at: nowMs };
      assert(this.store.updatePayment(p.id, p.status, set), 'sandbox: payment changed under a transaction');
      const next = { ...p, ...set };
      this.emit(next, 'refund.succeeded', nowMs, r);
      return { refund: r, payment: next, created: true };
    });
  }

  setTest(keyId: string, id: string, test: SandboxTestMode, nowMs: number): PaymentRow {
    return this.store.tx(() => {
      const p = this.get(keyId, id, nowMs);
      const merged = { ...readTest(p), ...testSettings(test) };
      this.store.setTest(id, JSON.stringify(merged), test.failCallbacks ?? p.fail_callbacks);
      if (readTest(p).reorder && merged.reorder === false) this.store.releaseHeld(id, nowMs);
      return this.store.payment(id)!;
    });
  }

  /** The next callback of this payment carries `field: value` instead of the truth (validly signed). */
  tamper(keyId: string, id: string, field: TamperField, value: string, nowMs: number): PaymentRow {
    return this.store.tx(() => {
      this.get(keyId, id, nowMs);
      this.store.setTamper(id, JSON.stringify({ field, value }));
      return this.store.payment(id)!;
    });
  }

  release(keyId: string, id: string, nowMs: number): number {
    return this.store.tx(() => {
      this.get(keyId, id, nowMs);
      return this.store.releaseHeld(id, nowMs);
    });
  }

  events(keyId: string, id: string, nowMs: number): { event: EventRow; attempts: ReturnType<SandboxStore['attempts']> }[] {
    this.get(keyId, id, nowMs);
    return this.store.events(id).map((event) => ({ event, attempts: this.store.attempts(event.id) }));
  }

  /** Expires pending payments whose time has passed and finishes test-mode ones; returns how many changed. */
  settle(nowMs: number): number {
    let n = 0;
    for (const p of this.store.expiredPending(nowMs, AUTO_BATCH_MAX)) if (this.fresh(p, nowMs).status === 'expired') n++;
    for (const p of this.store.autoOutcomePending(AUTO_BATCH_MAX)) {
      const outcome = readTest(p).outcome;
      if (outcome && this.decide(p.id, outcome, nowMs).changed) n++;
    }
    return n;
  }

  private emit(p: PaymentRow, type: SandboxEventType, nowMs: number, refund?: RefundRow): void {
    const data: Record<string, string | null> = {
      id: p.id,
      paymentId: p.payment_id,
      providerTxnId: p.provider_txn_id,
      status: p.status,
      amountMinor: p.amount_minor,
      currency: p.currency,
      refundedMinor: p.refunded_minor,
    };
    if (refund) {
      data['refundId'] = refund.refund_id;
      data['refundAmountMinor'] = refund.amount_minor;
    }
    if (p.tamper) {
      const { field, value } = JSON.parse(p.tamper) as { field: TamperField; value: string };
      data[field] = value;
      this.store.setTamper(p.id, null);
    }
    const id = newId('evt');
    const body = JSON.stringify({ id, type, created: Math.floor(nowMs / 1000), data });
    const test = readTest(p);
    const held = test.reorder === true;
    this.store.insertEvent({
      id,
      payment: p.id,
      type,
      body,
      notify_url: p.notify_url,
      state: held ? 'held' : 'pending',
      attempts: 0,
      next_attempt_at: held ? null : nowMs + (test.delayMs ?? 0) + this.opts.retrySchedule[0]!,
      release_rank: null,
      created_at: nowMs,
    });
  }
}
