import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPTS_MAX,
  isNonPublicAddress,
  nextAttemptAt,
  parseEvents,
  parseWebhookUrl,
  RETRY_SCHEDULE_MS,
  secretKey,
  signWebhook,
  subscribes,
  verifyWebhook,
} from '../src/notifications/index.ts';
import { nodeSender } from '../src/notifications/sender.ts';
import { DomainError } from '../src/shared/errors.ts';

// The published vector: standard-webhooks libraries/javascript/src/webhook.test.ts, "sign function works".
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (s: number) => new Date(s * 1000);
const headersOf = (sig: string, id = VECTOR.id, ts: string | number = VECTOR.timestamp) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });

describe('Standard Webhooks signatures', () => {
  it('signs the published test vector', () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    // The same with a Date, with bytes, and with the secret given without its prefix.
    expect(signWebhook(VECTOR.secret, VECTOR.id, at(VECTOR.timestamp), Buffer.from(VECTOR.body))).toBe(VECTOR.signature);
    expect(signWebhook(VECTOR.secret.slice('whsec_'.length), VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('verifies the vector within the tolerance, either side, and refuses it outside', () => {
    const h = headersOf(VECTOR.signature);
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp))).toBe(true);
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp + 300))).toBe(true);
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp - 300))).toBe(true);
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp + 301))).toBe(false); // stale: a replay
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp - 301))).toBe(false); // from the future
    expect(verifyWebhook(VECTOR.secret, new Headers(h), VECTOR.body, 300, at(VECTOR.timestamp))).toBe(true);
  });

  it('refuses every tampering', () => {
    const now = at(VECTOR.timestamp);
    const ok = (h: Record<string, string>, body = VECTOR.body, secret = VECTOR.secret) => verifyWebhook(secret, h, body, 300, now);
    expect(ok(headersOf(VECTOR.signature), VECTOR.body + ' ')).toBe(false); // body
    expect(ok(headersOf(VECTOR.signature, 'msg_p5jXN8AQM9LWM0D4loKWxJeK'))).toBe(false); // id
    expect(ok(headersOf(VECTOR.signature, VECTOR.id, VECTOR.timestamp + 1), VECTOR.body)).toBe(false); // timestamp
    expect(ok(headersOf(VECTOR.signature), VECTOR.body, 'whsec_' + Buffer.alloc(24, 7).toString('base64'))).toBe(false); // key
    expect(ok(headersOf(VECTOR.signature.replace('v1,', 'v1a,')))).toBe(false); // scheme
    expect(ok(headersOf(VECTOR.signature.slice(0, 20)))).toBe(false); // truncated
    expect(ok(headersOf('v1,'))).toBe(false);
    expect(ok(headersOf(''))).toBe(false);
    expect(ok(headersOf(VECTOR.signature, VECTOR.id, 'hello'))).toBe(false);
    expect(ok({ 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature })).toBe(false);
  });

  it('accepts a valid signature among several (key rotation)', () => {
    const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    const h = headersOf(['v2,' + VECTOR.signature.slice(3), other, VECTOR.signature, other].join(' '));
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, 300, at(VECTOR.timestamp))).toBe(true);
    expect(verifyWebhook(VECTOR.secret, headersOf(`${other} ${other}`), VECTOR.body, 300, at(VECTOR.timestamp))).toBe(false);
  });

  it('signs "<id>.<timestamp>.<body>" with the decoded key bytes', () => {
    const key = secretKey(VECTOR.secret);
    expect(key.length).toBe(24);
    const mac = createHmac('sha256', key).update(`${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.body}`).digest('base64');
    expect(VECTOR.signature).toBe(`v1,${mac}`);
    expect(() => signWebhook(VECTOR.secret, 'msg_a.b', 1, 'x')).toThrow();
    expect(() => secretKey('whsec_' + Buffer.alloc(16).toString('base64'))).toThrow(); // under 24 bytes
  });
});

describe('webhook targets', () => {
  it('classifies addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::1', '::', 'fe80::1', 'fd00::1', 'fc12::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', 'ff02::1', 'not-an-ip']) {
      expect(isNonPublicAddress(ip), ip).toBe(true);
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isNonPublicAddress(ip), ip).toBe(false);
  });

  it('takes http(s) URLs without credentials only', () => {
    expect(parseWebhookUrl('https://hooks.example.com/in?x=1#frag').href).toBe('https://hooks.example.com/in?x=1');
    const code = (u: string) => {
      try {
        parseWebhookUrl(u);
        return 'ok';
      } catch (err) {
        return (err as DomainError).code;
      }
    };
    expect(code('https://user:pw@hooks.example.com/')).toBe('webhook.credentials_in_url');
    expect(code('https://user@hooks.example.com/')).toBe('webhook.credentials_in_url');
    expect(code('ftp://hooks.example.com/')).toBe('webhook.invalid_url');
    expect(code('file:///etc/passwd')).toBe('webhook.invalid_url');
    expect(code('not a url')).toBe('webhook.invalid_url');
  });
});

describe('delivery rules', () => {
  it('retries on the schedule, then gives up', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const none = () => 0;
    expect(RETRY_SCHEDULE_MS.slice(0, 3)).toEqual([0, 5_000, 300_000]);
    expect(nextAttemptAt(1, t0, none)!.getTime() - t0.getTime()).toBe(5_000);
    expect(nextAttemptAt(2, t0, none)!.getTime() - t0.getTime()).toBe(300_000);
    // Jitter adds at most 10 %, never subtracts.
    expect(nextAttemptAt(2, t0, () => 0.999)!.getTime() - t0.getTime()).toBeLessThan(330_000);
    expect(nextAttemptAt(ATTEMPTS_MAX - 1, t0, none)).not.toBeNull();
    expect(nextAttemptAt(ATTEMPTS_MAX, t0, none)).toBeNull();
  });

  it('matches subscriptions', () => {
    expect(subscribes(['*'], 'order.created')).toBe(true);
    expect(subscribes(['order.*'], 'order.created')).toBe(true);
    expect(subscribes(['order.*'], 'orders.created')).toBe(false);
    expect(subscribes(['order.created'], 'order.shipped')).toBe(false);
    expect(parseEvents(['order.created', 'order.created', '*'])).toEqual(['*', 'order.created']);
    expect(() => parseEvents(['Order.Created'])).toThrow(DomainError);
    expect(() => parseEvents(['order'])).toThrow(DomainError);
    expect(() => parseEvents([])).toThrow(DomainError);
  });
});

describe('the default sender', () => {
  it('refuses, at connect time, a name that resolves to a non-public address', async () => {
    const send = nodeSender(false);
    const req = { headers: {}, body: '{}', timeoutMs: 2_000 };
    await expect(send({ ...req, url: 'http://localhost:9/hook' })).rejects.toMatchObject({ code: 'EWEBHOOKPRIVATE' });
    await expect(send({ ...req, url: 'http://127.0.0.1:9/hook' })).rejects.toMatchObject({ code: 'EWEBHOOKPRIVATE' });
    await expect(send({ ...req, url: 'http://[::ffff:7f00:1]:9/hook' })).rejects.toMatchObject({ code: 'EWEBHOOKPRIVATE' });
  });
});
