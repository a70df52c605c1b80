// Verified-purchase reviews through the HTTP API, on SQLite and PostgreSQL: only a received order line
// can be reviewed, once; merchant replies (tenancy); moderation hides a review from lists while its
// rating stays counted and the ledger keeps its hash, never its text.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import type { OrderView } from '../src/orders/index.ts';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { averageOf, replyContentHash, reviewContentHash, summarize } from '../src/reviews/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Han Meimei', phone: '+86 139 0000 0000', country: 'CN', city: 'Hangzhou', line1: '8 West Lake Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe('review rules (pure)', () => {
  it('averages with integer half-up rounding and keeps hidden reviews in the distribution', () => {
    expect(averageOf(0, 0)).toBeNull();
    expect(averageOf(13, 3)).toBe('4.33');
    expect(averageOf(14, 3)).toBe('4.67');
    expect(averageOf(7, 2)).toBe('3.50');
    expect(averageOf(1, 8)).toBe('0.13'); // 0.125 rounds half up
    const s = summarize([{ rating: 5, hidden: false, n: 2 }, { rating: 1, hidden: true, n: 1 }, { rating: 1, hidden: false, n: 1 }]);
    expect(s).toEqual({ average: '3.00', count: 4, visibleCount: 3, hiddenCount: 1, distribution: { '1': 2, '2': 0, '3': 0, '4': 0, '5': 2 } });
  });

  it('hashes the canonical content: order of keys is fixed, any change of text or photos changes it', () => {
    const h = reviewContentHash('Good tea', ['https://img.example/a.jpg']);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(reviewContentHash('Good tea', ['https://img.example/a.jpg'])).toBe(h);
    expect(reviewContentHash('Good tea!', ['https://img.example/a.jpg'])).not.toBe(h);
    expect(reviewContentHash('Good tea', [])).not.toBe(h);
    expect(replyContentHash('Good tea')).not.toBe(reviewContentHash('Good tea', []));
  });
});

describe.each(backends())('reviews on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let merchantId: string;
  let otherMerchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;
  let markers = 0;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const wallet = (userId: string) => ownedAccountId('buyer_wallet', userId, 'CNY');

  async function events(): Promise<LedgerEvent[]> {
    // A marker entry is integrated after everything committed before it.
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `m${++markers}` } }]);
    const size = (await w.app.ledger.latest())?.treeSize ?? 0;
    return (await w.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  async function rawEntries(): Promise<string[]> {
    await events();
    const size = (await w.app.ledger.latest())?.treeSize ?? 0;
    return (await w.app.ledger.store.entries(0, size)).map((e) => Buffer.from(e.body).toString('utf8'));
  }

  async function buyer(fundsMinor = 100_000n): Promise<Caller> {
    const b = await w.user('buyer');
    const money = w.app.money;
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await money.ensureSystemAccounts(trx, 'CNY');
      await money.ensureAccount(trx, { id: wallet(b.userId), kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet(b.userId), amount: fundsMinor, currency: 'CNY', code: 'test_funding' });
    });
    return b;
  }

  /** An active product with one variant in stock; its id, variant id and SKU. */
  async function product(price = 3000, units = 20): Promise<{ productId: string; variantId: string; sku: string }> {
    const sku = `SKU-${randomBytes(4).toString('hex')}`;
    const p = await w.app.catalog.createProduct(merchantId, 'system', {
      title: `Teapot ${randomBytes(3).toString('hex')}`,
      description: 'Yixing clay, hand made',
      status: 'active',
      variants: [{ sku, title: 'Standard', priceMinor: price }],
    });
    const variantId = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId, locationId, onHand: units });
    return { productId: p.id, variantId, sku };
  }

  async function placed(b: Caller, variantId: string): Promise<OrderView> {
    return expectOk(await post(b, '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS }), 201).orders[0];
  }

  async function step(c: Caller, orderId: string, transition: string, body: Record<string, unknown> = {}) {
    expectOk(await post(c, `/api/orders/${orderId}/${transition}`, body));
  }

  async function delivered(orderId: string) {
    await step(staff, orderId, 'accept');
    await step(staff, orderId, 'allocate', { locationId });
    await step(staff, orderId, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, orderId, 'deliver');
  }

  /** A buyer with a received order of the variant. */
  async function received(variantId: string, b?: Caller): Promise<{ b: Caller; order: OrderView }> {
    const who = b ?? (await buyer());
    const order = await placed(who, variantId);
    await delivered(order.id);
    await step(who, order.id, 'confirm-receipt');
    return { b: who, order };
  }

  const review = (b: Caller, body: Record<string, unknown>) => b.call('POST', '/api/reviews', body);
  const publicList = async (productId: string, query = '') => expectOk(await w.anon('GET', `/api/products/${productId}/reviews${query}`));
  const rating = async (productId: string) => expectOk(await w.anon('GET', `/api/products/${productId}/rating`));

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

  it('only a received order line can be reviewed, once; other buyers are refused; the review is public and in the ledger by hash', async () => {
    const p = await product();
    const b = await buyer();
    const order = await placed(b, p.variantId);
    const body = { orderId: order.id, sku: p.sku, rating: 4, text: 'Pours cleanly, keeps the heat.', photos: ['https://img.example/teapot-1.jpg'] };

    // Before receipt: placed, then delivered but not yet confirmed.
    expectProblem(await review(b, body), 403, 'review.not_purchased');
    await delivered(order.id);
    expectProblem(await review(b, body), 403, 'review.not_purchased');
    await step(b, order.id, 'confirm-receipt');

    // A buyer who did not place the order, a SKU not in the order, a made-up order: all the same 403.
    const stranger = await buyer();
    expectProblem(await review(stranger, body), 403, 'review.not_purchased');
    expectProblem(await review(b, { ...body, sku: 'SKU-NOT-IN-ORDER' }), 403, 'review.not_purchased');
    expectProblem(await review(b, { ...body, orderId: `ord_${randomBytes(16).toString('hex')}` }), 403, 'review.not_purchased');
    // Only buyers review; anonymous callers must sign in.
    expectProblem(await review(staff, body), 403, 'auth.forbidden');
    expectProblem(await w.anon('POST', '/api/reviews', body), 401);

    // After receipt: created, with an Idempotency-Key or without (allowed, not needed).
    const created = expectOk(await b.call('POST', '/api/reviews', body, key()), 201);
    expect(created).toMatchObject({ productId: p.productId, merchantId, sku: p.sku, orderId: order.id, buyerId: b.userId, rating: 4, text: body.text, photos: body.photos, hidden: false, reply: null });
    expect(created.id).toMatch(/^rev_[0-9a-f]{32}$/);
    expect(created.contentHash).toBe(reviewContentHash(body.text, body.photos));

    // Once per order line, even with another text.
    expectProblem(await review(b, { ...body, rating: 1, text: 'Changed my mind' }), 409, 'review.duplicate');

    // Public, without the buyer or the order; the buyer's own list has it.
    const list = await publicList(p.productId);
    expect(list).toEqual({ items: [expect.objectContaining({ id: created.id, rating: 4, text: body.text })], nextCursor: null });
    expect(list.items[0]).not.toHaveProperty('buyerId');
    expect(list.items[0]).not.toHaveProperty('orderId');
    expect(expectOk(await b.call('GET', '/api/me/reviews')).items.map((r: { id: string }) => r.id)).toEqual([created.id]);
    expect(expectOk(await stranger.call('GET', '/api/me/reviews')).items).toEqual([]);
    expect(await rating(p.productId)).toEqual({ productId: p.productId, average: '4.00', count: 1, visibleCount: 1, hiddenCount: 0, distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 } });

    // The ledger: one review.created naming review, product, order and merchant, with the hash.
    const mine = (await events()).filter((e) => e.kind === 'review.created' && e.subject['review'] === created.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      actor: b.userId,
      subject: { review: created.id, product: p.productId, order: order.id, merchant: merchantId },
      data: { rating: 4, contentHash: created.contentHash },
    });
    // A completed order still counts as received: the line stays reviewable until reviewed (checked via a second order).
    const again = await received(p.variantId, b);
    await w.app.orders.tick(new Date(Date.now() + 30 * 86_400_000));
    expect(expectOk(await b.call('GET', `/api/orders/${again.order.id}`)).state).toBe('completed');
    expectOk(await review(b, { orderId: again.order.id, sku: p.sku, rating: 5, text: 'Bought a second one.' }), 201);
    expect((await rating(p.productId)).average).toBe('4.50');
  });

  it('the merchant replies once and may edit it; another merchant gets 404, a buyer 403', async () => {
    const p = await product();
    const { b, order } = await received(p.variantId);
    const r = expectOk(await review(b, { orderId: order.id, sku: p.sku, rating: 3, text: 'Fine, slow delivery.' }), 201);

    expectProblem(await otherStaff.call('POST', `/api/reviews/${r.id}/reply`, { text: 'Not ours' }), 404, 'not_found');
    expectProblem(await staff.call('POST', `/api/reviews/rev_${randomBytes(16).toString('hex')}/reply`, { text: 'Nobody' }), 404, 'not_found');
    expectProblem(await b.call('POST', `/api/reviews/${r.id}/reply`, { text: 'Self reply' }), 403, 'auth.forbidden');
    expectProblem(await staff.call('POST', `/api/reviews/${r.id}/reply`, { text: '   ' }), 400, 'review.bad_text');

    const first = expectOk(await staff.call('POST', `/api/reviews/${r.id}/reply`, { text: 'Sorry for the wait: we changed carriers.' }));
    expect(first.reply).toMatchObject({ text: 'Sorry for the wait: we changed carriers.' });
    const edited = expectOk(await staff.call('POST', `/api/reviews/${r.id}/reply`, { text: 'Sorry for the wait — we now ship with SF.' }));
    expect(edited.reply.text).toBe('Sorry for the wait — we now ship with SF.');
    expect(edited.reply.repliedAt).toBe(first.reply.repliedAt);
    // One reply, its latest version, is what the public sees.
    expect((await publicList(p.productId)).items[0].reply.text).toBe('Sorry for the wait — we now ship with SF.');
    expect(expectOk(await staff.call('GET', '/api/merchant/reviews?unanswered=true')).items.map((x: { id: string }) => x.id)).not.toContain(r.id);
    expect(expectOk(await otherStaff.call('GET', '/api/merchant/reviews')).items).toEqual([]);

    const replies = (await events()).filter((e) => e.kind === 'review.replied' && e.subject['review'] === r.id);
    expect(replies.map((e) => e.data)).toEqual([
      { contentHash: replyContentHash('Sorry for the wait: we changed carriers.'), edited: false },
      { contentHash: replyContentHash('Sorry for the wait — we now ship with SF.'), edited: true },
    ]);
    expect(replies.every((e) => e.actor === staff.userId && e.subject['merchant'] === merchantId)).toBe(true);
  });

  it('moderation hides a review from lists but it stays counted and hashed in the ledger; no review text is ever in the ledger', async () => {
    const p = await product();
    const good = await received(p.variantId);
    const badOne = await received(p.variantId);
    const goodText = 'Lovely glaze, a perfect gift.';
    const badText = 'Terrible!!! visit my-spam-shop for cheap teapots';
    const g = expectOk(await review(good.b, { orderId: good.order.id, sku: p.sku, rating: 5, text: goodText, photos: ['http://img.example/glaze.png'] }), 201);
    const s = expectOk(await review(badOne.b, { orderId: badOne.order.id, sku: p.sku, rating: 2, text: badText }), 201);
    const before = await rating(p.productId);
    expect(before).toMatchObject({ average: '3.50', count: 2, visibleCount: 2, hiddenCount: 0, distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 } });

    // Only admins moderate, with a known reason code.
    expectProblem(await staff.call('POST', `/api/admin/reviews/${s.id}/hide`, { reason: 'spam' }), 403);
    expectProblem(await admin.call('POST', `/api/admin/reviews/${s.id}/hide`, { reason: 'i do not like it' }), 400);
    expectProblem(await admin.call('POST', `/api/admin/reviews/rev_${randomBytes(16).toString('hex')}/hide`, { reason: 'spam' }), 404);

    const hidden = expectOk(await admin.call('POST', `/api/admin/reviews/${s.id}/hide`, { reason: 'spam' }));
    expect(hidden).toMatchObject({ id: s.id, hidden: true, hiddenReason: 'spam' });
    expectProblem(await admin.call('POST', `/api/admin/reviews/${s.id}/hide`, { reason: 'spam' }), 409, 'review.already_hidden');

    // Gone from the public list and the public single view; the distribution is unchanged.
    expect((await publicList(p.productId)).items.map((r: { id: string }) => r.id)).toEqual([g.id]);
    expectProblem(await w.anon('GET', `/api/reviews/${s.id}`), 404);
    expect(await rating(p.productId)).toEqual({ ...before, visibleCount: 1, hiddenCount: 1 });
    // Its author still sees it, flagged; so do admins.
    expect(expectOk(await badOne.b.call('GET', '/api/me/reviews')).items[0]).toMatchObject({ id: s.id, hidden: true, hiddenReason: 'spam' });
    expect(expectOk(await admin.call('GET', '/api/admin/reviews?hidden=true')).items.map((r: { id: string }) => r.id)).toContain(s.id);

    const all = await events();
    const hiddenEntry = all.filter((e) => e.kind === 'review.hidden');
    expect(hiddenEntry).toHaveLength(1);
    expect(hiddenEntry[0]).toMatchObject({ actor: admin.userId, subject: { review: s.id, product: p.productId, merchant: merchantId }, data: { reason: 'spam' } });
    // The hash of the hidden review is still in the log, and matches its content.
    const createdEntry = all.find((e) => e.kind === 'review.created' && e.subject['review'] === s.id)!;
    expect(createdEntry.data['contentHash']).toBe(reviewContentHash(badText, []));

    // Unhide: back in the list (newest first), counts unchanged.
    const shown = expectOk(await admin.call('POST', `/api/admin/reviews/${s.id}/unhide`, { reason: 'appeal_upheld' }));
    expect(shown).toMatchObject({ hidden: false, hiddenReason: null });
    expectProblem(await admin.call('POST', `/api/admin/reviews/${s.id}/unhide`, { reason: 'appeal_upheld' }), 409, 'review.not_hidden');
    expect((await publicList(p.productId)).items.map((r: { id: string }) => r.id)).toEqual([s.id, g.id]);
    expect(await rating(p.productId)).toEqual(before);
    expect((await events()).filter((e) => e.kind === 'review.unhidden' && e.subject['review'] === s.id).map((e) => e.data)).toEqual([{ reason: 'appeal_upheld' }]);

    // Paging: one at a time, newest first.
    const page1 = await publicList(p.productId, '?limit=1');
    expect(page1.items.map((r: { id: string }) => r.id)).toEqual([s.id]);
    const page2 = await publicList(p.productId, `?limit=1&cursor=${page1.nextCursor}`);
    expect(page2).toEqual({ items: [expect.objectContaining({ id: g.id })], nextCursor: null });

    // No review text (nor reply, nor photo URL) anywhere in the ledger.
    expectOk(await staff.call('POST', `/api/reviews/${g.id}/reply`, { text: 'Thank you kindly for the glaze praise' }));
    const raw = (await rawEntries()).join('\n');
    expect(raw).toContain(s.id);
    for (const t of [goodText, badText, 'my-spam-shop', 'Lovely glaze', 'glaze praise', 'img.example']) expect(raw).not.toContain(t);
  });

  it('concurrent reviews of one order line: exactly one is created, the others are 409', async () => {
    const p = await product();
    const { b, order } = await received(p.variantId);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => review(b, { orderId: order.id, sku: p.sku, rating: 1 + (i % 5), text: `Attempt ${i}` })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) expectProblem(r, 409, 'review.duplicate');
    expect((await rating(p.productId)).count).toBe(1);
    expect((await events()).filter((e) => e.kind === 'review.created' && e.subject['order'] === order.id)).toHaveLength(1);
  });

  it('refuses bad input: ratings 0, 6 and 2.5, bad photos, empty or long text; unknown products are 404', async () => {
    const p = await product();
    const { b, order } = await received(p.variantId);
    const base = { orderId: order.id, sku: p.sku, rating: 5, text: 'Good.' };
    for (const r of [0, 6, 2.5, '5x', null]) expectProblem(await review(b, { ...base, rating: r }), 400);
    expectProblem(await review(b, { ...base, text: '' }), 400);
    expectProblem(await review(b, { ...base, text: '  \n ' }), 400, 'review.bad_text');
    expectProblem(await review(b, { ...base, text: 'x'.repeat(2001) }), 400);
    expectProblem(await review(b, { ...base, photos: ['ftp://img.example/a.jpg'] }), 400, 'review.bad_photo_url');
    expectProblem(await review(b, { ...base, photos: ['javascript:alert(1)'] }), 400, 'review.bad_photo_url');
    expectProblem(await review(b, { ...base, photos: Array.from({ length: 7 }, (_, i) => `https://img.example/${i}.jpg`) }), 400);
    expectProblem(await review(b, { ...base, extra: 1 }), 400);
    // Nothing was stored by the refusals: the line can still be reviewed, with 6 photos and 2000 characters.
    const ok = expectOk(await review(b, { ...base, text: 'y'.repeat(2000), photos: Array.from({ length: 6 }, (_, i) => `https://img.example/${i}.jpg`) }), 201);
    expect(ok.photos).toHaveLength(6);
    expect(expectOk(await b.call('GET', '/api/me/reviews')).items).toHaveLength(1);

    const missing = `prd_${randomBytes(16).toString('hex')}`;
    expectProblem(await w.anon('GET', `/api/products/${missing}/reviews`), 404);
    expectProblem(await w.anon('GET', `/api/products/${missing}/rating`), 404);
    expectProblem(await w.anon('GET', `/api/products/${p.productId}/reviews?cursor=nonsense!`), 400);
  });
});
