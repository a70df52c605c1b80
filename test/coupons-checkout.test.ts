// Coupons at checkout through HTTP on SQLite and PostgreSQL: priced by the pure pricing function,
// a platform-funded discount paid into escrow by the platform (the merchant is paid as if the buyer
// had paid it), a merchant-funded one lowering what the merchant earns and its commission; limits
// hold under concurrent checkouts; cancellations give the platform's money back.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { verifyLineProof } from '../src/settlement/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Qian Yu', phone: '+86 134 0000 0000', country: 'CN', city: 'Nanjing', line1: '7 Zhongshan Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe.each(backends())('coupons at checkout on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let staff: Caller;
  let merchantId: string;
  let locationId: string;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const balance = async (account: string) => (await w.app.money.balance(w.app.db.kysely, account).catch(() => ({ available: 0n }))).available;
  const receivable = () => ownedAccountId('merchant_receivable', merchantId, 'CNY');

  async function buyer(funds = 1_000_000n): Promise<Caller> {
    const b = await w.user('buyer');
    const wallet = ownedAccountId('buyer_wallet', b.userId, 'CNY');
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await w.app.money.ensureSystemAccounts(trx, 'CNY');
      await w.app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await w.app.money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: funds, currency: 'CNY', code: 'test_funding' });
    });
    return b;
  }
  async function variant(price: number): Promise<string> {
    const p = await w.app.catalog.createProduct(merchantId, 'system', { title: `Vase ${randomBytes(3).toString('hex')}`, status: 'active', variants: [{ sku: `V-${randomBytes(4).toString('hex')}`, title: 'One', priceMinor: price }] });
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId: p.variants[0]!.id, locationId, onHand: 1000 });
    return p.variants[0]!.id;
  }
  async function receive(b: Caller, orderId: string) {
    for (const [t, body] of [['accept', {}], ['allocate', { locationId }], ['ship', { carrier: 'SF', trackingNumber: 'SF7' }], ['deliver', {}]] as const) expectOk(await post(staff, `/api/orders/${orderId}/${t}`, body));
    expectOk(await post(b, `/api/orders/${orderId}/confirm-receipt`));
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Vase Shop', commissionBps: 500 })).id;
    staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Main', code: 'V1' })).id;
    expectOk(await admin.call('POST', '/api/admin/coupons', { code: 'WELCOME10', kind: 'percent', percentBps: 1000, capMinor: '5000', perUserLimit: 1 }), 201);
    expectOk(await staff.call('POST', '/api/merchant/coupons', { code: 'VASE5', kind: 'fixed', amountMinor: '500', minSpendMinor: '5000', merchantId }), 201);
  });
  afterEach(async () => w.checkInvariants());
  afterAll(async () => w?.close());

  it('a platform coupon: the buyer pays less, the platform pays the difference into escrow, the merchant gets the full price less commission', async () => {
    const b = await buyer();
    const v = await variant(10_000);
    const before = await balance(receivable());
    const order = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, coupons: ['welcome10'] }), 201).orders[0];
    expect(order).toMatchObject({ totalMinor: '9000', paid: true });
    expect(await balance(ownedAccountId('buyer_wallet', b.userId, 'CNY'))).toBe(1_000_000n - 9_000n);
    await receive(b, order.id);
    expect((await balance(receivable())) - before).toBe(10_000n - 500n); // full price less 5% commission
    // The document committed to the discount; the receipt still verifies offline.
    const receipt = expectOk(await b.call('GET', `/api/orders/${order.id}/receipt`));
    expect(receipt.document.totals).toMatchObject({ itemsMinor: '10000', discountMinor: '1000', totalMinor: '9000' });
  });

  it('a merchant coupon lowers what the merchant earns and its commission; the minimum spend is enforced', async () => {
    const b = await buyer();
    const v = await variant(6_000);
    expectProblem(await post(b, '/api/checkout', { items: [{ variantId: await variant(1_000), qty: 1 }], shippingAddress: ADDRESS, coupons: ['VASE5'] }), 409, 'checkout.coupon_refused');
    expectProblem(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, coupons: ['NOPE1'] }), 404, 'checkout.coupon_not_found');
    const before = await balance(receivable());
    const order = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, coupons: ['VASE5'] }), 201).orders[0];
    expect(order.totalMinor).toBe('5500');
    await receive(b, order.id);
    expect((await balance(receivable())) - before).toBe(5_500n - 275n); // commission on 55.00
  });

  it('an automatic promotion applies without a code, funded as declared, and the ledger records the discount', async () => {
    const b = await buyer();
    const v = await variant(30_000);
    const promo = expectOk(await staff.call('POST', '/api/merchant/promotions', { kind: 'spend_and_save', thresholdMinor: '50000', saveMinor: '3000' }), 201);
    expect(promo).toMatchObject({ funder: 'merchant', merchantId, active: true });
    const below = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS }), 201).orders[0];
    expect(below.totalMinor).toBe('30000');
    const above = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 2 }], shippingAddress: ADDRESS }), 201).orders[0];
    expect(above.totalMinor).toBe('57000');
    const receipt = expectOk(await b.call('GET', `/api/orders/${above.id}/receipt`));
    const created = JSON.parse(Buffer.from(receipt.steps[0].receipt.entry, 'base64').toString('utf8'));
    expect(created.data).toMatchObject({ discountMinor: '3000', platformFundedMinor: '0', totalMinor: '57000' });
    expectOk(await staff.call('POST', `/api/merchant/promotions/${promo.id}/deactivate`));
    expect(expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 2 }], shippingAddress: ADDRESS }), 201).orders[0].totalMinor).toBe('60000');
    expectProblem(await (await w.user('buyer')).call('POST', '/api/admin/promotions', { kind: 'spend_and_save', thresholdMinor: '1', saveMinor: '1' }), 403);
  });

  it('coupon orders settle: the statement matches the receivable to the minor unit and each line proves into the batch root', async () => {
    const b = await buyer();
    const v = await variant(20_000);
    expectOk(await admin.call('POST', '/api/admin/coupons', { code: 'SETTLE15', kind: 'fixed', amountMinor: '1500' }), 201);
    const order = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, coupons: ['SETTLE15'] }), 201).orders[0];
    expect(order.totalMinor).toBe('18500');
    await receive(b, order.id);
    const closing = await balance(receivable());
    expectOk(await post(admin, '/api/admin/settlements', {}), 201);
    const batches = expectOk(await staff.call('GET', '/api/merchant/settlements')).items as { id: string; closing: string }[];
    const batch = expectOk(await staff.call('GET', `/api/merchant/settlements/${batches[0]!.id}`));
    expect(BigInt(batch.closing)).toBe(closing);
    const line = batch.lines.find((l: { orderId: string | null }) => l.orderId === order.id);
    expect(line).toMatchObject({ kind: 'order', amountMinor: String(20_000 - 1_000) }); // the full price less commission
    const proof = expectOk(await staff.call('GET', `/api/merchant/settlements/${batch.id}/lines/${line.lineNo}/proof`));
    expect(verifyLineProof(proof, { verifierKey: w.app.verifierKey })).toBe(true);
  });

  it('one use per user holds under 20 concurrent checkouts; a cancellation gives the platform its subsidy back', async () => {
    expectOk(await admin.call('POST', '/api/admin/coupons', { code: 'ONCE20', kind: 'fixed', amountMinor: '2000', perUserLimit: 1 }), 201);
    const b = await buyer();
    const v = await variant(5_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, coupons: ['ONCE20'] })));
    const ok = results.filter((r) => r.statusCode === 201);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectProblem(r, 409, 'coupon.per_user_limit');
    const expense = systemAccountId('platform_expense', 'CNY');
    const held = (await w.app.money.balance(w.app.db.kysely, expense));
    const order = ok[0]!.json().orders[0];
    expectOk(await post(b, `/api/orders/${order.id}/cancel`, { reason: 'changed_mind' }));
    const after = await w.app.money.balance(w.app.db.kysely, expense);
    expect(held.incoming - after.incoming).toBe(2_000n); // the platform's pending subsidy, voided
    expect(await balance(ownedAccountId('buyer_wallet', b.userId, 'CNY'))).toBe(1_000_000n);
  });
});
