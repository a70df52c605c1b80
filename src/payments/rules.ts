// Payment states and what a verified notification does to them. Pure: the service applies it.
//
//   created → pending → succeeded | failed | canceled | expired
//
// Notifications arrive late, twice and out of order. A payment never regresses: once succeeded it
// stays succeeded (a late "failed" changes nothing); a success after a failure is believed (the
// money did arrive); a success for a payment we already gave up on (canceled, expired) is captured
// and refunded at once, because the buyer must get the money back.
import { assert } from '../shared/index.ts';

export const PAYMENT_STATES = ['created', 'pending', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];
export const REFUND_STATES = ['pending', 'succeeded', 'failed'] as const;
export type RefundState = (typeof REFUND_STATES)[number];
export const PAYMENT_PURPOSES = ['order', 'top_up'] as const;
export type PaymentPurpose = (typeof PAYMENT_PURPOSES)[number];

export type NotifiedState = 'succeeded' | 'failed' | 'canceled' | 'expired' | 'pending';

/** What the service must do for a notification, given the payment's state. */
export type Decision =
  | { action: 'capture'; next: 'succeeded' }
  /** A success for a payment given up on: take the money and give it back. */
  | { action: 'capture_and_refund'; next: 'succeeded' }
  | { action: 'fail'; next: 'failed' }
  | { action: 'cancel'; next: 'canceled' }
  | { action: 'expire'; next: 'expired' }
  | { action: 'ignore'; why: string };

const OPEN: readonly PaymentState[] = ['created', 'pending'];

export function decide(state: PaymentState, notified: NotifiedState): Decision {
  assert(PAYMENT_STATES.includes(state), `payments: unknown state ${state}`);
  switch (notified) {
    case 'succeeded':
      if (state === 'succeeded') return { action: 'ignore', why: 'already_succeeded' };
      if (state === 'canceled' || state === 'expired') return { action: 'capture_and_refund', next: 'succeeded' };
      return { action: 'capture', next: 'succeeded' }; // created, pending, failed
    case 'failed':
      return OPEN.includes(state) ? { action: 'fail', next: 'failed' } : { action: 'ignore', why: `already_${state}` };
    case 'canceled':
      return OPEN.includes(state) || state === 'failed' ? { action: 'cancel', next: 'canceled' } : { action: 'ignore', why: `already_${state}` };
    case 'expired':
      return OPEN.includes(state) || state === 'failed' ? { action: 'expire', next: 'expired' } : { action: 'ignore', why: `already_${state}` };
    case 'pending':
      return { action: 'ignore', why: 'still_pending' };
  }
}

export const isFinal = (s: PaymentState): boolean => s === 'succeeded' || s === 'canceled' || s === 'expired';

/** Refunds never exceed what was captured. */
export function refundProblem(capturedMinor: bigint, refundedMinor: bigint, amountMinor: bigint): string | null {
  if (amountMinor <= 0n) return 'a refund is more than zero';
  if (refundedMinor + amountMinor > capturedMinor) return `at most ${capturedMinor - refundedMinor} minor units are left to refund`;
  return null;
}
