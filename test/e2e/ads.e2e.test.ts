// Sponsored listings in a real browser: a visitor sees a "Sponsored" slot above the search results
// (390 px phone), its click goes through the click endpoint (charged) to the product page; the
// merchant's staff fund the ad balance and read the campaign's stats in the console, in both languages.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../../src/money/index.ts';
import { apiLogin, haveBrowser, signIn, startE2E, type E2E } from './harness.ts';

const PASSWORD = 'ads-staff-secret-1';

async function visible(page: Page, role: Parameters<Page['getByRole']>[0], name: string | RegExp): Promise<void> {
  await page.getByRole(role, { name }).first().waitFor({ state: 'visible' });
}

describe.runIf(haveBrowser)('sponsored listings', () => {
  let e: E2E;
  let staffEmail: string;
  let campaignId: string;
  let productTitle: string;
  let merchantId: string;

  beforeAll(async () => {
    e = await startE2E();
    const app = e.app;
    const m = await app.catalog.createMerchant('system', { name: 'Ad Tea House' });
    merchantId = m.id;
    staffEmail = `ads-staff-${randomBytes(4).toString('hex')}@example.test`;
    const { user } = await app.accounts.createUser('system', { email: staffEmail, password: PASSWORD, role: 'merchant_staff', merchantId: m.id });
    productTitle = 'Zisha clay teapot, sponsored';
    const p = await app.catalog.createProduct(m.id, 'system', { title: productTitle, description: 'hand made', status: 'active', variants: [{ sku: 'AD-ZISHA-1', title: 'Standard', priceMinor: 12800 }] });
    // Organic competition for the same words.
    await app.catalog.createProduct(m.id, 'system', { title: 'Zisha clay cup', description: 'hand made', status: 'active', variants: [{ sku: 'AD-ZISHA-2', title: 'Standard', priceMinor: 3800 }] });
    const receivable = ownedAccountId('merchant_receivable', m.id, 'CNY');
    await app.db.kysely.transaction().execute(async (trx) => {
      await app.money.ensureSystemAccounts(trx, 'CNY');
      await app.money.ensureAccount(trx, { id: receivable, kind: 'merchant_receivable', owner: m.id, currency: 'CNY' });
      await app.money.transfer(trx, { id: `earn:${m.id}`, debit: systemAccountId('gateway_clearing'), credit: receivable, amount: 500_000n, currency: 'CNY', code: 'test_earnings' });
    });
    const actor = { userId: user.id, role: 'merchant_staff' as const, merchantId: m.id, via: 'token' as const };
    await app.ads.fund(actor, '20000', undefined);
    campaignId = (await app.ads.create(actor, { name: 'Zisha week', productIds: [p.id], keywords: ['zisha'], bidMinor: '50', dailyBudgetMinor: '5000', totalBudgetMinor: '50000' })).id;
  });
  afterAll(async () => {
    await e?.close();
  });

  it('shows a labelled sponsored slot above the results; its click is charged and leads to the product', async () => {
    const ctx = await e.context({ mobile: true });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.log('pageerror:', err.message));
    await page.goto('/');
    // A choice: the visitor now has a cm_visitor cookie, so its clicks can be deduplicated (and charged).
    await page.getByRole('button', { name: 'Essential only' }).click();
    await page.getByRole('region', { name: 'Your privacy' }).waitFor({ state: 'detached' });
    await page.goto('/search?q=zisha');
    const ads = page.getByRole('region', { name: 'Sponsored products' });
    await ads.waitFor({ state: 'visible' });
    await expect.poll(() => ads.getByText('Sponsored', { exact: true }).count()).toBe(1);
    await e.shot(page, 'ads-search-mobile');
    const clicked = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ads/clicks');
    await ads.getByRole('link', { name: new RegExp(productTitle) }).click();
    const res = await clicked;
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ charged: true, reason: null });
    await visible(page, 'heading', productTitle);
    const st = await e.app.ads.stats({ userId: 'x', role: 'merchant_staff', merchantId, via: 'token' }, campaignId);
    expect(st.totals).toMatchObject({ impressions: 1, clicks: 1, chargedClicks: 1 });
    expect(e.foreign).toEqual([]);
  });

  it('the merchant funds the ad balance and reads the campaign stats (English and Chinese)', async () => {
    const ctx = await e.context();
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.log('pageerror:', err.message));
    await signIn(page, staffEmail, '/merchant', PASSWORD);
    await page.getByRole('link', { name: 'Advertising' }).click();
    await visible(page, 'heading', 'Ad balance');
    await page.getByLabel('Amount').fill('12.34');
    await page.getByRole('button', { name: 'Fund', exact: true }).click();
    await page.getByText(/Funded: .*12\.34/).waitFor();
    await page.getByRole('cell', { name: 'Funding' }).first().waitFor();
    await e.shot(page, 'ads-balance');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await visible(page, 'link', 'Zisha week');
    await e.shot(page, 'ads-campaigns');
    await page.getByRole('link', { name: 'Zisha week' }).click();
    await visible(page, 'heading', 'Campaign: Zisha week');
    await page.getByRole('columnheader', { name: 'Charged clicks' }).waitFor();
    await e.shot(page, 'ads-campaign-stats');
    await page.getByRole('button', { name: 'Pause: Zisha week' }).click();
    await page.getByText('Paused', { exact: true }).waitFor();

    const zh = await e.context({ locale: 'zh-CN', mobile: true });
    const zp = await zh.newPage();
    await apiLogin(zh, staffEmail, PASSWORD);
    await zp.goto(`/merchant/ads/campaigns/${campaignId}`);
    await zp.getByRole('heading', { name: '推广计划：Zisha week' }).waitFor();
    await zp.getByRole('columnheader', { name: '计费点击' }).waitFor();
    await e.shot(zp, 'ads-campaign-stats-zh');
  });
});
