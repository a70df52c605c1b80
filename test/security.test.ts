// Security basics through the HTTP API: secure headers on every answer, a rate limit for anonymous
// API callers (not for signed-in ones, not for gateways' signed callbacks), cross-site cookie writes
// refused, and a full session's logs free of secrets and personal data.
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type World } from './helpers/world.ts';

describe.each(backends())('security basics on $name', (backend) => {
  let w: World;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    w = await startWorld(backend, { publicRateLimitPerMinute: 5, logLevel: 'info' }, { logStream: stream });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('sends secure headers on answers and on problems', async () => {
    for (const res of [await w.anon('GET', '/api/health'), await w.anon('GET', '/api/no-such-thing')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
  });

  it('limits anonymous API requests per address, with Retry-After; signed-in callers and gateway callbacks pass', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await w.anon('GET', '/api/products')).statusCode);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    const limited = await w.anon('GET', '/api/products');
    const p = expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(p.detail).toMatch(/requests a minute/);
    const buyer = await w.user('buyer');
    for (let i = 0; i < 8; i++) expectOk(await buyer.call('GET', '/api/products'));
    // A callback is judged by its signature, not by its rate: a bad one is 4xx, never 429.
    const cb = await w.anon('POST', '/api/payments/callbacks/sandbox', { nonsense: true });
    expect(cb.statusCode).not.toBe(429);
  });

  it('refuses a cookie-authenticated write from another site', async () => {
    const email = `csrf-${randomBytes(4).toString('hex')}@example.test`;
    const reg = await w.app.http.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'correct horse battery' }, remoteAddress: '10.9.9.9' });
    expect(reg.statusCode).toBe(201);
    const cookie = String(reg.headers['set-cookie']).split(';')[0]!;
    const res = await w.app.http.inject({ method: 'POST', url: '/api/me/tokens', payload: { name: 'x' }, headers: { cookie, origin: 'https://evil.example' }, remoteAddress: '10.9.9.9' });
    expectProblem(res, 403, 'auth.cross_origin');
  });

  it('writes no password, token, cookie, e-mail, phone or address to its logs', async () => {
    const email = `logged-${randomBytes(4).toString('hex')}@example.test`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const buyer = await w.user('buyer');
    const remoteAddress = '10.8.8.8'; // its own address: the earlier test spent 127.0.0.1's allowance
    const reg = await w.app.http.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password }, remoteAddress });
    expect(reg.statusCode).toBe(201);
    const cookie = String(reg.headers['set-cookie']).split(';')[0]!;
    await w.app.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'wrong password here' }, remoteAddress });
    await w.app.http.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });
    await w.app.http.inject({ method: 'PUT', url: '/api/me/profile', payload: { name: 'Wang Fang', phone: '+86 139 1234 5678', addresses: [{ recipient: 'Wang Fang', phone: '+86 139 1234 5678', country: 'CN', city: 'Hangzhou', line1: '88 West Lake Road' }] }, headers: { cookie } });
    await buyer.call('GET', '/api/me');
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0); // the requests were logged…
    for (const secret of [password, email, 'Wang Fang', '139 1234 5678', 'West Lake', buyer.auth.slice(7), cookie.split('=')[1]!]) {
      expect(log.includes(secret), `log contains ${secret}`).toBe(false); // …without what they carried
    }
  });
});
