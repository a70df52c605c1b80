// A running app on one backend, with helpers to make users and call the HTTP API as them.
import { expect } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp, type App, type AppExtras } from '../../src/app.ts';
import type { AppConfig } from '../../src/config.ts';
import type { Role } from '../../src/accounts/index.ts';
import { randomBytes } from 'node:crypto';
import { checkBalances, ownedAccountId, systemAccountId } from '../../src/money/index.ts';
import { expectLogVerifies } from './audit.ts';
import type { Backend, Sandbox } from './backends.ts';

export interface Caller {
  userId: string;
  email: string;
  role: Role;
  merchantId?: string;
  /** Authorization header value. */
  auth: string;
  /** Calls the API as this user: JSON body, bearer token. */
  call(method: InjectOptions['method'], url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export interface World {
  app: App;
  box: Sandbox;
  anon(method: InjectOptions['method'], url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A user with an API token. Fast: tests run with a low scrypt cost. */
  user(role: Role, opts?: { merchantId?: string; email?: string }): Promise<Caller>;
  /** Credits the user's CNY wallet from gateway clearing, as a confirmed top-up would. */
  fund(userId: string, amountMinor: bigint): Promise<void>;
  /** After every test: per currency the balances sum to zero, and the log verifies. */
  checkInvariants(): Promise<void>;
  close(): Promise<void>;
}

let seq = 0;

export async function startWorld(backend: Backend, overrides: Partial<AppConfig> = {}, extras: AppExtras = {}): Promise<World> {
  const box = await backend.sandbox();
  const app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10, scryptLn: 10, jobs: false, validateResponses: true, sandboxGateway: false, publicRateLimitPerMinute: 0, ...overrides }, extras);
  const inject = (auth: string | null) => (method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.http.inject({ method, url, ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}), headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
  return {
    app,
    box,
    anon: inject(null),
    async user(role, opts = {}) {
      const email = opts.email ?? `${role}-${process.pid}-${++seq}@example.test`;
      const { user } = await app.accounts.createUser('system', { email, password: 'correct horse battery', role, ...(opts.merchantId ? { merchantId: opts.merchantId } : {}) });
      const { token } = await app.accounts.createApiToken(user.id, { name: 'test' });
      const auth = `Bearer ${token}`;
      return { userId: user.id, email, role, ...(opts.merchantId ? { merchantId: opts.merchantId } : {}), auth, call: inject(auth) };
    },
    async fund(userId, amountMinor) {
      await app.db.kysely.transaction().execute(async (trx) => {
        await app.money.ensureSystemAccounts(trx, 'CNY');
        const wallet = ownedAccountId('buyer_wallet', userId, 'CNY');
        await app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: userId, currency: 'CNY' });
        await app.money.transfer(trx, { id: `fund:${randomBytes(8).toString('hex')}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: amountMinor, currency: 'CNY', code: 'test_funding' });
      });
    },
    async checkInvariants() {
      const imbalances = await checkBalances(app.db.kysely);
      expect(imbalances).toEqual([]);
      await expectLogVerifies(app);
    },
    async close() {
      await app.close();
      await box.cleanup();
    },
  };
}

/** Asserts a problem+json answer with this status (and code) and returns its body. */
export function expectProblem(res: LightMyRequestResponse, status: number, code?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  if (code) expect(body.code, res.body).toBe(code);
  return body as { code: string; detail: string; [k: string]: unknown };
}

export function expectOk(res: LightMyRequestResponse, status = 200) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}
