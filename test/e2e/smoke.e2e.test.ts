// The app loads from the server alone, speaks English and Chinese, and signs a person up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, startE2E, type E2E } from './harness.ts';

describe.runIf(haveBrowser)('web app shell', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
  });
  afterAll(async () => {
    await e?.close();
  });

  it('loads with no request to another host, switches to Chinese, and registers a buyer', async () => {
    const page = await (await e.context()).newPage();
    const res = await page.goto('/signin');
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => page.getByRole('heading', { name: '登录' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('E-mail').fill('newbie@example.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    // A page path the server does not know is the app's, not a 404 problem.
    const deep = await page.goto('/account/orders');
    expect(deep?.status()).toBe(200);
    expect(deep?.headers()['content-type']).toContain('text/html');
    const api = await page.request.get('/api/no-such-thing');
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toContain('application/problem+json');
    await e.shot(page, 'shell-signed-in');
    expect(e.foreign).toEqual([]);
  });
});
