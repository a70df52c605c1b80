// Sponsored listings through the HTTP API, on SQLite and PostgreSQL: ad balance funded from the
// receivable, campaigns and their tenancy, the slot auction, clicks charged under a budget that 200
// concurrent clicks cannot overrun, the clicks that are not charged, and per-day stats with attributed sales.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const visitor = () => `vis_${randomBytes(16).toString('hex')}`;
const cookie = (v: string) => ({ cookie: `cm_visitor=${v}` });
const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };

type Slot = { position: number; campaignId: string; productId: string; token: string; url: string };
/** What the opaque token carries (tests only peek at it). */
const peek = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { c: string; p: string; pr: number; v: string };

describe.each(backends())('ads on $name', (backend) => {
  let w: World;
  let merchantId: string;
  let otherMerchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;

  const money = () => w.app.money;
  const available = async (account: string) => (await money().balance(w.app.db.kysely, account)).available;
  const adAccount = (m: string) => ownedAccountId('merchant_ads', m, 'CNY');
  const receivable = (m: string) => ownedAccountId('merchant_receivable', m, 'CNY');

  /** Money the merchant earned: credited to its receivable as a released escrow would. */
  async function earn(m: string, minor: bigint) {
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await money().ensureSystemAccounts(trx, 'CNY');
      await money().ensureAccount(trx, { id: receivable(m), kind: 'merchant_receivable', owner: m, currency: 'CNY' });
      await money().transfer(trx, { id: `earn:${randomBytes(8).toString('hex')}`, debit: systemAccountId('gateway_clearing'), credit: receivable(m), amount: minor, currency: 'CNY', code: 'test_earnings' });
    });
  }

  async function product(m: string, title: string, price = 2000, units = 0): Promise<{ id: string; variantId: string }> {
    const p = await w.app.catalog.createProduct(m, 'system', {
      title,
      description: 'hand made',
      status: 'active',
      variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }],
    });
    if (units > 0) await w.app.inventory.setStock({ userId: 'system', merchantId: m }, { variantId: p.variants[0]!.id, locationId, onHand: units });
    return { id: p.id, variantId: p.variants[0]!.id };
  }

  async function campaign(c: Caller, body: Record<string, unknown>) {
    return expectOk(await c.call('POST', '/api/merchant/ads/campaigns', { name: 'Campaign', ...body }), 201);
  }

  const slots = async (q: string, headers: Record<string, string> = {}, as?: Caller): Promise<Slot[]> =>
    expectOk(await (as ? as.call('GET', `/api/ads/slots?q=${encodeURIComponent(q)}`, undefined, headers) : w.anon('GET', `/api/ads/slots?q=${encodeURIComponent(q)}`, undefined, headers))).slots;

  const click = (token: string, headers: Record<string, string> = {}, as?: Caller) =>
    as ? as.call('POST', '/api/ads/clicks', { token }, { ...key(), ...headers }) : w.anon('POST', '/api/ads/clicks', { token }, { ...key(), ...headers });

  beforeAll(async () => {
    w = await startWorld(backend);
    const m = await w.app.catalog.createMerchant('system', { name: 'Tea House' });
    const o = await w.app.catalog.createMerchant('system', { name: 'Other Shop' });
    merchantId = m.id;
    otherMerchantId = o.id;
    staff = await w.user('merchant_staff', { merchantId });
    otherStaff = await w.user('merchant_staff', { merchantId: otherMerchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
    await earn(merchantId, 1_000_000n);
    await earn(otherMerchantId, 1_000_000n);
    expectOk(await staff.call('POST', '/api/merchant/ads/fund', { amountMinor: '100000' }, key()));
    expectOk(await otherStaff.call('POST', '/api/merchant/ads/fund', { amountMinor: '100000' }, key()));
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('funds the ad balance from the receivable, refuses beyond it (409), and shows a statement', async () => {
    const m = await w.app.catalog.createMerchant('system', { name: 'Fund Shop' });
    const s = await w.user('merchant_staff', { merchantId: m.id });
    expectProblem(await s.call('POST', '/api/merchant/ads/fund', { amountMinor: '1' }, key()), 409, 'ads.insufficient_receivable');
    await earn(m.id, 5000n);
    const refused = expectProblem(await s.call('POST', '/api/merchant/ads/fund', { amountMinor: '5001' }, key()), 409, 'ads.insufficient_receivable');
    expect(refused.availableMinor).toBe('5000');
    expectProblem(await s.call('POST', '/api/merchant/ads/fund', { amountMinor: '100' }), 400, 'idempotency.key_required');
    const k = key();
    const funded = expectOk(await s.call('POST', '/api/merchant/ads/fund', { amountMinor: '3000' }, k));
    expect(funded).toMatchObject({ availableMinor: '3000', receivableAvailableMinor: '2000', currency: 'CNY' });
    // A retry with the same key does not move money twice.
    expectOk(await s.call('POST', '/api/merchant/ads/fund', { amountMinor: '3000' }, k));
    expect(await available(adAccount(m.id))).toBe(3000n);
    expect(await available(receivable(m.id))).toBe(2000n);
    const bal = expectOk(await s.call('GET', '/api/merchant/ads'));
    expect(bal).toMatchObject({ account: adAccount(m.id), availableMinor: '3000' });
    const st = expectOk(await s.call('GET', '/api/merchant/ads/statement'));
    expect(st.items).toEqual([expect.objectContaining({ direction: 'credit', amountMinor: '3000', code: 'ads_funding', balanceAfterMinor: '3000' })]);
    expectProblem(await w.anon('GET', '/api/merchant/ads'), 401);
    const buyer = await w.user('buyer');
    expectProblem(await buyer.call('POST', '/api/merchant/ads/fund', { amountMinor: '1' }, key()), 403);
  });

  it('validates campaigns with problem+json and keeps them to their merchant (404 for others)', async () => {
    const mine = await product(merchantId, 'Validation teapot');
    const theirs = await product(otherMerchantId, 'Their teapot');
    const base = { productIds: [mine.id], keywords: ['validation'], bidMinor: '10', dailyBudgetMinor: '100', totalBudgetMinor: '1000' };
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, productIds: [theirs.id] }), 400, 'ads.not_your_product');
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, keywords: [] }), 400, 'ads.no_targeting');
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, dailyBudgetMinor: '5' }), 400, 'ads.bad_budget');
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, totalBudgetMinor: '50' }), 400, 'ads.bad_budget');
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, bidMinor: '1.5' }), 400);
    expectProblem(await staff.call('POST', '/api/merchant/ads/campaigns', { name: 'x', ...base, startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-11-01T00:00:00Z' }), 400, 'ads.bad_schedule');

    const c = await campaign(staff, { ...base, keywords: ['Validation', ' validation '] });
    expect(c).toMatchObject({ status: 'active', keywords: ['validation'], bidMinor: '10', spentTotalMinor: '0', merchantId });
    // Another merchant's staff: as if it did not exist.
    expectProblem(await otherStaff.call('GET', `/api/merchant/ads/campaigns/${c.id}`), 404);
    expectProblem(await otherStaff.call('PATCH', `/api/merchant/ads/campaigns/${c.id}`, { bidMinor: '20' }), 404);
    expectProblem(await otherStaff.call('POST', `/api/merchant/ads/campaigns/${c.id}/pause`), 404);
    expectProblem(await otherStaff.call('GET', `/api/merchant/ads/campaigns/${c.id}/stats`), 404);
    const theirList = expectOk(await otherStaff.call('GET', '/api/merchant/ads/campaigns'));
    expect(theirList.items.map((x: { id: string }) => x.id)).not.toContain(c.id);

    const edited = expectOk(await staff.call('PATCH', `/api/merchant/ads/campaigns/${c.id}`, { bidMinor: '20', name: 'Renamed' }));
    expect(edited).toMatchObject({ bidMinor: '20', name: 'Renamed' });
    expect(expectOk(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/pause`)).status).toBe('paused');
    expectProblem(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/pause`), 409, 'ads.bad_status');
    expect(expectOk(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/resume`)).status).toBe('active');
    const list = expectOk(await staff.call('GET', '/api/merchant/ads/campaigns?limit=1'));
    expect(list.items).toHaveLength(1);
  });

  it('serves the auction\'s winners at second prices, only for matching, purchasable, funded campaigns', async () => {
    const p1 = await product(merchantId, 'Auction teapot one');
    const p2 = await product(otherMerchantId, 'Auction teapot two');
    const p3 = await product(merchantId, 'Auction teapot three');
    const c1 = await campaign(staff, { productIds: [p1.id], keywords: ['auctionword'], bidMinor: '50', dailyBudgetMinor: '5000', totalBudgetMinor: '50000' });
    const c2 = await campaign(otherStaff, { productIds: [p2.id], keywords: ['auctionword extra'], bidMinor: '60', dailyBudgetMinor: '5000', totalBudgetMinor: '50000' });
    const c3 = await campaign(staff, { productIds: [p3.id], keywords: ['unrelated'], bidMinor: '500', dailyBudgetMinor: '5000', totalBudgetMinor: '50000' });
    // q "auctionword": c1 exact (1000) → score 50 000; c2 phrase? no: its keyword has two words, one matches → broad 400 → 24 000.
    const got = await slots('auctionword');
    expect(got.map((s) => s.campaignId)).toEqual([c1.id, c2.id]);
    expect(got.map((s) => peek(s.token).pr)).toEqual([24, 1]); // ceil(24 000 / 1000); last: the reserve
    expect(got[0]!.url).toBe(`/products/${p1.id}`);
    expect(got.map((s) => s.campaignId)).not.toContain(c3.id);
    // An archived product does not compete.
    await w.app.catalog.updateProduct(merchantId, 'system', p1.id, { status: 'archived' });
    expect((await slots('auctionword')).map((s) => s.campaignId)).toEqual([c2.id]);
    // Neither a query nor a category: nothing.
    expect(expectOk(await w.anon('GET', '/api/ads/slots')).slots).toEqual([]);
  });

  it('never overspends under 200 concurrent clicks by distinct viewers; the campaign ends exhausted', async () => {
    const mine = await product(merchantId, 'Budget teapot');
    const rival = await product(otherMerchantId, 'Rival teapot');
    const budget = 900;
    const c = await campaign(staff, { productIds: [mine.id], keywords: ['budgetword'], bidMinor: '50', dailyBudgetMinor: String(budget), totalBudgetMinor: String(budget) });
    await campaign(otherStaff, { productIds: [rival.id], keywords: ['budgetword'], bidMinor: '30', dailyBudgetMinor: '5000', totalBudgetMinor: '100000' });
    const adBefore = await available(adAccount(merchantId));
    const revenueBefore = await available(systemAccountId('platform_revenue'));
    const viewers = Array.from({ length: 200 }, visitor);
    const tokens: string[] = [];
    for (const v of viewers) {
      const s = (await slots('budgetword', cookie(v))).find((x) => x.campaignId === c.id)!;
      expect(peek(s.token)).toMatchObject({ pr: 30, v: `v:${v}` });
      tokens.push(s.token);
    }
    const results = await Promise.all(viewers.map((v, i) => click(tokens[i]!, cookie(v))));
    const bodies = results.map((r) => expectOk(r));
    const price = 30;
    const charged = bodies.filter((b) => b.charged);
    expect(charged).toHaveLength(Math.floor(budget / price));
    expect(new Set(bodies.filter((b) => !b.charged).map((b) => b.reason))).toEqual(new Set(['inactive']));
    const after = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}`));
    expect(Number(after.spentTotalMinor)).toBeLessThanOrEqual(budget);
    expect(after).toMatchObject({ spentTotalMinor: String(charged.length * price), status: 'exhausted' });
    expect(await available(adAccount(merchantId))).toBe(adBefore - BigInt(charged.length * price));
    expect(await available(systemAccountId('platform_revenue'))).toBe(revenueBefore + BigInt(charged.length * price));
    // Exhausted: no longer served.
    expect((await slots('budgetword', cookie(visitor()))).map((s) => s.campaignId)).not.toContain(c.id);
    const stats = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}/stats`));
    expect(stats.totals).toMatchObject({ impressions: 200, clicks: 200, chargedClicks: 30, spendMinor: '900' });
    expect(stats.days).toHaveLength(1);
    // Spent: it resumes only once the total budget is raised.
    expectProblem(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/resume`), 409, 'ads.budget_exhausted');
    expectProblem(await staff.call('PATCH', `/api/merchant/ads/campaigns/${c.id}`, { totalBudgetMinor: '600', dailyBudgetMinor: '600' }), 409, 'ads.budget_below_spend');
    expectOk(await staff.call('PATCH', `/api/merchant/ads/campaigns/${c.id}`, { totalBudgetMinor: '1800' }));
    expect(expectOk(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/resume`)).status).toBe('active');
  });

  it('serves category pages to campaigns targeting the category', async () => {
    const cat = await w.app.catalog.createCategory('system', { name: `Teaware ${randomBytes(3).toString('hex')}` });
    const mine = await product(merchantId, 'Category teapot');
    const c = await campaign(staff, { productIds: [mine.id], categoryIds: [cat.id], bidMinor: '10', dailyBudgetMinor: '100', totalBudgetMinor: '1000' });
    const res = expectOk(await w.anon('GET', `/api/ads/slots?categoryId=${cat.id}`));
    expect(res.slots.map((s: Slot) => s.campaignId)).toEqual([c.id]);
    expect(expectOk(await w.anon('GET', '/api/ads/slots?categoryId=cat_nothing_here')).slots).toEqual([]);
  });

  it('stops at the daily budget under concurrency, without exhausting the campaign', async () => {
    const mine = await product(merchantId, 'Daily teapot');
    const rival = await product(otherMerchantId, 'Daily rival');
    const c = await campaign(staff, { productIds: [mine.id], keywords: ['dailyword'], bidMinor: '50', dailyBudgetMinor: '600', totalBudgetMinor: '100000' });
    await campaign(otherStaff, { productIds: [rival.id], keywords: ['dailyword'], bidMinor: '30', dailyBudgetMinor: '5000', totalBudgetMinor: '100000' });
    const viewers = Array.from({ length: 60 }, visitor);
    const tokens = await Promise.all(viewers.map(async (v) => (await slots('dailyword', cookie(v))).find((s) => s.campaignId === c.id)!.token));
    expect(peek(tokens[0]!).pr).toBe(30);
    const bodies = (await Promise.all(viewers.map((v, i) => click(tokens[i]!, cookie(v))))).map((r) => expectOk(r));
    expect(bodies.filter((b) => b.charged)).toHaveLength(20); // 600 / 30
    expect(new Set(bodies.filter((b) => !b.charged).map((b) => b.reason))).toEqual(new Set(['budget']));
    const after = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}`));
    expect(after).toMatchObject({ spentTodayMinor: '600', spentTotalMinor: '600', status: 'active' });
    // Spent for today: not served again today.
    expect((await slots('dailyword', cookie(visitor()))).map((s) => s.campaignId)).not.toContain(c.id);
  });

  it('does not charge duplicates, own staff, identity-less or mismatched viewers; refuses forged tokens', async () => {
    const mine = await product(merchantId, 'Fraud teapot');
    const c = await campaign(staff, { productIds: [mine.id], keywords: ['fraudword'], bidMinor: '10', dailyBudgetMinor: '1000', totalBudgetMinor: '10000' });
    const v = visitor();
    const [s] = await slots('fraudword', cookie(v));
    expect(s!.campaignId).toBe(c.id);
    const first = expectOk(await click(s!.token, cookie(v)));
    expect(first).toMatchObject({ charged: true, reason: null, url: `/products/${mine.id}`, productId: mine.id });
    const again = expectOk(await click(s!.token, cookie(v)));
    expect(again).toMatchObject({ charged: false, reason: 'duplicate' });
    // The same viewer, a fresh token, at once from five tabs: still one charge in the window.
    const [s2] = await slots('fraudword', cookie(v));
    const burst = (await Promise.all([1, 2, 3, 4, 5].map(() => click(s2!.token, cookie(v))))).map((r) => expectOk(r));
    expect(burst.filter((b) => b.charged)).toHaveLength(0);
    // A new viewer, five tabs at once: exactly one charged.
    const v2 = visitor();
    const [s3] = await slots('fraudword', cookie(v2));
    const burst2 = (await Promise.all([1, 2, 3, 4, 5].map(() => click(s3!.token, cookie(v2))))).map((r) => expectOk(r));
    expect(burst2.filter((b) => b.charged)).toHaveLength(1);
    expect(burst2.filter((b) => !b.charged).every((b) => b.reason === 'duplicate')).toBe(true);

    // The merchant's own staff.
    const [own] = await slots('fraudword', {}, staff);
    expect(expectOk(await click(own!.token, {}, staff))).toMatchObject({ charged: false, reason: 'own_staff' });
    // No identity at all: recorded, not charged.
    const [anon] = await slots('fraudword');
    expect(expectOk(await click(anon!.token))).toMatchObject({ charged: false, reason: 'no_viewer' });
    // Served to one visitor, clicked by another.
    const [other] = await slots('fraudword', cookie(visitor()));
    expect(expectOk(await click(other!.token, cookie(visitor())))).toMatchObject({ charged: false, reason: 'viewer_mismatch' });
    // Forged: the price changed, the signature kept.
    const [pfx, payload, mac] = s3!.token.split('.');
    const orig = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const lowered = Buffer.from(JSON.stringify({ ...orig, pr: orig.pr + 1 })).toString('base64url');
    expectProblem(await click(`${pfx}.${lowered}.${mac}`, cookie(v2)), 400, 'ads.bad_token');
    expectProblem(await click('garbage', cookie(v2)), 400, 'ads.bad_token');

    const stats = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}/stats`));
    expect(stats.totals).toMatchObject({ chargedClicks: 2, spendMinor: String(2 * Number(first.priceMinor)) });
    expect(stats.totals.clicks).toBe(2 + 1 + 5 + 4 + 3);
    expect(stats.campaign.spentTotalMinor).toBe(stats.totals.spendMinor);
  });

  it('a paused campaign is not served and its old tokens are not charged; resumed, it is', async () => {
    const mine = await product(merchantId, 'Pause teapot');
    const c = await campaign(staff, { productIds: [mine.id], keywords: ['pauseword'], bidMinor: '10', dailyBudgetMinor: '1000', totalBudgetMinor: '10000' });
    const v = visitor();
    const [s] = await slots('pauseword', cookie(v));
    expectOk(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/pause`));
    expect(await slots('pauseword', cookie(v))).toEqual([]);
    expect(expectOk(await click(s!.token, cookie(v)))).toMatchObject({ charged: false, reason: 'inactive' });
    expectOk(await staff.call('POST', `/api/merchant/ads/campaigns/${c.id}/resume`));
    expect(expectOk(await click(s!.token, cookie(v)))).toMatchObject({ charged: true });
  });

  it('attributes a signed-in buyer\'s order within 7 days after a charged click, per day', async () => {
    const mine = await product(merchantId, 'Attribution teapot', 2500, 10);
    const c = await campaign(staff, { productIds: [mine.id], keywords: ['attrword'], bidMinor: '10', dailyBudgetMinor: '1000', totalBudgetMinor: '10000' });
    const buyer = await w.user('buyer');
    await w.fund(buyer.userId, 100_000n);
    const [s] = await slots('attrword', {}, buyer);
    expect(expectOk(await click(s!.token, {}, buyer))).toMatchObject({ charged: true });
    const before = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}/stats`));
    expect(before.totals).toMatchObject({ attributedOrders: 0, attributedSalesMinor: '0' });
    expectOk(await buyer.call('POST', '/api/checkout', { items: [{ variantId: mine.variantId, qty: 2 }], shippingAddress: ADDRESS }, key()), 201);
    // Another buyer's order is not attributed.
    const other = await w.user('buyer');
    await w.fund(other.userId, 100_000n);
    expectOk(await other.call('POST', '/api/checkout', { items: [{ variantId: mine.variantId, qty: 1 }], shippingAddress: ADDRESS }, key()), 201);
    const stats = expectOk(await staff.call('GET', `/api/merchant/ads/campaigns/${c.id}/stats`));
    expect(stats.totals).toMatchObject({ impressions: 1, clicks: 1, chargedClicks: 1, attributedOrders: 1, attributedSalesMinor: '5000' });
    expect(stats.days[0]).toMatchObject({ attributedOrders: 1, attributedSalesMinor: '5000', chargedClicks: 1 });
  });
});
