// The commerce core end to end through the HTTP API, on SQLite and PostgreSQL: browse → cart →
// checkout → the merchant's steps → receipt → completion, both payment modes, the unhappy paths,
// the races, idempotency and tenancy. After every test balances sum to zero and the log verifies.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { verifyOrderReceipt, type OrderView } from '../src/orders/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const DAY = 86_400_000;
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe.each(backends())('orders on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let merchantId: string;
  let otherMerchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const money = () => w.app.money;
  const balance = async (account: string) => (await money().balance(w.app.db.kysely, account)).available;
  const wallet = (userId: string) => ownedAccountId('buyer_wallet', userId, 'CNY');

  async function buyer(fundsMinor = 0n): Promise<Caller> {
    const b = await w.user('buyer');
    if (fundsMinor > 0n) {
      await w.app.db.kysely.transaction().execute(async (trx) => {
        await money().ensureSystemAccounts(trx, 'CNY');
        await money().ensureAccount(trx, { id: wallet(b.userId), kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
        await money().transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet(b.userId), amount: fundsMinor, currency: 'CNY', code: 'test_funding' });
      });
    }
    return b;
  }

  /** An active product with one variant, priced `price`, with `units` in stock at the merchant's location. */
  async function variant(price: number, units: number, opts: { merchant?: string; location?: string; title?: string } = {}): Promise<string> {
    const m = opts.merchant ?? merchantId;
    const p = await w.app.catalog.createProduct(m, 'system', {
      title: opts.title ?? `Teapot ${randomBytes(3).toString('hex')}`,
      description: 'Yixing clay, hand made',
      status: 'active',
      variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }],
    });
    const v = p.variants[0]!.id;
    if (units > 0) await w.app.inventory.setStock({ userId: 'system', merchantId: m }, { variantId: v, locationId: opts.location ?? locationId, onHand: units });
    return v;
  }

  const available = async (variantId: string) => (await w.app.inventory.available(w.app.db.kysely, [variantId])).get(variantId) ?? 0;

  async function checkout(b: Caller, items: { variantId: string; qty: number }[], extra: Record<string, unknown> = {}) {
    return post(b, '/api/checkout', { items, shippingAddress: ADDRESS, ...extra });
  }

  async function placed(b: Caller, variantId: string, qty = 1, extra: Record<string, unknown> = {}): Promise<OrderView> {
    const res = await checkout(b, [{ variantId, qty }], extra);
    return expectOk(res, 201).orders[0];
  }

  async function step(c: Caller, orderId: string, transition: string, body: Record<string, unknown> = {}, status = 200): Promise<LightMyRequestResponse> {
    const res = await post(c, `/api/orders/${orderId}/${transition}`, body);
    expect(res.statusCode, res.body).toBe(status);
    return res;
  }

  async function shipToDelivered(orderId: string) {
    await step(staff, orderId, 'accept');
    await step(staff, orderId, 'allocate', { locationId });
    await step(staff, orderId, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, orderId, 'transit', { location: 'Hangzhou hub', at: new Date().toISOString() });
    await step(staff, orderId, 'deliver');
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    const m = await w.app.catalog.createMerchant('system', { name: 'Tea House', payOnReceipt: true, unpaidLimit: 2, commissionBps: 500 });
    const o = await w.app.catalog.createMerchant('system', { name: 'Other Shop', commissionBps: 1000 });
    merchantId = m.id;
    otherMerchantId = o.id;
    staff = await w.user('merchant_staff', { merchantId });
    otherStaff = await w.user('merchant_staff', { merchantId: otherMerchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai warehouse', code: 'SH1' })).id;
    await w.app.inventory.createLocation({ userId: otherStaff.userId, merchantId: otherMerchantId }, { name: 'Beijing', code: 'BJ1' });
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('prepaid, from browsing to completed: every step in the ledger, escrow released at receipt less commission, receipt verifies offline', async () => {
    const v = await variant(4990, 10, { title: 'Celadon teapot' });
    const b = await buyer(100_000n);
    const found = expectOk(await b.call('GET', '/api/products?q=celadon'));
    expect(found.items.map((p: { id: string }) => p.id)).toHaveLength(1);
    expectOk(await b.call('PUT', `/api/cart/items/${v}`, { qty: 2 }));
    const cart = expectOk(await b.call('GET', '/api/cart'));
    expect(cart.merchants).toEqual([{ merchantId, currency: 'CNY', itemsMinor: '9980' }]);

    const chk = expectOk(await post(b, '/api/checkout', { shippingAddress: ADDRESS }), 201);
    expect(chk.orders).toHaveLength(1);
    const order = chk.orders[0] as OrderView;
    expect(order).toMatchObject({ state: 'created', paid: true, totalMinor: '9980', mode: 'prepaid' });
    expect(order.number).toMatch(/^CM-\d{8}-[0-9A-Z]{8}$/);
    expect(expectOk(await b.call('GET', '/api/cart')).lines).toEqual([]);
    expect(await balance(wallet(b.userId))).toBe(100_000n - 9980n); // held: not spendable
    expect(await available(v)).toBe(8);

    await shipToDelivered(order.id);
    await step(b, order.id, 'confirm-receipt');
    const receivable = ownedAccountId('merchant_receivable', merchantId, 'CNY');
    expect(await balance(receivable)).toBeGreaterThanOrEqual(9980n - 499n);

    // The review window closes: the platform completes the order.
    await w.app.orders.tick(new Date(Date.now() + 8 * DAY));
    const done = expectOk(await b.call('GET', `/api/orders/${order.id}`));
    expect(done.state).toBe('completed');
    expect(done.shippingAddress).toEqual(ADDRESS);
    const kinds = done.timeline.map((s: { kind: string }) => s.kind);
    expect(kinds).toEqual(['order.created', 'order.pay', 'order.accept', 'order.allocate', 'order.ship', 'order.transit', 'order.deliver', 'order.confirm_receipt', 'order.complete']);
    expect(done.timeline.find((s: { kind: string }) => s.kind === 'order.transit').data).toMatchObject({ location: 'Hangzhou hub' });

    // Receipt: every step integrated, verifiable with only the public key; tampering is caught.
    const receipt = expectOk(await b.call('GET', `/api/orders/${order.id}/receipt`));
    expect(receipt.steps.map((s: { kind: string }) => s.kind)).toEqual(kinds);
    const verdict = verifyOrderReceipt(receipt, w.app.verifierKey);
    expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verdict.ok).toBe(true);
    const forged = structuredClone(receipt);
    forged.document.items[0].unitPriceMinor = '1';
    expect(verifyOrderReceipt(forged, w.app.verifierKey).ok).toBe(false);
    expect(verifyOrderReceipt(receipt, w.app.verifierKey.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A'))).ok).toBe(false);
    // The merchant gets the same receipt; the ledger carries the commitment, never the address.
    expect(expectOk(await staff.call('GET', `/api/orders/${order.id}/receipt`)).commitment).toBe(receipt.commitment);
    const entries = receipt.steps.map((s: { receipt: { entry: string } }) => Buffer.from(s.receipt.entry, 'base64').toString('utf8'));
    for (const e of entries) {
      expect(e).not.toContain('Li Lei');
      expect(e).not.toContain('Century');
    }
    expect(parseEntry(Buffer.from(receipt.steps[0].receipt.entry, 'base64')).data).toMatchObject({ commitment: receipt.commitment, totalMinor: '9980' });

    // Notices: the merchant heard of the new order and its receipt; the buyer of each step on the way.
    const mine = (n: { data: { orderId?: string } }) => n.data.orderId === order.id;
    const kindsFor = async (c: Caller) => expectOk(await c.call('GET', '/api/notifications?limit=200')).items.filter(mine).map((n: { kind: string }) => n.kind).reverse();
    expect(await kindsFor(staff)).toEqual(['order.created', 'order.received']);
    expect(await kindsFor(b)).toEqual(['order.accepted', 'order.shipped', 'order.delivered']);

    // Money: buyer paid 9980; merchant got it less 5% commission (floored per line); revenue the commission.
    expect(await balance(wallet(b.userId))).toBe(100_000n - 9980n);
    expect(await balance(systemAccountId('platform_revenue'))).toBeGreaterThanOrEqual(499n);
  });

  it('pay on receipt: the merchant ships first, the buyer pays after confirming; unpaid-order limit and overdue flag', async () => {
    const v = await variant(2000, 10);
    const b = await buyer(10_000n);
    const order = await placed(b, v, 1, { paymentMode: 'pay_on_receipt' });
    expect(order).toMatchObject({ mode: 'pay_on_receipt', paid: false, state: 'created' });
    expect(await balance(wallet(b.userId))).toBe(10_000n);
    // Paying before receipt is refused.
    expectProblem(await post(b, `/api/orders/${order.id}/pay`), 409, 'order.not_received');
    await shipToDelivered(order.id);
    await step(b, order.id, 'confirm-receipt');
    const received = expectOk(await b.call('GET', `/api/orders/${order.id}`));
    expect(received.paymentDueAt).not.toBeNull();
    const due = expectOk(await b.call('GET', '/api/notifications')).items.find((n: { kind: string; data: { orderId?: string } }) => n.kind === 'order.payment_due' && n.data.orderId === order.id);
    expect(due?.data.paymentDueAt).toBe(received.paymentDueAt);
    const paid = expectOk(await post(b, `/api/orders/${order.id}/pay`));
    expect(paid).toMatchObject({ paid: true, state: 'received' });
    expect(await balance(wallet(b.userId))).toBe(8_000n);

    // The merchant allows 2 unpaid pay-on-receipt orders per buyer.
    await placed(b, v, 1, { paymentMode: 'pay_on_receipt' });
    const late = await placed(b, v, 1, { paymentMode: 'pay_on_receipt' });
    expectProblem(await checkout(b, [{ variantId: v, qty: 1 }], { paymentMode: 'pay_on_receipt' }), 409, 'checkout.unpaid_limit');
    // Received and not paid by the deadline: flagged overdue; the buyer can still pay, late.
    await shipToDelivered(late.id);
    await step(b, late.id, 'confirm-receipt');
    await w.app.orders.tick(new Date(Date.now() + 8 * DAY));
    expect(expectOk(await b.call('GET', `/api/orders/${late.id}`)).overdue).toBe(true);
    expectProblem(await checkout(b, [{ variantId: v, qty: 1 }], { paymentMode: 'pay_on_receipt' }), 409, 'checkout.overdue_orders');
    const latePaid = expectOk(await post(b, `/api/orders/${late.id}/pay`));
    expect(latePaid).toMatchObject({ paid: true, overdue: false });
    // Its receipt proves every step, the late payment included, offline.
    const receipt = expectOk(await b.call('GET', `/api/orders/${late.id}/receipt`));
    expect(receipt.steps.map((s: { kind: string }) => s.kind)).toEqual([
      'order.created', 'order.accept', 'order.allocate', 'order.ship', 'order.transit', 'order.deliver', 'order.confirm_receipt', 'order.mark_overdue', 'order.pay',
    ]);
    expect(verifyOrderReceipt(receipt, w.app.verifierKey).ok).toBe(true);
    // A merchant without pay on receipt refuses it.
    const other = await variant(100, 5, { merchant: otherMerchantId, location: (await w.app.inventory.locations(w.app.db.kysely, { userId: otherStaff.userId, merchantId: otherMerchantId }, {})).items[0]!.id });
    expectProblem(await checkout(b, [{ variantId: other, qty: 1 }], { paymentMode: 'pay_on_receipt' }), 409, 'checkout.pay_on_receipt_unavailable');
  });

  it('one checkout across two merchants makes two orders; cancel before shipment voids the hold and releases the stock', async () => {
    const otherLoc = (await w.app.inventory.locations(w.app.db.kysely, { userId: otherStaff.userId, merchantId: otherMerchantId }, {})).items[0]!.id;
    const v1 = await variant(1000, 5);
    const v2 = await variant(3000, 5, { merchant: otherMerchantId, location: otherLoc });
    const b = await buyer(10_000n);
    const chk = expectOk(await checkout(b, [{ variantId: v1, qty: 2 }, { variantId: v2, qty: 1 }]), 201);
    expect(chk.orders.map((o: OrderView) => [o.merchantId, o.totalMinor]).sort()).toEqual([[merchantId, '2000'], [otherMerchantId, '3000']].sort());
    expect(new Set(chk.orders.map((o: OrderView) => o.number)).size).toBe(2);
    expect(await balance(wallet(b.userId))).toBe(5_000n);
    const mine = chk.orders.find((o: OrderView) => o.merchantId === merchantId) as OrderView;
    await step(staff, mine.id, 'accept');
    const cancelled = expectOk(await step(b, mine.id, 'cancel', { reason: 'changed_mind' }));
    expect(cancelled.state).toBe('cancelled');
    expect(await balance(wallet(b.userId))).toBe(7_000n);
    expect(await available(v1)).toBe(5);
    // A cancelled order cannot be shipped: 409 problem+json naming the rule.
    const refused = expectProblem(await post(staff, `/api/orders/${mine.id}/ship`, { carrier: 'SF', trackingNumber: 'SF1' }), 409, 'order.illegal_transition');
    expect(refused.detail).toMatch(/cancelled/);
    expect(expectOk(await b.call('GET', `/api/checkouts/${chk.id}`)).orders).toHaveLength(2);
  });

  it('refund after receipt comes back from the merchant and the commission in proportion', async () => {
    const v = await variant(10_000, 5);
    const b = await buyer(10_000n);
    const order = await placed(b, v);
    await shipToDelivered(order.id);
    await step(b, order.id, 'confirm-receipt');
    const receivable = ownedAccountId('merchant_receivable', merchantId, 'CNY');
    const before = await balance(receivable);
    const revenueBefore = await balance(systemAccountId('platform_revenue'));
    await step(b, order.id, 'request-refund', { amountMinor: '4000', reason: 'damaged' });
    expectProblem(await post(b, `/api/orders/${order.id}/refund`), 403);
    const refunded = expectOk(await step(staff, order.id, 'refund'));
    expect(refunded).toMatchObject({ state: 'refunded', refundMinor: '4000' });
    expect(await balance(wallet(b.userId))).toBe(4_000n);
    // 5% of 10000 = 500 commission; 40% refunded → 200 from revenue, 3800 from the merchant.
    expect(before - (await balance(receivable))).toBe(3_800n);
    expect(revenueBefore - (await balance(systemAccountId('platform_revenue')))).toBe(200n);
  });

  it('an order the job cannot move is reported and held back; the orders after it still move', async () => {
    const v = await variant(700, 2);
    const b = await buyer(10_000n);
    const [broken, fine] = [await placed(b, v), await placed(b, v)];
    for (const o of [broken, fine]) await shipToDelivered(o.id);
    // A row that breaks an invariant: its stored facts are another order's.
    const db = w.app.db.kysely;
    const factsOf = async (id: string) => (await db.selectFrom('orders_order').select('facts').where('id', '=', id).executeTakeFirstOrThrow()).facts;
    const own = await factsOf(broken.id);
    await db.updateTable('orders_order').set({ facts: await factsOf(fine.id) }).where('id', '=', broken.id).execute();

    const at = Date.now() + 11 * DAY;
    await expect(w.app.orders.tick(new Date(at))).rejects.toThrow(new RegExp(`orders: 1 item\\(s\\) failed .*${broken.id}.*disagrees with its facts`));
    expect(expectOk(await b.call('GET', `/api/orders/${fine.id}`)).state).toBe('received');
    // Held back for a minute: the next tick leaves it alone and reports nothing.
    await expect(w.app.orders.tick(new Date(at + 30_000))).resolves.toBe(0);

    await db.updateTable('orders_order').set({ facts: own }).where('id', '=', broken.id).execute();
    await expect(w.app.orders.tick(new Date(at + 30_000))).resolves.toBe(0);
    expect(await w.app.orders.tick(new Date(at + 61_000))).toBe(1);
    expect(expectOk(await b.call('GET', `/api/orders/${broken.id}`)).state).toBe('received');
  });

  it('reservation expiry: an unpaid prepaid order is cancelled by the job and its stock comes back; auto-confirm after N days', async () => {
    const v = await variant(500, 3);
    const b = await buyer(10_000n);
    const unpaid = await placed(b, v, 2, { pay: 'later' });
    expect(unpaid.paid).toBe(false);
    expect(await available(v)).toBe(1);
    expect(await w.app.orders.tick(new Date(Date.now() + 60_000))).toBe(0);
    await w.app.orders.tick(new Date(Date.now() + 16 * 60_000));
    expect(expectOk(await b.call('GET', `/api/orders/${unpaid.id}`))).toMatchObject({ state: 'cancelled' });
    expect(await available(v)).toBe(3);

    const paid = await placed(b, v, 1);
    await shipToDelivered(paid.id);
    await w.app.orders.tick(new Date(Date.now() + 9 * DAY));
    expect(expectOk(await b.call('GET', `/api/orders/${paid.id}`)).state).toBe('delivered');
    await w.app.orders.tick(new Date(Date.now() + 11 * DAY));
    const auto = expectOk(await b.call('GET', `/api/orders/${paid.id}`));
    expect(auto.state).toBe('received');
    expect(auto.timeline.at(-1)).toMatchObject({ kind: 'order.auto_confirm', actor: 'system' });
  });

  it('no oversell: 200 concurrent checkouts for 50 units make exactly 50 orders', async () => {
    const v = await variant(100, 50);
    const buyers = await Promise.all(Array.from({ length: 40 }, () => buyer(10_000n)));
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => checkout(buyers[i % buyers.length]!, [{ variantId: v, qty: 1 }])));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(50);
    // The merchant heard once that the variant ran low (at 5 left), not on every sale after.
    const low = expectOk(await staff.call('GET', '/api/notifications?limit=200')).items.filter((n: { kind: string; data: { variantId?: string } }) => n.kind === 'stock.low' && n.data.variantId === v);
    expect(low).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectProblem(r, 409, 'stock.insufficient');
    expect(await available(v)).toBe(0);
  });

  it('no double spend: one wallet, many concurrent checkouts beyond its balance — exactly the affordable ones succeed', async () => {
    const v = await variant(1_000, 1_000);
    const b = await buyer(10_000n);
    const results = await Promise.all(Array.from({ length: 25 }, () => checkout(b, [{ variantId: v, qty: 1 }])));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectProblem(r, 409, 'money.insufficient_funds');
    expect(await balance(wallet(b.userId))).toBe(0n);
    expect(await available(v)).toBe(990); // the refused ones reserved nothing
  });

  it('Idempotency-Key: a replay returns the same checkout once; the same key with another body is 422', async () => {
    const v = await variant(700, 10);
    const b = await buyer(10_000n);
    const k = { 'idempotency-key': 'checkout-once-1' };
    const body = { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS };
    const first = expectOk(await b.call('POST', '/api/checkout', body, k), 201);
    const again = await b.call('POST', '/api/checkout', body, k);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.id);
    expect(await balance(wallet(b.userId))).toBe(9_300n);
    expectProblem(await b.call('POST', '/api/checkout', { ...body, items: [{ variantId: v, qty: 2 }] }, k), 422);
    expectProblem(await b.call('POST', '/api/checkout', body), 400, 'idempotency.key_required');
  });

  it('a wallet payment above the threshold needs the SMS code sent for exactly that request', async () => {
    const v = await variant(60_000, 10); // 600.00 each; the threshold is 1,000.00
    const b = await buyer(1_000_000n);
    const k = { 'idempotency-key': 'big-checkout-1' };
    const body = { items: [{ variantId: v, qty: 2 }], shippingAddress: ADDRESS };
    const asked = expectProblem(await b.call('POST', '/api/checkout', body, k), 403, 'sms.code_required');
    const { purpose, context } = asked as unknown as { purpose: string; context: string };
    expect(expectOk(await b.call('POST', '/api/me/sms-codes', { purpose, context }), 202)).toHaveProperty('codeId');
    const sms = expectOk(await b.call('GET', '/api/dev/sms')).messages[0].text as string;
    const code = /\b(\d{6})\b/.exec(sms)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    expectProblem(await b.call('POST', '/api/checkout', body, { ...k, 'sms-code': wrong }), 403, 'sms.code_invalid');
    expect(await balance(wallet(b.userId))).toBe(1_000_000n);
    const paid = expectOk(await b.call('POST', '/api/checkout', body, { ...k, 'sms-code': code }), 201);
    expect(paid.orders[0]).toMatchObject({ paid: true, totalMinor: '120000' });
    // The code was for that request: another large checkout needs its own.
    expectProblem(await b.call('POST', '/api/checkout', body, { 'idempotency-key': 'big-checkout-2', 'sms-code': code }), 403, 'sms.code_required');
    // Below the threshold nothing is asked.
    expectOk(await checkout(b, [{ variantId: v, qty: 1 }]), 201);
  });

  it('tenancy: another buyer or merchant gets 404 for every order resource; roles get 403', async () => {
    const v = await variant(300, 5);
    const b = await buyer(10_000n);
    const stranger = await buyer(10_000n);
    const chk = expectOk(await checkout(b, [{ variantId: v, qty: 1 }]), 201);
    const id = chk.orders[0].id;
    for (const c of [stranger, otherStaff]) {
      expectProblem(await c.call('GET', `/api/orders/${id}`), 404);
      expectProblem(await c.call('GET', `/api/orders/${id}/receipt`), 404);
      expectProblem(await c.call('GET', `/api/checkouts/${chk.id}`), 404);
      expect(expectOk(await c.call('GET', '/api/orders')).items.map((o: OrderView) => o.id)).not.toContain(id);
    }
    expectProblem(await post(stranger, `/api/orders/${id}/cancel`, { reason: 'mine_now' }), 404);
    expectProblem(await post(otherStaff, `/api/orders/${id}/accept`), 404);
    expectProblem(await post(stranger, `/api/orders/${id}/pay`), 404);
    expectProblem(await post(staff, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS }), 403);
    // The platform sees it (admin), without the address; an auditor reads but cannot act.
    const asAdmin = expectOk(await admin.call('GET', `/api/orders/${id}`));
    expect(asAdmin.shippingAddress).toBeUndefined();
    const auditor = await w.user('auditor');
    expect(expectOk(await auditor.call('GET', `/api/orders/${id}`)).id).toBe(id);
    expectProblem(await post(auditor, `/api/orders/${id}/cancel`, { reason: 'audit' }), 403);
    // Bad input is a 400 problem, not a 500.
    expectProblem(await checkout(b, [{ variantId: v, qty: 1.5 }]), 400);
    expectProblem(await checkout(b, [{ variantId: v, qty: -1 }]), 400);
    expectProblem(await checkout(b, [{ variantId: 'var_' + '0'.repeat(32), qty: 1 }]), 404);
  });
});
