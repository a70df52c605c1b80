// The order lifecycle as data (after Vendure's default-order-process): states, and for each
// transition its from-states, to-state, the roles that may perform it, the input it needs and a
// guard over the order's facts that vetoes with a stable reason code. Pure: no I/O, no clock —
// the caller passes `now`. `apply` returns the next facts and the ledger event to append in the
// same transaction as the row update. Event data holds ids, amounts (decimal strings of minor
// units), times and carrier locations; never names, addresses or free text.
import type { Json } from '../ledger/entry.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { parseOrderNumber } from './numbers.ts';

export const ORDER_STATES = [
  'created', // placed at checkout; the merchant reviews it
  'accepted',
  'rejected', // terminal: the merchant declined
  'allocated', // stock reserved at one location
  'shipped', // handed to a carrier with a tracking number
  'in_transit', // one or more carrier scans
  'delivered', // the carrier says so; auto-confirm counts from here
  'received', // the buyer confirmed, or auto-confirm did: escrow goes to the merchant; the review (refund) window runs
  'refund_requested',
  'refunded', // terminal
  'completed', // terminal: review window over, escrow released to the merchant
  'cancelled', // terminal: before shipment
  'payment_failed', // prepaid only: the gateway said no; stock stays reserved, the buyer may pay again until it expires
] as const;
export type OrderState = (typeof ORDER_STATES)[number];
export const INITIAL_STATE: OrderState = 'created';
export const TERMINAL_STATES: readonly OrderState[] = ['rejected', 'refunded', 'completed', 'cancelled'];

export const ROLES = ['buyer', 'merchant', 'system', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Who acts. A buyer or merchant may act only on their own orders. */
export interface Actor {
  role: Role;
  id: string;
}

/**
 * prepaid: paid at checkout into escrow; nothing is allocated or shipped until escrow is held.
 * pay_on_receipt: the merchant ships first; the buyer pays after receipt, by a deadline (then
 * the order is flagged overdue). The per-buyer limit on unpaid received orders is a checkout rule.
 * In both modes the money sits in escrow until receipt (pay_on_receipt: it passes through at
 * payment); a refund in the review window comes back from the merchant's receivable.
 */
export const PAYMENT_MODES = ['prepaid', 'pay_on_receipt'] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];

/** Deadlines in days, fixed per order at creation (a policy change does not move old orders). */
export interface OrderTerms {
  /** delivered → received without the buyer after this many days */
  autoConfirmDays: number;
  /** received → completed after this many days; refunds may be requested until then */
  reviewDays: number;
  /** pay_on_receipt: payment due this many days after receipt */
  paymentDays: number;
}
export const DEFAULT_TERMS: Readonly<OrderTerms> = Object.freeze({ autoConfirmDays: 10, reviewDays: 7, paymentDays: 7 });
export const TERM_DAYS_MAX = 90;
/** A buyer may ask for a refund at most this many times per order (a rejection may be contested once). */
export const REFUND_REQUESTS_MAX = 2;
/** Carrier scan times may run this far ahead of our clock. */
export const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** What the flow knows about an order: ids, amounts, flags and times. No personal data. */
export interface OrderFacts {
  readonly id: string;
  readonly number: string;
  readonly buyerId: string;
  readonly merchantId: string;
  readonly mode: PaymentMode;
  readonly currency: string;
  readonly totalMinor: bigint;
  /** Salted commitment to the full order document (see document.ts). */
  readonly commitment: string;
  readonly terms: Readonly<OrderTerms>;
  readonly state: OrderState;
  readonly paid: boolean;
  readonly paymentId: string | null;
  readonly escrowHeld: boolean;
  /** pay_on_receipt: the payment deadline passed while unpaid; cleared by payment. */
  readonly overdue: boolean;
  readonly locationId: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly transits: number;
  readonly refundRequests: number;
  /** The amount asked for (refund_requested) or refunded (refunded). */
  readonly refundMinor: bigint | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly shippedAt: string | null;
  readonly deliveredAt: string | null;
  readonly receivedAt: string | null;
  readonly autoConfirmAt: string | null;
  readonly reviewEndsAt: string | null;
  readonly paymentDueAt: string | null;
}

/** Input field kinds. Free text is bounded and single-line; codes are snake_case identifiers. */
export type InputKind = 'id' | 'text' | 'code' | 'time' | 'amount';
export type TransitionInput = Readonly<Record<string, unknown>>;
/** Input after validation: every declared field present and well-formed, nothing else. */
export type CheckedInput = Readonly<Record<string, string>>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export interface Effect {
  facts?: Partial<Mutable<OrderFacts>>;
  data?: Record<string, Json>;
}

export interface TransitionDef {
  readonly from: readonly OrderState[];
  /** 'same': the state does not change; the transition records a fact (payment, overdue, scan). */
  readonly to: OrderState | 'same';
  /** Where the transition leads from particular from-states instead of `to` (a retried payment resumes). */
  readonly resume?: Readonly<Partial<Record<OrderState, OrderState>>>;
  readonly roles: readonly Role[];
  readonly input: Readonly<Record<string, InputKind>>;
  readonly guard?: (o: OrderFacts, input: CheckedInput, now: Date) => string | null;
  readonly effect?: (o: OrderFacts, input: CheckedInput, now: Date) => Effect;
}

// ---- guard and effect helpers --------------------------------------------------------------

const iso = (d: Date): string => d.toISOString();
const plusDays = (d: Date, days: number): string => new Date(d.getTime() + days * DAY_MS).toISOString();
const before = (now: Date, t: string | null): boolean => {
  assert(t !== null, 'orders: deadline missing');
  return now.getTime() < Date.parse(t);
};

const escrowHeld = (o: OrderFacts): string | null => (o.mode === 'prepaid' && !o.escrowHeld ? 'order.escrow_missing' : null);

/** Cancel or reject: escrow, if held, goes back to the buyer in full. */
const closeBeforeShipment = (o: OrderFacts, i: CheckedInput): Effect => ({
  facts: { escrowHeld: false },
  data: { reason: i['reason']!, refundMinor: (o.escrowHeld ? o.totalMinor : 0n).toString() },
});

// ---- the table -------------------------------------------------------------------------------

export const ORDER_FLOW = {
  accept: { from: ['created'], to: 'accepted', roles: ['merchant', 'admin'], input: {} },
  reject: {
    from: ['created'], to: 'rejected', roles: ['merchant', 'admin'], input: { reason: 'code' },
    effect: closeBeforeShipment,
  },
  pay: {
    // prepaid: the gateway capture lands before or after the merchant accepts.
    // pay_on_receipt: after receipt, overdue or not.
    // After a failed attempt (payment_failed) a successful one resumes the order where it started.
    from: ['created', 'accepted', 'received', 'payment_failed'], to: 'same', resume: { payment_failed: 'created' }, roles: ['system'], input: { paymentId: 'id', amountMinor: 'amount' },
    guard: (o, i) =>
      o.paid ? 'order.already_paid'
      : o.mode === 'pay_on_receipt' && o.state !== 'received' ? 'order.not_received'
      : BigInt(i['amountMinor']!) !== o.totalMinor ? 'order.amount_mismatch'
      : null,
    // Paid after receipt, the money passes through escrow to the merchant at once.
    effect: (o, i) => ({
      facts: { paid: true, paymentId: i['paymentId']!, escrowHeld: o.state !== 'received', overdue: false },
      data: { paymentId: i['paymentId']!, amountMinor: o.totalMinor.toString(), currency: o.currency, late: o.overdue, released: o.state === 'received' },
    }),
  },
  fail_payment: {
    // The stock stays reserved until its expiry: the buyer may try again (pay resumes the order).
    from: ['created', 'accepted', 'payment_failed'], to: 'payment_failed', roles: ['system'], input: { paymentId: 'id' },
    guard: (o) => (o.mode !== 'prepaid' ? 'order.wrong_payment_mode' : o.paid ? 'order.already_paid' : null),
    effect: (_o, i) => ({ data: { paymentId: i['paymentId']! } }),
  },
  allocate: {
    from: ['accepted'], to: 'allocated', roles: ['merchant', 'system'], input: { locationId: 'id' },
    guard: escrowHeld,
    effect: (_o, i) => ({ facts: { locationId: i['locationId']! }, data: { locationId: i['locationId']! } }),
  },
  ship: {
    from: ['allocated'], to: 'shipped', roles: ['merchant'], input: { carrier: 'text', trackingNumber: 'id' },
    guard: escrowHeld,
    effect: (o, i, now) => ({
      facts: { carrier: i['carrier']!, trackingNumber: i['trackingNumber']!, shippedAt: iso(now) },
      data: { locationId: o.locationId, carrier: i['carrier']!, trackingNumber: i['trackingNumber']! },
    }),
  },
  transit: {
    // Repeatable: one per carrier scan. Scans may arrive out of order, but not before shipment
    // or from the future.
    from: ['shipped', 'in_transit'], to: 'in_transit', roles: ['merchant', 'system'], input: { location: 'text', at: 'time' },
    guard: (o, i, now) => {
      const at = Date.parse(i['at']!);
      if (o.shippedAt !== null && at < Date.parse(o.shippedAt)) return 'order.time_before_shipment';
      return at > now.getTime() + CLOCK_SKEW_MS ? 'order.time_in_future' : null;
    },
    effect: (o, i) => ({ facts: { transits: o.transits + 1 }, data: { location: i['location']!, scannedAt: i['at']!, scan: o.transits + 1 } }),
  },
  deliver: {
    from: ['shipped', 'in_transit'], to: 'delivered', roles: ['merchant', 'system'], input: {},
    effect: (o, _i, now) => {
      const autoConfirmAt = plusDays(now, o.terms.autoConfirmDays);
      return { facts: { deliveredAt: iso(now), autoConfirmAt }, data: { autoConfirmAt } };
    },
  },
  confirm_receipt: {
    // The buyer may confirm before the carrier reports delivery.
    from: ['shipped', 'in_transit', 'delivered'], to: 'received', roles: ['buyer'], input: {},
    effect: (o, _i, now) => receive(o, now),
  },
  auto_confirm: {
    from: ['delivered'], to: 'received', roles: ['system'], input: {},
    guard: (o, _i, now) => (before(now, o.autoConfirmAt) ? 'order.auto_confirm_not_due' : null),
    effect: (o, _i, now) => receive(o, now),
  },
  mark_overdue: {
    from: ['received'], to: 'same', roles: ['system'], input: {},
    guard: (o, _i, now) =>
      o.mode !== 'pay_on_receipt' ? 'order.wrong_payment_mode'
      : o.paid ? 'order.already_paid'
      : o.overdue ? 'order.already_overdue'
      : before(now, o.paymentDueAt) ? 'order.payment_not_due'
      : null,
    effect: (o) => ({ facts: { overdue: true }, data: { paymentDueAt: o.paymentDueAt, amountMinor: o.totalMinor.toString(), currency: o.currency } }),
  },
  request_refund: {
    from: ['received'], to: 'refund_requested', roles: ['buyer'], input: { amountMinor: 'amount', reason: 'code' },
    guard: (o, i, now) => {
      if (!o.paid) return 'order.unpaid';
      if (!before(now, o.reviewEndsAt)) return 'order.review_window_closed';
      if (o.refundRequests >= REFUND_REQUESTS_MAX) return 'order.refund_limit';
      const amount = BigInt(i['amountMinor']!);
      return amount <= 0n || amount > o.totalMinor ? 'order.refund_amount_invalid' : null;
    },
    effect: (o, i) => ({
      facts: { refundRequests: o.refundRequests + 1, refundMinor: BigInt(i['amountMinor']!) },
      data: { amountMinor: BigInt(i['amountMinor']!).toString(), currency: o.currency, reason: i['reason']!, request: o.refundRequests + 1 },
    }),
  },
  refund: {
    // Escrow was released at receipt: the refund comes back from the merchant's receivable (and
    // the commission's share from the platform's revenue).
    from: ['refund_requested'], to: 'refunded', roles: ['merchant', 'admin'], input: {},
    effect: (o) => ({ data: { refundMinor: o.refundMinor!.toString(), currency: o.currency } }),
  },
  reject_refund: {
    from: ['refund_requested'], to: 'received', roles: ['merchant', 'admin'], input: { reason: 'code' },
    effect: (o, i) => ({ facts: { refundMinor: null }, data: { reason: i['reason']!, amountMinor: o.refundMinor!.toString() } }),
  },
  complete: {
    from: ['received'], to: 'completed', roles: ['system'], input: {},
    guard: (o, _i, now) => (!o.paid ? 'order.unpaid' : before(now, o.reviewEndsAt) ? 'order.review_window_open' : null),
  },
  cancel: {
    from: ['created', 'accepted', 'allocated', 'payment_failed'], to: 'cancelled', roles: ['buyer', 'merchant', 'admin', 'system'], input: { reason: 'code' },
    effect: closeBeforeShipment,
  },
} as const satisfies Record<string, TransitionDef>;

function receive(o: OrderFacts, now: Date): Effect {
  const reviewEndsAt = plusDays(now, o.terms.reviewDays);
  const paymentDueAt = o.paid ? null : plusDays(now, o.terms.paymentDays);
  // Receipt releases escrow to the merchant (less commission); the review window still allows a refund.
  return {
    facts: { receivedAt: iso(now), reviewEndsAt, paymentDueAt, escrowHeld: false },
    data: { reviewEndsAt, paymentDueAt, releaseMinor: (o.escrowHeld ? o.totalMinor : 0n).toString(), currency: o.currency },
  };
}

export type TransitionName = keyof typeof ORDER_FLOW;
export const TRANSITIONS = Object.keys(ORDER_FLOW) as TransitionName[];
export type OrderEventKind = `order.${TransitionName}` | 'order.created';

export interface OrderEvent {
  kind: OrderEventKind;
  /** Ledger subject ids. */
  subject: { order: string; buyer: string; merchant: string };
  data: Record<string, Json>;
}

const flowDef = (t: string): TransitionDef | undefined =>
  Object.hasOwn(ORDER_FLOW, t) ? (ORDER_FLOW as Record<string, TransitionDef>)[t] : undefined;

/** Transitions whose from-states include `state` (what a UI may offer, before role and guard). */
export const transitionsFrom = (state: OrderState): TransitionName[] =>
  TRANSITIONS.filter((t) => (ORDER_FLOW[t].from as readonly OrderState[]).includes(state));

export const isTerminal = (state: OrderState): boolean => TERMINAL_STATES.includes(state);

// ---- refusals --------------------------------------------------------------------------------

/** Every reason code whyNot can return, with the HTTP status and the sentence a caller sees. */
export const REFUSALS = {
  'order.unknown_transition': [400, 'there is no such order transition'],
  'order.forbidden': [403, 'this actor may not perform this transition on this order'],
  'order.illegal_transition': [409, 'the order is not in a state this transition starts from'],
  'order.missing_input': [400, 'a required input field is missing'],
  'order.invalid_input': [400, 'an input field is malformed or not expected'],
  'order.escrow_missing': [409, 'a prepaid order is not allocated or shipped before its payment is held in escrow'],
  'order.already_paid': [409, 'the order is already paid'],
  'order.not_received': [409, 'a pay-on-receipt order is paid after receipt'],
  'order.amount_mismatch': [409, 'the payment amount differs from the order total'],
  'order.wrong_payment_mode': [409, 'this transition does not apply to the order\'s payment mode'],
  'order.time_before_shipment': [400, 'the scan time is before the shipment'],
  'order.time_in_future': [400, 'the scan time is in the future'],
  'order.auto_confirm_not_due': [409, 'the auto-confirm deadline has not passed'],
  'order.payment_not_due': [409, 'the payment deadline has not passed'],
  'order.already_overdue': [409, 'the order is already flagged overdue'],
  'order.unpaid': [409, 'the order is not paid'],
  'order.review_window_open': [409, 'the review window is still open'],
  'order.review_window_closed': [409, 'the review window is over'],
  'order.refund_limit': [409, `at most ${REFUND_REQUESTS_MAX} refund requests per order`],
  'order.refund_amount_invalid': [400, 'a refund is more than zero and at most the order total'],
} as const satisfies Record<string, readonly [number, string]>;
export type RefusalCode = keyof typeof REFUSALS;

/** The DomainError (problem+json) for a refusal from whyNot. */
export function orderRefusal(code: string, transition: string, state: OrderState): DomainError {
  const r = (REFUSALS as Record<string, readonly [number, string]>)[code];
  assert(r !== undefined, `orders: unlisted refusal code ${code}`);
  return new DomainError(code, `cannot ${transition} from ${state}: ${r[1]}`, r[0], { transition, state });
}

// ---- input -----------------------------------------------------------------------------------

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const CODE = /^[a-z][a-z0-9_]{0,47}$/;
const AMOUNT = /^(0|[1-9]\d{0,17})$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
// Single line, bounded, not an e-mail address (the ledger refuses those): a carrier or hub name.
const TEXT = /^[^\p{Cc}@]{1,128}$/u;

const INPUT_OK: Record<InputKind, (v: string) => boolean> = {
  id: (v) => ID.test(v),
  code: (v) => CODE.test(v),
  amount: (v) => AMOUNT.test(v),
  text: (v) => TEXT.test(v) && v.trim() === v,
  time: (v) => TIME.test(v) && Number.isFinite(Date.parse(v)) && new Date(v).toISOString().slice(0, 19) === v.slice(0, 19),
};

function inputProblem(def: TransitionDef, input: TransitionInput): string | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'order.invalid_input';
  for (const field of Object.keys(def.input)) if (input[field] === undefined || input[field] === null) return 'order.missing_input';
  for (const [field, v] of Object.entries(input)) {
    const kind = Object.hasOwn(def.input, field) ? def.input[field] : undefined;
    if (kind === undefined) {
      if (v !== undefined) return 'order.invalid_input'; // unexpected fields are refused, not dropped
      continue;
    }
    if (typeof v !== 'string' || !INPUT_OK[kind](v)) return 'order.invalid_input';
  }
  return null;
}

// ---- the two verbs ---------------------------------------------------------------------------

/** Everything but the actor: state, input, guard. */
function blocked(o: OrderFacts, def: TransitionDef, input: TransitionInput, now: Date): string | null {
  assert(Number.isFinite(now.getTime()), 'orders: invalid now');
  if (!def.from.includes(o.state)) return 'order.illegal_transition';
  return inputProblem(def, input) ?? def.guard?.(o, input as CheckedInput, now) ?? null;
}

/**
 * Why `actor` may not perform `transition` on `order` with `input` at `now`, as a stable reason
 * code; null if they may. Checks, in order: the transition exists, the actor's role and ownership,
 * the from-state, the input, the guard. Never throws for bad input.
 */
export function whyNot(order: OrderFacts, transition: string, actor: Actor, input: TransitionInput, now: Date): string | null {
  const def = flowDef(transition);
  if (def === undefined) return 'order.unknown_transition';
  if (!def.roles.includes(actor.role)) return 'order.forbidden';
  if (typeof actor.id !== 'string' || actor.id.length === 0) return 'order.forbidden';
  if (actor.role === 'buyer' && actor.id !== order.buyerId) return 'order.forbidden';
  if (actor.role === 'merchant' && actor.id !== order.merchantId) return 'order.forbidden';
  return blocked(order, def, input, now);
}

/**
 * The next facts and the ledger event of `transition`. Pure. The caller has checked whyNot
 * (which also checks the actor); calling apply on a refused transition is a bug and throws
 * InvariantViolation.
 */
export function apply(order: OrderFacts, transition: TransitionName, input: TransitionInput, now: Date): { next: OrderFacts; event: OrderEvent } {
  const def = flowDef(transition);
  assert(def !== undefined, `orders: unknown transition ${transition}`);
  const why = blocked(order, def, input, now);
  assert(why === null, `orders: ${transition} from ${order.state} applied although refused (${why})`);
  const to = def.resume?.[order.state] ?? (def.to === 'same' ? order.state : def.to);
  const checked = pick(def, input as CheckedInput);
  const eff = def.effect?.(order, checked, now) ?? {};
  const at = iso(now);
  const next: OrderFacts = Object.freeze({ ...order, ...eff.facts, state: to, updatedAt: at });
  assertOrderInvariants(next);
  return {
    next,
    event: {
      kind: `order.${transition}`,
      subject: subjectOf(order),
      data: { orderId: order.id, from: order.state, to, at, ...eff.data },
    },
  };
}

const pick = (def: TransitionDef, input: CheckedInput): CheckedInput =>
  Object.fromEntries(Object.keys(def.input).map((k) => [k, input[k]!]));
const subjectOf = (o: OrderFacts) => ({ order: o.id, buyer: o.buyerId, merchant: o.merchantId });

// ---- creation --------------------------------------------------------------------------------

export interface OrderInit {
  id: string;
  number: string;
  buyerId: string;
  merchantId: string;
  mode: PaymentMode;
  currency: string;
  totalMinor: bigint;
  commitment: string;
  terms?: OrderTerms;
}

const CURRENCY = /^[A-Z]{3}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const TOTAL_MAX = 10n ** 18n - 1n;

function initProblem(i: OrderInit): string | null {
  if (typeof i !== 'object' || i === null) return 'not an object';
  for (const k of ['id', 'buyerId', 'merchantId'] as const) if (typeof i[k] !== 'string' || !ID.test(i[k])) return `${k} is not an id`;
  if (parseOrderNumber(i.number)?.number !== i.number) return 'number is not a canonical order number';
  if (!PAYMENT_MODES.includes(i.mode)) return `mode must be one of ${PAYMENT_MODES.join(', ')}`;
  if (typeof i.currency !== 'string' || !CURRENCY.test(i.currency)) return 'currency is not an ISO 4217 code';
  if (typeof i.totalMinor !== 'bigint' || i.totalMinor < 0n || i.totalMinor > TOTAL_MAX) return 'totalMinor is not a non-negative bigint of at most 18 digits';
  if (typeof i.commitment !== 'string' || !HEX64.test(i.commitment)) return 'commitment is not 64 lower-case hex digits';
  const t = i.terms ?? DEFAULT_TERMS;
  for (const k of ['autoConfirmDays', 'reviewDays', 'paymentDays'] as const) {
    if (!Number.isInteger(t[k]) || t[k] < 1 || t[k] > TERM_DAYS_MAX) return `terms.${k} is not a whole number of days in 1..${TERM_DAYS_MAX}`;
  }
  return null;
}

/** A new order in the initial state, and its `order.created` event. Throws DomainError on bad input. */
export function createOrder(init: OrderInit, now: Date): { next: OrderFacts; event: OrderEvent } {
  assert(Number.isFinite(now.getTime()), 'orders: invalid now');
  const problem = initProblem(init);
  if (problem !== null) throw new DomainError('order.invalid_input', `cannot create order: ${problem}`, 400);
  const at = iso(now);
  const t = init.terms ?? DEFAULT_TERMS;
  const terms = Object.freeze({ autoConfirmDays: t.autoConfirmDays, reviewDays: t.reviewDays, paymentDays: t.paymentDays });
  const next: OrderFacts = Object.freeze({
    id: init.id, number: init.number, buyerId: init.buyerId, merchantId: init.merchantId, mode: init.mode,
    currency: init.currency, totalMinor: init.totalMinor, commitment: init.commitment, terms,
    state: INITIAL_STATE, paid: false, paymentId: null, escrowHeld: false, overdue: false,
    locationId: null, carrier: null, trackingNumber: null, transits: 0, refundRequests: 0, refundMinor: null,
    createdAt: at, updatedAt: at, shippedAt: null, deliveredAt: null, receivedAt: null,
    autoConfirmAt: null, reviewEndsAt: null, paymentDueAt: null,
  });
  assertOrderInvariants(next);
  return {
    next,
    event: {
      kind: 'order.created',
      subject: subjectOf(next),
      data: {
        orderId: next.id, number: next.number, buyerId: next.buyerId, merchantId: next.merchantId, mode: next.mode,
        currency: next.currency, totalMinor: next.totalMinor.toString(), commitment: next.commitment,
        terms: { ...terms }, to: INITIAL_STATE, at,
      },
    },
  };
}

// ---- invariants ------------------------------------------------------------------------------

const AFTER_ALLOCATION: readonly OrderState[] = ['allocated', 'shipped', 'in_transit', 'delivered', 'received', 'refund_requested', 'refunded', 'completed'];
const AFTER_SHIPMENT: readonly OrderState[] = ['shipped', 'in_transit', 'delivered', 'received', 'refund_requested', 'refunded', 'completed'];
const AFTER_RECEIPT: readonly OrderState[] = ['received', 'refund_requested', 'refunded', 'completed'];

/** Properties every order satisfies in every state; checked on every apply. A failure is a bug. */
export function assertOrderInvariants(o: OrderFacts): void {
  assert(ORDER_STATES.includes(o.state), `order ${o.id}: unknown state ${o.state}`);
  assert(o.totalMinor >= 0n, `order ${o.id}: negative total`);
  assert(!o.escrowHeld || o.paid, `order ${o.id}: escrow held but not paid`);
  assert(!o.paid || o.paymentId !== null, `order ${o.id}: paid without a payment id`);
  assert(!isTerminal(o.state) || !o.escrowHeld, `order ${o.id}: escrow still held in terminal state ${o.state}`);
  assert(!o.overdue || (o.mode === 'pay_on_receipt' && !o.paid && o.state === 'received'), `order ${o.id}: overdue out of place`);
  assert(o.state !== 'payment_failed' || (o.mode === 'prepaid' && !o.paid), `order ${o.id}: payment_failed in ${o.mode} or paid`);
  assert(o.state !== 'completed' || o.paid, `order ${o.id}: completed unpaid`);
  assert(o.state !== 'refund_requested' || o.paid, `order ${o.id}: refund requested unpaid`);
  assert(!AFTER_RECEIPT.includes(o.state) || !o.escrowHeld, `order ${o.id}: escrow still held after receipt`);
  if (AFTER_ALLOCATION.includes(o.state)) {
    assert(o.locationId !== null, `order ${o.id}: ${o.state} without a stock location`);
    assert(o.mode !== 'prepaid' || o.paid, `order ${o.id}: prepaid order ${o.state} unpaid`);
  }
  if (AFTER_SHIPMENT.includes(o.state)) {
    assert(o.carrier !== null && o.trackingNumber !== null && o.shippedAt !== null, `order ${o.id}: ${o.state} without shipment`);
  }
  if (AFTER_RECEIPT.includes(o.state)) assert(o.receivedAt !== null && o.reviewEndsAt !== null, `order ${o.id}: ${o.state} without receipt`);
  assert(o.state !== 'in_transit' || o.transits > 0, `order ${o.id}: in transit without a scan`);
  assert(o.refundRequests >= 0 && o.refundRequests <= REFUND_REQUESTS_MAX, `order ${o.id}: refund requests out of range`);
  assert(o.refundMinor === null || (o.refundMinor > 0n && o.refundMinor <= o.totalMinor), `order ${o.id}: refund amount out of range`);
  assert((o.refundMinor !== null) === (o.state === 'refund_requested' || o.state === 'refunded'), `order ${o.id}: refund amount and state disagree`);
}

// ---- the table checks itself ---------------------------------------------------------------------

export interface FlowSpec {
  states: readonly string[];
  initial: string;
  terminal: readonly string[];
  transitions: Readonly<Record<string, Pick<TransitionDef, 'input'> & { from: readonly string[]; to: string; resume?: Readonly<Record<string, string>>; roles: readonly string[] }>>;
}

export const ORDER_FLOW_SPEC: FlowSpec = { states: ORDER_STATES, initial: INITIAL_STATE, terminal: TERMINAL_STATES, transitions: ORDER_FLOW };

/**
 * Problems with a flow definition (after Vendure's validateTransitionDefinition): states exist,
 * every state is reachable from the initial one, terminal states have no exits, every other state
 * has one and can still end, roles and input kinds are known, names make valid ledger kinds.
 */
export function validateFlow(spec: FlowSpec = ORDER_FLOW_SPEC): string[] {
  const problems: string[] = [];
  const states = new Set(spec.states);
  if (states.size !== spec.states.length) problems.push('duplicate state');
  if (states.has('same')) problems.push('"same" is reserved');
  if (!states.has(spec.initial)) problems.push(`initial state ${spec.initial} is not a state`);
  for (const s of spec.terminal) if (!states.has(s)) problems.push(`terminal state ${s} is not a state`);
  const edges = new Map<string, Set<string>>([...states].map((s) => [s, new Set<string>()]));
  for (const [name, t] of Object.entries(spec.transitions)) {
    if (!/^[a-z][a-z_]*$/.test(name)) problems.push(`transition ${name}: name is not snake_case`);
    if (t.from.length === 0) problems.push(`transition ${name}: no from-states`);
    if (t.roles.length === 0) problems.push(`transition ${name}: no roles`);
    for (const r of t.roles) if (!(ROLES as readonly string[]).includes(r)) problems.push(`transition ${name}: unknown role ${r}`);
    for (const [f, k] of Object.entries(t.input)) if (!Object.hasOwn(INPUT_OK, k)) problems.push(`transition ${name}: input ${f} has unknown kind ${k}`);
    if (t.to !== 'same' && !states.has(t.to)) problems.push(`transition ${name}: to-state ${t.to} is not a state`);
    for (const f of t.from) {
      if (!states.has(f)) problems.push(`transition ${name}: from-state ${f} is not a state`);
      else if (spec.terminal.includes(f)) problems.push(`transition ${name}: leaves terminal state ${f}`);
      else edges.get(f)!.add(t.resume?.[f] ?? (t.to === 'same' ? f : t.to));
    }
    for (const [f, to] of Object.entries(t.resume ?? {})) {
      if (!t.from.includes(f)) problems.push(`transition ${name}: resumes from ${f}, which is not a from-state`);
      if (!states.has(to)) problems.push(`transition ${name}: resumes to ${to}, which is not a state`);
    }
  }
  const reach = (start: string, next: (s: string) => Iterable<string>): Set<string> => {
    const seen = new Set([start]);
    for (const todo = [start]; todo.length > 0; ) for (const n of next(todo.pop()!)) if (!seen.has(n)) (seen.add(n), todo.push(n));
    return seen;
  };
  const fromInitial = reach(spec.initial, (s) => edges.get(s) ?? []);
  for (const s of states) if (!fromInitial.has(s)) problems.push(`state ${s} is unreachable from ${spec.initial}`);
  const canEnd = (s: string) => [...reach(s, (x) => edges.get(x) ?? [])].some((x) => spec.terminal.includes(x));
  for (const s of states) {
    if (spec.terminal.includes(s)) continue;
    if (![...(edges.get(s) ?? [])].some((n) => n !== s)) problems.push(`state ${s} is not terminal but has no way out`);
    else if (!canEnd(s)) problems.push(`state ${s} can never reach a terminal state`);
  }
  return problems;
}

const FLOW_PROBLEMS = validateFlow();
assert(FLOW_PROBLEMS.length === 0, `orders: invalid flow: ${FLOW_PROBLEMS.join('; ')}`);
