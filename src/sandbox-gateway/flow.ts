/** The sandbox gateway's payment state machine and refund arithmetic: pure, no I/O. */

export const PAYMENT_FLOW = {
  pending: ['succeeded', 'failed', 'canceled', 'expired'],
  succeeded: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  failed: [],
  canceled: [],
  expired: [],
  refunded: [],
} as const satisfies Record<string, readonly string[]>;

export type PaymentStatus = keyof typeof PAYMENT_FLOW;
export const PAYMENT_STATUSES = Object.keys(PAYMENT_FLOW) as PaymentStatus[];

/**
 * Test mode only: a success that arrives after the payment failed, expired or was canceled (a buyer's
 * retry, a provider that settles late). Produces the "late success" and "failed, then succeeded" event
 * sequences a platform must survive.
 */
export const LATE_SUCCESS_FROM: readonly PaymentStatus[] = ['failed', 'expired', 'canceled'];

export const EVENT_TYPES = ['payment.succeeded', 'payment.failed', 'payment.canceled', 'payment.expired', 'refund.succeeded'] as const;
export type SandboxEventType = (typeof EVENT_TYPES)[number];

export function canMove(from: PaymentStatus, to: PaymentStatus, opts: { late?: boolean } = {}): boolean {
  if ((PAYMENT_FLOW[from] as readonly string[]).includes(to)) return true;
  return to === 'succeeded' && opts.late === true && LATE_SUCCESS_FROM.includes(from);
}

export const isRefundable = (s: PaymentStatus) => s === 'succeeded' || s === 'partially_refunded';

/** Why a refund of `amount` cannot be made, or null; and the status after it. */
export function refundCheck(status: PaymentStatus, amount: bigint, refunded: bigint, refundAmount: bigint): { error: string } | { status: PaymentStatus; refundedMinor: bigint } {
  if (!isRefundable(status)) return { error: 'payment_not_refundable' };
  if (refundAmount <= 0n) return { error: 'invalid_amount' };
  if (refunded + refundAmount > amount) return { error: 'refund_exceeds_payment' };
  const total = refunded + refundAmount;
  return { status: total === amount ? 'refunded' : 'partially_refunded', refundedMinor: total };
}

/** When the next delivery attempt is due after `attemptsMade` failed ones, or null to give up. */
export function nextAttemptAt(schedule: readonly number[], attemptsMade: number, lastAttemptAtMs: number): number | null {
  const delay = schedule[attemptsMade];
  return delay === undefined ? null : lastAttemptAtMs + delay;
}

/** Decimal digits of a currency's minor unit (CNY 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "4990", CNY → "49.90 CNY". */
export function formatAmount(amountMinor: bigint, currency: string): string {
  const d = minorDigits(currency);
  if (d === 0) return `${amountMinor} ${currency}`;
  const s = amountMinor.toString().padStart(d + 1, '0');
  return `${s.slice(0, -d)}.${s.slice(-d)} ${currency}`;
}
