// A buyer's whole journey in a real browser: the consent banner, sign-up, a wallet top-up, search,
// a cart across two merchants paid from the wallet, the order timeline, a second order paid through
// the sandbox gateway's own page (on a 390 px phone screen), and the privacy page.
import fs from 'node:fs';
import { request, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../src/seed/index.ts';
import { haveBrowser, startE2E, type E2E } from './harness.ts';

const EMAIL = 'dora@example.test';
const PASSWORD = 'dora-secret-123';

async function visible(page: Page, role: Parameters<Page['getByRole']>[0], name: string | RegExp): Promise<void> {
  // A live region (status) takes no name from its content: match its text instead.
  const loc = role === 'status' ? page.getByRole(role).filter({ hasText: name }) : page.getByRole(role, { name });
  await loc.first().waitFor({ state: 'visible' });
}

/** Accepts the consent banner when it shows (a new visitor, or a person who never chose). */
async function acceptIfAsked(page: Page): Promise<void> {
  const consent = await (await page.request.get('/api/privacy/consent')).json() as { choiceMade: boolean };
  if (!consent.choiceMade) {
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.getByRole('region', { name: 'Your privacy' }).waitFor({ state: 'detached' });
  }
}

async function addProduct(page: Page, query: string, title: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search products' }).fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await visible(page, 'heading', `Results for “${query}”`);
  await page.getByRole('link', { name: title }).first().click();
  await visible(page, 'heading', title);
  await expect.poll(() => page.getByRole('button', { name: 'Add to cart' }).isEnabled()).toBe(true);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await visible(page, 'status', 'Added to your cart.');
}

describe.runIf(haveBrowser)('buyer journey', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('consents, signs up, tops up, buys from two merchants with the wallet, and follows the timeline', async () => {
    const ctx = await e.context();
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.log('pageerror:', err.message));

    // Behaviour event batches the page posts (their answers' statuses).
    const posted: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/events') posted.push(r.status());
    });

    // An anonymous visitor sees the banner; nothing is collected before the choice.
    await page.goto('/');
    const banner = page.getByRole('region', { name: 'Your privacy' });
    await banner.waitFor({ state: 'visible' });
    await visible(page, 'heading', 'Popular now');
    await e.shot(page, 'buyer-home');
    expect(posted).toHaveLength(0);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await banner.waitFor({ state: 'detached' });
    expect((await (await page.request.get('/api/privacy/consent')).json()).choiceMade).toBe(true);

    // A visitor's cart lives in the browser; checking out asks to sign in (or sign up) and comes back.
    await addProduct(page, 'longjing', 'Longjing green tea, spring harvest');
    await visible(page, 'heading', 'Frequently bought together');
    await visible(page, 'heading', 'Ratings and reviews');
    await e.shot(page, 'buyer-product');
    await page.goto('/cart');
    await visible(page, 'heading', 'West Lake Tea House');
    await page.getByRole('button', { name: 'Check out' }).click();
    await page.waitForURL(/\/signin\?next=%2Fcheckout$/);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await visible(page, 'heading', 'Shipping address');
    await page.getByText('West Lake Tea House (1 items)').waitFor();
    // The banner choice made as a visitor became the new account's: it is not asked again.
    const carried = await (await page.request.get('/api/privacy/consent')).json() as { choiceMade: boolean; purposes: Record<string, { granted: boolean }> };
    expect(carried.choiceMade).toBe(true);
    expect(carried.purposes['analytics']?.granted).toBe(true);
    expect(await page.getByRole('region', { name: 'Your privacy' }).count()).toBe(0);

    // Top up the wallet through the page.
    await page.goto('/account/wallet');
    const topUp = page.getByRole('form', { name: 'Top up (development)' });
    await topUp.getByLabel('Amount (CNY)').fill('5000');
    await topUp.getByRole('button', { name: 'Top up' }).click();
    await visible(page, 'status', /added to your wallet/);
    await expect.poll(() => page.getByTestId('wallet-available').textContent()).toContain('5,000.00');

    // Search and add a product of another merchant.
    await addProduct(page, 'scarf', 'Mulberry silk scarf');
    // With consent, views, searches, cart adds and recommendation impressions reach the server in batches.
    await expect.poll(() => posted.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(posted.every((s) => s === 202)).toBe(true);

    // The profile: name and phone, saved encrypted.
    await page.goto('/account');
    await page.getByLabel('Name', { exact: true }).fill('Dora Chen');
    await page.getByLabel('Phone', { exact: true }).fill('+86 138 0000 1111');
    await page.getByRole('button', { name: 'Save' }).click();
    await visible(page, 'status', 'Saved');

    // The cart is grouped per merchant with subtotals.
    await page.goto('/cart');
    await visible(page, 'heading', 'West Lake Tea House');
    await visible(page, 'heading', 'Silk Road Apparel');
    await e.shot(page, 'buyer-cart');
    await page.getByRole('button', { name: 'Check out' }).click();

    // Checkout: a shipping address, paid from the wallet.
    await visible(page, 'heading', 'Shipping address');
    await page.getByLabel('Recipient').fill('Dora Chen');
    await page.getByLabel('Phone', { exact: true }).fill('+86 138 0000 1111');
    await page.getByLabel('Street address').fill('88 Nanjing Road');
    await page.getByLabel('City').fill('Shanghai');
    await page.getByRole('radio', { name: 'Wallet balance' }).check();
    await e.shot(page, 'buyer-checkout');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, 'heading', 'Thank you for your order');
    await visible(page, 'status', '2 order(s) placed — one per seller.');
    expect(await page.getByText('paid', { exact: false }).count()).toBeGreaterThan(0);

    // Both orders are listed; one's timeline links each step to its ledger entry.
    await page.goto('/account/orders');
    const rows = page.getByRole('row');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('link', { name: /^CM-/ }).first().click();
    await visible(page, 'heading', 'Timeline');
    await expect.poll(async () => {
      if (await page.getByRole('link', { name: /Ledger entry #\d+/ }).count() > 0) return true;
      await page.reload();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      return false;
    }, { timeout: 10_000 }).toBe(true);
    expect(await page.getByRole('link', { name: /Ledger entry #\d+/ }).first().getAttribute('href')).toMatch(/^\/explorer\/entries\/\d+$/);
    await visible(page, 'button', 'Download receipt');
    await e.shot(page, 'buyer-order-timeline');

    // The wallet shows the payment in its statement.
    await page.goto('/account/wallet');
    await visible(page, 'heading', 'Statement');
    await visible(page, 'cell', /Order payment/);
    await e.shot(page, 'buyer-wallet');

    // Privacy: toggle a consent (a new history row), download the export.
    await page.goto('/account/privacy');
    const marketing = page.getByRole('checkbox', { name: 'Marketing' });
    await marketing.waitFor();
    const before = await page.getByRole('row').count();
    const wasOn = await marketing.isChecked();
    await marketing.click();
    await expect.poll(() => marketing.isChecked()).toBe(!wasOn);
    await expect.poll(() => page.getByRole('row').count()).toBeGreaterThan(before);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    const file = await download.path();
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { format: string; behaviourEvents: { kind: string }[] };
    expect(data.format).toBe('chainmall-personal-data/v1');
    // The events sent after consent were stored (under the buyer's pseudonym).
    expect(JSON.stringify(data.behaviourEvents)).toContain('"view"');
    expect(e.foreign).toEqual([]);
  }, 60_000);

  it('pays a second order through the sandbox gateway on a phone screen', async () => {
    const ctx = await e.context({ mobile: true });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.log('pageerror:', err.message));
    await page.goto('/signin');
    await page.getByRole('button', { name: 'Essential only' }).click();
    await page.getByLabel('E-mail').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await visible(page, 'button', 'Sign out');
    await acceptIfAsked(page);

    await addProduct(page, 'earbuds', 'Wireless earbuds');
    await e.shot(page, 'buyer-product-mobile');
    const noOverflow = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    expect(await noOverflow()).toBe(true);

    await page.goto('/cart');
    await visible(page, 'heading', 'Pixel Gadgets');
    expect(await noOverflow()).toBe(true);
    await page.getByRole('button', { name: 'Check out' }).click();
    await visible(page, 'heading', 'Shipping address');
    // The address typed at the first checkout is not saved; fill it again.
    await page.getByLabel('Recipient').fill('Dora Chen');
    await page.getByLabel('Phone', { exact: true }).fill('+86 138 0000 1111');
    await page.getByLabel('Street address').fill('88 Nanjing Road');
    await page.getByLabel('City').fill('Shanghai');
    await e.shot(page, 'buyer-checkout-mobile');
    await page.getByRole('radio', { name: /Payment gateway/ }).check();
    expect(await noOverflow()).toBe(true);
    await page.getByRole('button', { name: 'Place order' }).click();

    // The pay step: the gateway's page as a link and QR code; the order is polled until paid.
    await visible(page, 'heading', 'Pay your order');
    await page.getByRole('button', { name: 'Pay with the payment gateway' }).click();
    const link = page.getByRole('link', { name: 'Open the payment page' });
    await link.waitFor();
    await visible(page, 'img', 'QR code of the payment page');
    const payUrl = await link.getAttribute('href');
    expect(payUrl?.startsWith(e.app.sandbox!.url)).toBe(true);
    await e.shot(page, 'buyer-gateway-mobile');
    expect(await noOverflow()).toBe(true);

    // As a phone would: follow the link to the gateway's page, choose to pay on this device, approve.
    const phone = await ctx.newPage();
    await phone.goto(payUrl!);
    await phone.getByRole('link', { name: 'Pay on this device instead' }).click();
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByText('Paid', { exact: true }).waitFor();
    await phone.close();

    await page.getByRole('status').filter({ hasText: 'Paid — thank you!' }).waitFor({ timeout: 20_000 });
    expect(e.foreign).toEqual([]);
  }, 60_000);
  it('the merchant ships with transit scans; the buyer confirms receipt, reviews, downloads the receipt and sees it verified in the browser; a one-character change fails; the explorer shows the order', async () => {
    // The merchant's side, in the merchant console: accept, allocate, ship, two carrier scans.
    const staff = await request.newContext({ baseURL: e.url });
    expect((await staff.post('/api/auth/login', { data: { email: 'apparel@chainmall.test', password: DEMO_PASSWORD } })).ok()).toBe(true);
    const orders = await (await staff.get('/api/orders?limit=10')).json() as { items: { id: string; number: string; state: string; paid: boolean }[] };
    const order = orders.items.find((o) => o.state === 'created' && o.paid)!;
    expect(order).toBeDefined();
    await staff.dispose();
    const console_ = await (await e.context()).newPage();
    await console_.goto(`/signin?next=${encodeURIComponent(`/merchant/orders/${order.id}`)}`);
    await console_.getByLabel('E-mail').fill('apparel@chainmall.test');
    await console_.getByLabel('Password').fill(DEMO_PASSWORD);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByRole('heading', { name: /^Order CM-/ }).waitFor();
    await console_.getByRole('button', { name: 'Essential only' }).click({ timeout: 2000 }).catch(() => undefined);
    await console_.getByRole('button', { name: 'Accept order' }).click();
    const location = console_.getByLabel('Ship from location');
    await location.locator('option').nth(1).waitFor({ state: 'attached' });
    await location.selectOption({ index: 1 });
    await console_.getByRole('button', { name: 'Allocate' }).click();
    await console_.getByLabel('Carrier').fill('SF Express');
    await console_.getByLabel('Tracking number').fill('SF1234567890');
    await console_.getByRole('button', { name: 'Mark shipped' }).click();
    for (const where of ['Hangzhou sorting centre', 'Shanghai sorting centre']) {
      await console_.getByLabel('Scan location').fill(where);
      await console_.getByRole('button', { name: 'Add transit event' }).click();
      await expect.poll(() => console_.getByText(`Scanned at ${where}`).count()).toBe(1);
    }
    await e.shot(console_, 'journey-merchant-shipped');

    const ctx = await e.context();
    const page = await ctx.newPage();
    expect((await page.request.post('/api/auth/login', { data: { email: EMAIL, password: PASSWORD } })).ok()).toBe(true);
    await page.goto(`/account/orders/${order.id}`);
    await visible(page, 'heading', 'Timeline');
    await page.getByText('Scanned at Shanghai sorting centre', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Confirm receipt' }).click();
    await page.locator('.badge').filter({ hasText: 'Received' }).waitFor();

    // Review the received line.
    await page.getByRole('form', { name: /Review of Mulberry silk scarf/ }).getByLabel('Your review').fill('Soft and beautifully finished.');
    await page.getByRole('button', { name: 'Post review' }).click();
    await visible(page, 'status', /Thank you for reviewing/);

    // The receipt downloads as a JSON file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download receipt' }).click()]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const receipt = JSON.parse(text) as { format: string; steps: unknown[] };
    expect(receipt.format).toBe('chainmall-order-receipt/v2');
    expect(receipt.steps.length).toBeGreaterThanOrEqual(6);

    // Verified in the browser, by the same verifiers the server uses, with only the log's key.
    await page.getByRole('button', { name: 'Verify this order in my browser' }).click();
    await page.waitForURL('**/verify');
    await page.getByText('Verified', { exact: true }).first().waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Order document commitment/ }).textContent()).toContain('Passed');
    await e.shot(page, 'journey-receipt-verified');
    // The downloaded file with one character changed (a unit price in the document) fails, and says why.
    const altered = text.replace(/("unitPriceMinor": ?")(\d)/, (_m, head: string, d: string) => `${head}${d === '9' ? '8' : String(Number(d) + 1)}`);
    expect(altered).not.toBe(text);
    expect(altered.length).toBe(text.length);
    await page.getByLabel('Receipt (JSON)').fill(altered);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('Failed', { exact: true }).first().waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Order document commitment/ }).textContent()).toContain('do not hash to the commitment');
    await e.shot(page, 'journey-receipt-failed');
    // The explorer finds the order's entries by its number.
    await page.goto(`/explorer/search?q=${encodeURIComponent(order.number)}`);
    await page.getByText('order.created').first().waitFor();
    await page.getByText('order.confirm_receipt').first().waitFor();
    await e.shot(page, 'journey-explorer-order');
    await page.goto(`/account/orders/${order.id}`);
    await visible(page, 'heading', 'Timeline');

    // Ask for part of the money back.
    const refund = page.getByRole('form', { name: 'Request a refund' });
    await refund.getByLabel('Amount (CNY)').fill('50');
    await refund.getByLabel('Reason').selectOption('damaged');
    await refund.getByRole('button', { name: 'Request refund' }).click();
    await page.locator('.badge').filter({ hasText: 'Refund requested' }).waitFor();
    await page.getByText('You asked for a refund of CN¥50.00.').waitFor();
    expect(e.foreign).toEqual([]);
  }, 60_000);
  it('confirms a large wallet payment with the SMS code', async () => {
    const ctx = await e.context();
    const page = await ctx.newPage();
    expect((await page.request.post('/api/auth/login', { data: { email: EMAIL, password: PASSWORD } })).ok()).toBe(true);
    // Three teapots: above the SMS threshold (1,000.00 CNY by default).
    await page.goto('/search?q=teapot');
    await page.getByRole('link', { name: 'Yixing clay teapot' }).first().click();
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await visible(page, 'status', 'Added to your cart.');
    await page.goto('/checkout');
    await page.getByLabel('Street address').fill('88 Nanjing Road');
    await page.getByLabel('City').fill('Shanghai');
    await page.getByRole('radio', { name: 'Wallet balance' }).check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, 'heading', 'Confirm with an SMS code');
    const sms = await (await page.request.get('/api/dev/sms')).json() as { messages: { text: string }[] };
    const code = /\b(\d{6})\b/.exec(sms.messages[0]?.text ?? '')?.[1];
    expect(code).toBeDefined();
    await page.getByRole('textbox', { name: 'SMS code' }).fill(code!);
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await visible(page, 'heading', 'Thank you for your order');
    await visible(page, 'status', '1 order(s) placed');
    expect(e.foreign).toEqual([]);
  }, 60_000);
});
