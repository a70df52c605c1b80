// Behaviour events and merchant analytics through the HTTP API, on SQLite and PostgreSQL: nothing is
// stored without consent, stored events carry a pseudonym only, withdrawal and erasure delete,
// merchant figures are exact over at least k people and withheld below.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemAccountId, ownedAccountId } from '../src/money/index.ts';
import type { OrderView } from '../src/orders/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Han Meimei', phone: '+86 139 0000 0000', country: 'CN', city: 'Hangzhou', line1: '8 West Lake Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const eid = () => `evt-${randomBytes(8).toString('hex')}`;
type Send = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => Promise<import('fastify').LightMyRequestResponse>;

describe.each(backends())('analytics on $name', (backend) => {
  let w: World;
  let merchantId: string;
  let staff: Caller;
  let locationId: string;
  let productId: string;
  let variantId: string;
  let draftId: string;

  const rows = () => w.app.db.kysely.selectFrom('analytics_event').selectAll().orderBy('id').execute();
  const sendAs = (c: Caller): Send => (m, url, body) => c.call(m, url, body);
  const events = (as: Send, list: unknown[]) => as('POST', '/api/events', { events: list });
  const consent = async (as: Send, choices: Record<string, boolean>) => expectOk(await as('PUT', '/api/privacy/consent', choices));
  const pseudonymOf = async (as: Send): Promise<string> => expectOk(await as('GET', '/api/privacy/consent')).pseudonym;

  /** A visitor who got the cm_visitor cookie with their first choice. */
  async function visitor(choices: Record<string, boolean>): Promise<Send> {
    const res = await w.anon('PUT', '/api/privacy/consent', choices);
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return (m, url, body) => w.anon(m, url, body, { cookie });
  }

  async function buyer(fundsMinor = 1_000_000n): Promise<Caller> {
    const b = await w.user('buyer');
    if (fundsMinor === 0n) return b;
    const money = w.app.money;
    const wallet = ownedAccountId('buyer_wallet', b.userId, 'CNY');
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await money.ensureSystemAccounts(trx, 'CNY');
      await money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: fundsMinor, currency: 'CNY', code: 'test_funding' });
    });
    return b;
  }

  async function product(mId: string, locId: string, price: number, status: 'active' | 'draft' = 'active') {
    const sku = `SKU-${randomBytes(4).toString('hex')}`;
    const p = await w.app.catalog.createProduct(mId, 'system', { title: `Teapot ${randomBytes(3).toString('hex')}`, description: 'Yixing clay', status, variants: [{ sku, title: 'Standard', priceMinor: price }] });
    const vId = p.variants[0]!.id;
    if (status === 'active') await w.app.inventory.setStock({ userId: 'system', merchantId: mId }, { variantId: vId, locationId: locId, onHand: 200 });
    return { productId: p.id, variantId: vId, sku };
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House' })).id;
    staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
    ({ productId, variantId } = await product(merchantId, locationId, 3000));
    draftId = (await product(merchantId, locationId, 3000, 'draft')).productId;
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('stores nothing without consent: no cookie, no choice, a "no" and marketing only', async () => {
    const batch = () => [{ id: eid(), kind: 'view', productId }, { id: eid(), kind: 'search', query: 'teapot' }];
    // An anonymous visitor who made no choice: not even a pseudonym is made.
    expect(expectOk(await events(w.anon, batch()), 202)).toEqual({ accepted: 0, duplicates: 0, dropped: 2, reason: 'no consent' });
    const undecided = await buyer();
    expect(expectOk(await events(sendAs(undecided), batch()), 202)).toEqual({ accepted: 0, duplicates: 0, dropped: 2, reason: 'no consent' });
    const marketingOnly = await buyer();
    await consent(sendAs(marketingOnly), { analytics: false, personalisation: false, marketing: true });
    expect(expectOk(await events(sendAs(marketingOnly), batch()), 202)).toMatchObject({ accepted: 0, reason: 'no consent' });
    const refused = await visitor({ analytics: false, personalisation: false });
    expect(expectOk(await events(refused, batch()), 202)).toMatchObject({ accepted: 0, reason: 'no consent' });
    expect(await rows()).toEqual([]);
  });

  it('refuses purchases from clients and malformed events, storing nothing', async () => {
    const b = await buyer();
    await consent(sendAs(b), { analytics: true, personalisation: true });
    expectProblem(await events(sendAs(b), [{ id: eid(), kind: 'view', productId }, { id: eid(), kind: 'purchase', productId }]), 400, 'analytics.purchase_from_client');
    expectProblem(await events(sendAs(b), [{ id: eid(), kind: 'cart_add' }]), 400, 'analytics.bad_event');
    expectProblem(await events(sendAs(b), [{ id: eid(), kind: 'search' }]), 400, 'analytics.bad_event');
    expectProblem(await events(sendAs(b), [{ id: eid(), kind: 'view', productId, merchantId: 'mer_forged' }]), 400, 'validation');
    expectProblem(await events(sendAs(b), Array.from({ length: 501 }, () => ({ id: eid(), kind: 'view', productId }))), 400, 'validation');
    const p = await pseudonymOf(sendAs(b));
    expect((await rows()).filter((r) => r.subject === p)).toEqual([]);
  });

  it('with consent stores events by pseudonym only, merchant from the catalog, deduplicated by client id', async () => {
    const b = await buyer();
    const as = sendAs(b);
    await consent(as, { analytics: true, personalisation: true });
    const pseudonym = await pseudonymOf(as);
    expect(pseudonym).toMatch(/^ps\d+_[0-9a-f]{32}$/);
    const batch = [
      { id: eid(), kind: 'view', productId, at: '2001-01-01T00:00:00Z' },
      { id: eid(), kind: 'cart_add', productId },
      { id: eid(), kind: 'search', query: `teapot for ${b.email} +86 139 1234 5678` },
      { id: eid(), kind: 'rec_shown', productId, list: 'bought_together' },
      { id: eid(), kind: 'view', productId: draftId }, // not public: dropped
      { id: eid(), kind: 'view', productId: 'prd_does_not_exist' }, // dropped
    ];
    expect(expectOk(await events(as, batch), 202)).toEqual({ accepted: 4, duplicates: 0, dropped: 2 });
    // A retried batch, plus one new event.
    expect(expectOk(await events(as, [...batch, { id: eid(), kind: 'rec_clicked', productId, list: 'for_you' }]), 202)).toEqual({ accepted: 1, duplicates: 4, dropped: 2 });

    const mine = (await rows()).filter((r) => r.subject === pseudonym);
    expect(mine.map((r) => r.kind)).toEqual(['view', 'cart_add', 'search', 'rec_shown', 'rec_clicked']);
    for (const r of mine) {
      expect(r.for_analytics).toBe(1);
      expect(r.for_personalisation).toBe(1);
      expect(r.merchant_id).toBe(r.product_id === null ? null : merchantId);
      // Nothing that names the person: no user id, e-mail or address in any column.
      for (const v of Object.values(r)) {
        expect(String(v)).not.toContain(b.userId);
        expect(String(v)).not.toContain(b.email);
        expect(String(v)).not.toContain('127.0.0.1');
      }
    }
    expect(mine.find((r) => r.kind === 'search')!.query).toBe('teapot for [email] [number]');
    // Client time far in the past is clamped to the last 24 hours.
    expect(Date.parse(mine[0]!.at)).toBeGreaterThan(Date.parse(mine[0]!.received_at) - 25 * 3600_000);
    expect(mine.find((r) => r.kind === 'rec_clicked')!.list).toBe('for_you');

    // The consumer contract: aggregate input and the subject's recent events.
    const after = await w.app.analytics.eventsAfter(mine[0]!.id - 1, 100);
    expect(after.filter((e) => e.subject === pseudonym).map((e) => e.kind)).toEqual(['view', 'cart_add', 'search', 'rec_shown', 'rec_clicked']);
    const recent = await w.app.analytics.recentEvents(await w.app.privacy.pseudonyms({ userId: b.userId }), 3);
    expect(recent.map((e) => e.kind)).toEqual(['rec_clicked', 'rec_shown', 'search']);
    expect(recent[0]).toEqual({ id: mine[4]!.id, subject: pseudonym, kind: 'rec_clicked', productId, merchantId, basketId: null, list: 'for_you', at: mine[4]!.at, forAnalytics: true, forPersonalisation: true });

    // An anonymous visitor who consented is collected under the visitor's own pseudonym.
    const v = await visitor({ analytics: true });
    expect(expectOk(await events(v, [{ id: eid(), kind: 'view', productId }]), 202)).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    const vp = await pseudonymOf(v);
    expect(vp).not.toBe(pseudonym);
    expect((await rows()).filter((r) => r.subject === vp).map((r) => [r.kind, r.for_analytics, r.for_personalisation])).toEqual([['view', 1, 0]]);

    // The user's export carries their events.
    const exported = expectOk(await as('GET', '/api/me/export'));
    expect(exported.behaviourEvents.map((e: { kind: string }) => e.kind)).toEqual(['view', 'cart_add', 'search', 'rec_shown', 'rec_clicked']);
  });

  it('withdrawing analytics stops collection and deletes what was kept only for it', async () => {
    const only = await buyer();
    await consent(sendAs(only), { analytics: true });
    const p1 = await pseudonymOf(sendAs(only));
    expectOk(await events(sendAs(only), [{ id: eid(), kind: 'view', productId }, { id: eid(), kind: 'cart_add', productId }]), 202);
    expect((await rows()).filter((r) => r.subject === p1)).toHaveLength(2);
    await consent(sendAs(only), { analytics: false });
    expect((await rows()).filter((r) => r.subject === p1)).toEqual([]);
    expect(expectOk(await events(sendAs(only), [{ id: eid(), kind: 'view', productId }]), 202)).toMatchObject({ accepted: 0, reason: 'no consent' });
    expect((await rows()).filter((r) => r.subject === p1)).toEqual([]);

    // With personalisation still granted, the events stay for it but leave every analytics read.
    const both = await buyer();
    await consent(sendAs(both), { analytics: true, personalisation: true });
    const p2 = await pseudonymOf(sendAs(both));
    expectOk(await events(sendAs(both), [{ id: eid(), kind: 'view', productId }]), 202);
    await consent(sendAs(both), { analytics: false });
    expect((await rows()).filter((r) => r.subject === p2).map((r) => [r.for_analytics, r.for_personalisation])).toEqual([[0, 1]]);
    expect((await w.app.analytics.eventsAfter(0, 10_000)).filter((e) => e.subject === p2)).toEqual([]);
    expect(await w.app.analytics.recentEvents([p2], 10)).toHaveLength(1);
    expectOk(await events(sendAs(both), [{ id: eid(), kind: 'view', productId }]), 202);
    expect((await rows()).filter((r) => r.subject === p2).map((r) => [r.for_analytics, r.for_personalisation])).toEqual([[0, 1], [0, 1]]);
  });

  it('withdrawing personalisation removes the events from recentEvents', async () => {
    const both = await buyer();
    await consent(sendAs(both), { analytics: true, personalisation: true });
    const ps = await w.app.privacy.pseudonyms({ userId: both.userId });
    expectOk(await events(sendAs(both), [{ id: eid(), kind: 'view', productId }, { id: eid(), kind: 'search', query: 'oolong' }]), 202);
    expect(await w.app.analytics.recentEvents(ps, 10)).toHaveLength(2);
    await consent(sendAs(both), { personalisation: false });
    expect(await w.app.analytics.recentEvents(ps, 10)).toEqual([]);
    // Still kept for analytics, which remains granted.
    expect((await rows()).filter((r) => ps.includes(r.subject)).map((r) => [r.for_analytics, r.for_personalisation])).toEqual([[1, 0], [1, 0]]);

    const only = await buyer();
    await consent(sendAs(only), { personalisation: true });
    const p = await pseudonymOf(sendAs(only));
    expectOk(await events(sendAs(only), [{ id: eid(), kind: 'view', productId }]), 202);
    await consent(sendAs(only), { personalisation: false });
    expect((await rows()).filter((r) => r.subject === p)).toEqual([]);
  });

  it('erasure deletes all of the subject\'s events', async () => {
    const b = await buyer(0n);
    await consent(sendAs(b), { analytics: true, personalisation: true });
    const p = await pseudonymOf(sendAs(b));
    const other = await buyer();
    await consent(sendAs(other), { analytics: true });
    const op = await pseudonymOf(sendAs(other));
    expectOk(await events(sendAs(b), [{ id: eid(), kind: 'view', productId }, { id: eid(), kind: 'search', query: 'pu-erh' }]), 202);
    expectOk(await events(sendAs(other), [{ id: eid(), kind: 'view', productId }]), 202);
    expect((await rows()).filter((r) => r.subject === p)).toHaveLength(2);
    expectOk(await b.call('POST', '/api/me/erasure', { confirm: 'erase my personal data' }));
    expect((await rows()).filter((r) => r.subject === p)).toEqual([]);
    expect((await rows()).filter((r) => r.subject === op)).toHaveLength(1);
  });

  it('answers a flood with 429 and Retry-After, per subject', async () => {
    const b = await buyer();
    await consent(sendAs(b), { analytics: true });
    const full = () => Array.from({ length: 500 }, () => ({ id: eid(), kind: 'view', productId }));
    // The bucket refills far slower than batches of 500 arrive, so a 429 comes within a few.
    let res = await events(sendAs(b), full());
    expect(expectOk(res, 202)).toMatchObject({ accepted: 500 });
    for (let i = 0; i < 10 && res.statusCode === 202; i++) res = await events(sendAs(b), full());
    expectProblem(res, 429, 'analytics.rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Someone else is not held back by it.
    const other = await buyer();
    await consent(sendAs(other), { analytics: true });
    expect(expectOk(await events(sendAs(other), [{ id: eid(), kind: 'view', productId }]), 202)).toMatchObject({ accepted: 1 });
  });

  it('purges events past the retention in bounded batches', async () => {
    const old = new Date(Date.now() - (w.app.config.analyticsRetentionDays + 1) * 86_400_000).toISOString();
    const before = (await rows()).length;
    await w.app.db.kysely.insertInto('analytics_event').values(Array.from({ length: 3 }, (_, i) => ({
      subject: 'ps1_00000000000000000000000000000000', kind: 'view', product_id: productId, merchant_id: merchantId, query: null, list: null, basket_id: null,
      client_event_id: `old-event-${i}`, for_analytics: 1, for_personalisation: 0, at: old, received_at: old,
    }))).execute();
    expect(await w.app.jobs.runOnce()).toMatchObject({ 'analytics.retention': 3 });
    expect((await rows()).length).toBe(before);
    expect((await rows()).some((r) => r.at === old)).toBe(false);
  });

  describe('merchant analytics', () => {
    let shop: string;
    let shopStaff: Caller;
    let a: { productId: string; variantId: string; sku: string };
    let bb: { productId: string; variantId: string; sku: string };
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const period = `from=${today}&to=${tomorrow}`;
    const placed: OrderView[] = [];
    const buyers: Caller[] = [];

    async function checkout(b: Caller, items: { variantId: string; qty: number }[], productIds: string[]) {
      const res = expectOk(await b.call('POST', '/api/checkout', { items, shippingAddress: ADDRESS }, key()), 201);
      placed.push(...res.orders);
      // Purchase events come from the server after the checkout commits; the checkout records them
      // without waiting, so record here as well (the funnel counts distinct subjects: a repeat is harmless).
      await w.app.analytics.recordPurchase(b.userId, res.id, productIds);
      return res;
    }

    /** A consenting buyer who views the product, adds it to the cart and buys it. */
    async function shopper(): Promise<Caller> {
      const b = await buyer();
      buyers.push(b);
      await consent(sendAs(b), { analytics: true, personalisation: true });
      expectOk(await events(sendAs(b), [{ id: eid(), kind: 'view', productId: a.productId }, { id: eid(), kind: 'cart_add', productId: a.productId }]), 202);
      await checkout(b, [{ variantId: a.variantId, qty: 1 }], [a.productId]);
      return b;
    }

    const report = async (c: Caller, q = period) => expectOk(await c.call('GET', `/api/merchant/analytics?${q}`));
    const daily = async (c: Caller, q = period) => expectOk(await c.call('GET', `/api/merchant/analytics/daily?${q}`));

    beforeAll(async () => {
      shop = (await w.app.catalog.createMerchant('system', { name: 'Small Shop' })).id;
      shopStaff = await w.user('merchant_staff', { merchantId: shop });
      const loc = (await w.app.inventory.createLocation({ userId: shopStaff.userId, merchantId: shop }, { name: 'Hangzhou', code: 'HZ1' })).id;
      a = await product(shop, loc, 3000);
      bb = await product(shop, loc, 5000);
    });

    it('withholds every figure about fewer than k people', async () => {
      for (let i = 0; i < 3; i++) await shopper();
      const r = await report(shopStaff);
      expect(r).toMatchObject({ merchantId: shop, minGroup: 5, from: `${today}T00:00:00.000Z`, to: `${tomorrow}T00:00:00.000Z` });
      expect(r.sales).toEqual({ orderCount: null, buyers: null, byCurrency: [{ currency: 'CNY', totalMinor: null, orderCount: null, averageOrderMinor: null, suppressed: true }], suppressed: true });
      expect(r.repeatBuyers).toEqual({ buyers: null, repeatBuyers: null, rate: null, suppressed: true });
      expect(r.funnel.map((s: { subjects: number | null; suppressed: boolean }) => [s.subjects, s.suppressed])).toEqual([[null, true], [null, true], [null, true]]);
      expect(r.topProducts).toEqual([{ sku: a.sku, name: expect.any(String), units: null, buyers: null, revenue: null, suppressed: true }]);
      const d = await daily(shopStaff);
      expect(d.days).toEqual([{ date: today, orderCount: null, buyers: null, sales: null, suppressed: true }]);
    });

    it('gives exact figures over at least k people', async () => {
      for (let i = 0; i < 3; i++) await shopper();
      // A repeat buyer, this time both products in one checkout; one window shopper; one who only
      // consented to personalisation (not counted); one who said no (not stored).
      await checkout(buyers[0]!, [{ variantId: a.variantId, qty: 2 }, { variantId: bb.variantId, qty: 1 }], [a.productId, bb.productId]);
      const window = await buyer();
      await consent(sendAs(window), { analytics: true });
      expectOk(await events(sendAs(window), [{ id: eid(), kind: 'view', productId: a.productId }]), 202);
      const personal = await buyer();
      await consent(sendAs(personal), { personalisation: true });
      expectOk(await events(sendAs(personal), [{ id: eid(), kind: 'view', productId: a.productId }, { id: eid(), kind: 'cart_add', productId: a.productId }]), 202);
      const no = await buyer();
      await consent(sendAs(no), { analytics: false });
      expectOk(await events(sendAs(no), [{ id: eid(), kind: 'view', productId: a.productId }]), 202);
      // Server-side purchases: grouped by the checkout, merchant from the catalog, consent-checked.
      const repeat = placed[placed.length - 1]!;
      const p0 = await pseudonymOf(sendAs(buyers[0]!));
      const basket = (await rows()).filter((r) => r.kind === 'purchase' && r.basket_id === repeat.checkoutId);
      expect(new Set(basket.map((r) => r.product_id))).toEqual(new Set([a.productId, bb.productId]));
      expect(basket.every((r) => r.subject === p0 && r.merchant_id === shop && r.client_event_id === null)).toBe(true);
      await w.app.analytics.recordPurchase(no.userId, 'chk_not_consented', [a.productId]);
      expect((await rows()).filter((r) => r.basket_id === 'chk_not_consented')).toEqual([]);
      // An unpaid order does not count as a sale.
      expectOk(await buyers[1]!.call('POST', '/api/checkout', { items: [{ variantId: a.variantId, qty: 1 }], shippingAddress: ADDRESS, pay: 'later' }, key()), 201);

      const sold = placed.filter((o) => o.merchantId === shop);
      expect(sold.every((o) => o.paid)).toBe(true);
      const total = sold.reduce((s, o) => s + BigInt(o.totalMinor), 0n);
      const avg = (total * 2n + BigInt(sold.length)) / (2n * BigInt(sold.length));
      const r = await report(shopStaff);
      expect(r.sales).toEqual({ orderCount: 7, buyers: 6, byCurrency: [{ currency: 'CNY', totalMinor: total.toString(), orderCount: 7, averageOrderMinor: avg.toString(), suppressed: false }], suppressed: false });
      expect(r.repeatBuyers).toEqual({ buyers: 6, repeatBuyers: 1, rate: '0.1667', suppressed: false });
      expect(r.funnel).toEqual([
        { step: 'viewed', subjects: 7, rateFromPrevious: null, rateFromFirst: '1.0000', suppressed: false },
        { step: 'added_to_cart', subjects: 6, rateFromPrevious: '0.8571', rateFromFirst: '0.8571', suppressed: false },
        { step: 'purchased', subjects: 6, rateFromPrevious: '1.0000', rateFromFirst: '0.8571', suppressed: false },
      ]);
      // Product A: 6 single units + 2; product B: one buyer, so withheld.
      expect(r.topProducts).toEqual([
        { sku: a.sku, name: expect.any(String), units: 8, buyers: 6, revenue: [{ currency: 'CNY', minor: String(8 * 3000) }], suppressed: false },
        { sku: bb.sku, name: expect.any(String), units: null, buyers: null, revenue: null, suppressed: true },
      ]);
      const d = await daily(shopStaff);
      expect(d.days).toEqual([{ date: today, orderCount: 7, buyers: 6, sales: [{ currency: 'CNY', totalMinor: total.toString() }], suppressed: false }]);

      // Admins and auditors name the merchant and see the same; nobody else sees it.
      const admin = await w.user('admin');
      const auditor = await w.user('auditor');
      expect(await report(admin, `${period}&merchantId=${shop}`)).toEqual(r);
      expect((await daily(auditor, `${period}&merchantId=${shop}`)).days).toEqual(d.days);
      expectProblem(await admin.call('GET', `/api/merchant/analytics?${period}`), 400, 'analytics.merchant_required');
      expectProblem(await admin.call('GET', `/api/merchant/analytics?${period}&merchantId=mer_nope`), 404);
      expectProblem(await staff.call('GET', `/api/merchant/analytics?${period}&merchantId=${shop}`), 404);
      expectProblem(await buyers[0]!.call('GET', `/api/merchant/analytics?${period}`), 403, 'auth.forbidden');
      expectProblem(await w.anon('GET', `/api/merchant/analytics?${period}`), 401);
      expectProblem(await shopStaff.call('GET', `/api/merchant/analytics?from=${tomorrow}&to=${today}`), 400, 'analytics.bad_period');
      // Another merchant's staff see their own shop: the views from the first tests, no sales.
      const own = await report(staff, period);
      expect(own.merchantId).toBe(merchantId);
      expect(own.sales).toEqual({ orderCount: 0, buyers: 0, byCurrency: [], suppressed: false });
    });
  });
});
