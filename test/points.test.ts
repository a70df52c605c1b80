// Loyalty points through the HTTP API on SQLite and PostgreSQL: earned when an order completes (by
// category and promotion, capped), redeemed at checkout as part of the payment, returned with a
// cancellation, expired by the job; all of it double entry (PTS sums to zero like money) and in the ledger.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { pointsBack, pointsEarned, redeemProblem, DEFAULT_POINTS_RULES } from '../src/points/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Zhao Lei', phone: '+86 135 0000 0000', country: 'CN', city: 'Chengdu', line1: '5 Tianfu Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const DAY = 86_400_000;

describe('points rules', () => {
  const rules = { ...DEFAULT_POINTS_RULES, categoryPct: { tea: 200, gift: 0 }, capPerOrder: 1000 };
  const at = new Date('2026-11-26T12:00:00Z');
  it('earns per major unit paid, by category, multiplied by the best running promotion, capped', () => {
    expect(pointsEarned([{ categoryId: null, paidMinor: 9999n }], 2, rules, at)).toBe(99n); // 99.99 yuan → 99 points
    expect(pointsEarned([{ categoryId: 'tea', paidMinor: 10000n }, { categoryId: 'gift', paidMinor: 10000n }], 2, rules, at)).toBe(200n);
    const promo = { ...rules, promotions: [{ from: '2026-11-01T00:00:00Z', until: '2026-12-01T00:00:00Z', multiplierPct: 300 }, { from: '2026-11-20T00:00:00Z', until: '2026-11-30T00:00:00Z', multiplierPct: 150 }] };
    expect(pointsEarned([{ categoryId: null, paidMinor: 10000n }], 2, promo, at)).toBe(300n);
    expect(pointsEarned([{ categoryId: 'tea', paidMinor: 1_000_000n }], 2, rules, at)).toBe(1000n); // cap
    expect(pointsEarned([{ categoryId: null, paidMinor: 500n }], 0, rules, at)).toBe(500n); // a currency without minor units
  });
  it('redeems whole hundreds within the share of the order; refunds return points in proportion', () => {
    expect(redeemProblem(200n, 1000n, DEFAULT_POINTS_RULES)).toBeNull(); // 2.00 of 10.00, max 50%
    expect(redeemProblem(600n, 1000n, DEFAULT_POINTS_RULES)).toMatch(/50%/);
    expect(redeemProblem(150n, 1000n, DEFAULT_POINTS_RULES)).toMatch(/hundreds/);
    expect(pointsBack(300n, 500n, 1000n)).toBe(150n);
    expect(pointsBack(300n, 1000n, 1000n)).toBe(300n);
  });
});

describe.each(backends())('points on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let staff: Caller;
  let locationId: string;
  let merchantId: string;
  let teaCategory: string;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const balance = async (account: string) => (await w.app.money.balance(w.app.db.kysely, account)).available;
  const points = async (b: Caller) => BigInt(expectOk(await b.call('GET', '/api/me/points')).points);

  async function buyer(funds: bigint): Promise<Caller> {
    const b = await w.user('buyer');
    const wallet = ownedAccountId('buyer_wallet', b.userId, 'CNY');
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await w.app.money.ensureSystemAccounts(trx, 'CNY');
      await w.app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await w.app.money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: funds, currency: 'CNY', code: 'test_funding' });
    });
    return b;
  }
  async function variant(price: number, categoryId: string | null): Promise<string> {
    const p = await w.app.catalog.createProduct(merchantId, 'system', { title: `Gift ${randomBytes(3).toString('hex')}`, status: 'active', categoryId, variants: [{ sku: `P-${randomBytes(4).toString('hex')}`, title: 'One', priceMinor: price }] });
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId: p.variants[0]!.id, locationId, onHand: 100 });
    return p.variants[0]!.id;
  }
  async function complete(b: Caller, orderId: string) {
    for (const [t, body] of [['accept', {}], ['allocate', { locationId }], ['ship', { carrier: 'SF', trackingNumber: 'SF9' }], ['deliver', {}]] as const) expectOk(await post(staff, `/api/orders/${orderId}/${t}`, body));
    expectOk(await post(b, `/api/orders/${orderId}/confirm-receipt`));
    await w.app.orders.tick(new Date(Date.now() + 8 * DAY));
    expect(expectOk(await b.call('GET', `/api/orders/${orderId}`)).state).toBe('completed');
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    const m = await w.app.catalog.createMerchant('system', { name: 'Gift Shop' });
    merchantId = m.id;
    staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Main', code: 'G1' })).id;
    teaCategory = (await w.app.catalog.createCategory('system', { name: 'Tea' })).id;
    const rules = { ...DEFAULT_POINTS_RULES, categoryPct: { [teaCategory]: 200 }, expiryDays: 30 };
    expect(expectOk(await admin.call('PUT', '/api/admin/points-rules', rules))).toMatchObject({ expiryDays: 30 });
    expectProblem(await staff.call('PUT', '/api/admin/points-rules', rules), 403);
  });
  afterEach(async () => w.checkInvariants());
  afterAll(async () => w?.close());

  it('earns on completion (tea counts double), pays part of a checkout, comes back with a cancellation, expires', async () => {
    const b = await buyer(100_000n);
    const tea = await variant(10_000, teaCategory); // 100.00
    const first = expectOk(await post(b, '/api/checkout', { items: [{ variantId: tea, qty: 1 }], shippingAddress: ADDRESS }), 201).orders[0];
    expect(await points(b)).toBe(0n); // not before completion
    await complete(b, first.id);
    expect(await points(b)).toBe(200n);

    // 200 points = 2.00 toward a 10.00 order: the wallet pays 8.00, the merchant still gets 10.00 in escrow.
    const plain = await variant(1_000, null);
    const walletBefore = await balance(ownedAccountId('buyer_wallet', b.userId, 'CNY'));
    const second = expectOk(await post(b, '/api/checkout', { items: [{ variantId: plain, qty: 1 }], shippingAddress: ADDRESS, redeemPoints: 200 }), 201).orders[0];
    expect(second).toMatchObject({ totalMinor: '1000', paid: true });
    expect(walletBefore - (await balance(ownedAccountId('buyer_wallet', b.userId, 'CNY')))).toBe(800n);
    expect(await points(b)).toBe(0n);
    expectProblem(await post(b, '/api/checkout', { items: [{ variantId: plain, qty: 1 }], shippingAddress: ADDRESS, redeemPoints: 100 }), 409, 'money.insufficient_funds');

    // Cancelled: the points and the wallet are as before the checkout.
    expectOk(await post(b, `/api/orders/${second.id}/cancel`, { reason: 'changed_mind' }));
    expect(await points(b)).toBe(200n);
    expect(await balance(ownedAccountId('buyer_wallet', b.userId, 'CNY'))).toBe(walletBefore);

    // 30 days later what is left expires.
    await w.app.points.tick(new Date(Date.now() + 31 * DAY));
    expect(await points(b)).toBe(0n);
    const expired = await w.app.db.kysely.selectFrom('money_transfer').select(['code', 'amount']).where('code', '=', 'points_expired').where('debit_account_id', '=', ownedAccountId('buyer_points', b.userId, 'PTS')).execute();
    expect(expired.reduce((s, r) => s + BigInt(r.amount), 0n)).toBe(200n);
  });

  it('refuses more than the rules allow and points without the wallet', async () => {
    const b = await buyer(100_000n);
    const v = await variant(1_000, null);
    expectProblem(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, redeemPoints: 150 }), 400);
    expectProblem(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, redeemPoints: 100, pay: 'later' }), 400, 'points.wallet_only');
  });
});
