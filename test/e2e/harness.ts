// End-to-end harness: the real server (API, web app, sandbox gateway) on a free port, and Debian's
// Chromium driven by playwright-core. Every request a page makes is checked: the app may talk only
// to its own server. Screenshots go to test-artifacts/.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD } from '../../src/seed/index.ts';
import { createApp, type App } from '../../src/app.ts';
import type { AppConfig } from '../../src/config.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = path.resolve('test-artifacts');

/** Browser tests run wherever Chromium is installed; in CI (.ci/run installs it) its absence is a failure. */
export const haveBrowser = fs.existsSync(CHROMIUM) || process.env.CI === 'true';
if (!haveBrowser) console.warn(`end-to-end tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);

export interface E2E {
  app: App;
  url: string;
  browser: Browser;
  /** Requests pages made to any host other than the server, as "METHOD url". */
  foreign: string[];
  context(opts?: { mobile?: boolean; locale?: string }): Promise<BrowserContext>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startE2E(overrides: Partial<AppConfig> = {}): Promise<E2E> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-e2e-'));
  const app = await createApp({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent', maxDelayMs: 10, scryptLn: 10, jobs: true, jobIntervalMs: 200, sandboxGateway: true, validateResponses: true, ...overrides });
  const url = await app.listen();
  const own = new URL(url).host;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const foreign: string[] = [];
  const contexts: BrowserContext[] = [];
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    app,
    url,
    browser,
    foreign,
    async context(opts = {}) {
      const ctx = await browser.newContext({
        baseURL: url,
        locale: opts.locale ?? 'en-US',
        ...(opts.mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 900 } }),
      });
      // Pages of the app may reach only the server itself (the sandbox gateway's own pages are the provider's, not ours).
      ctx.on('request', (req) => {
        const u = new URL(req.url());
        if (u.protocol === 'data:' || u.protocol === 'blob:' || u.host === own) return;
        const from = req.frame().url();
        if (from.startsWith(url)) foreign.push(`${req.method()} ${req.url()}`);
      });
      // Every page's waits are bounded well inside a test's time, so a stuck step fails by name.
      ctx.setDefaultTimeout(10_000);
      contexts.push(ctx);
      return ctx;
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in page and comes back to `next`; answers the privacy banner so it covers nothing. */
export async function signIn(page: Page, email: string, next: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'Essential only' }).click({ timeout: 2000 }).catch(() => undefined);
}

/** Signs the context's API requests in (they share the browser's cookies). */
export async function apiLogin(ctx: BrowserContext, email: string, password = DEMO_PASSWORD): Promise<APIRequestContext> {
  const res = await ctx.request.post('/api/auth/login', { data: { email, password } });
  expect(res.status()).toBe(200);
  return ctx.request;
}

/** The storefront's consent banner would cover screenshots: choose "Essential only" when it shows. */
export async function dismissConsent(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Essential only' });
  if (await button.isVisible().catch(() => false)) await button.click();
}

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };

/** Signs in as the demo buyer alice and places an order through the API (pay on receipt where a merchant allows it). */
export async function placeDemoOrder(req: APIRequestContext): Promise<{ id: string; number: string }> {
  const login = await req.post('/api/auth/login', { data: { email: 'alice@chainmall.test', password: DEMO_PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  const products = (await (await req.get('/api/products?limit=50')).json()) as { items: { variants: { id: string }[] }[] };
  let last = '';
  for (const p of products.items) {
    const variantId = p.variants[0]?.id;
    if (!variantId) continue;
    for (const paymentMode of ['pay_on_receipt', undefined]) {
      const res = await req.post('/api/checkout', {
        data: { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS, ...(paymentMode ? { paymentMode } : {}) },
        headers: { 'idempotency-key': randomUUID() },
      });
      last = await res.text();
      if (res.status() === 201) return JSON.parse(last).orders[0] as { id: string; number: string };
    }
  }
  throw new Error(`no checkout succeeded: ${last}`);
}
