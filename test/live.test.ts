// Live shopping through the HTTP API on SQLite and PostgreSQL: sessions and their states, chat
// (rate limit, mute, delete), the SSE stream, pins with a live-only price and a quota that
// concurrent checkouts never oversell, quota returned by cancellation, and the replay.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyOrderReceipt } from '../src/orders/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const STREAM = 'https://stream.example.com/live/teapots/index.m3u8';

describe.each(backends())('live shopping on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let merchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House', commissionBps: 500 })).id;
    const other = (await w.app.catalog.createMerchant('system', { name: 'Other Shop', commissionBps: 500 })).id;
    staff = await w.user('merchant_staff', { merchantId });
    otherStaff = await w.user('merchant_staff', { merchantId: other });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai warehouse', code: 'SH1' })).id;
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  async function variant(price: number, units: number, merchant = merchantId): Promise<string> {
    const p = await w.app.catalog.createProduct(merchant, 'system', {
      title: `Teapot ${randomBytes(3).toString('hex')}`, description: 'Yixing clay', status: 'active',
      variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }],
    });
    const v = p.variants[0]!.id;
    if (units > 0) await w.app.inventory.setStock({ userId: 'system', merchantId: merchant }, { variantId: v, locationId, onHand: units });
    return v;
  }

  async function buyer(funds = 1_000_000n): Promise<Caller> {
    const b = await w.user('buyer');
    if (funds > 0n) await w.fund(b.userId, funds);
    return b;
  }

  async function session(start = true): Promise<string> {
    const s = expectOk(await staff.call('POST', '/api/merchant/live', { title: 'Spring teapots', description: 'New clay', scheduledAt: new Date(Date.now() + 3600_000).toISOString(), streamUrl: STREAM }), 201);
    expect(s).toMatchObject({ state: 'scheduled', merchantId, streamUrl: STREAM, pins: [], viewers: 0 });
    if (start) expect(expectOk(await staff.call('POST', `/api/live/${s.id}/start`)).state).toBe('live');
    return s.id;
  }

  const buy = (b: Caller, variantId: string, sessionId: string | undefined, qty = 1) =>
    b.call('POST', '/api/checkout', { items: [{ variantId, qty, ...(sessionId ? { liveSessionId: sessionId } : {}) }], shippingAddress: ADDRESS }, key());

  const available = async (variantId: string) => (await w.app.inventory.available(w.app.db.kysely, [variantId])).get(variantId) ?? 0;

  it('schedules, starts and ends a session: states enforced, ledger entries with ids only, public list and tenancy', async () => {
    for (const bad of ['http://stream.example.com/a.m3u8', 'https://stream.example.com/a.mp4', 'ftp://x/a.m3u8', 'https://u:p@stream.example.com/a.m3u8', 'not a url']) {
      expectProblem(await staff.call('POST', '/api/merchant/live', { title: 'x', scheduledAt: new Date().toISOString(), streamUrl: bad }), 400, 'live.bad_stream_url');
    }
    // Development: a stream on this machine.
    expectOk(await staff.call('POST', '/api/merchant/live', { title: 'dev', scheduledAt: new Date().toISOString(), streamUrl: 'http://127.0.0.1:8080/hls/a.m3u8' }), 201);
    const b = await buyer(0n);
    expectProblem(await b.call('POST', '/api/merchant/live', { title: 'x', scheduledAt: new Date().toISOString(), streamUrl: STREAM }), 403);

    const id = await session(false);
    expectProblem(await staff.call('POST', `/api/live/${id}/end`), 409, 'live.cannot_end');
    expectProblem(await otherStaff.call('POST', `/api/live/${id}/start`), 404);
    expectProblem(await b.call('POST', `/api/live/${id}/start`), 403);
    expectOk(await staff.call('POST', `/api/live/${id}/start`));
    expectProblem(await staff.call('POST', `/api/live/${id}/start`), 409, 'live.cannot_start');
    const listed = expectOk(await w.anon('GET', '/api/live?limit=200'));
    expect(listed.items.find((s: { id: string }) => s.id === id)?.state).toBe('live');
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).state).toBe('live');
    const ended = expectOk(await staff.call('POST', `/api/live/${id}/end`));
    expect(ended).toMatchObject({ state: 'ended', endedAt: expect.any(String) });
    expect(expectOk(await w.anon('GET', '/api/live?limit=200')).items.some((s: { id: string }) => s.id === id)).toBe(false);
    expect(expectOk(await staff.call('GET', '/api/merchant/live?limit=200')).items.some((s: { id: string }) => s.id === id)).toBe(true);
    expectProblem(await w.anon('GET', '/api/live/live_nope'), 404);

    // The ledger: live.started and live.ended naming session and merchant, no text.
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: randomBytes(4).toString('hex') } }]);
    const size = (await w.app.ledger.latest())?.treeSize ?? 0;
    const mine = (await w.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body)).filter((e) => e.subject['session'] === id);
    expect(mine.map((e) => e.kind)).toEqual(['live.started', 'live.ended']);
    for (const e of mine) {
      expect(e.subject).toEqual({ session: id, merchant: merchantId });
      expect(e.actor).toBe(staff.userId);
      expect(JSON.stringify(e)).not.toContain('Spring teapots');
    }
  });

  it('paging: the public list pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await session(false);
    const first = expectOk(await w.anon('GET', '/api/live?limit=2'));
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = expectOk(await w.anon('GET', `/api/live?limit=2&cursor=${first.nextCursor}`));
    expect(second.items.map((s: { id: string }) => s.id)).not.toContain(first.items[0].id);
  });

  it('the list carries each session\'s active pins, as the session\'s own page does', async () => {
    const ids = [await session(), await session()];
    const variants = [await variant(10_000, 5), await variant(12_000, 5)];
    for (let i = 0; i < 2; i++) expectOk(await staff.call('POST', `/api/live/${ids[i]}/pins`, { variantId: variants[i], livePriceMinor: 7_000 + i, quota: 2 }), 201);
    const listed = expectOk(await w.anon('GET', '/api/live?limit=200'));
    for (let i = 0; i < 2; i++) {
      const inList = listed.items.find((s: { id: string }) => s.id === ids[i]);
      expect(inList.pins).toMatchObject([{ sessionId: ids[i], variantId: variants[i], livePriceMinor: String(7_000 + i), quota: 2 }]);
      expect(inList.pins).toEqual(expectOk(await w.anon('GET', `/api/live/${ids[i]}`)).pins);
    }
    for (const s of listed.items) expect(s.pins.every((p: { sessionId: string }) => p.sessionId === s.id)).toBe(true);
  });

  it('live price only while live, receipt verifies with the live price; a cancelled order returns its quota', async () => {
    const v = await variant(10_000, 50);
    const id = await session(false);
    // Pins: only your own variants, sensible prices.
    const foreign = await variant(100, 0, (await w.app.catalog.createMerchant('system', { name: 'Third', commissionBps: 0 })).id);
    expectProblem(await staff.call('POST', `/api/live/${id}/pins`, { variantId: foreign, livePriceMinor: 50, quota: 1 }), 404);
    expectProblem(await otherStaff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 50, quota: 1 }), 404);
    expectProblem(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 0, quota: 1 }), 400);
    const pin = expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 6_600, quota: 3 }), 201);
    expect(pin).toMatchObject({ variantId: v, livePriceMinor: '6600', listPriceMinor: '10000', quota: 3, sold: 0, remaining: 3 });
    expectProblem(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 6_000, quota: 3 }), 409, 'live.already_pinned');

    const b = await buyer();
    // Scheduled, not live yet: no live price.
    expectProblem(await buy(b, v, id), 409, 'live.not_live');
    expectOk(await staff.call('POST', `/api/live/${id}/start`));
    const chk = expectOk(await buy(b, v, id, 2), 201);
    const order = chk.orders[0];
    expect(order.totalMinor).toBe('13200');
    expect(order.items[0].unitPriceMinor).toBe('6600');
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0]).toMatchObject({ sold: 2, remaining: 1 });
    // Without the session the list price applies.
    expect(expectOk(await buy(b, v, undefined), 201).orders[0].totalMinor).toBe('10000');
    // Mixed lines for one variant are refused.
    expectProblem(await b.call('POST', '/api/checkout', { items: [{ variantId: v, qty: 1, liveSessionId: id }, { variantId: v, qty: 1 }], shippingAddress: ADDRESS }, key()), 400, 'checkout.live_line_conflict');
    // Over the quota: refused whole, nothing sold.
    expectProblem(await buy(b, v, id, 2), 409, 'live.quota_exhausted');
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0].sold).toBe(2);

    // The receipt carries the live price and verifies.
    const receipt = expectOk(await b.call('GET', `/api/orders/${order.id}/receipt`));
    expect(receipt.document.items[0].unitPriceMinor).toBe('6600');
    expect(verifyOrderReceipt(receipt, w.app.verifierKey).ok).toBe(true);

    // Cancel: the quota comes back, once.
    expectOk(await b.call('POST', `/api/orders/${order.id}/cancel`, { reason: 'changed_mind' }, key()));
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0]).toMatchObject({ sold: 0, remaining: 3 });

    // Rejected by the merchant: back too.
    const again = expectOk(await buy(b, v, id, 3), 201).orders[0];
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0].remaining).toBe(0);
    expectOk(await staff.call('POST', `/api/orders/${again.id}/reject`, { reason: 'out_of_stock' }, key()));
    expect(expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0].remaining).toBe(3);

    // Ended: the live price no longer applies.
    expectOk(await staff.call('POST', `/api/live/${id}/end`));
    expectProblem(await buy(b, v, id), 409, 'live.not_live');
    // Unknown sessions, unpinned variants.
    expectProblem(await buy(b, v, 'live_nope'), 404, 'live.not_found');
  });

  it('quota 5, 30 concurrent checkouts by different buyers: exactly 5 succeed at the live price, stock consistent', async () => {
    const v = await variant(10_000, 100);
    const id = await session();
    expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 1_000, quota: 5 }), 201);
    const buyers = await Promise.all(Array.from({ length: 30 }, () => buyer()));
    const before = await available(v);
    const results = await Promise.all(buyers.map((b) => buy(b, v, id)));
    const ok = results.filter((r) => r.statusCode === 201);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(ok).toHaveLength(5);
    for (const r of ok) expect(r.json().orders[0].totalMinor).toBe('1000');
    for (const r of refused) expectProblem(r, 409, 'live.quota_exhausted');
    const pin = expectOk(await w.anon('GET', `/api/live/${id}`)).pins[0];
    expect(pin).toMatchObject({ sold: 5, remaining: 0 });
    expect(await available(v)).toBe(before - 5);
    const claims = await w.app.db.kysely.selectFrom('live_claim').select((eb) => eb.fn.sum<number>('qty').as('n')).where('session_id', '=', id).executeTakeFirstOrThrow();
    expect(Number(claims.n)).toBe(5);
  });

  // SQLite has one writer, so a checkout and the end cannot interleave there; on PostgreSQL the end
  // must wait for a checkout that has taken the live price and not yet committed.
  it.runIf(backend.name === 'postgres')('viewers get the pins once a checkout has committed, not the counts from before it', async () => {
    const v = await variant(3_000, 5);
    const id = await session();
    expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 2_000, quota: 3 }), 201);
    const b = await buyer();
    const seen: number[] = [];
    const leave = w.app.live.hub.join(id, (e) => { if (e.type === 'pins') seen.push((e.data as { remaining: number }[])[0]!.remaining); });
    // The checkout's transaction stays open after its claim: its stock row is locked elsewhere for 300 ms.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = w.app.db.kysely.transaction().execute(async (trx) => {
      await trx.selectFrom('inventory_item').select('variant_id').where('variant_id', '=', v).forUpdate().execute();
      locked();
      await held;
    });
    await isLocked;
    const bought = buy(b, v, id);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await holder;
    expectOk(await bought, 201);
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    leave();
    expect(seen).toEqual([2]);
  });

  it.runIf(backend.name === 'postgres')('ending a session waits for a checkout already buying at its live price; one after the end is refused', async () => {
    const v = await variant(10_000, 10);
    const id = await session();
    expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 1_000, quota: 5 }), 201);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let priced!: () => void;
    const pricing = new Promise<void>((r) => (priced = r));
    const checkout = w.app.db.kysely.transaction().execute(async (trx) => {
      expect((await w.app.live.livePrice(trx, id, v)).priceMinor).toBe(1_000n);
      priced();
      await held;
    });
    await pricing;
    let endedEarly = false;
    const end = staff.call('POST', `/api/live/${id}/end`).then((r) => ((endedEarly = true), r));
    await new Promise((r) => setTimeout(r, 400));
    expect(endedEarly).toBe(false);
    release();
    await checkout;
    expect(expectOk(await end).state).toBe('ended');
    expectProblem(await buy(await buyer(), v, id), 409, 'live.not_live');
  });

  it('chat: signed-in only, bounded, one per second (429 + Retry-After), muted users refused, moderators delete, replay without deleted messages', async () => {
    const id = await session();
    const b = await buyer(0n);
    const rude = await buyer(0n);
    expectProblem(await w.anon('POST', `/api/live/${id}/chat`, { text: 'hi' }), 401);
    expectProblem(await b.call('POST', `/api/live/${id}/chat`, { text: 'x'.repeat(501) }), 400);
    expectProblem(await b.call('POST', `/api/live/${id}/chat`, { text: '   ' }), 400);
    const m1 = expectOk(await b.call('POST', `/api/live/${id}/chat`, { text: 'Is the lid included?' }), 201);
    expect(m1).toMatchObject({ text: 'Is the lid included?', sessionId: id, author: expect.stringMatching(/^viewer-[0-9a-f]{8}$/) });
    const fast = await b.call('POST', `/api/live/${id}/chat`, { text: 'again' });
    expectProblem(fast, 429, 'live.rate_limited');
    expect(Number(fast.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const bad = expectOk(await rude.call('POST', `/api/live/${id}/chat`, { text: 'spam spam' }), 201);
    // Moderation: another merchant's staff and buyers cannot.
    expectProblem(await otherStaff.call('DELETE', `/api/live/${id}/chat/${bad.id}`), 404);
    expectProblem(await b.call('DELETE', `/api/live/${id}/chat/${bad.id}`), 403);
    expectProblem(await b.call('POST', `/api/live/${id}/mutes`, { messageId: bad.id }), 403);
    expect(expectOk(await staff.call('POST', `/api/live/${id}/mutes`, { messageId: bad.id }))).toEqual({ sessionId: id, userId: rude.userId, muted: true });
    expectProblem(await rude.call('POST', `/api/live/${id}/chat`, { text: 'let me talk' }), 403, 'live.muted');
    expect((await staff.call('DELETE', `/api/live/${id}/chat/${bad.id}`)).statusCode).toBe(204);
    expect((await admin.call('DELETE', `/api/live/${id}/chat/${bad.id}`)).statusCode).toBe(204);
    expectProblem(await staff.call('DELETE', `/api/live/${id}/chat/lmsg_nope`), 404);
    // Unmute works.
    expect(expectOk(await staff.call('DELETE', `/api/live/${id}/mutes/${rude.userId}`)).muted).toBe(false);

    expectProblem(await w.anon('GET', `/api/live/${id}/replay`), 409, 'live.not_ended');
    expectOk(await staff.call('POST', `/api/live/${id}/end`));
    expectProblem(await b.call('POST', `/api/live/${id}/chat`, { text: 'late' }), 409, 'live.ended');
    const replay = expectOk(await w.anon('GET', `/api/live/${id}/replay`));
    expect(replay.items.map((m: { id: string }) => m.id)).toEqual([m1.id]);
    expect(replay.items[0].userId).toBeNull();
    expect(expectOk(await staff.call('GET', `/api/live/${id}/replay`)).items[0].userId).toBe(b.userId);
  });

  it('replay: pin history with live price and sold, chat paged oldest first', async () => {
    const v1 = await variant(5_000, 10);
    const v2 = await variant(7_000, 10);
    const id = await session();
    const p1 = expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v1, livePriceMinor: 4_000, quota: 2 }), 201);
    const b = await buyer();
    expectOk(await buy(b, v1, id), 201);
    expectOk(await staff.call('DELETE', `/api/live/${id}/pins/${p1.id}`));
    expectProblem(await buy(b, v1, id), 409, 'live.not_pinned');
    expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v2, livePriceMinor: 6_000, quota: 4 }), 201);
    // Messages from several users (one per second per user).
    const talkers = await Promise.all([1, 2, 3].map(() => buyer(0n)));
    for (const t of talkers) expectOk(await t.call('POST', `/api/live/${id}/chat`, { text: `hello from ${t.userId.slice(-4)}` }), 201);
    expectOk(await staff.call('POST', `/api/live/${id}/end`));
    const r1 = expectOk(await w.anon('GET', `/api/live/${id}/replay?limit=2`));
    expect(r1.pins.map((p: { livePriceMinor: string; sold: number; unpinnedAt: string | null }) => [p.livePriceMinor, p.sold, p.unpinnedAt === null])).toEqual([['4000', 1, false], ['6000', 0, true]]);
    expect(r1.items).toHaveLength(2);
    const r2 = expectOk(await w.anon('GET', `/api/live/${id}/replay?limit=2&cursor=${r1.nextCursor}`));
    expect(r2.items).toHaveLength(1);
    expect(r2.nextCursor).toBeNull();
    expect([...r1.items, ...r2.items].map((m: { text: string }) => m.text)).toEqual(talkers.map((t) => `hello from ${t.userId.slice(-4)}`));
  });

  it('personal data: the chat is in the export, and erasure removes the text from the chat and the replay', async () => {
    const id = await session();
    const b = await buyer(0n);
    const m = expectOk(await b.call('POST', `/api/live/${id}/chat`, { text: 'my secret chat' }), 201);
    const exported = expectOk(await b.call('GET', '/api/me/export'));
    expect(exported.liveChat).toEqual([{ sessionId: id, text: 'my secret chat', createdAt: m.createdAt, deleted: false }]);
    expectOk(await b.call('POST', '/api/me/erasure', { confirm: 'erase my personal data' }, key()));
    expectOk(await staff.call('POST', `/api/live/${id}/end`));
    expect(expectOk(await w.anon('GET', `/api/live/${id}/replay`)).items).toEqual([]);
    const row = await w.app.db.kysely.selectFrom('live_message').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.text).toBe('');
  });

  it('SSE: the stream sends the chat backlog, new messages, deletions, pins and the viewer count', async () => {
    const v = await variant(3_000, 5);
    const id = await session();
    const b = await buyer();
    const early = expectOk(await b.call('POST', `/api/live/${id}/chat`, { text: 'first!' }), 201);
    const address = await w.app.http.listen({ host: '127.0.0.1', port: 0 });
    const events: { event: string; data: any }[] = [];
    const waitFor = async (pred: () => boolean) => {
      for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred()).toBe(true);
    };
    const req = http.get(`${address}/api/live/${id}/events`);
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-store');
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
      }
    });
    await waitFor(() => events.some((e) => e.event === 'viewers' && e.data.count === 1));
    expect(events.find((e) => e.event === 'chat')?.data).toMatchObject({ id: early.id, text: 'first!', userId: null });
    expect(w.app.live.hub.viewers(id)).toBe(1);

    const other = await buyer(0n);
    const m = expectOk(await other.call('POST', `/api/live/${id}/chat`, { text: 'second' }), 201);
    await waitFor(() => events.some((e) => e.event === 'chat' && e.data.id === m.id));
    expect((await staff.call('DELETE', `/api/live/${id}/chat/${m.id}`)).statusCode).toBe(204);
    await waitFor(() => events.some((e) => e.event === 'chat.deleted' && e.data.id === m.id));
    expectOk(await staff.call('POST', `/api/live/${id}/pins`, { variantId: v, livePriceMinor: 2_000, quota: 2 }), 201);
    await waitFor(() => events.some((e) => e.event === 'pins' && e.data.length === 1 && e.data[0].remaining === 2));
    expectOk(await buy(b, v, id), 201);
    await waitFor(() => events.some((e) => e.event === 'pins' && e.data.length === 1 && e.data[0].remaining === 1));

    req.destroy();
    await waitFor(() => w.app.live.hub.viewers(id) === 0);
  });
});
