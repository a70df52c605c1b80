import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsService, verifyWebhook } from '../src/notifications/index.ts';
import type { Notice } from '../src/shared/notify.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

/** A local webhook receiver answering with the given statuses in turn (then 200). */
async function receiver(statuses: number[] = []) {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/in`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Opens the SSE stream over a real socket and reads events from it. */
async function openStream(base: string, caller: Caller, lastEventId?: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/notifications/stream`, {
    headers: { authorization: caller.auth, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: SseEvent[] = [];
  let ended = false;
  const pump = async () => {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const ev: SseEvent = {};
      for (const line of block.split('\n')) {
        const m = /^(id|event|data): (.*)$/.exec(line);
        if (m) ev[m[1] as keyof SseEvent] = m[2]!;
      }
      if (ev.data !== undefined) events.push(ev);
    }
  };
  return {
    events,
    /** Reads until n events arrived (or the stream ended); fails after a few seconds. */
    async next(n: number): Promise<SseEvent[]> {
      const deadline = Date.now() + 5_000;
      while (events.length < n && !ended) {
        expect(Date.now()).toBeLessThan(deadline);
        await pump();
      }
      return events.slice(0, n);
    },
    /** Resolves true once the server has ended the stream. */
    async ends(): Promise<boolean> {
      while (!ended) await pump();
      return true;
    },
    close: () => abort.abort(),
  };
}

describe.each(backends())('notifications on $name', (backend) => {
  let world: World;
  let staffA: Caller;
  let staffA2: Caller;
  let staffB: Caller;
  let buyer: Caller;
  const commit = (notice: Notice) => world.app.db.kysely.transaction().execute((trx) => world.app.notifications.notify(trx, notice));

  beforeAll(async () => {
    world = await startWorld(backend);
    staffA = await world.user('merchant_staff', { merchantId: 'mer_a' });
    staffA2 = await world.user('merchant_staff', { merchantId: 'mer_a' });
    staffB = await world.user('merchant_staff', { merchantId: 'mer_b' });
    buyer = await world.user('buyer');
  });
  afterAll(async () => world?.close());

  it('writes nothing when the caller rolls back, and shows a committed notice to every staff user of the merchant only', async () => {
    const rx = await receiver();
    try {
      const ep = expectOk(await staffA.call('POST', '/api/merchant/webhooks', { url: rx.url, events: ['*'] }), 201);
      await expect(
        world.app.db.kysely.transaction().execute(async (trx) => {
          await world.app.notifications.notify(trx, { audience: { merchantId: 'mer_a' }, kind: 'order.created', data: { orderId: 'ord_rolled_back' } });
          throw new Error('the command failed after notifying');
        }),
      ).rejects.toThrow('the command failed');
      expect(expectOk(await staffA.call('GET', '/api/notifications')).items).toEqual([]);
      expect(expectOk(await staffA.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`)).items).toEqual([]);
      expect(await world.app.notifications.deliverDue(new Date())).toBe(0);
      expect(rx.got).toHaveLength(0);

      await commit({ audience: { merchantId: 'mer_a' }, kind: 'order.created', data: { orderId: 'ord_1', total: '4990' } });
      await commit({ audience: { userId: buyer.userId }, kind: 'order.shipped', data: { orderId: 'ord_1' } });
      for (const staff of [staffA, staffA2]) {
        const list = expectOk(await staff.call('GET', '/api/notifications'));
        expect(list.items).toHaveLength(1);
        expect(list.items[0]).toMatchObject({ kind: 'order.created', audience: 'merchant', data: { orderId: 'ord_1', total: '4990' }, readAt: null });
        expect(list.items[0].id).toMatch(/^ntf_[0-9a-f]{32}$/);
      }
      const mine = expectOk(await staffA.call('GET', '/api/notifications')).items[0];
      expect(expectOk(await staffB.call('GET', '/api/notifications')).items).toEqual([]);
      const buyers = expectOk(await buyer.call('GET', '/api/notifications')).items;
      expect(buyers.map((n: { kind: string }) => n.kind)).toEqual(['order.shipped']);
      // Someone else's notice is answered like a missing one.
      expectProblem(await staffB.call('POST', `/api/notifications/${mine.id}/read`), 404, 'not_found');
      expectProblem(await buyer.call('POST', `/api/notifications/${mine.id}/read`), 404, 'not_found');
      expectProblem(await world.anon('GET', '/api/notifications'), 401);

      const read = expectOk(await staffA2.call('POST', `/api/notifications/${mine.id}/read`));
      expect(read.readAt).toEqual(expect.any(String));
      // Read by one staff user is read for the merchant.
      expect(expectOk(await staffA.call('GET', '/api/notifications?unread=true')).items).toEqual([]);
      // The committed merchant notice queued exactly one delivery; the user notice none.
      const deliveries = expectOk(await staffA.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`)).items;
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ kind: 'order.created', state: 'pending', attempts: 0 });
      expect((await staffA.call('DELETE', `/api/merchant/webhooks/${ep.id}`)).statusCode).toBe(204);
    } finally {
      await rx.close();
    }
  });

  it('pages notices newest first with an opaque cursor', async () => {
    for (let i = 0; i < 5; i++) await commit({ audience: { userId: staffB.userId }, kind: 'stock.low', data: { n: i } });
    const p1 = expectOk(await staffB.call('GET', '/api/notifications?limit=2'));
    const p2 = expectOk(await staffB.call('GET', `/api/notifications?limit=2&cursor=${p1.nextCursor}`));
    const p3 = expectOk(await staffB.call('GET', `/api/notifications?limit=2&cursor=${p2.nextCursor}`));
    expect([...p1.items, ...p2.items, ...p3.items].map((n: { data: { n: number } }) => n.data.n)).toEqual([4, 3, 2, 1, 0]);
    expect(p3.nextCursor).toBeNull();
    expectProblem(await staffB.call('GET', '/api/notifications?cursor=bogus!'), 400);
  });

  it('delivers a correctly signed webhook to a real receiver, only for subscribed kinds', async () => {
    const rx = await receiver();
    try {
      const created = await staffA.call('POST', '/api/merchant/webhooks', { url: rx.url, events: ['order.*'] });
      const ep = expectOk(created, 201);
      expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(created.headers['cache-control']).toBe('no-store');
      // The secret is never shown again.
      const listed = expectOk(await staffA.call('GET', '/api/merchant/webhooks')).items;
      expect(listed.find((e: { id: string }) => e.id === ep.id)).toEqual({ id: ep.id, url: rx.url, events: ['order.*'], enabled: true, createdAt: ep.createdAt });
      expect(JSON.stringify(listed)).not.toContain(ep.secret);

      await commit({ audience: { merchantId: 'mer_a' }, kind: 'stock.low', data: { sku: 'sku_1' } }); // not subscribed
      await commit({ audience: { merchantId: 'mer_b' }, kind: 'order.created', data: { orderId: 'ord_b' } }); // another merchant
      await commit({ audience: { merchantId: 'mer_a' }, kind: 'order.created', data: { orderId: 'ord_2', total: '100' } });
      const now = new Date(Date.now() + 1000);
      expect(await world.app.notifications.deliverDue(now)).toBe(1);
      expect(await world.app.notifications.deliverDue(now)).toBe(0);

      expect(rx.got).toHaveLength(1);
      const { headers, body } = rx.got[0]!;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
      expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(verifyWebhook(ep.secret, headers, body, 300, now)).toBe(true);
      expect(verifyWebhook(ep.secret, headers, body.replace('ord_2', 'ord_3'), 300, now)).toBe(false);
      expect(verifyWebhook(ep.secret, headers, body, 300, new Date(now.getTime() + 301_000))).toBe(false);
      const payload = JSON.parse(body);
      expect(payload).toEqual({ type: 'order.created', timestamp: expect.any(String), data: { orderId: 'ord_2', total: '100' } });

      const [d] = expectOk(await staffA.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`)).items;
      expect(d).toMatchObject({ id: headers['webhook-id'], state: 'delivered', attempts: 1, lastStatus: 200, lastError: null, nextAttemptAt: null });

      // Other merchants' endpoints are 404; buyers may not manage webhooks at all.
      expectProblem(await staffB.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`), 404, 'not_found');
      expectProblem(await staffB.call('POST', `/api/merchant/webhooks/${ep.id}/test`), 404, 'not_found');
      expectProblem(await staffB.call('DELETE', `/api/merchant/webhooks/${ep.id}`), 404, 'not_found');
      expectProblem(await buyer.call('GET', '/api/merchant/webhooks'), 403);
      expect(expectOk(await staffB.call('GET', '/api/merchant/webhooks')).items).toEqual([]);
      expect((await staffA.call('DELETE', `/api/merchant/webhooks/${ep.id}`)).statusCode).toBe(204);
      expectProblem(await staffA.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`), 404);
    } finally {
      await rx.close();
    }
  });

  it('retries a failing receiver on the schedule: 500, 500, 200 is three attempts of one message, delivered', async () => {
    const rx = await receiver([500, 503]);
    try {
      const ep = expectOk(await staffA.call('POST', '/api/merchant/webhooks', { url: rx.url, events: ['order.created'] }), 201);
      const queued = expectOk(await staffA.call('POST', `/api/merchant/webhooks/${ep.id}/test`), 202);
      expect(queued).toMatchObject({ kind: 'webhook.test', state: 'pending', attempts: 0 });
      const svc = world.app.notifications;
      const t0 = new Date(Date.now() + 1000);
      const delivery = async () => expectOk(await staffA.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`)).items[0];

      expect(await svc.deliverDue(t0)).toBe(1);
      let d = await delivery();
      expect(d).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500, lastError: 'answered HTTP 500' });
      expect(Date.parse(d.nextAttemptAt) - t0.getTime()).toBeGreaterThanOrEqual(5_000);
      expect(Date.parse(d.nextAttemptAt) - t0.getTime()).toBeLessThanOrEqual(5_500);
      expect(await svc.deliverDue(new Date(t0.getTime() + 4_000))).toBe(0); // not due yet

      const t1 = new Date(t0.getTime() + 6_000);
      expect(await svc.deliverDue(t1)).toBe(1);
      d = await delivery();
      expect(d).toMatchObject({ state: 'pending', attempts: 2, lastStatus: 503 });
      expect(Date.parse(d.nextAttemptAt) - t1.getTime()).toBeGreaterThanOrEqual(300_000);
      expect(await svc.deliverDue(new Date(t1.getTime() + 60_000))).toBe(0);

      const t2 = new Date(t1.getTime() + 6 * 60_000);
      expect(await svc.deliverDue(t2)).toBe(1);
      d = await delivery();
      expect(d).toMatchObject({ id: queued.id, state: 'delivered', attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
      expect(await svc.deliverDue(new Date(t2.getTime() + 86_400_000))).toBe(0);

      // One message id on every attempt, each attempt signed at its own time.
      expect(rx.got.map((g) => g.headers['webhook-id'])).toEqual([queued.id, queued.id, queued.id]);
      expect(rx.got.map((g) => g.headers['webhook-timestamp'])).toEqual([t0, t1, t2].map((t) => String(Math.floor(t.getTime() / 1000))));
      rx.got.forEach((g, i) => expect(verifyWebhook(ep.secret, g.headers, g.body, 300, [t0, t1, t2][i])).toBe(true));
      expect(JSON.parse(rx.got[0]!.body)).toMatchObject({ type: 'webhook.test', data: { endpointId: ep.id } });
      expect((await staffA.call('DELETE', `/api/merchant/webhooks/${ep.id}`)).statusCode).toBe(204);
    } finally {
      await rx.close();
    }
  });

  it('never sends one attempt twice when two instances tick at once', async () => {
    const rx = await receiver();
    try {
      const ep = expectOk(await staffA.call('POST', '/api/merchant/webhooks', { url: rx.url, events: ['*'] }), 201);
      for (let i = 0; i < 3; i++) await commit({ audience: { merchantId: 'mer_a' }, kind: 'order.paid', data: { i } });
      const other = new NotificationsService(world.app.db.kysely, { allowPrivateWebhooks: true });
      const now = new Date(Date.now() + 1000);
      const [a, b] = await Promise.all([world.app.notifications.deliverDue(now), other.deliverDue(now)]);
      expect(a + b).toBe(3);
      expect(rx.got).toHaveLength(3);
      expect(new Set(rx.got.map((g) => g.headers['webhook-id'])).size).toBe(3);
      expect((await staffA.call('DELETE', `/api/merchant/webhooks/${ep.id}`)).statusCode).toBe(204);
    } finally {
      await rx.close();
    }
  });
});

describe.each(backends())('notification stream and private webhook targets on $name', (backend) => {
  it('streams notices committed after connecting, replays after Last-Event-ID, and ends on server close', async () => {
    const world = await startWorld(backend);
    let closed = false;
    try {
      const staff = await world.user('merchant_staff', { merchantId: 'mer_s' });
      const addr = await world.app.http.listen({ port: 0, host: '127.0.0.1' });
      const commit = (notice: Notice) => world.app.db.kysely.transaction().execute((trx) => world.app.notifications.notify(trx, notice));

      const s1 = await openStream(addr, staff);
      await commit({ audience: { merchantId: 'mer_other' }, kind: 'order.created', data: { orderId: 'ord_x' } });
      await commit({ audience: { merchantId: 'mer_s' }, kind: 'order.created', data: { orderId: 'ord_s1' } });
      const [e1] = await s1.next(1);
      expect(e1!.event).toBe('order.created');
      expect(JSON.parse(e1!.data!)).toMatchObject({ kind: 'order.created', data: { orderId: 'ord_s1' }, audience: 'merchant' });
      expect(e1!.id).toBe(String(JSON.parse(e1!.data!).seq));
      // A notice written by another instance (its own service, no shared emitter) arrives by polling.
      const otherInstance = new NotificationsService(world.app.db.kysely, { allowPrivateWebhooks: true });
      await world.app.db.kysely.transaction().execute((trx) => otherInstance.notify(trx, { audience: { userId: staff.userId }, kind: 'order.shipped', data: { orderId: 'ord_s1' } }));
      const [, e2] = await s1.next(2);
      expect(e2).toMatchObject({ event: 'order.shipped' });
      expect(Number(e2!.id)).toBeGreaterThan(Number(e1!.id));

      // Missed while disconnected: replayed first, in order, then live ones.
      await commit({ audience: { merchantId: 'mer_s' }, kind: 'stock.low', data: { sku: 'a' } });
      await commit({ audience: { merchantId: 'mer_s' }, kind: 'stock.low', data: { sku: 'b' } });
      const s2 = await openStream(addr, staff, e1!.id);
      const replayed = await s2.next(3);
      expect(replayed.map((e) => e.event)).toEqual(['order.shipped', 'stock.low', 'stock.low']);
      expect(replayed.map((e) => JSON.parse(e.data!).data.sku ?? null)).toEqual([null, 'a', 'b']);
      await commit({ audience: { merchantId: 'mer_s' }, kind: 'order.paid', data: { orderId: 'ord_s2' } });
      const all = await s2.next(4);
      expect(all[3]!.event).toBe('order.paid');
      expect(new Set(all.map((e) => e.id)).size).toBe(4);

      // s1 stayed open all along: it got everything live, once each, in order.
      expect((await s1.next(5)).map((e) => e.id)).toEqual([e1!.id, ...all.map((e) => e.id)]);

      // Closing the server ends open streams instead of hanging on them.
      const ended = Promise.all([s1.ends(), s2.ends()]);
      await world.close();
      closed = true;
      expect(await ended).toEqual([true, true]);
    } finally {
      if (!closed) await world.close();
    }
  });

  it('refuses loopback, private and credentialed URLs when private webhooks are not allowed, also at delivery time', async () => {
    const world = await startWorld(backend, { allowPrivateWebhooks: false });
    const rx = await receiver();
    try {
      const staff = await world.user('merchant_staff', { merchantId: 'mer_p' });
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/x', 'http://[::ffff:127.0.0.1]/x']) {
        expectProblem(await staff.call('POST', '/api/merchant/webhooks', { url, events: ['*'] }), 400, 'webhook.private_address');
      }
      expectProblem(await staff.call('POST', '/api/merchant/webhooks', { url: 'https://user:pw@hooks.example.com/in', events: ['*'] }), 400, 'webhook.credentials_in_url');
      expectProblem(await staff.call('POST', '/api/merchant/webhooks', { url: 'gopher://hooks.example.com/', events: ['*'] }), 400, 'webhook.invalid_url');
      expect(expectOk(await staff.call('GET', '/api/merchant/webhooks')).items).toEqual([]);

      // An endpoint accepted elsewhere (e.g. its name resolved publicly then) is checked again when sending.
      const lenient = new NotificationsService(world.app.db.kysely, { allowPrivateWebhooks: true });
      const ep = await lenient.createEndpoint('mer_p', { url: rx.url, events: ['*'] });
      await world.app.db.kysely.transaction().execute((trx) => world.app.notifications.notify(trx, { audience: { merchantId: 'mer_p' }, kind: 'order.created', data: {} }));
      expect(await world.app.notifications.deliverDue(new Date(Date.now() + 1000))).toBe(1);
      expect(rx.got).toHaveLength(0);
      const [d] = expectOk(await staff.call('GET', `/api/merchant/webhooks/${ep.id}/deliveries`)).items;
      expect(d).toMatchObject({ state: 'pending', attempts: 1, lastStatus: null, lastError: expect.stringMatching(/non-public/) });
    } finally {
      await rx.close();
      await world.close();
    }
  });
});
