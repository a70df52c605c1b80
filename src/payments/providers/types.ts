// What every provider adapter hands the payments service: a callback that passed every check,
// normalized, or a CallbackRejected naming why not. Pure; no I/O.

export type NotifiedStatus = 'succeeded' | 'failed' | 'canceled' | 'expired' | 'refunded' | 'pending';

/** A callback that passed every check, normalized. Amounts are integer minor units. */
export interface VerifiedNotification {
  provider: 'alipay' | 'wechatpay' | 'stripe' | 'sandbox';
  eventId: string; // the provider's unique id of this notification/event (dedupe key)
  paymentId: string; // OUR payment id (out_trade_no / metadata.payment_id / client_reference)
  providerTxnId: string | null; // trade_no / transaction_id / payment_intent id
  status: NotifiedStatus;
  /** The payment's amount as the provider states it (for a refund event: the original payment's amount). */
  amountMinor: bigint | null;
  currency: string | null; // ISO 4217 upper-case
  occurredAt: string | null; // ISO time from the provider, if given
  /** Refund events only: the total refunded so far, as the provider states it. */
  refundedMinor?: bigint | null;
}

/** The stable reasons a callback is refused (recorded by the caller; never shown to the sender). */
export type RejectReason =
  | 'missing_signature' // no signature header / field
  | 'malformed_signature' // a signature header or field that does not parse
  | 'bad_signature' // well formed, but it does not verify under any configured key
  | 'alg_mismatch' // the message names an algorithm other than the pinned one
  | 'unknown_key' // the message names a key serial we do not hold
  | 'stale_timestamp' // signed too long ago
  | 'future_timestamp' // signed too far ahead of our clock
  | 'decrypt_failed' // authenticated decryption failed (tampered ciphertext, wrong key)
  | 'body_too_large'
  | 'malformed_body' // authentic bytes that are not the document we expect
  | 'missing_field'
  | 'bad_amount'
  | 'unknown_status'
  | 'app_mismatch' // signed for another app / merchant / account than ours
  | 'mode_mismatch' // e.g. a Stripe test-mode event at a live endpoint
  | 'ignored_event'; // authentic, but an event type we do not act on: acknowledge it, change nothing

/** Thrown for any callback that must be refused; `reason` is a stable snake_case code recorded by the caller. */
export class CallbackRejected extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRejected';
  }
}

/**
 * Reasons given only after the signature (and timestamp) verified: the sender is the provider, so
 * the caller should acknowledge (2xx) rather than make it retry, and change nothing.
 */
export const ACKNOWLEDGED_REASONS: ReadonlySet<string> = new Set<RejectReason>(['ignored_event']);

export interface RawCallback {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer /* exactly as received */;
}
