import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../src/app.ts';
import { AccountsService, hashPassword, verifyPassword } from '../src/accounts/index.ts';
import { parseHash } from '../src/accounts/password.ts';
import { sessionCookie } from '../src/http/auth.ts';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { DomainError } from '../src/shared/errors.ts';
import { expectLogVerifies } from './helpers/audit.ts';
import { backends, type Sandbox } from './helpers/backends.ts';

const ADMIN = { email: 'Root@Example.test', password: 'admin-password-1' };
const AUDITOR = { email: 'audit@example.test', password: 'auditor-password-1' };

describe('password hashing', () => {
  it('stores parameters and a per-user salt with the hash, and verifies only the right password', async () => {
    const params = { ln: 12, r: 8, p: 1 };
    const a = await hashPassword('correct horse', params);
    const b = await hashPassword('correct horse', params);
    expect(a).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a).not.toBe(b); // random salt
    expect(parseHash(a)!.salt.equals(parseHash(b)!.salt)).toBe(false);
    expect(await verifyPassword('correct horse', a, params)).toEqual({ ok: true, rehash: false });
    expect((await verifyPassword('correct horsE', a, params)).ok).toBe(false);
    // Weaker than today's parameters: verifies, and asks to be re-hashed.
    expect(await verifyPassword('correct horse', a, { ln: 13, r: 8, p: 1 })).toEqual({ ok: true, rehash: true });
    // Garbage and out-of-bounds costs never match and never throw.
    expect((await verifyPassword('x', 'not a hash')).ok).toBe(false);
    expect((await verifyPassword('x', a.replace('ln=12', 'ln=40'))).ok).toBe(false);
  });

  it('sets Secure on the session cookie when the request came over https', () => {
    expect(sessionCookie('t', { maxAgeS: 60, secure: true })).toMatch(/; Secure$/);
    expect(sessionCookie('t', { maxAgeS: 60, secure: false })).not.toMatch(/Secure/);
  });
});

describe.each(backends())('accounts over HTTP on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  let markers = 0;
  const seen: string[] = []; // every response body, to check that no secret ever leaves
  const call = async (opts: InjectOptions) => {
    const res = await app.http.inject(opts);
    seen.push(res.body, JSON.stringify(res.headers));
    return res;
  };
  const cookieOf = (res: LightMyRequestResponse) => {
    const raw = res.headers['set-cookie'];
    const line = Array.isArray(raw) ? raw[0]! : raw!;
    return { line, pair: line.split(';')[0]! };
  };
  const expectProblem = (res: LightMyRequestResponse, status: number, code?: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    if (code) expect(body.code).toBe(code);
    return body as { code: string; detail: string; [k: string]: unknown };
  };
  const login = (email: string, password: string, remoteAddress = '127.0.0.1') =>
    call({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });
  const session = async (email: string, password: string) => {
    const res = await login(email, password);
    expect(res.statusCode, res.body).toBe(200);
    return cookieOf(res).pair;
  };
  const register = (email: string, password: string) => call({ method: 'POST', url: '/api/auth/register', payload: { email, password } });
  const me = (headers: Record<string, string> = {}) => call({ method: 'GET', url: '/api/me', headers });
  async function events(): Promise<LedgerEvent[]> {
    // A marker entry is integrated after everything committed before it.
    await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `m${++markers}` } }]);
    const size = (await app.ledger.latest())?.treeSize ?? 0;
    return (await app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10 });
    // Seed code creates the first admin and an auditor; the ledger names 'system' as their creator.
    await app.accounts.createUser('system', { ...ADMIN, role: 'admin' });
    await app.accounts.createUser('system', { ...AUDITOR, role: 'auditor' });
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('registers a buyer, signs in with a cookie and answers /api/me', async () => {
    const reg = await register('  Alice@Example.TEST ', 'alice-password');
    expect(reg.statusCode, reg.body).toBe(201);
    const body = reg.json();
    expect(body.user).toEqual({ id: expect.stringMatching(/^usr_[0-9a-f]{32}$/), email: 'alice@example.test', role: 'buyer', merchantId: null, createdAt: expect.any(String) });
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'user']);
    // Registering also signs in.
    expect((await me({ cookie: cookieOf(reg).pair })).json().id).toBe(body.user.id);

    const res = await login('ALICE@example.test', 'alice-password');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const who = await me({ cookie: cookieOf(res).pair });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual(body.user);

    expectProblem(await register('alice@example.test', 'another-password'), 409, 'accounts.email_taken');
    expectProblem(await register('not-an-email', 'another-password'), 400, 'accounts.bad_email');
    expectProblem(await register('bob@example.test', 'short'), 400, 'validation');
    expectProblem(await call({ method: 'POST', url: '/api/auth/register', payload: { ...ADMIN, email: 'x@example.test', role: 'admin' } }), 400, 'validation');
  });

  it('puts only the user id and role of a new account in the ledger, never the e-mail', async () => {
    const reg = await register('carol@example.test', 'carol-password');
    const id = reg.json().user.id;
    const mine = (await events()).filter((e) => e.kind === 'account.registered' && e.subject.user === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ actor: id, subject: { user: id }, data: { role: 'buyer' } });
    expect(Object.keys(mine[0]!.data)).toEqual(['role']);
    const all = (await events()).filter((e) => e.kind === 'account.registered');
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.filter((e) => e.actor === 'system').map((e) => e.data.role).sort()).toEqual(['admin', 'auditor']);
    for (const e of all) expect(JSON.stringify(e)).not.toMatch(/@|example/);
  });

  it('sets an HTTP-only, SameSite=Lax session cookie, not Secure over plain http', async () => {
    const { line, pair } = cookieOf(await login('alice@example.test', 'alice-password'));
    expect(pair).toMatch(/^cm_session=[A-Za-z0-9_-]{43}$/);
    const flags = line.split('; ').slice(1);
    expect(flags).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Lax']));
    const maxAge = Number(flags.find((f) => f.startsWith('Max-Age='))!.slice(8));
    expect(7 * 24 * 3600 - maxAge).toBeLessThanOrEqual(2); // the session's lifetime, give or take the request
    expect(flags.some((f) => f.startsWith('Expires='))).toBe(true);
    expect(flags).not.toContain('Secure');
    // Only the SHA-256 of the token is stored.
    const token = pair.split('=')[1]!;
    const rows = await app.db.kysely.selectFrom('accounts_session').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash.includes(token))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it('refuses a wrong password and an unknown e-mail with the same 401', async () => {
    const wrong = expectProblem(await login('alice@example.test', 'not-her-password', '10.0.0.1'), 401, 'auth.invalid_credentials');
    const unknown = expectProblem(await login('nobody@example.test', 'whatever-password', '10.0.0.1'), 401, 'auth.invalid_credentials');
    expect(unknown.detail).toBe(wrong.detail);
    expectProblem(await me({ cookie: 'cm_session=forged-token' }), 401, 'auth.required');
  });

  it('rate-limits failed logins per account and IP with 429 and Retry-After, in the database', async () => {
    await register('dave@example.test', 'dave-password');
    const ip = '10.0.0.2';
    for (let i = 0; i < 5; i++) expectProblem(await login('dave@example.test', `wrong-${i}-password`, ip), 401);
    const limited = await login('dave@example.test', 'dave-password', ip); // even the right password
    const p = expectProblem(limited, 429, 'auth.rate_limited');
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(800);
    expect(retry).toBeLessThanOrEqual(900);
    expect(p.retryAfter).toBe(retry);
    expectProblem(await login('DAVE@example.test', 'dave-password', ip), 429); // same account, however spelled
    // Another address, or another account from the same address, is not locked out.
    expect((await login('dave@example.test', 'dave-password', '10.0.0.3')).statusCode).toBe(200);
    expect((await login('alice@example.test', 'alice-password', ip)).statusCode).toBe(200);
    // A second instance sharing the database sees the same lockout.
    const other = new AccountsService(app.db.kysely, app.ledger, app.privacy);
    await expect(other.login('dave@example.test', 'dave-password', ip)).rejects.toMatchObject({ status: 429 });
  });

  it('lets a locked-out account in again once the window has passed, and a success clears the count', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const svc = new AccountsService(app.db.kysely, app.ledger, app.privacy, { clock: () => new Date(now), loginFailuresMax: 2, loginWindowMs: 60_000 });
    await svc.createUser('system', { email: 'erin@example.test', password: 'erin-password', role: 'buyer' });
    const attempt = (pw: string) => svc.login('erin@example.test', pw, '10.0.0.9').then(() => 'ok', (e: DomainError) => e);
    expect(await attempt('nope-nope-1')).toMatchObject({ status: 401 });
    now += 10_000;
    expect(await attempt('nope-nope-2')).toMatchObject({ status: 401 });
    now += 10_000;
    const locked = await attempt('erin-password');
    expect(locked).toMatchObject({ status: 429, extra: { retryAfter: 40 } }); // the first failure leaves the window at +60 s
    now += 40_000;
    expect(await attempt('nope-nope-3')).toMatchObject({ status: 401 }); // one slot free again
    expect(await attempt('erin-password')).toMatchObject({ status: 429 });
    now += 10_000;
    expect(await attempt('erin-password')).toBe('ok');
    expect(await attempt('nope-nope-4')).toMatchObject({ status: 401 }); // the success reset the count
    expect(await attempt('erin-password')).toBe('ok');
  });

  it('answers anonymous callers with 401 where a user is needed', async () => {
    expectProblem(await me(), 401, 'auth.required');
    expectProblem(await call({ method: 'GET', url: '/api/me/tokens' }), 401, 'auth.required');
    expectProblem(await call({ method: 'POST', url: '/api/me/tokens', payload: { name: 'x' } }), 401, 'auth.required');
    expectProblem(await call({ method: 'POST', url: '/api/admin/users', payload: { email: 'z@example.test', password: 'zzzzzzzzzz', role: 'admin' } }), 401, 'auth.required');
  });

  it('logs out: the cookie is cleared and the session no longer works', async () => {
    const cookie = await session('alice@example.test', 'alice-password');
    expect((await me({ cookie })).statusCode).toBe(200);
    const out = await call({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(cookieOf(out).line).toMatch(/^cm_session=; .*Max-Age=0/);
    expectProblem(await me({ cookie }), 401, 'auth.required');
    expect((await call({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204); // harmless when signed out
  });

  it('creates, lists, uses and revokes bearer API tokens', async () => {
    const cookie = await session('alice@example.test', 'alice-password');
    const created = await call({ method: 'POST', url: '/api/me/tokens', headers: { cookie }, payload: { name: 'shop sync', expiresInDays: 30 } });
    expect(created.statusCode, created.body).toBe(201);
    const t = created.json();
    expect(t.token).toMatch(/^cm_[A-Za-z0-9_-]{43}$/);
    expect(t).toMatchObject({ id: expect.stringMatching(/^tok_/), name: 'shop sync', prefix: t.token.slice(0, 9), lastUsedAt: null });
    const bearer = { authorization: `Bearer ${t.token}` };

    const who = await me(bearer);
    expect(who.statusCode).toBe(200);
    expect(who.json().email).toBe('alice@example.test');

    const list = await call({ method: 'GET', url: '/api/me/tokens', headers: bearer });
    expect(list.statusCode).toBe(200);
    const items = list.json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: t.id, name: 'shop sync', prefix: t.prefix, lastUsedAt: expect.any(String) });
    expect(items[0].token).toBeUndefined();
    expect(list.body).not.toContain(t.token.slice(9));
    const stored = await app.db.kysely.selectFrom('accounts_api_token').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(t.token.slice(9));

    // A token cannot mint tokens; someone else's token is "not found".
    expectProblem(await call({ method: 'POST', url: '/api/me/tokens', headers: bearer, payload: { name: 'more' } }), 403, 'auth.session_required');
    const bob = cookieOf(await register('bob@example.test', 'bob-password')).pair;
    expectProblem(await call({ method: 'DELETE', url: `/api/me/tokens/${t.id}`, headers: { cookie: bob } }), 404, 'not_found');
    expectProblem(await call({ method: 'DELETE', url: '/api/me/tokens/tok_nope', headers: { cookie: bob } }), 404, 'not_found');

    const revoked = await call({ method: 'DELETE', url: `/api/me/tokens/${t.id}`, headers: { cookie } });
    expect(revoked.statusCode).toBe(204);
    const dead = await me(bearer);
    expectProblem(dead, 401, 'auth.invalid_token');
    expect(dead.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expectProblem(await me({ authorization: 'Bearer cm_0000000000000000000000000000000000000000000' }), 401, 'auth.invalid_token');
    expectProblem(await me({ authorization: 'Basic YWxpY2U6cHc=' }), 401, 'auth.invalid_token');
    expect((await call({ method: 'GET', url: '/api/me/tokens', headers: { cookie } })).json().items).toEqual([]);
  });

  it('lets only admins create staff; auditors read but cannot write', async () => {
    const admin = await session(ADMIN.email, ADMIN.password);
    const staff = await call({
      method: 'POST',
      url: '/api/admin/users',
      headers: { cookie: admin },
      payload: { email: 'clerk@shop.example.test', password: 'clerk-password', role: 'merchant_staff', merchantId: 'm_42' },
    });
    expect(staff.statusCode, staff.body).toBe(201);
    expect(staff.json()).toMatchObject({ role: 'merchant_staff', merchantId: 'm_42', email: 'clerk@shop.example.test' });
    const clerk = await session('clerk@shop.example.test', 'clerk-password');
    expect((await me({ cookie: clerk })).json()).toMatchObject({ role: 'merchant_staff', merchantId: 'm_42' });
    const [ev] = (await events()).filter((e) => e.subject.user === staff.json().id);
    expect(ev).toMatchObject({ kind: 'account.registered', data: { role: 'merchant_staff' } });
    expect(ev!.actor).toBe((await me({ cookie: admin })).json().id);

    const newUser = (role: string, extra: object = {}) => ({ email: `${role}-${Math.random().toString(36).slice(2)}@example.test`, password: 'some-password', role, ...extra });
    const post = (cookie: string, payload: object) => call({ method: 'POST', url: '/api/admin/users', headers: { cookie }, payload });
    expectProblem(await post(admin, newUser('merchant_staff')), 400, 'accounts.merchant_required');
    expectProblem(await post(admin, newUser('auditor', { merchantId: 'm_42' })), 400, 'accounts.merchant_not_allowed');
    expectProblem(await post(admin, newUser('buyer')), 400, 'validation');
    expectProblem(await post(admin, { ...newUser('admin'), email: 'clerk@shop.example.test' }), 409, 'accounts.email_taken');
    expect((await post(admin, newUser('auditor'))).statusCode).toBe(201);

    const auditor = await session(AUDITOR.email, AUDITOR.password);
    expect((await me({ cookie: auditor })).json().role).toBe('auditor');
    expectProblem(await post(auditor, newUser('admin')), 403, 'auth.forbidden');
    expectProblem(await post(clerk, newUser('admin')), 403, 'auth.forbidden');
    const buyer = await session('alice@example.test', 'alice-password');
    expectProblem(await post(buyer, newUser('admin')), 403, 'auth.forbidden');
    // The auditor keeps their own session and read-only tokens.
    const tok = await call({ method: 'POST', url: '/api/me/tokens', headers: { cookie: auditor }, payload: { name: 'audit bot' } });
    expect(tok.statusCode).toBe(201);
    expect((await me({ authorization: `Bearer ${tok.json().token}` })).json().role).toBe('auditor');
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const cookie = await session('alice@example.test', 'alice-password');
    const cross = await call({ method: 'POST', url: '/api/me/tokens', headers: { cookie, origin: 'https://evil.example' }, payload: { name: 'x' } });
    expectProblem(cross, 403, 'auth.cross_origin');
    const same = await call({ method: 'POST', url: '/api/me/tokens', headers: { cookie, origin: 'http://localhost:80' }, payload: { name: 'x' } });
    expect(same.statusCode).toBe(201);
  });

  it('documents the accounts API in OpenAPI', async () => {
    const doc = (await call({ method: 'GET', url: '/docs/json' })).json();
    for (const p of ['/api/auth/register', '/api/auth/login', '/api/auth/logout', '/api/me', '/api/me/tokens', '/api/me/tokens/{id}', '/api/admin/users']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('never sends a password or its hash, and the log still verifies', async () => {
    expect(seen.length).toBeGreaterThan(50);
    for (const s of seen) {
      expect(s).not.toContain('$scrypt$');
      expect(s).not.toMatch(/password_hash|passwordHash/);
      for (const pw of ['alice-password', 'admin-password-1', 'clerk-password', 'bob-password', 'dave-password']) expect(s).not.toContain(pw);
    }
    const hashes = await app.db.kysely.selectFrom('accounts_user').select('password_hash').execute();
    expect(hashes.every((h) => h.password_hash.startsWith('$scrypt$ln=15,r=8,p=3$'))).toBe(true);

    await events();
    await expectLogVerifies(app);
  });
});
