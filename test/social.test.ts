// Social through the HTTP API, on SQLite and PostgreSQL: follows and the feed, wishlists, share links
// whose referral rewards are granted once per paid order, never to oneself, and reversed on refund;
// product Q&A answered only by the seller's staff and verified buyers.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import type { OrderView } from '../src/orders/index.ts';
import { attribute, mergeFeed, parseText, type FeedItem } from '../src/social/index.ts';
import { LIMIT_MAX } from '../src/social/rules.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Han Meimei', phone: '+86 139 0000 0000', country: 'CN', city: 'Hangzhou', line1: '8 West Lake Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const DAY = 86_400_000;

describe('social rules (pure)', () => {
  const paidAt = new Date('2026-11-20T12:00:00.000Z');
  const ago = (days: number) => new Date(paidAt.getTime() - days * DAY).toISOString();
  const v = (linkId: string, referrerId: string, productId: string, visitedAt: string) => ({ linkId, referrerId, productId, visitedAt });

  it('attributes to the latest visit within the window, of a product in the order, never to the buyer', () => {
    const base = { buyerId: 'b', productIds: ['p1', 'p2'], paidAt, windowDays: 7 };
    expect(attribute([v('l1', 'r1', 'p1', ago(3)), v('l2', 'r2', 'p1', ago(1))], base)?.linkId).toBe('l2');
    // Outside the window (8 days before), after payment, another product, or the buyer's own link: none.
    expect(attribute([v('l1', 'r1', 'p1', ago(8))], base)).toBeNull();
    expect(attribute([v('l1', 'r1', 'p1', ago(-1))], base)).toBeNull();
    expect(attribute([v('l1', 'r1', 'p9', ago(1))], base)).toBeNull();
    expect(attribute([v('l1', 'b', 'p1', ago(1)), v('l2', 'r2', 'p2', ago(2))], base)?.linkId).toBe('l2');
    // Exactly at the window's edge still counts; a shorter window does not.
    expect(attribute([v('l1', 'r1', 'p1', ago(7))], base)?.linkId).toBe('l1');
    expect(attribute([v('l1', 'r1', 'p1', ago(3))], { ...base, windowDays: 2 })).toBeNull();
  });

  it('merges feed sources newest first, without duplicates, strictly after the cursor', () => {
    const item = (kind: string, id: string, at: string): FeedItem => ({ kind, id, at, merchantId: 'm', productId: null, title: id, href: '/', priceMinor: null, currency: null });
    const a = [item('product.new', 'p3', '2026-01-03T00:00:00Z'), item('product.new', 'p1', '2026-01-01T00:00:00Z')];
    const b = [item('live.started', 's2', '2026-01-02T00:00:00Z'), item('product.new', 'p3', '2026-01-03T00:00:00Z')];
    const first = mergeFeed([a, b], null, 2);
    expect(first.items.map((i) => i.id)).toEqual(['p3', 's2']);
    expect(first.more).toBe(true);
    const next = mergeFeed([a, b], { at: '2026-01-02T00:00:00Z', key: 'live.started:s2' }, 2);
    expect(next).toEqual({ items: [a[1]], more: false });
  });

  it('bounds text: trimmed, 1..max characters, single-line refuses line breaks', () => {
    const one = { multiline: false, code: 'x.bad', what: 'text' };
    expect(parseText('  Is it dishwasher safe?  ', 10_000, one)).toBe('Is it dishwasher safe?');
    expect(() => parseText('   ', 10, one)).toThrow(/1\.\.10/);
    expect(() => parseText('a'.repeat(11), 10, one)).toThrow();
    expect(() => parseText('line\nbreak', 100, one)).toThrow(/line breaks/);
    expect(parseText('line\nbreak', 100, { ...one, multiline: true })).toBe('line\nbreak');
    expect(() => parseText('bell\u0007', 100, { ...one, multiline: true })).toThrow();
  });
});

describe.each(backends())('social on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let merchantId: string;
  let otherMerchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;
  let markers = 0;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());

  async function events(): Promise<LedgerEvent[]> {
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `m${++markers}` } }]);
    const size = (await w.app.ledger.latest())?.treeSize ?? 0;
    return (await w.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  async function buyer(funds = 100_000n): Promise<Caller> {
    const b = await w.user('buyer');
    if (funds > 0n) await w.fund(b.userId, funds);
    return b;
  }

  async function product(merchant = merchantId, price = 3000): Promise<{ productId: string; variantId: string; sku: string }> {
    const sku = `SKU-${randomBytes(4).toString('hex')}`;
    const p = await w.app.catalog.createProduct(merchant, 'system', {
      title: `Teapot ${randomBytes(3).toString('hex')}`, description: 'Yixing clay', status: 'active', variants: [{ sku, title: 'Standard', priceMinor: price }],
    });
    const variantId = p.variants[0]!.id;
    if (merchant === merchantId) await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId, locationId, onHand: 50 });
    return { productId: p.id, variantId, sku };
  }

  async function placed(b: Caller, variantId: string): Promise<OrderView> {
    return expectOk(await post(b, '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS }), 201).orders[0];
  }
  const step = async (c: Caller, orderId: string, transition: string, body: Record<string, unknown> = {}) => expectOk(await post(c, `/api/orders/${orderId}/${transition}`, body));
  async function received(b: Caller, variantId: string): Promise<OrderView> {
    const order = await placed(b, variantId);
    await step(staff, order.id, 'accept');
    await step(staff, order.id, 'allocate', { locationId });
    await step(staff, order.id, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, order.id, 'deliver');
    await step(b, order.id, 'confirm-receipt');
    return order;
  }
  const points = async (c: Caller) => BigInt(expectOk(await c.call('GET', '/api/me/points')).points);
  const link = async (c: Caller, productId: string) => expectOk(await c.call('POST', '/api/referrals', { productId }), 201) as { id: string; code: string; url: string };
  const visit = (c: Caller, code: string) => c.call('POST', '/api/referrals/visits', { code });

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House', commissionBps: 500 })).id;
    otherMerchantId = (await w.app.catalog.createMerchant('system', { name: 'Other Shop' })).id;
    staff = await w.user('merchant_staff', { merchantId });
    otherStaff = await w.user('merchant_staff', { merchantId: otherMerchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai warehouse', code: 'SH1' })).id;
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a referral reward is granted once per order even after two links were visited, and reversed on refund', async () => {
    const p = await product();
    const r1 = await buyer(0n);
    const r2 = await buyer(0n);
    const b = await buyer();
    const l1 = await link(r1, p.productId);
    const l2 = await link(r2, p.productId);
    expect(l1.url).toBe(`/p/${p.productId}?ref=${l1.code}`);
    expect(l1.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(l2.code).not.toBe(l1.code);

    expectOk(await visit(b, l1.code));
    expectOk(await visit(b, l2.code));
    // Visiting the first again makes it the latest: last click wins.
    expectOk(await visit(b, l1.code));

    const order = await placed(b, p.variantId);
    expect(order.paid).toBe(true);
    expect(await points(r1)).toBe(100n);
    expect(await points(r2)).toBe(0n);
    const rewarded = (await events()).filter((e) => e.kind === 'referral.rewarded' && e.subject['order'] === order.id);
    expect(rewarded).toHaveLength(1);
    expect(rewarded[0]).toMatchObject({ subject: { order: order.id, link: l1.id, referrer: r1.userId, product: p.productId }, data: { points: 100 } });
    // The grant is a points transfer in the ledger too.
    const grants = (await events()).filter((e) => e.kind.startsWith('money.') && JSON.stringify(e).includes(`referral:${order.id}`));
    expect(grants.length).toBeGreaterThanOrEqual(1);

    // The referrer's list shows the link's visit, the order and the points.
    const mine = expectOk(await r1.call('GET', '/api/me/referrals')).items;
    expect(mine).toEqual([expect.objectContaining({ id: l1.id, visits: 1, orders: 1, pointsEarned: '100', reversed: 0 })]);

    // A second order of the same buyer is another order: one more reward (still within the window).
    const second = await placed(b, p.variantId);
    expect(await points(r1)).toBe(200n);

    // Refund of the first: its reward goes back; the second's stays.
    await step(staff, order.id, 'accept');
    await step(staff, order.id, 'allocate', { locationId });
    await step(staff, order.id, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, order.id, 'deliver');
    await step(b, order.id, 'confirm-receipt');
    await step(b, order.id, 'request-refund', { amountMinor: '3000', reason: 'damaged' });
    await step(staff, order.id, 'refund');
    expect(await points(r1)).toBe(100n);
    const reversed = (await events()).filter((e) => e.kind === 'referral.reversed' && e.subject['order'] === order.id);
    expect(reversed).toHaveLength(1);
    expect(expectOk(await r1.call('GET', '/api/me/referrals')).items[0]).toMatchObject({ orders: 2, pointsEarned: '100', reversed: 1 });

    // Cancelling the second (paid, not yet accepted) reverses it too.
    await step(b, second.id, 'cancel', { reason: 'changed_mind' });
    expect(await points(r1)).toBe(0n);
    expect(await points(r2)).toBe(0n);
    // No personal data in any referral entry.
    for (const e of (await events()).filter((x) => x.kind.startsWith('referral.'))) expect(JSON.stringify(e)).not.toMatch(/Han Meimei|@example/);
  });

  it('self-referral is refused at the visit (422) and never rewarded; unknown codes are 404', async () => {
    const p = await product();
    const r = await buyer();
    const own = await link(r, p.productId);
    expectProblem(await visit(r, own.code), 422, 'referral.self');
    expectProblem(await visit(r, 'A'.repeat(22)), 404, 'referral.not_found');
    expectProblem(await visit(r, 'short'), 404, 'referral.not_found');
    expectProblem(await w.anon('POST', '/api/referrals/visits', { code: own.code }), 401);
    expectProblem(await w.anon('POST', '/api/referrals', { productId: p.productId }), 401);
    expectProblem(await r.call('POST', '/api/referrals', { productId: `prd_${randomBytes(16).toString('hex')}` }), 404);
    await placed(r, p.variantId);
    expect(await points(r)).toBe(0n);
    expect(expectOk(await r.call('GET', '/api/me/referrals')).items[0]).toMatchObject({ visits: 0, orders: 0, pointsEarned: '0' });
  });

  it('a visit older than the window (7 days by default) earns nothing; a fresh one does', async () => {
    const p = await product();
    const r = await buyer(0n);
    const b = await buyer();
    const l = await link(r, p.productId);
    expectOk(await visit(b, l.code));
    // Eight days ago, as the stored visit time.
    await w.app.db.kysely.updateTable('social_referral_visit').set({ visited_at: new Date(Date.now() - 8 * DAY).toISOString() }).where('link_id', '=', l.id).execute();
    await placed(b, p.variantId);
    expect(await points(r)).toBe(0n);
    // Visiting again refreshes it.
    expectOk(await visit(b, l.code));
    await placed(b, p.variantId);
    expect(await points(r)).toBe(100n);
    // An order without the referred product earns nothing.
    const other = await product();
    await placed(b, other.variantId);
    expect(await points(r)).toBe(100n);
  });

  it('concurrent visits of one link by one buyer keep one visit; many buyers count each once', async () => {
    const p = await product();
    const r = await buyer(0n);
    const l = await link(r, p.productId);
    const b = await buyer(0n);
    const others = await Promise.all([1, 2, 3].map(() => buyer(0n)));
    const res = await Promise.all([...Array.from({ length: 6 }, () => visit(b, l.code)), ...others.map((o) => visit(o, l.code))]);
    for (const x of res) expect(x.statusCode, x.body).toBe(200);
    expect(expectOk(await r.call('GET', '/api/me/referrals')).items[0]).toMatchObject({ id: l.id, visits: 4 });
  });

  it('follow → the feed shows the merchant\'s new products; unfollow → gone; follower count is public', async () => {
    const b = await buyer(0n);
    const m = (await w.app.catalog.createMerchant('system', { name: 'Feed Shop' })).id;
    expectOk(await w.anon('GET', `/api/merchants/${m}/followers`));
    expect(expectOk(await b.call('GET', '/api/me/feed'))).toEqual({ items: [], nextCursor: null });

    const followed = expectOk(await b.call('PUT', `/api/me/follows/${m}`));
    expect(followed).toEqual({ merchantId: m, following: true, followers: 1 });
    // Following twice (concurrently) changes nothing.
    const again = await Promise.all([1, 2, 3].map(() => b.call('PUT', `/api/me/follows/${m}`)));
    for (const x of again) expect(x.statusCode).toBe(200);
    expect(expectOk(await w.anon('GET', `/api/merchants/${m}/followers`))).toEqual({ merchantId: m, followers: 1, following: false });
    expect(expectOk(await b.call('GET', `/api/merchants/${m}/followers`)).following).toBe(true);
    expect(expectOk(await b.call('GET', '/api/me/follows')).items).toEqual([{ merchantId: m, merchantName: 'Feed Shop', followedAt: expect.any(String) }]);
    expectProblem(await b.call('PUT', `/api/me/follows/mer_${randomBytes(16).toString('hex')}`), 404);
    expectProblem(await staff.call('PUT', `/api/me/follows/${m}`), 403);

    const p1 = await product(m);
    const p2 = await product(m);
    await product(otherMerchantId); // not followed: never in the feed
    const feed = expectOk(await b.call('GET', '/api/me/feed'));
    expect(feed.items.map((i: FeedItem) => i.productId).sort()).toEqual([p1.productId, p2.productId].sort());
    expect(feed.items[0]).toMatchObject({ kind: 'product.new', merchantId: m, priceMinor: '3000', currency: 'CNY' });
    // Paged one at a time: same items, no repeats.
    const one = expectOk(await b.call('GET', '/api/me/feed?limit=1'));
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).toEqual(expect.any(String));
    const two = expectOk(await b.call('GET', `/api/me/feed?limit=1&cursor=${one.nextCursor}`));
    expect([one.items[0].id, two.items[0].id].sort()).toEqual([p1.productId, p2.productId].sort());
    expect(two.nextCursor).toBeNull();
    expectProblem(await b.call('GET', '/api/me/feed?cursor=not-a-cursor'), 400);

    expect(expectOk(await b.call('DELETE', `/api/me/follows/${m}`))).toEqual({ merchantId: m, following: false, followers: 0 });
    expect(expectOk(await b.call('GET', '/api/me/feed')).items).toEqual([]);
  });

  it('the data export holds every follow, not only the first page of them', async () => {
    const b = await buyer(0n);
    const many = LIMIT_MAX + 5;
    const ms: string[] = [];
    for (let i = 0; i < many; i++) ms.push((await w.app.catalog.createMerchant('system', { name: `Followed ${i}` })).id);
    const t0 = Date.now();
    await w.app.db.kysely.insertInto('social_follow').values(ms.map((m, i) => ({ user_id: b.userId, merchant_id: m, created_at: new Date(t0 + i).toISOString() }))).execute();
    expect(expectOk(await b.call('GET', '/api/me/follows')).nextCursor).toEqual(expect.any(String));
    const exported = expectOk(await b.call('GET', '/api/me/export'));
    const follows = exported.social.follows as { merchantId: string }[];
    expect(follows).toHaveLength(many);
    expect(new Set(follows.map((f) => f.merchantId))).toEqual(new Set(ms));
  });

  it('a private wishlist is 404 for everyone but its owner; a public one is visible to anyone', async () => {
    const b = await buyer(0n);
    const other = await buyer(0n);
    const p = await product();
    const priv = expectOk(await b.call('POST', '/api/me/wishlists', { name: 'Birthday ideas' }), 201);
    expect(priv).toMatchObject({ name: 'Birthday ideas', public: false, mine: true, items: [] });
    const added = expectOk(await b.call('PUT', `/api/me/wishlists/${priv.id}/items/${p.productId}`));
    expect(added.items).toEqual([expect.objectContaining({ productId: p.productId, available: true, priceMinor: '3000' })]);
    expect(expectOk(await b.call('PUT', `/api/me/wishlists/${priv.id}/items/${p.productId}`)).itemCount).toBe(1);

    expectProblem(await other.call('GET', `/api/wishlists/${priv.id}`), 404);
    expectProblem(await w.anon('GET', `/api/wishlists/${priv.id}`), 404);
    expectProblem(await other.call('PUT', `/api/me/wishlists/${priv.id}/items/${p.productId}`), 404);
    expect(expectOk(await b.call('GET', `/api/wishlists/${priv.id}`)).itemCount).toBe(1);

    const pub = expectOk(await b.call('POST', '/api/me/wishlists', { name: 'Tea gear', public: true }), 201);
    expectOk(await b.call('PUT', `/api/me/wishlists/${pub.id}/items/${p.productId}`));
    const seen = expectOk(await w.anon('GET', `/api/wishlists/${pub.id}`));
    expect(seen).toMatchObject({ id: pub.id, name: 'Tea gear', public: true, mine: false, itemCount: 1 });
    expect(seen).not.toHaveProperty('ownerId');

    // Made private again: gone for others.
    expectOk(await b.call('PATCH', `/api/me/wishlists/${pub.id}`, { public: false }));
    expectProblem(await other.call('GET', `/api/wishlists/${pub.id}`), 404);
    expect(expectOk(await b.call('GET', '/api/me/wishlists')).items.map((x: { id: string }) => x.id)).toEqual([pub.id, priv.id]);
    expect(expectOk(await other.call('GET', '/api/me/wishlists')).items).toEqual([]);

    expectProblem(await b.call('POST', '/api/me/wishlists', { name: 'two\nlines' }), 400, 'wishlist.bad_name');
    expect(expectOk(await b.call('DELETE', `/api/me/wishlists/${priv.id}/items/${p.productId}`)).items).toEqual([]);
    expect((await b.call('DELETE', `/api/me/wishlists/${priv.id}`)).statusCode).toBe(204);
    expectProblem(await b.call('GET', `/api/wishlists/${priv.id}`), 404);
  });

  it('Q&A: a non-buyer may not answer (403); a verified buyer and the merchant\'s staff may; admins hide', async () => {
    const p = await product();
    const asker = await buyer(0n);
    const q = expectOk(await asker.call('POST', `/api/products/${p.productId}/questions`, { text: 'Does it keep tea warm?' }), 201);
    expectProblem(await asker.call('POST', `/api/products/${p.productId}/questions`, { text: 'two\nlines' }), 400, 'qa.bad_text');
    expectProblem(await asker.call('POST', `/api/products/${p.productId}/questions`, { text: 'x'.repeat(501) }), 400);
    expectProblem(await w.anon('POST', `/api/products/${p.productId}/questions`, { text: 'Anyone?' }), 401);

    // Not bought, bought but not yet received, another merchant's staff, an admin: all refused.
    expectProblem(await asker.call('POST', `/api/questions/${q.id}/answers`, { text: 'I think so' }), 403, 'qa.not_allowed');
    const buyerB = await buyer();
    const pending = await placed(buyerB, p.variantId);
    expectProblem(await buyerB.call('POST', `/api/questions/${q.id}/answers`, { text: 'Soon I will know' }), 403, 'qa.not_allowed');
    expectProblem(await otherStaff.call('POST', `/api/questions/${q.id}/answers`, { text: 'Ours does' }), 403, 'qa.not_allowed');
    expectProblem(await admin.call('POST', `/api/questions/${q.id}/answers`, { text: 'Admin here' }), 403, 'qa.not_allowed');

    await step(staff, pending.id, 'accept');
    await step(staff, pending.id, 'allocate', { locationId });
    await step(staff, pending.id, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, pending.id, 'deliver');
    await step(buyerB, pending.id, 'confirm-receipt');
    const verified = expectOk(await buyerB.call('POST', `/api/questions/${q.id}/answers`, { text: 'Yes, for about\nhalf an hour.' }), 201);
    expect(verified).toMatchObject({ badge: 'verified_buyer', questionId: q.id, hidden: false });
    const seller = expectOk(await staff.call('POST', `/api/questions/${q.id}/answers`, { text: 'Yes: double-walled clay.' }), 201);
    expect(seller.badge).toBe('seller');

    const list = expectOk(await w.anon('GET', `/api/products/${p.productId}/questions`));
    expect(list.items).toHaveLength(1);
    expect(list.items[0].answers.map((a: { id: string; badge: string }) => [a.id, a.badge])).toEqual([[verified.id, 'verified_buyer'], [seller.id, 'seller']]);
    expect(JSON.stringify(list)).not.toContain(buyerB.userId);

    // Moderation: only admins; a hidden answer leaves the list, a hidden question takes its answers with it.
    expectProblem(await staff.call('POST', `/api/admin/answers/${verified.id}/moderation`, { hidden: true }), 403);
    expect(expectOk(await admin.call('POST', `/api/admin/answers/${verified.id}/moderation`, { hidden: true })).hidden).toBe(true);
    expect(expectOk(await w.anon('GET', `/api/products/${p.productId}/questions`)).items[0].answers.map((a: { id: string }) => a.id)).toEqual([seller.id]);
    expectOk(await admin.call('POST', `/api/admin/questions/${q.id}/moderation`, { hidden: true }));
    expect(expectOk(await w.anon('GET', `/api/products/${p.productId}/questions`)).items).toEqual([]);
    expectProblem(await staff.call('POST', `/api/questions/${q.id}/answers`, { text: 'Hidden now' }), 404);
    expectProblem(await admin.call('POST', `/api/admin/questions/qst_${randomBytes(16).toString('hex')}/moderation`, { hidden: true }), 404);

    // A received order of the product from an earlier test elsewhere does not matter: per product.
    const other = await product();
    const q2 = expectOk(await asker.call('POST', `/api/products/${other.productId}/questions`, { text: 'Size?' }), 201);
    expectProblem(await buyerB.call('POST', `/api/questions/${q2.id}/answers`, { text: 'Not bought this one' }), 403, 'qa.not_allowed');
    await received(buyerB, other.variantId);
    expectOk(await buyerB.call('POST', `/api/questions/${q2.id}/answers`, { text: 'Now I have' }), 201);
  });
});
