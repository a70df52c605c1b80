import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  merchantAuthHeaders,
  sandboxSignatureHeader,
  SandboxApiError,
  SandboxClient,
  SandboxSignatureError,
  signSandboxPayload,
  startSandboxGateway,
  verifySandboxSignature,
  type SandboxEvent,
  type SandboxGateway,
  type SandboxGatewayOptions,
} from '../src/sandbox-gateway/index.ts';
import { canMove, formatAmount, nextAttemptAt, refundCheck } from '../src/sandbox-gateway/flow.ts';

interface Delivery {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  event: SandboxEvent;
}

/** The merchant's notifyUrl: records every POST; answers with the queued statuses, then 200. */
async function startReceiver(statuses: number[] = []) {
  const got: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      got.push({ headers: req.headers, raw, event: JSON.parse(raw.toString('utf8')) as SandboxEvent });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`;
  return { url, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const T0 = new Date('2026-11-26T10:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A gateway on a hand-driven clock (no background loop), a receiver, and a client for key k1. */
async function setup(opts: { statuses?: number[]; gateway?: Partial<SandboxGatewayOptions> } = {}) {
  let now = T0.getTime();
  const clock = () => new Date(now);
  const receiver = await startReceiver(opts.statuses);
  const gw = await startSandboxGateway({ merchantKeys: { k1: 'secret-one', k2: 'secret-two' }, clock, tickIntervalMs: 0, ...opts.gateway });
  cleanups.push(() => receiver.close(), () => gw.close());
  const client = new SandboxClient({ baseUrl: gw.url, keyId: 'k1', secret: 'secret-one', clock });
  let n = 0;
  const pay = (extra: Record<string, unknown> = {}) =>
    client.createPayment({ paymentId: `pay_${++n}`, amountMinor: 4990n, currency: 'CNY', description: 'Green tea, 500 g', notifyUrl: receiver.url, ...extra });
  return {
    gw,
    client,
    receiver,
    pay,
    clock,
    advance: (ms: number) => {
      now += ms;
      return clock();
    },
    /** The callback as the platform checks it: signature over the raw bytes first. */
    verified: (d: Delivery) => {
      verifySandboxSignature(d.headers['sandbox-signature'] as string, d.raw, gw.signingSecret, { now: clock() });
      expect(d.headers['sandbox-event-id']).toBe(d.event.id);
      return d.event;
    },
  };
}

async function mobileForm(gwUrl: string, id: string) {
  const res = await fetch(`${gwUrl}/m/${id}`);
  const html = await res.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  return { status: res.status, html, token };
}

const postForm = (gwUrl: string, id: string, action: 'approve' | 'decline', token: string) =>
  fetch(`${gwUrl}/m/${id}/${action}`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });

describe('sandbox gateway: hosted pages and callbacks', () => {
  it('shows a QR code of the mobile page; approving there succeeds, sends one verifiable callback, and the status query agrees', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay({ returnUrl: 'https://shop.example/orders/1' });
    expect(p).toMatchObject({ status: 'pending', amountMinor: '4990', currency: 'CNY', payUrl: `${gw.url}/pay/${p.id}`, qrText: `${gw.url}/m/${p.id}`, providerTxnId: null });
    expect(p.id).toMatch(/^sbx_pay_[0-9a-f]{32}$/);

    const page = await fetch(p.payUrl);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toMatch(/<svg[^>]*>[\s\S]*<\/svg>/);
    expect(html).toContain(`${gw.url}/m/${p.id}`);
    expect(html).toContain('49.90 CNY');
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|@import|url\(/i); // no external assets, no scripts
    // It refreshes itself while pending, so the decision is on the page it links to, not in a form here.
    expect(html).toContain('http-equiv="refresh"');
    expect(html).not.toContain('<form');

    const form = await mobileForm(gw.url, p.id);
    expect(form.html).toContain('Approve');
    expect(form.token).toBeTruthy();
    expect((await postForm(gw.url, p.id, 'approve', 'forged-token')).status).toBe(403);
    expect((await client.getPayment(p.id))!.status).toBe('pending');

    const res = await postForm(gw.url, p.id, 'approve', form.token!);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/m/${p.id}`);
    expect(await gw.tick()).toBe(1);
    expect(receiver.got).toHaveLength(1);
    const event = verified(receiver.got[0]!);
    expect(event).toMatchObject({ type: 'payment.succeeded', data: { id: p.id, paymentId: p.paymentId, status: 'succeeded', amountMinor: '4990', currency: 'CNY' } });
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event.data.providerTxnId).toMatch(/^sbx_txn_[0-9a-f]{32}$/);

    const byId = await client.getPayment(p.id);
    const byRef = await client.findPayment(p.paymentId);
    expect(byId).toEqual(byRef);
    expect(byId).toMatchObject({ status: 'succeeded', providerTxnId: event.data.providerTxnId, refundedMinor: '0' });
    expect(await client.findPayment('pay_unknown')).toBeNull();

    // Decided: declining now changes nothing and the page says so.
    expect((await postForm(gw.url, p.id, 'decline', form.token!)).status).toBe(303);
    const after = await mobileForm(gw.url, p.id);
    expect(after.html).toContain('data-status="succeeded"');
    expect(after.token).toBeUndefined();
    expect(await gw.tick()).toBe(0);
    expect((await client.getPayment(p.id))!.status).toBe('succeeded');
    expect((await client.events(p.id)).map((e) => [e.type, e.state])).toEqual([['payment.succeeded', 'delivered']]);
  });

  it('declining on the confirm page fails the payment with a payment.failed callback', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay();
    const token = (await mobileForm(gw.url, p.id)).token!;
    expect((await postForm(gw.url, p.id, 'decline', token)).status).toBe(303);
    await gw.tick();
    expect(receiver.got.map((d) => verified(d))).toMatchObject([{ type: 'payment.failed', data: { status: 'failed', providerTxnId: null } }]);
    expect((await client.getPayment(p.id))!.status).toBe('failed');
  });

  it('expires a pending payment with a callback; approving afterwards shows expired and changes nothing', async () => {
    const { gw, client, receiver, pay, advance, verified } = await setup();
    const p = await pay({ expiresInS: 60 });
    const { token } = await mobileForm(gw.url, p.id);
    advance(59_000);
    expect(await gw.tick()).toBe(0);
    advance(1_000);
    expect(await gw.tick()).toBe(1);
    expect(receiver.got.map((d) => verified(d))).toMatchObject([{ type: 'payment.expired', data: { status: 'expired' } }]);

    expect((await postForm(gw.url, p.id, 'approve', token!)).status).toBe(303);
    expect((await mobileForm(gw.url, p.id)).html).toContain('Expired');
    expect(await gw.tick()).toBe(0);
    expect(receiver.got).toHaveLength(1);
    expect((await client.getPayment(p.id))!.status).toBe('expired');
    await expect(client.complete(p.id, 'succeeded')).rejects.toMatchObject({ status: 409, code: 'payment_not_pending' });
  });

  it('retries on the backoff schedule until a 2xx: 500, 500, 200 → three attempts, then nothing more', async () => {
    const { gw, client, receiver, pay, advance } = await setup({ statuses: [500, 500] });
    const p = await pay();
    await client.complete(p.id, 'succeeded');
    expect(await gw.tick()).toBe(1);
    expect(await gw.tick(advance(1_999))).toBe(0);
    expect(await gw.tick(advance(1))).toBe(1); // 2 s after the first attempt
    expect(await gw.tick(advance(9_999))).toBe(0);
    expect(await gw.tick(advance(1))).toBe(1); // 10 s after the second
    expect(await gw.tick(advance(3_600_000))).toBe(0);
    expect(receiver.got).toHaveLength(3);
    expect(new Set(receiver.got.map((d) => d.raw.toString()))).toHaveLength(1); // the same bytes every time
    const [ev] = await client.events(p.id);
    expect(ev).toMatchObject({ state: 'delivered', nextAttemptAt: null });
    expect(ev!.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 200]]);
    expect(ev!.attempts[0]!.error).toBe('HTTP 500');
  });

  it('gives up after the last scheduled attempt and records the failure', async () => {
    const { gw, client, receiver, pay, advance } = await setup({ statuses: [503, 503, 503, 503], gateway: { retrySchedule: [0, 1_000, 5_000] } });
    const p = await pay();
    await client.complete(p.id, 'failed');
    await gw.tick();
    await gw.tick(advance(1_000));
    await gw.tick(advance(5_000));
    expect(await gw.tick(advance(86_400_000))).toBe(0);
    expect(receiver.got).toHaveLength(3);
    const [ev] = await client.events(p.id);
    expect(ev).toMatchObject({ state: 'failed', nextAttemptAt: null });
    expect(ev!.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503]);
  });

  it('test mode duplicate: 3 delivers each callback three times, concurrently, with the same event id and bytes', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay({ test: { duplicate: 3 } });
    await client.complete(p.id, 'succeeded');
    expect(await gw.tick()).toBe(3);
    expect(receiver.got).toHaveLength(3);
    const events = receiver.got.map((d) => verified(d));
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(new Set(receiver.got.map((d) => d.raw.toString())).size).toBe(1);
    expect((await client.events(p.id))[0]!.attempts.map((a) => a.copy).sort()).toEqual([1, 2, 3]);
  });

  it('test mode reorder: held callbacks are delivered newest first — failed arrives after succeeded', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay({ test: { reorder: true } });
    await client.complete(p.id, 'failed');
    await expect(client.complete(p.id, 'succeeded')).rejects.toMatchObject({ status: 409 });
    await client.complete(p.id, 'succeeded', { late: true }); // the buyer's retry after a decline
    expect(await gw.tick()).toBe(0); // held
    expect(await client.release(p.id)).toEqual({ released: 2 });
    expect(await gw.tick()).toBe(2);
    expect(receiver.got.map((d) => verified(d).type)).toEqual(['payment.succeeded', 'payment.failed']);
    expect((await client.getPayment(p.id))!.status).toBe('succeeded');
  });

  it('test mode reorder waits for the first released callback before sending the next', async () => {
    const { gw, client, receiver, pay, advance } = await setup({ statuses: [500] });
    const p = await pay({ test: { reorder: true } });
    await client.complete(p.id, 'succeeded');
    await client.refund({ id: p.id, amountMinor: '4990', refundId: 'ref_1' });
    await client.release(p.id);
    expect(await gw.tick()).toBe(1); // refund.succeeded answered 500: payment.succeeded waits
    expect(await gw.tick(advance(2_000))).toBe(2);
    expect(receiver.got.map((d) => d.event.type)).toEqual(['refund.succeeded', 'refund.succeeded', 'payment.succeeded']);
  });

  it('test mode failCallbacks, delayMs and outcome', async () => {
    const { gw, client, receiver, pay, advance } = await setup();
    const flaky = await pay({ test: { failCallbacks: 2 } });
    await client.complete(flaky.id, 'succeeded');
    await gw.tick();
    await gw.tick(advance(2_000));
    expect(receiver.got).toHaveLength(0); // two simulated network failures: nothing sent
    await gw.tick(advance(10_000));
    expect(receiver.got).toHaveLength(1);
    expect((await client.events(flaky.id))[0]!.attempts.map((a) => a.error)).toEqual(['simulated_network_failure', 'simulated_network_failure', null]);

    const slow = await pay({ test: { delayMs: 5_000 } });
    await client.complete(slow.id, 'failed');
    expect(await gw.tick(advance(4_999))).toBe(0);
    expect(await gw.tick(advance(1))).toBe(1);

    const auto = await pay({ test: { outcome: 'succeeded' } });
    expect(auto.status).toBe('pending');
    expect(await gw.tick()).toBe(1);
    expect((await client.getPayment(auto.id))!.status).toBe('succeeded');
    expect(receiver.got.map((d) => [d.event.data.paymentId, d.event.type])).toEqual([
      [flaky.paymentId, 'payment.succeeded'],
      [slow.paymentId, 'payment.failed'],
      [auto.paymentId, 'payment.succeeded'],
    ]);

    // Settings can be changed after creation, too.
    const later = await pay();
    await client.setTestMode(later.id, { duplicate: 2 });
    await client.complete(later.id, 'succeeded');
    expect(await gw.tick()).toBe(2);
  });

  it('tamper: the next callback carries a wrong amount, validly signed; the one after is truthful', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay();
    await client.tamper(p.id, 'amountMinor', '1');
    await client.complete(p.id, 'succeeded');
    await client.refund({ id: p.id, amountMinor: '990', refundId: 'ref_t' });
    await gw.tick();
    const [first, second] = receiver.got.map((d) => verified(d));
    expect(first).toMatchObject({ type: 'payment.succeeded', data: { amountMinor: '1' } });
    expect(second).toMatchObject({ type: 'refund.succeeded', data: { amountMinor: '4990', refundAmountMinor: '990' } });
  });

  it('cancels a pending payment with a callback; a decided one cannot be canceled', async () => {
    const { gw, client, receiver, pay } = await setup();
    const p = await pay();
    expect((await client.cancel(p.id)).status).toBe('canceled');
    expect((await client.cancel(p.id)).status).toBe('canceled'); // idempotent
    await gw.tick();
    expect(receiver.got.map((d) => d.event.type)).toEqual(['payment.canceled']);
    const q = await pay();
    await client.complete(q.id, 'succeeded');
    await expect(client.cancel(q.id)).rejects.toMatchObject({ status: 409, code: 'payment_not_pending' });
  });

  it('delivers by itself with the background loop', async () => {
    const receiver = await startReceiver();
    const gw = await startSandboxGateway({ merchantKeys: { k: 's' }, tickIntervalMs: 20 });
    cleanups.push(() => receiver.close(), () => gw.close());
    const client = new SandboxClient({ baseUrl: gw.url, keyId: 'k', secret: 's' });
    const p = await client.createPayment({ paymentId: 'bg', amountMinor: '100', currency: 'CNY', description: 'x', notifyUrl: receiver.url });
    await client.complete(p.id, 'succeeded');
    for (let i = 0; i < 100 && receiver.got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(receiver.got.map((d) => d.event.type)).toEqual(['payment.succeeded']);
    verifySandboxSignature(receiver.got[0]!.headers['sandbox-signature'] as string, receiver.got[0]!.raw, gw.signingSecret);
  });
});

describe('sandbox gateway: refunds', () => {
  it('partial, then the rest; idempotent on refundId; never more than paid', async () => {
    const { gw, client, receiver, pay, verified } = await setup();
    const p = await pay();
    await expect(client.refund({ id: p.id, amountMinor: '100', refundId: 'r0' })).rejects.toMatchObject({ status: 409, code: 'payment_not_refundable' });
    await client.complete(p.id, 'succeeded');

    const r1 = await client.refund({ paymentId: p.paymentId, amountMinor: 1000n, refundId: 'r1' });
    expect(r1).toMatchObject({ status: 'succeeded', amountMinor: '1000', refundedMinor: '1000', paymentStatus: 'partially_refunded', payment: p.id });
    expect(await client.refund({ paymentId: p.paymentId, amountMinor: 1000n, refundId: 'r1' })).toEqual(r1); // replay
    await expect(client.refund({ paymentId: p.paymentId, amountMinor: 999n, refundId: 'r1' })).rejects.toMatchObject({ status: 409, code: 'refund_id_reused' });
    await expect(client.refund({ id: p.id, amountMinor: 3991n, refundId: 'r2' })).rejects.toMatchObject({ status: 422, code: 'refund_exceeds_payment' });
    expect((await client.getPayment(p.id))).toMatchObject({ status: 'partially_refunded', refundedMinor: '1000' });

    const r2 = await client.refund({ id: p.id, amountMinor: 3990n, refundId: 'r2' });
    expect(r2).toMatchObject({ refundedMinor: '4990', paymentStatus: 'refunded' });
    await expect(client.refund({ id: p.id, amountMinor: 1n, refundId: 'r3' })).rejects.toMatchObject({ status: 409 });
    expect((await client.getPayment(p.id))).toMatchObject({ status: 'refunded', refundedMinor: '4990' });

    await gw.tick();
    const events = receiver.got.map((d) => verified(d));
    expect(events.map((e) => [e.type, e.data.refundId, e.data.refundAmountMinor, e.data.refundedMinor, e.data.status])).toEqual([
      ['payment.succeeded', undefined, undefined, '0', 'succeeded'],
      ['refund.succeeded', 'r1', '1000', '1000', 'partially_refunded'],
      ['refund.succeeded', 'r2', '3990', '4990', 'refunded'],
    ]);
    expect(events[1]!.data.providerTxnId).toBe(events[0]!.data.providerTxnId);
  });
});

describe('sandbox gateway: merchant API', () => {
  it('is idempotent on paymentId with the same body; a different body is a conflict', async () => {
    const { client, receiver } = await setup();
    const body = { paymentId: 'ord_1', amountMinor: '4990', currency: 'CNY', description: 'Tea', notifyUrl: receiver.url };
    const a = await client.createPayment(body);
    const b = await client.createPayment(body);
    expect(b).toEqual(a);
    await expect(client.createPayment({ ...body, amountMinor: '5000' })).rejects.toMatchObject({ status: 409, code: 'payment_id_reused' });
    // Another merchant key may use the same paymentId; it gets its own payment and cannot see k1's.
    const other = new SandboxClient({ baseUrl: client['baseUrl'], keyId: 'k2', secret: 'secret-two', clock: () => T0 });
    const c = await other.createPayment(body);
    expect(c.id).not.toBe(a.id);
    expect(await other.getPayment(a.id)).toBeNull();
    await expect(other.cancel(a.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses bad merchant authentication with 401 problem+json', async () => {
    const { gw, receiver } = await setup();
    const body = JSON.stringify({ paymentId: 'x1', amountMinor: '1', currency: 'CNY', description: 'x', notifyUrl: receiver.url });
    const send = (headers: Record<string, string>, raw = body) => fetch(`${gw.url}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    const signed = (secret: string, keyId = 'k1', at = T0, method = 'POST', p = '/v1/payments', raw = body) => merchantAuthHeaders(keyId, secret, method, p, raw, at);

    const cases: [string, Response][] = [
      ['none', await send({})],
      ['raw secret', await send({ authorization: 'Bearer secret-one' })],
      ['wrong secret', await send(signed('secret-two'))],
      ['unknown key', await send(signed('secret-one', 'k9'))],
      ['stale', await send(signed('secret-one', 'k1', new Date(T0.getTime() - 301_000)))],
      ['future', await send(signed('secret-one', 'k1', new Date(T0.getTime() + 301_000)))],
      ['other path', await send(signed('secret-one', 'k1', T0, 'POST', '/v1/refunds'))],
      ['tampered body', await send(signed('secret-one'), body.replace('"1"', '"100"'))],
    ];
    for (const [name, res] of cases) {
      expect([name, res.status]).toEqual([name, 401]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
    const ok = await send(signed('secret-one'));
    expect(ok.status).toBe(201);
    const get = await fetch(`${gw.url}/v1/payments?paymentId=x1`, { headers: signed('secret-one', 'k1', T0, 'GET', '/v1/payments?paymentId=x1', '') });
    expect(get.status).toBe(200);
    const replayedAsCancel = await fetch(`${gw.url}/v1/payments/${(await get.json()).id}/cancel`, {
      method: 'POST',
      headers: signed('secret-one', 'k1', T0, 'GET', '/v1/payments?paymentId=x1', ''),
    });
    expect(replayedAsCancel.status).toBe(401);
  });

  it('validates requests: unknown fields, bad amounts, non-http notify URLs', async () => {
    const { client, receiver } = await setup();
    const base = { paymentId: 'v1', amountMinor: '10', currency: 'CNY', description: 'x', notifyUrl: receiver.url };
    for (const bad of [{ ...base, amountMinor: '0' }, { ...base, amountMinor: '-5' }, { ...base, amountMinor: '1.5' }, { ...base, notifyUrl: 'ftp://x.example/cb' }, { ...base, extra: 1 }]) {
      const err = await client.createPayment(bad as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxApiError);
      expect((err as SandboxApiError).status).toBe(400);
    }
  });

  it('keeps its state in its own SQLite file across restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sbx-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'sandbox.sqlite');
    const keys = { k: 's' };
    let gw: SandboxGateway = await startSandboxGateway({ merchantKeys: keys, dataFile, tickIntervalMs: 0, signingSecret: 'whsec' });
    let client = new SandboxClient({ baseUrl: gw.url, keyId: 'k', secret: 's' });
    const p = await client.createPayment({ paymentId: 'keep', amountMinor: '100', currency: 'CNY', description: 'x', notifyUrl: 'http://127.0.0.1:9/cb' });
    await client.complete(p.id, 'succeeded');
    await gw.close();
    gw = await startSandboxGateway({ merchantKeys: keys, dataFile, tickIntervalMs: 0, signingSecret: 'whsec' });
    cleanups.push(() => gw.close());
    client = new SandboxClient({ baseUrl: gw.url, keyId: 'k', secret: 's' });
    expect(await client.findPayment('keep')).toMatchObject({ id: p.id, status: 'succeeded' });
    expect((await client.events(p.id)).map((e) => e.state)).toEqual(['pending']); // its callback still waits to be sent
  });
});

describe('verifySandboxSignature', () => {
  const secret = 'whsec_test';
  const body = Buffer.from('{"id":"evt_1","type":"payment.succeeded"}');
  const now = new Date('2026-11-26T10:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  const reason = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(SandboxSignatureError);
      return (err as SandboxSignatureError).reason;
    }
    return 'accepted';
  };

  it('accepts a good signature, also among several v1 values (secret rotation)', () => {
    const header = sandboxSignatureHeader(secret, body, now);
    expect(header).toBe(`t=${t},v1=${signSandboxPayload(secret, t, body)}`);
    expect(reason(() => verifySandboxSignature(header, body, secret, { now }))).toBe('accepted');
    const rotated = `t=${t},v1=${signSandboxPayload('old', t, body)},v1=${signSandboxPayload(secret, t, body)}`;
    expect(reason(() => verifySandboxSignature(rotated, body, secret, { now }))).toBe('accepted');
    expect(reason(() => verifySandboxSignature(header, body, secret, { now: new Date(now.getTime() + 300_000) }))).toBe('accepted');
  });

  it('rejects a tampered body, a wrong secret, stale and future timestamps, and malformed headers', () => {
    const header = sandboxSignatureHeader(secret, body, now);
    const v = (h: string | undefined, b = body, s = secret, at = now) => reason(() => verifySandboxSignature(h, b, s, { now: at }));
    expect(v(header, Buffer.from(body.toString().replace('succeeded', 'failed')))).toBe('bad_signature');
    expect(v(header, Buffer.concat([body, Buffer.from(' ')]))).toBe('bad_signature');
    expect(v(header, body, 'whsec_other')).toBe('bad_signature');
    expect(v(header.replace(`t=${t}`, `t=${t + 1}`))).toBe('bad_signature'); // the timestamp is signed too
    expect(v(header, body, secret, new Date(now.getTime() + 301_000))).toBe('stale_timestamp');
    expect(v(header, body, secret, new Date(now.getTime() - 301_000))).toBe('future_timestamp');
    expect(reason(() => verifySandboxSignature(header, body, secret, { now: new Date(now.getTime() + 60_000), toleranceS: 30 }))).toBe('stale_timestamp');
    expect(v(undefined)).toBe('missing_signature');
    expect(v('')).toBe('missing_signature');
    expect(v(`v1=${signSandboxPayload(secret, t, body)}`)).toBe('malformed_signature');
    expect(v(`t=${t}`)).toBe('malformed_signature');
    expect(v(`t=${t},v1=zz`)).toBe('malformed_signature');
    expect(v(`t=abc,v1=${signSandboxPayload(secret, t, body)}`)).toBe('malformed_signature');
    expect(v(`t=${t},t=${t},v1=${signSandboxPayload(secret, t, body)}`)).toBe('malformed_signature');
    expect(v(`t=${t},v0=${signSandboxPayload(secret, t, body)}`)).toBe('malformed_signature'); // only v1 counts
  });
});

describe('sandbox gateway flow (pure)', () => {
  it('moves only forward; a late success is a test-mode privilege', () => {
    expect(canMove('pending', 'succeeded')).toBe(true);
    expect(canMove('succeeded', 'failed')).toBe(false);
    expect(canMove('failed', 'succeeded')).toBe(false);
    expect(canMove('failed', 'succeeded', { late: true })).toBe(true);
    expect(canMove('expired', 'succeeded', { late: true })).toBe(true);
    expect(canMove('refunded', 'succeeded', { late: true })).toBe(false);
    expect(canMove('expired', 'failed', { late: true })).toBe(false);
  });

  it('refunds never exceed the payment', () => {
    expect(refundCheck('succeeded', 100n, 0n, 40n)).toEqual({ status: 'partially_refunded', refundedMinor: 40n });
    expect(refundCheck('partially_refunded', 100n, 40n, 60n)).toEqual({ status: 'refunded', refundedMinor: 100n });
    expect(refundCheck('partially_refunded', 100n, 40n, 61n)).toEqual({ error: 'refund_exceeds_payment' });
    expect(refundCheck('refunded', 100n, 100n, 1n)).toEqual({ error: 'payment_not_refundable' });
    expect(refundCheck('pending', 100n, 0n, 1n)).toEqual({ error: 'payment_not_refundable' });
    expect(refundCheck('succeeded', 100n, 0n, 0n)).toEqual({ error: 'invalid_amount' });
  });

  it('schedules retries from the last attempt and gives up after the schedule', () => {
    const s = [0, 2_000, 10_000];
    expect(nextAttemptAt(s, 1, 1_000)).toBe(3_000);
    expect(nextAttemptAt(s, 2, 3_000)).toBe(13_000);
    expect(nextAttemptAt(s, 3, 13_000)).toBeNull();
  });

  it('formats minor units by the currency', () => {
    expect(formatAmount(4990n, 'CNY')).toBe('49.90 CNY');
    expect(formatAmount(5n, 'USD')).toBe('0.05 USD');
    expect(formatAmount(4990n, 'JPY')).toBe('4990 JPY');
  });
});

describe('sandbox gateway: close', () => {
  it('aborts callbacks in flight instead of waiting for their timeout', async () => {
    const reasons: string[] = [];
    let sent!: () => void;
    const inFlight = new Promise<void>((resolve) => (sent = resolve));
    // A receiver that never answers: the request ends only when its signal aborts.
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        sent();
        init.signal!.addEventListener('abort', () => {
          reasons.push((init.signal!.reason as Error).name);
          reject(init.signal!.reason);
        });
      })) as unknown as typeof fetch;
    const gw = await startSandboxGateway({ merchantKeys: { k: 's' }, tickIntervalMs: 0, fetch: hanging });
    const client = new SandboxClient({ baseUrl: gw.url, keyId: 'k', secret: 's' });
    const p = await client.createPayment({ paymentId: 'hang', amountMinor: '100', currency: 'CNY', description: 'x', notifyUrl: 'http://127.0.0.1:9/cb' });
    await client.complete(p.id, 'succeeded');
    const ticking = gw.tick();
    await inFlight;
    await gw.close();
    expect(await ticking).toBe(1);
    expect(reasons).toEqual(['AbortError']); // the gateway's close, not the 10 s timeout
  });
});
