import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toEvent } from '../src/ledger/index.ts';
import { DomainError, InvariantViolation } from '../src/shared/index.ts';
import {
  apply, createOrder, isTerminal, orderNumber, orderRefusal, transitionsFrom, validateFlow, whyNot,
  ORDER_FLOW, ORDER_FLOW_SPEC, ORDER_STATES, REFUSALS, ROLES, TERM_DAYS_MAX, TERMINAL_STATES, TRANSITIONS,
  type Actor, type FlowSpec, type OrderEvent, type OrderFacts, type OrderState, type PaymentMode, type Role,
  type TransitionInput, type TransitionName,
  type TransitionDef,
} from '../src/orders/index.ts';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0.getTime() + ms);

const BUYER: Actor = { role: 'buyer', id: 'buyer-1' };
const MERCHANT: Actor = { role: 'merchant', id: 'merchant-1' };
const SYSTEM: Actor = { role: 'system', id: 'scheduler' };
const ADMIN: Actor = { role: 'admin', id: 'ops-1' };
const OWNER: Record<Role, Actor> = { buyer: BUYER, merchant: MERCHANT, system: SYSTEM, admin: ADMIN };

const newOrder = (mode: PaymentMode, now = T0): OrderFacts =>
  createOrder(
    {
      id: 'ord-1', number: orderNumber(now, { sequence: 1n }), buyerId: BUYER.id, merchantId: MERCHANT.id, mode,
      currency: 'CNY', totalMinor: 4990n, commitment: 'ab'.repeat(32),
    },
    now,
  ).next;

/** A valid input for each transition (the table forces this map to be complete). */
const SAMPLE: Record<TransitionName, (o: OrderFacts, now: Date) => TransitionInput> = {
  accept: () => ({}),
  reject: () => ({ reason: 'out_of_stock' }),
  pay: (o) => ({ paymentId: 'pay-1', amountMinor: o.totalMinor.toString() }),
  fail_payment: () => ({ paymentId: 'pay-1' }),
  allocate: () => ({ locationId: 'loc-sh-1' }),
  ship: () => ({ carrier: 'SF Express', trackingNumber: 'SF1234567890' }),
  transit: (_o, now) => ({ location: 'Shanghai Pudong hub', at: now.toISOString() }),
  deliver: () => ({}),
  confirm_receipt: () => ({}),
  auto_confirm: () => ({}),
  mark_overdue: () => ({}),
  request_refund: () => ({ amountMinor: '1000', reason: 'damaged' }),
  refund: () => ({}),
  reject_refund: () => ({ reason: 'no_damage_found' }),
  complete: () => ({}),
  cancel: () => ({ reason: 'changed_mind' }),
};
const sample = (t: TransitionName, o: OrderFacts, now: Date) => SAMPLE[t](o, now);

/** The ledger would accept the event as an entry (kinds, ids, no personal data, integers only). */
function expectLedgerable(e: OrderEvent, actor: Actor) {
  expect(() => toEvent({ kind: e.kind, actor: `${actor.role}:${actor.id}`, subject: e.subject, data: e.data })).not.toThrow();
}

/** Performs one allowed step and checks its event; fails the test if it is refused. */
function step(o: OrderFacts, t: TransitionName, actor: Actor, now: Date, input: TransitionInput = sample(t, o, now)) {
  expect(whyNot(o, t, actor, input, now), `${t} from ${o.state} by ${actor.role}`).toBeNull();
  const { next, event } = apply(o, t, input, now);
  expect(event.kind).toBe(`order.${t}`);
  expect(event.data['orderId']).toBe(o.id);
  expect(event.data['from']).toBe(o.state);
  expect(event.data['to']).toBe(next.state);
  expectLedgerable(event, actor);
  return { next, event };
}

/** Runs a script from a new order, returning the final order and the event kinds. */
function run(mode: PaymentMode, script: [TransitionName, Actor, number][]) {
  let o = newOrder(mode);
  const kinds: string[] = [];
  const events: OrderEvent[] = [];
  for (const [t, actor, ms] of script) {
    const r = step(o, t, actor, at(ms));
    o = r.next;
    kinds.push(r.event.kind);
    events.push(r.event);
  }
  return { o, kinds, events };
}

const PREPAID_TO_RECEIVED: [TransitionName, Actor, number][] = [
  ['pay', SYSTEM, 1_000], ['accept', MERCHANT, HOUR], ['allocate', MERCHANT, 2 * HOUR], ['ship', MERCHANT, 3 * HOUR],
  ['transit', SYSTEM, 10 * HOUR], ['transit', SYSTEM, 20 * HOUR], ['deliver', SYSTEM, DAY], ['confirm_receipt', BUYER, 2 * DAY],
];

describe('order flow: happy paths', () => {
  it('prepaid: pay → accept → allocate → ship → transit ×2 → deliver → confirm receipt → complete after the review window', () => {
    const { o: received, kinds, events } = run('prepaid', PREPAID_TO_RECEIVED);
    expect(kinds).toEqual(['order.pay', 'order.accept', 'order.allocate', 'order.ship', 'order.transit', 'order.transit', 'order.deliver', 'order.confirm_receipt']);
    expect(received).toMatchObject({ state: 'received', paid: true, escrowHeld: false, locationId: 'loc-sh-1', carrier: 'SF Express', trackingNumber: 'SF1234567890', transits: 2 });
    expect(received.reviewEndsAt).toBe(at(2 * DAY + 7 * DAY).toISOString());
    expect(received.paymentDueAt).toBeNull();
    // receipt releases the escrow to the merchant
    expect(events.at(-1)!.data).toMatchObject({ releaseMinor: '4990', currency: 'CNY' });
    expect(events[0]!.data).toMatchObject({ paymentId: 'pay-1', amountMinor: '4990', currency: 'CNY', late: false });
    expect(events[3]!.data).toMatchObject({ carrier: 'SF Express', trackingNumber: 'SF1234567890', locationId: 'loc-sh-1' });
    expect(events[5]!.data).toMatchObject({ location: 'Shanghai Pudong hub', scannedAt: at(20 * HOUR).toISOString(), scan: 2 });

    const early = at(9 * DAY - 1);
    expect(whyNot(received, 'complete', SYSTEM, {}, early)).toBe('order.review_window_open');
    const done = step(received, 'complete', SYSTEM, at(9 * DAY));
    expect(done.next).toMatchObject({ state: 'completed', escrowHeld: false });
    expect(done.event.data).not.toHaveProperty('releaseMinor'); // released at receipt already
    expect(isTerminal(done.next.state)).toBe(true);
  });

  it('pay on receipt: ships unpaid → auto-confirm after N days → overdue → late payment → complete', () => {
    const { o: delivered } = run('pay_on_receipt', [
      ['accept', MERCHANT, HOUR], ['allocate', SYSTEM, 2 * HOUR], ['ship', MERCHANT, 3 * HOUR], ['transit', MERCHANT, 5 * HOUR], ['deliver', MERCHANT, DAY],
    ]);
    expect(delivered).toMatchObject({ state: 'delivered', paid: false, escrowHeld: false, autoConfirmAt: at(11 * DAY).toISOString() });
    expect(whyNot(delivered, 'auto_confirm', SYSTEM, {}, at(11 * DAY - 1))).toBe('order.auto_confirm_not_due');
    const received = step(delivered, 'auto_confirm', SYSTEM, at(11 * DAY)).next;
    expect(received).toMatchObject({ state: 'received', paymentDueAt: at(18 * DAY).toISOString(), reviewEndsAt: at(18 * DAY).toISOString() });

    expect(whyNot(received, 'complete', SYSTEM, {}, at(30 * DAY))).toBe('order.unpaid');
    expect(whyNot(received, 'request_refund', BUYER, sample('request_refund', received, at(12 * DAY)), at(12 * DAY))).toBe('order.unpaid');
    expect(whyNot(received, 'mark_overdue', SYSTEM, {}, at(18 * DAY - 1))).toBe('order.payment_not_due');
    const overdue = step(received, 'mark_overdue', SYSTEM, at(18 * DAY));
    expect(overdue.next).toMatchObject({ state: 'received', overdue: true });
    expect(overdue.event.data).toMatchObject({ paymentDueAt: at(18 * DAY).toISOString(), amountMinor: '4990' });
    expect(whyNot(overdue.next, 'mark_overdue', SYSTEM, {}, at(19 * DAY))).toBe('order.already_overdue');

    const paid = step(overdue.next, 'pay', SYSTEM, at(20 * DAY));
    expect(paid.next).toMatchObject({ state: 'received', paid: true, escrowHeld: false, overdue: false });
    expect(paid.event.data).toMatchObject({ late: true, amountMinor: '4990', released: true });
    expect(whyNot(paid.next, 'pay', SYSTEM, sample('pay', paid.next, at(20 * DAY)), at(20 * DAY))).toBe('order.already_paid');
    expect(whyNot(paid.next, 'mark_overdue', SYSTEM, {}, at(20 * DAY))).toBe('order.already_paid');
    const done = step(paid.next, 'complete', SYSTEM, at(20 * DAY));
    expect(done.next).toMatchObject({ state: 'completed', escrowHeld: false });
  });

  it('pay on receipt paid on time: the buyer confirms before the carrier reports delivery', () => {
    const { o, kinds } = run('pay_on_receipt', [
      ['accept', MERCHANT, HOUR], ['allocate', MERCHANT, HOUR], ['ship', MERCHANT, HOUR], ['confirm_receipt', BUYER, DAY], ['pay', SYSTEM, 2 * DAY], ['complete', SYSTEM, 8 * DAY],
    ]);
    expect(kinds.at(-1)).toBe('order.complete');
    expect(o).toMatchObject({ state: 'completed', paid: true, overdue: false, deliveredAt: null });
  });

  it('refunds: request → rejected → requested again → partial refund', () => {
    const { o: received } = run('prepaid', PREPAID_TO_RECEIVED);
    const asked = step(received, 'request_refund', BUYER, at(3 * DAY));
    expect(asked.next).toMatchObject({ state: 'refund_requested', refundMinor: 1000n, refundRequests: 1 });
    expect(asked.event.data).toMatchObject({ amountMinor: '1000', reason: 'damaged', request: 1 });
    expect(whyNot(asked.next, 'complete', SYSTEM, {}, at(30 * DAY))).toBe('order.illegal_transition');
    const rejected = step(asked.next, 'reject_refund', MERCHANT, at(4 * DAY));
    expect(rejected.next).toMatchObject({ state: 'received', refundMinor: null, escrowHeld: false });
    const again = step(rejected.next, 'request_refund', BUYER, at(5 * DAY));
    const refunded = step(again.next, 'refund', ADMIN, at(6 * DAY));
    expect(refunded.next).toMatchObject({ state: 'refunded', escrowHeld: false, refundMinor: 1000n });
    expect(refunded.event.data).toEqual(expect.objectContaining({ refundMinor: '1000', currency: 'CNY' }));
    expect(refunded.event.data).not.toHaveProperty('releaseMinor');
  });

  it('refunds: limited per order, bounded by the total, only inside the review window', () => {
    let o = run('prepaid', PREPAID_TO_RECEIVED).o;
    const now = at(3 * DAY);
    for (let i = 0; i < 2; i++) {
      o = step(o, 'request_refund', BUYER, now).next;
      o = step(o, 'reject_refund', MERCHANT, now).next;
    }
    expect(whyNot(o, 'request_refund', BUYER, sample('request_refund', o, now), now)).toBe('order.refund_limit');
    const fresh = run('prepaid', PREPAID_TO_RECEIVED).o;
    expect(whyNot(fresh, 'request_refund', BUYER, { amountMinor: '4991', reason: 'damaged' }, now)).toBe('order.refund_amount_invalid');
    expect(whyNot(fresh, 'request_refund', BUYER, { amountMinor: '0', reason: 'damaged' }, now)).toBe('order.refund_amount_invalid');
    expect(whyNot(fresh, 'request_refund', BUYER, { amountMinor: '4990', reason: 'damaged' }, now)).toBeNull();
    expect(whyNot(fresh, 'request_refund', BUYER, { amountMinor: '4990', reason: 'damaged' }, at(9 * DAY))).toBe('order.review_window_closed');
  });

  it('cancel before shipment returns held escrow in full; reject likewise; a failed prepaid payment ends the order', () => {
    const paid = run('prepaid', [['pay', SYSTEM, 0]]).o;
    const byBuyer = step(paid, 'cancel', BUYER, at(HOUR));
    expect(byBuyer.next).toMatchObject({ state: 'cancelled', escrowHeld: false });
    expect(byBuyer.event.data).toMatchObject({ reason: 'changed_mind', refundMinor: '4990' });

    const allocated = run('pay_on_receipt', [['accept', MERCHANT, 0], ['allocate', MERCHANT, 0]]).o;
    const byMerchant = step(allocated, 'cancel', MERCHANT, at(HOUR));
    expect(byMerchant.event.data).toMatchObject({ refundMinor: '0' });

    const rejected = step(paid, 'reject', MERCHANT, at(HOUR));
    expect(rejected.next.state).toBe('rejected');
    expect(rejected.event.data).toMatchObject({ reason: 'out_of_stock', refundMinor: '4990' });

    const shipped = run('prepaid', PREPAID_TO_RECEIVED.slice(0, 4)).o;
    expect(shipped.state).toBe('shipped');
    expect(whyNot(shipped, 'cancel', BUYER, { reason: 'changed_mind' }, at(DAY))).toBe('order.illegal_transition');

    const failed = step(newOrder('prepaid'), 'fail_payment', SYSTEM, at(HOUR));
    expect(failed.next.state).toBe('payment_failed');
    expect(failed.event.data).toMatchObject({ paymentId: 'pay-1' });
    expect(whyNot(paid, 'fail_payment', SYSTEM, { paymentId: 'pay-1' }, T0)).toBe('order.already_paid');
    expect(whyNot(newOrder('pay_on_receipt'), 'fail_payment', SYSTEM, { paymentId: 'pay-1' }, T0)).toBe('order.wrong_payment_mode');
    // The buyer tries again: a second failure stays failed, a success resumes the order as created and paid.
    const again = step(failed.next, 'fail_payment', SYSTEM, at(2 * HOUR));
    expect(again.next.state).toBe('payment_failed');
    const resumed = step(again.next, 'pay', SYSTEM, at(3 * HOUR));
    expect(resumed.next).toMatchObject({ state: 'created', paid: true, escrowHeld: true });
    expect(resumed.event.data).toMatchObject({ from: 'payment_failed', to: 'created' });
    expect(step(step(newOrder('prepaid'), 'fail_payment', SYSTEM, at(HOUR)).next, 'cancel', SYSTEM, at(2 * HOUR)).next.state).toBe('cancelled');
  });
});

/** Scripted ways to reach every state, in either payment mode. */
const REACH: [OrderState, PaymentMode, [TransitionName, Actor, number][]][] = [
  ['created', 'prepaid', []],
  ['created', 'pay_on_receipt', []],
  ['accepted', 'prepaid', [['pay', SYSTEM, 0], ['accept', MERCHANT, 0]]],
  ['accepted', 'pay_on_receipt', [['accept', MERCHANT, 0]]],
  ['rejected', 'prepaid', [['reject', MERCHANT, 0]]],
  ['allocated', 'prepaid', PREPAID_TO_RECEIVED.slice(0, 3)],
  ['shipped', 'prepaid', PREPAID_TO_RECEIVED.slice(0, 4)],
  ['in_transit', 'prepaid', PREPAID_TO_RECEIVED.slice(0, 5)],
  ['delivered', 'prepaid', PREPAID_TO_RECEIVED.slice(0, 7)],
  ['delivered', 'pay_on_receipt', [['accept', MERCHANT, 0], ['allocate', MERCHANT, 0], ['ship', MERCHANT, 0], ['deliver', SYSTEM, DAY]]],
  ['received', 'prepaid', PREPAID_TO_RECEIVED],
  ['received', 'pay_on_receipt', [['accept', MERCHANT, 0], ['allocate', MERCHANT, 0], ['ship', MERCHANT, 0], ['confirm_receipt', BUYER, DAY]]],
  ['refund_requested', 'prepaid', [...PREPAID_TO_RECEIVED, ['request_refund', BUYER, 3 * DAY]]],
  ['refunded', 'prepaid', [...PREPAID_TO_RECEIVED, ['request_refund', BUYER, 3 * DAY], ['refund', MERCHANT, 3 * DAY]]],
  ['completed', 'prepaid', [...PREPAID_TO_RECEIVED, ['complete', SYSTEM, 10 * DAY]]],
  ['cancelled', 'pay_on_receipt', [['cancel', BUYER, 0]]],
  ['payment_failed', 'prepaid', [['fail_payment', SYSTEM, 0]]],
];
const reached = REACH.map(([state, mode, script]) => {
  const { o } = run(mode, script);
  return { state, mode, o };
});

describe('order flow: illegal transitions', () => {
  it('the scripts reach every state', () => {
    for (const r of reached) expect(r.o.state).toBe(r.state);
    expect(new Set(reached.map((r) => r.state))).toEqual(new Set(ORDER_STATES));
  });

  it('every transition not listed for a state is refused with order.illegal_transition, whoever asks', () => {
    let pairs = 0;
    const now = at(60 * DAY);
    for (const { o } of reached) {
      for (const t of TRANSITIONS) {
        if ((ORDER_FLOW[t].from as readonly string[]).includes(o.state)) continue;
        for (const role of ORDER_FLOW[t].roles) {
          expect(whyNot(o, t, OWNER[role], sample(t, o, now), now), `${t} from ${o.state} (${o.mode}) by ${role}`).toBe('order.illegal_transition');
          expect(() => apply(o, t, sample(t, o, now), now)).toThrow(InvariantViolation);
          pairs++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(250);
  });

  it('by hand: a few transitions that must not exist', () => {
    const get = (s: OrderState) => reached.find((r) => r.state === s)!.o;
    const now = at(60 * DAY);
    const cases: [OrderState, TransitionName, Actor][] = [
      ['created', 'ship', MERCHANT], ['created', 'confirm_receipt', BUYER], ['created', 'complete', SYSTEM],
      ['accepted', 'ship', MERCHANT], ['delivered', 'transit', SYSTEM], ['delivered', 'complete', SYSTEM],
      ['received', 'refund', MERCHANT], ['shipped', 'cancel', BUYER], ['in_transit', 'allocate', MERCHANT],
      ['completed', 'request_refund', BUYER], ['completed', 'cancel', ADMIN], ['cancelled', 'accept', MERCHANT],
      ['refunded', 'refund', ADMIN], ['rejected', 'accept', MERCHANT], ['payment_failed', 'ship', MERCHANT],
    ];
    for (const [s, t, actor] of cases) expect(whyNot(get(s), t, actor, sample(t, get(s), now), now), `${t} from ${s}`).toBe('order.illegal_transition');
  });

  it('terminal states have no exits in the table', () => {
    for (const s of TERMINAL_STATES) expect(transitionsFrom(s)).toEqual([]);
    expect(transitionsFrom('in_transit').sort()).toEqual(['confirm_receipt', 'deliver', 'transit']);
    expect(transitionsFrom('received').sort()).toEqual(['complete', 'mark_overdue', 'pay', 'request_refund']);
  });

  it('an unknown transition is refused, not thrown', () => {
    const o = newOrder('prepaid');
    expect(whyNot(o, 'teleport', ADMIN, {}, T0)).toBe('order.unknown_transition');
    expect(whyNot(o, 'toString', ADMIN, {}, T0)).toBe('order.unknown_transition');
    expect(whyNot(o, '__proto__', ADMIN, {}, T0)).toBe('order.unknown_transition');
  });
});

describe('order flow: roles', () => {
  it('the table says who may do what (pinned by hand: a change here is a product decision)', () => {
    const who = Object.fromEntries(TRANSITIONS.map((t) => [t, [...ORDER_FLOW[t].roles].sort().join(' ')]));
    expect(who).toEqual({
      accept: 'admin merchant', reject: 'admin merchant', pay: 'system', fail_payment: 'system',
      allocate: 'merchant system', ship: 'merchant', transit: 'merchant system', deliver: 'merchant system',
      confirm_receipt: 'buyer', auto_confirm: 'system', mark_overdue: 'system', request_refund: 'buyer',
      refund: 'admin merchant', reject_refund: 'admin merchant', complete: 'system', cancel: 'admin buyer merchant system',
    });
    expect(ORDER_FLOW.ship.input).toEqual({ carrier: 'text', trackingNumber: 'id' });
    expect(ORDER_FLOW.transit.input).toEqual({ location: 'text', at: 'time' });
  });

  it('a role not listed is forbidden in every state, before the state is even looked at', () => {
    let n = 0;
    for (const { o } of reached) {
      for (const t of TRANSITIONS) {
        for (const role of ROLES) {
          if ((ORDER_FLOW[t].roles as readonly Role[]).includes(role)) continue;
          expect(whyNot(o, t, OWNER[role], sample(t, o, T0), T0), `${role} ${t} in ${o.state}`).toBe('order.forbidden');
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it('buyers and merchants act only on their own orders', () => {
    const shipped = reached.find((r) => r.state === 'shipped')!.o;
    const created = newOrder('prepaid');
    expect(whyNot(shipped, 'confirm_receipt', { role: 'buyer', id: 'buyer-2' }, {}, at(DAY))).toBe('order.forbidden');
    expect(whyNot(shipped, 'confirm_receipt', BUYER, {}, at(DAY))).toBeNull();
    expect(whyNot(created, 'accept', { role: 'merchant', id: 'merchant-2' }, {}, T0)).toBe('order.forbidden');
    expect(whyNot(created, 'accept', { role: 'merchant', id: BUYER.id }, {}, T0)).toBe('order.forbidden');
    expect(whyNot(created, 'accept', { role: 'buyer', id: BUYER.id }, {}, T0)).toBe('order.forbidden');
    expect(whyNot(created, 'accept', { role: 'system', id: '' }, {}, T0)).toBe('order.forbidden');
    expect(whyNot(created, 'cancel', { role: 'buyer', id: 'buyer-2' }, { reason: 'x' }, T0)).toBe('order.forbidden');
    expect(whyNot(created, 'cancel', ADMIN, { reason: 'fraud_suspected' }, T0)).toBeNull();
    expect(whyNot(created, 'accept', { role: 'root' as Role, id: 'x' }, {}, T0)).toBe('order.forbidden');
  });
});

describe('order flow: guards and input', () => {
  const get = (s: OrderState, mode: PaymentMode = 'prepaid') => reached.find((r) => r.state === s && r.mode === mode)!.o;

  it('a prepaid order is not allocated or shipped before escrow is held', () => {
    const accepted = run('prepaid', [['accept', MERCHANT, 0]]).o;
    expect(whyNot(accepted, 'allocate', MERCHANT, { locationId: 'loc-1' }, T0)).toBe('order.escrow_missing');
    expect(() => apply(accepted, 'allocate', { locationId: 'loc-1' }, T0)).toThrow(/escrow_missing/);
    // A pay-on-receipt order ships unpaid.
    expect(whyNot(get('accepted', 'pay_on_receipt'), 'allocate', MERCHANT, { locationId: 'loc-1' }, T0)).toBeNull();
    // The ship guard holds even for facts the flow itself never produces.
    const allocated = get('allocated');
    expect(whyNot(allocated, 'ship', MERCHANT, sample('ship', allocated, T0), T0)).toBeNull();
    const noEscrow = { ...allocated, escrowHeld: false, paid: false, paymentId: null };
    expect(whyNot(noEscrow, 'ship', MERCHANT, sample('ship', allocated, T0), T0)).toBe('order.escrow_missing');
    // Once paid, the order can go on.
    const paid = step(accepted, 'pay', SYSTEM, at(1)).next;
    expect(whyNot(paid, 'allocate', MERCHANT, { locationId: 'loc-1' }, at(2))).toBeNull();
  });

  it('payments must match the total, and a pay-on-receipt order is paid after receipt', () => {
    const created = newOrder('prepaid');
    expect(whyNot(created, 'pay', SYSTEM, { paymentId: 'p', amountMinor: '4989' }, T0)).toBe('order.amount_mismatch');
    expect(whyNot(get('accepted', 'pay_on_receipt'), 'pay', SYSTEM, { paymentId: 'p', amountMinor: '4990' }, T0)).toBe('order.not_received');
  });

  it('required input is required, malformed input is refused, and nothing else is accepted', () => {
    const allocated = get('allocated');
    const shipped = get('shipped');
    const now = at(DAY);
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF Express' }, now)).toBe('order.missing_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { trackingNumber: 'SF1' }, now)).toBe('order.missing_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF Express', trackingNumber: null }, now)).toBe('order.missing_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF Express', trackingNumber: 'SF 1' }, now)).toBe('order.invalid_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'a@b.cn', trackingNumber: 'SF1' }, now)).toBe('order.invalid_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF\nExpress', trackingNumber: 'SF1' }, now)).toBe('order.invalid_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF', trackingNumber: 'SF1', recipient: 'Li Lei' }, now)).toBe('order.invalid_input');
    expect(whyNot(allocated, 'ship', MERCHANT, null as never, now)).toBe('order.invalid_input');
    expect(whyNot(allocated, 'ship', MERCHANT, { carrier: 'SF', trackingNumber: 'SF1', extra: undefined }, now)).toBeNull();
    expect(whyNot(shipped, 'transit', SYSTEM, { location: 'Hub' }, now)).toBe('order.missing_input');
    expect(whyNot(shipped, 'transit', SYSTEM, { at: now.toISOString() }, now)).toBe('order.missing_input');
    for (const bad of ['yesterday', '2026-11-26', '2026-02-30T10:00:00Z', '2026-11-26T10:00:00+08:00', 1764151200000]) {
      expect(whyNot(shipped, 'transit', SYSTEM, { location: 'Hub', at: bad }, now), String(bad)).toBe('order.invalid_input');
    }
    expect(whyNot(get('refund_requested'), 'reject_refund', MERCHANT, { reason: 'Because I Said So' }, now)).toBe('order.invalid_input');
    expect(whyNot(get('received'), 'request_refund', BUYER, { amountMinor: '10.00', reason: 'damaged' }, at(3 * DAY))).toBe('order.invalid_input');
    expect(whyNot(get('received'), 'request_refund', BUYER, { amountMinor: 1000, reason: 'damaged' }, at(3 * DAY))).toBe('order.invalid_input');
    // apply keeps only the declared fields
    const { event } = apply(allocated, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1', extra: undefined }, now);
    expect(Object.keys(event.data).sort()).toEqual(['at', 'carrier', 'from', 'locationId', 'orderId', 'to', 'trackingNumber']);
  });

  it('carrier scans are not before shipment nor from the future', () => {
    const shipped = get('shipped');
    const shippedAt = Date.parse(shipped.shippedAt!);
    const now = new Date(shippedAt + DAY);
    expect(whyNot(shipped, 'transit', SYSTEM, { location: 'Hub', at: new Date(shippedAt - 1000).toISOString() }, now)).toBe('order.time_before_shipment');
    expect(whyNot(shipped, 'transit', SYSTEM, { location: 'Hub', at: new Date(now.getTime() + 6 * 60_000).toISOString() }, now)).toBe('order.time_in_future');
    expect(whyNot(shipped, 'transit', SYSTEM, { location: 'Hub', at: new Date(now.getTime() + 4 * 60_000).toISOString() }, now)).toBeNull();
  });

  it('every refusal maps to a problem with a status', () => {
    const e = orderRefusal('order.escrow_missing', 'allocate', 'accepted');
    expect(e).toBeInstanceOf(DomainError);
    expect([e.code, e.status, e.extra]).toEqual(['order.escrow_missing', 409, { transition: 'allocate', state: 'accepted' }]);
    expect(orderRefusal('order.forbidden', 'ship', 'allocated').status).toBe(403);
    expect(() => orderRefusal('order.nonsense', 'ship', 'allocated')).toThrow(InvariantViolation);
  });

  it('createOrder refuses bad facts as a DomainError', () => {
    const good = { id: 'o1', number: orderNumber(T0, { sequence: 5n }), buyerId: 'b', merchantId: 'm', mode: 'prepaid' as const, currency: 'CNY', totalMinor: 1n, commitment: '0'.repeat(64) };
    expect(createOrder(good, T0).event).toMatchObject({ kind: 'order.created', data: { totalMinor: '1', mode: 'prepaid', to: 'created' } });
    for (const bad of [
      { currency: 'cny' }, { totalMinor: -1n }, { totalMinor: 5 as never }, { mode: 'cod' as never }, { commitment: 'AB'.repeat(32) },
      { number: good.number.toLowerCase() }, { buyerId: '' }, { terms: { autoConfirmDays: 0, reviewDays: 7, paymentDays: 7 } },
    ]) {
      expect(() => createOrder({ ...good, ...bad }, T0), JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toThrow(DomainError);
    }
  });
});

describe('order flow: the table checks itself', () => {
  it('the order flow is valid', () => {
    expect(validateFlow()).toEqual([]);
  });

  it('catches broken flows', () => {
    const base = ORDER_FLOW_SPEC;
    const withT = (extra: FlowSpec['transitions'], states = base.states): FlowSpec => ({ ...base, states, transitions: { ...base.transitions, ...extra } });
    const cases: [FlowSpec, RegExp][] = [
      [withT({}, [...base.states, 'limbo']), /state limbo is unreachable/],
      [withT({ revive: { from: ['cancelled'], to: 'created', roles: ['admin'], input: {} } }), /leaves terminal state cancelled/],
      [withT({ teleport: { from: ['created'], to: 'nowhere', roles: ['admin'], input: {} } }), /to-state nowhere is not a state/],
      [withT({ teleport: { from: ['nowhere'], to: 'created', roles: ['admin'], input: {} } }), /from-state nowhere is not a state/],
      [withT({ poke: { from: ['created'], to: 'same', roles: ['janitor'], input: {} } }), /unknown role janitor/],
      [withT({ poke: { from: ['created'], to: 'same', roles: ['admin'], input: { x: 'blob' as never } } }), /unknown kind blob/],
      [withT({ Poke: { from: ['created'], to: 'same', roles: ['admin'], input: {} } }), /not snake_case/],
      [withT({ park: { from: ['created'], to: 'parked', roles: ['admin'], input: {} } }, [...base.states, 'parked']), /parked is not terminal but has no way out/],
      [withT({ a: { from: ['created'], to: 'x', roles: ['admin'], input: {} }, b: { from: ['x'], to: 'y', roles: ['admin'], input: {} }, c: { from: ['y'], to: 'x', roles: ['admin'], input: {} } }, [...base.states, 'x', 'y']), /state x can never reach a terminal state/],
      [{ ...base, initial: 'start' }, /initial state start is not a state/],
      [{ ...base, terminal: [...base.terminal, 'void'] }, /terminal state void is not a state/],
    ];
    for (const [spec, problem] of cases) expect(validateFlow(spec).join('\n')).toMatch(problem);
  });
});

/** Every transition allowed right now with a sample input, and the owner actors who may perform it. */
function enabled(o: OrderFacts, now: Date): [TransitionName, Actor[]][] {
  const out: [TransitionName, Actor[]][] = [];
  for (const t of TRANSITIONS) {
    const actors = ORDER_FLOW[t].roles.map((r) => OWNER[r]).filter((a) => whyNot(o, t, a, sample(t, o, now), now) === null);
    if (actors.length > 0) out.push([t, actors]);
  }
  return out;
}
const endsIn = (t: TransitionName, from: OrderState): OrderState => {
  const def: TransitionDef = ORDER_FLOW[t];
  return def.resume?.[from] ?? (def.to === 'same' ? from : def.to);
};

describe('order flow: properties', () => {
  it('random walks of allowed transitions stay in defined states, end only in terminal states, and never leave them', () => {
    const visited = new Set<string>();
    const fired = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom<PaymentMode>('prepaid', 'pay_on_receipt'),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 12 * DAY }), fc.nat(3)), { minLength: 1, maxLength: 40 }),
        (mode, choices) => {
          let o = newOrder(mode);
          let now = T0;
          visited.add(o.state);
          for (const [pick, dt, mood] of choices) {
            now = new Date(now.getTime() + dt);
            const options = enabled(o, now);
            if (options.length === 0 && !isTerminal(o.state)) {
              // Only waiting for a deadline (e.g. refunds used up, review window open): no dead end,
              // time alone unlocks something.
              expect(enabled(o, new Date(now.getTime() + 2 * TERM_DAYS_MAX * DAY)).length, `${o.state} is a dead end`).toBeGreaterThan(0);
              continue;
            }
            if (isTerminal(o.state)) {
              expect(options).toEqual([]);
              // Terminal: every transition, by anyone, is refused, and apply refuses too.
              for (const t of TRANSITIONS) {
                for (const r of ROLES) {
                  const listed = (ORDER_FLOW[t].roles as readonly Role[]).includes(r);
                  expect(whyNot(o, t, OWNER[r], sample(t, o, now), now)).toBe(listed ? 'order.illegal_transition' : 'order.forbidden');
                }
                expect(() => apply(o, t, sample(t, o, now), now)).toThrow(InvariantViolation);
              }
              return;
            }
            // Three times in four, stay alive if possible, so that walks get deep into the flow.
            const alive = options.filter(([t]) => !isTerminal(endsIn(t, o.state)));
            const pool = mood > 0 && alive.length > 0 ? alive : options;
            const [t, actors] = pool[pick % pool.length]!;
            const actor = actors[Math.floor(pick / pool.length) % actors.length]!;
            const { next, event } = apply(o, t, sample(t, o, now), now);
            visited.add(next.state);
            fired.add(t);
            expect(ORDER_STATES).toContain(next.state);
            const def: TransitionDef = ORDER_FLOW[t];
            expect(next.state).toBe(def.resume?.[o.state] ?? (def.to === 'same' ? o.state : def.to));
            expect(event.kind).toBe(`order.${t}`);
            expectLedgerable(event, actor);
            o = next;
          }
        },
      ),
      { numRuns: 600 },
    );
    // The walks are not vacuous: they went everywhere and did everything.
    expect([...visited].sort()).toEqual([...ORDER_STATES].sort());
    expect([...fired].sort()).toEqual([...TRANSITIONS].sort());
  });

  it('random commands by anyone with any input: refusals are listed codes and change nothing; what whyNot allows, apply does', () => {
    const input = (t: TransitionName) =>
      fc.oneof(
        fc.constant('sample' as const),
        fc.dictionary(fc.constantFrom('reason', 'amountMinor', 'at', 'location', 'carrier', 'trackingNumber', 'paymentId', 'locationId', 'email'), fc.oneof(fc.string({ maxLength: 12 }), fc.constant('4990'), fc.constant(T0.toISOString()), fc.integer())),
      ).map((x) => ({ t, x }));
    const command = fc.tuple(
      fc.oneof(fc.constantFrom(...TRANSITIONS), fc.constant('teleport' as TransitionName)).chain(input),
      fc.constantFrom(...ROLES),
      fc.boolean(),
      fc.integer({ min: 0, max: 10 * DAY }),
    );
    fc.assert(
      fc.property(fc.constantFrom<PaymentMode>('prepaid', 'pay_on_receipt'), fc.array(command, { maxLength: 60 }), (mode, cmds) => {
        let o = newOrder(mode);
        let now = T0;
        for (const [{ t, x }, role, stranger, dt] of cmds) {
          now = new Date(now.getTime() + dt);
          const actor = stranger ? { role, id: `${role}-stranger` } : OWNER[role];
          const inp = x === 'sample' ? (Object.hasOwn(SAMPLE, t) ? sample(t, o, now) : {}) : x;
          const why = whyNot(o, t, actor, inp, now);
          if (why !== null) {
            expect(Object.keys(REFUSALS)).toContain(why);
            continue;
          }
          const before = o.state;
          const { next } = apply(o, t, inp, now); // never throws when whyNot allowed it
          expect(ORDER_STATES).toContain(next.state);
          if (isTerminal(before)) expect.unreachable('left a terminal state');
          o = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
