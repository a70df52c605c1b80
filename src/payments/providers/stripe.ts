// Stripe webhooks. Pure; no I/O.
//
// "Check the webhook signatures" / verify manually: Stripe-Signature is "t=<unix s>,v1=<hex>[,v1=…]"
// (plus a fake v0 on test-mode events, ignored to prevent downgrades). The signed payload is
// `${t}.${raw body}`; v1 = hex HMAC-SHA256 of it keyed by the endpoint secret ("whsec_…", the whole
// string as UTF-8). While a secret is being rolled Stripe sends one v1 per active secret, so we
// accept a match of any configured secret against any v1, compared in constant time. Stripe's own
// helper only refuses old timestamps; we refuse both sides of a 300 s window.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  asObject,
  checkBody,
  checkTolerance,
  checkWindow,
  currencyOrNull,
  field,
  header,
  minorFromJsonInteger,
  optionalField,
  parseJsonObject,
  reject,
  utf8,
} from './common.ts';
import type { NotifiedStatus, RawCallback, VerifiedNotification } from './types.ts';

export const STRIPE_TOLERANCE_S_DEFAULT = 300;
/** Reply to an accepted event: any 2xx. */
export const STRIPE_ACK_STATUS = 200;
export const STRIPE_REPLY = { status: STRIPE_ACK_STATUS, body: '', contentType: 'text/plain; charset=utf-8' } as const;
const V1_MAX = 16;
const V1 = /^[0-9a-f]{64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

export interface StripeVerifyOptions {
  toleranceS?: number;
  now?: Date;
}

/** The hex v1 signature Stripe would send for this body at t (for tests and the sandbox). */
export function stripeSignature(secret: string, timestampS: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampS}.`).update(rawBody).digest('hex');
}

/**
 * Throws CallbackRejected unless `header` carries a v1 signature of `${t}.${rawBody}` under one of
 * `secrets`, with t within toleranceS seconds of now either way. Reasons: missing_signature,
 * malformed_signature, bad_signature, stale_timestamp, future_timestamp.
 */
export function verifyStripeSignature(header: string | undefined, rawBody: Buffer, secrets: string[], opts: StripeVerifyOptions = {}): void {
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('stripe: at least one non-empty webhook secret is required');
  }
  const toleranceS = checkTolerance(opts.toleranceS, STRIPE_TOLERANCE_S_DEFAULT);
  if (header === undefined || header === null || header === '') reject('missing_signature', 'no Stripe-Signature header');
  if (typeof header !== 'string' || header.length > 4096) reject('malformed_signature', 'Stripe-Signature is not a short string');
  if (!Buffer.isBuffer(rawBody)) reject('malformed_body', 'body is not bytes');

  let t: number | null = null;
  const v1: Buffer[] = [];
  for (const item of header!.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) reject('malformed_signature', 'Stripe-Signature element is not key=value');
    const k = item.slice(0, eq).trim();
    const v = item.slice(eq + 1).trim();
    if (k === 't') {
      if (t !== null || !TIMESTAMP.test(v)) reject('malformed_signature', 'Stripe-Signature t is repeated or not unix seconds');
      t = Number(v);
    } else if (k === 'v1') {
      if (!V1.test(v)) reject('malformed_signature', 'a Stripe-Signature v1 is not 64 hex digits');
      if (v1.length >= V1_MAX) reject('malformed_signature', `more than ${V1_MAX} v1 signatures`);
      v1.push(Buffer.from(v, 'hex'));
    } // v0 and unknown schemes: ignored (never a downgrade)
  }
  if (t === null) reject('malformed_signature', 'Stripe-Signature has no t');
  if (v1.length === 0) reject('malformed_signature', 'Stripe-Signature has no v1 signature');

  let match = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    for (const sig of v1) if (timingSafeEqual(expected, sig)) match = true; // no early exit
  }
  if (!match) reject('bad_signature', 'no v1 signature matches any configured secret');
  checkWindow(t!, opts.now, toleranceS);
}

const EVENT_STATUS: Record<string, NotifiedStatus> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.canceled': 'canceled',
  'charge.refunded': 'refunded',
};

export interface StripeNotifyConfig extends StripeVerifyOptions {
  secrets: string[];
  /** When set, an event whose livemode differs is refused (a test event at a live endpoint). */
  livemode?: boolean;
}

/**
 * Verifies a Stripe webhook (Stripe-Signature over the raw body) and normalizes the events we act
 * on: payment_intent.succeeded / .payment_failed / .canceled and charge.refunded. Other authentic
 * events are CallbackRejected('ignored_event') — acknowledge those.
 */
export function verifyStripeNotification(raw: RawCallback, cfg: StripeNotifyConfig): VerifiedNotification {
  const body = checkBody(raw);
  verifyStripeSignature(header(raw, 'stripe-signature'), body, cfg.secrets, cfg);

  const event = parseJsonObject(utf8(body), 'event');
  const eventId = field(event, 'id', 'event', 255);
  const type = field(event, 'type', 'event', 128);
  if (cfg.livemode !== undefined && event.livemode !== cfg.livemode) reject('mode_mismatch', `event livemode is ${String(event.livemode)}`);
  const status = EVENT_STATUS[type] ?? reject('ignored_event', `event type ${type.slice(0, 64)} is not acted on`);
  const data = asObject(event.data ?? reject('missing_field', 'event.data missing'), 'event.data');
  const obj = asObject(data.object ?? reject('missing_field', 'event.data.object missing'), 'event.data.object');
  const metadata = asObject(obj.metadata ?? reject('missing_field', 'event.data.object.metadata missing'), 'event.data.object.metadata');
  const paymentId = field(metadata, 'payment_id', 'metadata', 128);

  const isCharge = type.startsWith('charge.');
  const amountField = !isCharge && obj.amount_received !== undefined && obj.amount_received !== 0 ? obj.amount_received : obj.amount;
  const amountMinor = amountField === undefined || amountField === null ? null : minorFromJsonInteger(amountField) ?? reject('bad_amount', 'amount is not a non-negative integer');
  const currency = obj.currency === undefined || obj.currency === null ? null : currencyOrNull(obj.currency) ?? reject('bad_amount', 'currency is not ISO 4217');
  const created = event.created;
  const occurredAt = typeof created === 'number' && Number.isSafeInteger(created) && created >= 0 && created < 1e11 ? new Date(created * 1000).toISOString() : null;

  const v: VerifiedNotification = {
    provider: 'stripe',
    eventId,
    paymentId,
    providerTxnId: isCharge ? optionalField(obj, 'payment_intent', 'charge', 255) ?? optionalField(obj, 'id', 'charge', 255) : optionalField(obj, 'id', 'payment_intent', 255),
    status,
    amountMinor,
    currency,
    occurredAt,
  };
  if (isCharge) v.refundedMinor = minorFromJsonInteger(obj.amount_refunded) ?? reject('bad_amount', 'amount_refunded is not a non-negative integer');
  return v;
}
