// Payments through the sandbox gateway, over real HTTP both ways, on SQLite and PostgreSQL: the
// gateway's signed asynchronous callbacks, verified before anything is believed and applied exactly
// once with the order, the money and the ledger. After every test balances sum to zero and the log verifies.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import type { OrderView } from '../src/orders/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { sandboxSignatureHeader } from '../src/sandbox-gateway/signature.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Han Meimei', phone: '+86 139 0000 0000', country: 'CN', city: 'Beijing', line1: '2 Chang\'an Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends())('payments on $name', (backend) => {
  let w: World;
  let base: string;
  let merchantId: string;
  let variantId: string;
  let staff: Caller;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const balance = async (account: string) => (await w.app.money.balance(w.app.db.kysely, account)).available;
  const wallet = (userId: string) => ownedAccountId('buyer_wallet', userId, 'CNY');

  /** An unpaid prepaid order (stock reserved), and its buyer. */
  async function unpaidOrder(): Promise<{ buyer: Caller; order: OrderView }> {
    const buyer = await w.user('buyer');
    const res = await post(buyer, '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS, pay: 'later' });
    return { buyer, order: expectOk(res, 201).orders[0] };
  }

  async function pay(buyer: Caller, orderId: string) {
    return expectOk(await post(buyer, `/api/orders/${orderId}/payments`, { provider: 'sandbox' }), 201);
  }

  /** A callback as the sandbox would send it, signed with its secret (or tampered with). */
  function callback(event: Record<string, unknown>, opts: { secret?: string; at?: Date; body?: string } = {}) {
    const body = opts.body ?? JSON.stringify(event);
    const sig = sandboxSignatureHeader(opts.secret ?? w.app.sandbox!.signingSecret, body, opts.at ?? new Date());
    return w.app.http.inject({ method: 'POST', url: '/api/payments/callbacks/sandbox', payload: body, headers: { 'content-type': 'application/json', 'sandbox-signature': sig, 'sandbox-event-id': String(event['id']) } });
  }
  const event = (type: string, paymentId: string, amountMinor: string, extra: Record<string, unknown> = {}) => ({
    id: `evt_${randomBytes(8).toString('hex')}`, type, created: Math.floor(Date.now() / 1000),
    data: { id: 'sbx_pay_x', paymentId, providerTxnId: `sbx_txn_${randomBytes(4).toString('hex')}`, status: type.split('.')[1], amountMinor, currency: 'CNY', ...extra },
  });

  async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
    for (let i = 0; i < 200; i++) {
      await w.app.sandbox!.tick();
      const v = await f();
      if (ok(v)) return v;
      await sleep(25);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const callbacksOf = (paymentId: string) => w.app.db.kysely.selectFrom('payments_callback').selectAll().where('payment_id', '=', paymentId).orderBy('seq').execute();
  const transfersNamed = (id: string) => w.app.db.kysely.selectFrom('money_transfer').select('id').where('id', '=', id).execute();
  async function entries(kind: string) {
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: randomBytes(4).toString('hex') } }]);
    const size = (await w.app.ledger.latest())!.treeSize;
    return (await w.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body)).filter((e) => e.kind === kind);
  }

  beforeAll(async () => {
    w = await startWorld(backend, { sandboxGateway: true });
    base = await w.app.http.listen({ host: '127.0.0.1', port: 0 });
    const m = await w.app.catalog.createMerchant('system', { name: 'Paper Lanterns', commissionBps: 500 });
    merchantId = m.id;
    staff = await w.user('merchant_staff', { merchantId });
    const loc = await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Main', code: 'M1' });
    const p = await w.app.catalog.createProduct(merchantId, 'system', { title: 'Red lantern', status: 'active', variants: [{ sku: 'LAN-1', title: 'Large', priceMinor: 8800 }] });
    variantId = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId, locationId: loc.id, onHand: 1000 });
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('pays an order through the gateway: hosted page with a QR code, approval, signed callback, order paid into escrow', async () => {
    const { buyer, order } = await unpaidOrder();
    const payment = await pay(buyer, order.id);
    expect(payment).toMatchObject({ state: 'pending', provider: 'sandbox', amountMinor: '8800', orderId: order.id });
    const page = await fetch(String(payment.clientParams.payUrl)).then((r) => r.text());
    expect(page).toContain('<svg');

    // The buyer approves on the gateway; its callback reaches us over HTTP.
    const ref = (await w.app.db.kysely.selectFrom('payments_payment').select('provider_ref').where('id', '=', payment.id).executeTakeFirstOrThrow()).provider_ref!;
    await w.app.sandbox!.client.complete(ref, 'succeeded');
    const done = await until(() => buyer.call('GET', `/api/payments/${payment.id}`).then((r) => r.json()), (p) => p.state === 'succeeded', 'the callback');
    expect(done.providerTxnId).toMatch(/^sbx_txn_/);
    const paid = expectOk(await buyer.call('GET', `/api/orders/${order.id}`));
    expect(paid).toMatchObject({ paid: true, paymentId: payment.id, state: 'created' });
    // The money came in through the gateway and now sits in escrow, held for the order.
    expect(await balance(wallet(buyer.userId))).toBe(0n);
    expect(await transfersNamed(`gw:${payment.id}`)).toHaveLength(1);
    expect(await transfersNamed(`hold:${order.id}`)).toHaveLength(1);
    const kinds = paid.timeline.map((s: { kind: string }) => s.kind);
    expect(kinds).toEqual(['order.created', 'order.pay']);
    expect((await callbacksOf(payment.id)).map((c) => c.outcome)).toContain('accepted');
  });

  it('rejects forged, re-keyed, stale, future and tampered callbacks: 4xx, recorded with the reason, nothing changes', async () => {
    const { buyer, order } = await unpaidOrder();
    const payment = await pay(buyer, order.id);
    const ok = event('payment.succeeded', payment.id, '8800');
    const hour = 3600_000;
    const cases: [string, Promise<Awaited<ReturnType<typeof callback>>>][] = [
      ['bad_signature', callback(ok, { secret: 'not-the-gateway-secret' })],
      ['stale_timestamp', callback(ok, { at: new Date(Date.now() - hour) })],
      ['future_timestamp', callback(ok, { at: new Date(Date.now() + hour) })],
      ['missing_signature', w.app.http.inject({ method: 'POST', url: '/api/payments/callbacks/sandbox', payload: JSON.stringify(ok), headers: { 'content-type': 'application/json' } })],
    ];
    // Tampered: signed, then one byte of the body changed.
    const body = JSON.stringify(ok);
    const sig = sandboxSignatureHeader(w.app.sandbox!.signingSecret, body, new Date());
    cases.push(['bad_signature', w.app.http.inject({ method: 'POST', url: '/api/payments/callbacks/sandbox', payload: body.replace('8800', '8801'), headers: { 'content-type': 'application/json', 'sandbox-signature': sig } })]);
    for (const [reason, p] of cases) {
      const res = await p;
      const problem = expectProblem(res, res.statusCode);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(problem.reason).toBe(reason);
    }
    const rejected = await w.app.db.kysely.selectFrom('payments_callback').select(['reason']).where('outcome', '=', 'rejected').execute();
    for (const reason of ['bad_signature', 'stale_timestamp', 'future_timestamp', 'missing_signature']) expect(rejected.map((r) => r.reason)).toContain(reason);
    expect(expectOk(await buyer.call('GET', `/api/payments/${payment.id}`)).state).toBe('pending');
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`)).paid).toBe(false);
  });

  it('the same success delivered 10 times at once: one capture, one ledger entry, one transfer', async () => {
    const { buyer, order } = await unpaidOrder();
    const payment = await pay(buyer, order.id);
    const e = event('payment.succeeded', payment.id, '8800');
    const answers = await Promise.all(Array.from({ length: 10 }, () => callback(e)));
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    expect(await transfersNamed(`gw:${payment.id}`)).toHaveLength(1);
    expect((await entries('payment.succeeded')).filter((x) => x.subject['payment'] === payment.id)).toHaveLength(1);
    expect((await entries('order.pay')).filter((x) => x.subject['order'] === order.id)).toHaveLength(1);
    const outcomes = (await callbacksOf(payment.id)).map((c) => c.outcome).sort();
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
  });

  it('out of order: a failure after the success changes nothing; an amount mismatch is flagged and the order untouched', async () => {
    const { buyer, order } = await unpaidOrder();
    const payment = await pay(buyer, order.id);
    expect((await callback(event('payment.succeeded', payment.id, '8800'))).statusCode).toBe(200);
    expect((await callback(event('payment.failed', payment.id, '8800'))).statusCode).toBe(200);
    expect(expectOk(await buyer.call('GET', `/api/payments/${payment.id}`)).state).toBe('succeeded');
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`))).toMatchObject({ paid: true, state: 'created' });

    const second = await unpaidOrder();
    const p2 = await pay(second.buyer, second.order.id);
    expect((await callback(event('payment.succeeded', p2.id, '1'))).statusCode).toBe(200);
    const flagged = expectOk(await second.buyer.call('GET', `/api/payments/${p2.id}`));
    expect(flagged).toMatchObject({ flagged: true, state: 'pending' });
    expect(expectOk(await second.buyer.call('GET', `/api/orders/${second.order.id}`)).paid).toBe(false);
    expect((await entries('payment.flagged')).some((x) => x.subject['payment'] === p2.id)).toBe(true);
    // The reconciliation report lists it for the platform; buyers may not read it.
    const admin = await w.user('admin');
    const report = expectOk(await admin.call('GET', '/api/admin/payments/reconciliation'));
    expect(report.mismatches).toContainEqual({ paymentId: p2.id, problem: expect.stringMatching(/^flagged/) });
    expect(report.mismatches.filter((m: { problem: string }) => !m.problem.startsWith('flagged'))).toEqual([]);
    expectProblem(await second.buyer.call('GET', '/api/admin/payments/reconciliation'), 403);
    // A payment that claims success with no capture and no ledger entry (a bug, simulated) is reported twice over.
    const third = await unpaidOrder();
    const p3 = await pay(third.buyer, third.order.id);
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: p3.id } }]);
    await w.app.db.kysely.updateTable('payments_payment').set({ state: 'succeeded', updated_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', p3.id).execute();
    const broken = expectOk(await admin.call('GET', '/api/admin/payments/reconciliation')).mismatches.filter((m: { paymentId: string }) => m.paymentId === p3.id);
    expect(broken.map((m: { problem: string }) => m.problem).sort()).toEqual(['succeeded with 0 payment.succeeded ledger entries', 'succeeded without its capture transfer']);
    await w.app.db.kysely.updateTable('payments_payment').set({ state: 'pending' }).where('id', '=', p3.id).execute();
  });

  it('a failure marks the order payment-failed; the buyer pays again and the order resumes', async () => {
    const { buyer, order } = await unpaidOrder();
    const first = await pay(buyer, order.id);
    expect((await callback(event('payment.failed', first.id, '8800'))).statusCode).toBe(200);
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`)).state).toBe('payment_failed');
    const second = await pay(buyer, order.id);
    expect((await callback(event('payment.succeeded', second.id, '8800'))).statusCode).toBe(200);
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`))).toMatchObject({ state: 'created', paid: true, paymentId: second.id });
  });

  it('a late success for an order that expired meanwhile is captured and refunded, all of it in the ledger', async () => {
    const { buyer, order } = await unpaidOrder();
    const payment = await pay(buyer, order.id);
    await w.app.orders.tick(new Date(Date.now() + 16 * 60_000)); // the reservation expires: the order is cancelled
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`)).state).toBe('cancelled');
    const before = await balance(systemAccountId('gateway_clearing'));
    // The buyer approves at the gateway anyway; its success callback arrives after the order is gone.
    const ref = (await w.app.db.kysely.selectFrom('payments_payment').select('provider_ref').where('id', '=', payment.id).executeTakeFirstOrThrow()).provider_ref!;
    await w.app.sandbox!.client.complete(ref, 'succeeded');
    const after = await until(() => buyer.call('GET', `/api/payments/${payment.id}`).then((r) => r.json()), (p) => p.state === 'succeeded', 'the late callback');
    expect(after).toMatchObject({ state: 'succeeded', refundedMinor: '8800' });
    expect(await balance(wallet(buyer.userId))).toBe(0n);
    expect(await balance(systemAccountId('gateway_clearing'))).toBe(before);
    expect((await entries('payment.refund_requested')).some((x) => x.subject['payment'] === payment.id)).toBe(true);
    // The job asks the gateway to refund; its confirmation is recorded.
    await w.app.payments.tick(new Date());
    const refund = await w.app.db.kysely.selectFrom('payments_refund').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    expect(refund.state).toBe('succeeded');
  });

  it('reconciliation: a success whose callback never came is found by asking the gateway', async () => {
    const buyer = await w.user('buyer');
    const p = expectOk(await post(buyer, '/api/wallet/top-ups', { amountMinor: '7000', provider: 'sandbox' }), 201);
    const ref = (await w.app.db.kysely.selectFrom('payments_payment').select('provider_ref').where('id', '=', p.id).executeTakeFirstOrThrow()).provider_ref!;
    // Approved at the gateway, but every callback is lost on the way.
    await w.app.sandbox!.client.setTestMode(ref, { failCallbacks: 100 });
    await w.app.sandbox!.client.complete(ref, 'succeeded');
    await w.app.sandbox!.tick();
    expect(expectOk(await buyer.call('GET', `/api/payments/${p.id}`)).state).toBe('pending');
    expect(await w.app.payments.tick(new Date())).toBe(0); // too young to ask about
    await w.app.payments.tick(new Date(Date.now() + 6 * 60_000));
    expect(expectOk(await buyer.call('GET', `/api/payments/${p.id}`)).state).toBe('succeeded');
    expect(await balance(wallet(buyer.userId))).toBe(7_000n);
  });

  it('reconciliation: a payment it cannot settle is reported and held back; the others are still settled', async () => {
    const buyer = await w.user('buyer');
    const lost = async () => {
      const p = expectOk(await post(buyer, '/api/wallet/top-ups', { amountMinor: '3000', provider: 'sandbox' }), 201);
      const ref = (await w.app.db.kysely.selectFrom('payments_payment').select('provider_ref').where('id', '=', p.id).executeTakeFirstOrThrow()).provider_ref!;
      await w.app.sandbox!.client.setTestMode(ref, { failCallbacks: 100 });
      await w.app.sandbox!.client.complete(ref, 'succeeded');
      return p.id as string;
    };
    const [broken, fine] = [await lost(), await lost()];
    await w.app.sandbox!.tick();
    // A row that points nowhere: a payment for an order that does not exist.
    await w.app.db.kysely.updateTable('payments_payment').set({ purpose: 'order', order_id: 'ord_gone' }).where('id', '=', broken).execute();
    const at = Date.now() + 6 * 60_000;
    await expect(w.app.payments.tick(new Date(at))).rejects.toThrow(new RegExp(`payments: 1 item\\(s\\) failed .*${broken}`));
    expect(expectOk(await buyer.call('GET', `/api/payments/${fine}`)).state).toBe('succeeded');
    await expect(w.app.payments.tick(new Date(at + 30_000))).resolves.toBe(0); // held back: not tried again yet
    await w.app.db.kysely.updateTable('payments_payment').set({ purpose: 'top_up', order_id: null }).where('id', '=', broken).execute();
    expect(await w.app.payments.tick(new Date(at + 61_000))).toBe(1);
    expect(expectOk(await buyer.call('GET', `/api/payments/${broken}`)).state).toBe('succeeded');
    expect(await balance(wallet(buyer.userId))).toBe(6_000n);
  });

  it('an admin refunds part, then the rest; never more than captured; a success after the refund changes nothing', async () => {
    const buyer = await w.user('buyer');
    const admin = await w.user('admin');
    const p = expectOk(await post(buyer, '/api/wallet/top-ups', { amountMinor: '9000', provider: 'sandbox' }), 201);
    const ref = (await w.app.db.kysely.selectFrom('payments_payment').select('provider_ref').where('id', '=', p.id).executeTakeFirstOrThrow()).provider_ref!;
    await w.app.sandbox!.client.complete(ref, 'succeeded');
    await until(() => buyer.call('GET', `/api/payments/${p.id}`).then((r) => r.json()), (x) => x.state === 'succeeded', 'the callback');
    expect(expectOk(await post(admin, `/api/admin/payments/${p.id}/refunds`, { amountMinor: '4000', reason: 'partial_return' })).refundedMinor).toBe('4000');
    expectProblem(await post(admin, `/api/admin/payments/${p.id}/refunds`, { amountMinor: '5001', reason: 'too_much' }), 409, 'payment.bad_refund');
    expect(expectOk(await post(admin, `/api/admin/payments/${p.id}/refunds`, { amountMinor: '5000', reason: 'rest' })).refundedMinor).toBe('9000');
    expect(await balance(wallet(buyer.userId))).toBe(0n);
    await w.app.payments.tick(new Date());
    const refunds = await w.app.db.kysely.selectFrom('payments_refund').select('state').where('payment_id', '=', p.id).execute();
    expect(refunds.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    // A stray success for the refunded payment: acknowledged, nothing moves.
    expect((await callback(event('payment.succeeded', p.id, '9000'))).statusCode).toBe(200);
    expect(expectOk(await buyer.call('GET', `/api/payments/${p.id}`))).toMatchObject({ state: 'succeeded', refundedMinor: '9000' });
    expect(await balance(wallet(buyer.userId))).toBe(0n);
    expectProblem(await post(buyer, `/api/admin/payments/${p.id}/refunds`, { amountMinor: '1', reason: 'mine' }), 403);
  });

  it('withdrawals are paid out through the gateway once approved; a refused payout gives the money back', async () => {
    const admin = await w.user('admin');
    const buyer = await w.user('buyer');
    const p = expectOk(await post(buyer, '/api/wallet/top-ups', { amountMinor: '20000', provider: 'sandbox' }), 201);
    expect((await callback(event('payment.succeeded', p.id, '20000'))).statusCode).toBe(200);
    const ok = expectOk(await post(buyer, '/api/wallet/withdrawals', { amountMinor: '5000', destination: 'ICBC ****1234' }), 201);
    const bad = expectOk(await post(buyer, '/api/wallet/withdrawals', { amountMinor: '3000', destination: 'FAIL ****9999' }), 201);
    expect(await balance(wallet(buyer.userId))).toBe(12_000n); // both held
    expect(expectOk(await post(admin, `/api/admin/withdrawals/${ok.id}/approve`))).toMatchObject({ state: 'paid' });
    expect(expectOk(await post(admin, `/api/admin/withdrawals/${bad.id}/approve`))).toMatchObject({ state: 'rejected', reason: 'payout_failed' });
    expect(await balance(wallet(buyer.userId))).toBe(15_000n);
    expectProblem(await post(admin, `/api/admin/withdrawals/${ok.id}/approve`), 409);
  });

  it('tops up a wallet through the gateway', async () => {
    const buyer = await w.user('buyer');
    const p = expectOk(await post(buyer, '/api/wallet/top-ups', { amountMinor: '50000', provider: 'sandbox' }), 201);
    expect(p).toMatchObject({ purpose: 'top_up', state: 'pending' });
    expect((await callback(event('payment.succeeded', p.id, '50000'))).statusCode).toBe(200);
    expect(await balance(wallet(buyer.userId))).toBe(50_000n);
    expectProblem(await (await w.user('buyer')).call('GET', `/api/payments/${p.id}`), 404);
    expect(base).toMatch(/^http:/);
  });
});
