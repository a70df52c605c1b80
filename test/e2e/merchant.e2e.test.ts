// The merchant console in a real browser: a buyer's order is accepted, allocated, shipped with a
// tracking number, scanned twice in transit and delivered; a product with a variant is created and
// stocked; analytics charts render; a statement line's Merkle proof verifies after a settlement run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIRequestContext, Page } from 'playwright-core';
import { seedDemo } from '../../src/seed/index.ts';
import { apiLogin, haveBrowser, signIn, startE2E, type E2E } from './harness.ts';

const STAFF = 'tea@chainmall.test';


/** Local time as a datetime-local value (the browser runs in this machine's time zone). */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

describe.runIf(haveBrowser)('merchant console', () => {
  let e: E2E;
  let orderId: string;
  let buyer: APIRequestContext;
  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
    // A buyer orders a tin of Longjing from West Lake Tea, paid from the wallet (held in escrow).
    buyer = await apiLogin(await e.context(), 'alice@chainmall.test');
    const found = await (await buyer.get('/api/products?q=LJ-250')).json() as { items: { variants: { id: string; sku: string }[] }[] };
    const variantId = found.items.flatMap((p) => p.variants).find((v) => v.sku === 'LJ-250')!.id;
    const res = await buyer.post('/api/checkout', {
      headers: { 'idempotency-key': crypto.randomUUID() },
      data: { items: [{ variantId, qty: 1 }], shippingAddress: { recipient: 'Alice Wang', phone: '+86 138 0013 8000', country: 'CN', city: 'Hangzhou', line1: '18 Wensan Road', postalCode: '310012' } },
    });
    expect(res.status()).toBe(201);
    orderId = ((await res.json()) as { orders: { id: string }[] }).orders[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await e?.close();
  });

  it('refuses the console to a buyer with a 403 text', async () => {
    const page = await (await e.context()).newPage();
    await signIn(page, 'bob@chainmall.test', '/merchant');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('403');
  });

  it('takes an order from acceptance to delivery', async () => {
    const page = await (await e.context()).newPage();
    await signIn(page, STAFF, '/merchant');
    await page.getByRole('heading', { name: 'Merchant dashboard' }).waitFor();
    await page.getByRole('heading', { name: 'Orders needing action' }).waitFor();
    await e.shot(page, 'merchant-dashboard');
    await page.goto(`/merchant/orders/${orderId}`);
    await page.getByRole('heading', { name: /^Order CM-/ }).waitFor();
    // The buyer's address, and the page says reading it is logged.
    await expect.poll(() => page.locator('address').textContent()).toContain('18 Wensan Road');
    expect(await page.getByText(/pii\.accessed/).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Accept order' }).click();
    await page.getByLabel('Ship from location').selectOption({ label: 'Hangzhou warehouse (WEST-LAK)' });
    await page.getByRole('button', { name: 'Allocate' }).click();
    await page.getByLabel('Carrier').fill('SF Express');
    await page.getByLabel('Tracking number').fill('SF1234567890');
    await page.getByRole('button', { name: 'Mark shipped' }).click();

    await page.getByLabel('Scan location').fill('Hangzhou sorting centre');
    await page.getByRole('button', { name: 'Add transit event' }).click();
    await expect.poll(() => page.getByText('Scanned at Hangzhou sorting centre').count()).toBe(1);
    await page.getByLabel('Scan location').fill('Shanghai Pudong hub');
    await page.getByLabel('Scan time').fill(localInput(new Date(Date.now() + 30_000)));
    await page.getByRole('button', { name: 'Add transit event' }).click();
    await expect.poll(() => page.getByText('Scanned at Shanghai Pudong hub').count()).toBe(1);
    await page.getByRole('button', { name: 'Mark delivered' }).click();
    await page.getByText('Nothing for you to do on this order now.').waitFor();

    const order = await (await page.request.get(`/api/orders/${orderId}`)).json() as { state: string; carrier: string; trackingNumber: string; timeline: { kind: string; data: Record<string, unknown> }[] };
    expect(order.state).toBe('delivered');
    expect(order.carrier).toBe('SF Express');
    expect(order.trackingNumber).toBe('SF1234567890');
    expect(order.timeline.filter((s) => s.kind === 'order.transit').map((s) => s.data['location'])).toEqual(['Hangzhou sorting centre', 'Shanghai Pudong hub']);
    await e.shot(page, 'merchant-order-delivered');

    const phone = await (await e.context({ mobile: true })).newPage();
    await signIn(phone, STAFF, `/merchant/orders/${orderId}`);
    await phone.getByRole('heading', { name: /^Order CM-/ }).waitFor();
    await phone.getByText('Shanghai Pudong hub').first().waitFor();
    // Nothing runs off the side of a 390 px screen.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await e.shot(phone, 'merchant-order-mobile');
  });

  it('creates a product with a variant and sets its stock', async () => {
    const page = await (await e.context()).newPage();
    await signIn(page, STAFF, '/merchant/products/new');
    await page.getByRole('heading', { name: 'New product' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Tieguanyin oolong');
    await page.getByLabel('Description').fill('Anxi oolong, 100 g');
    await page.getByLabel('Category').selectOption({ label: 'Tea' });
    await page.getByLabel('Status').selectOption('active');
    await page.getByLabel('SKU').fill('TGY-100');
    await page.getByLabel('Variant name').fill('100 g');
    await page.getByLabel('Price (e.g. 49.90)').fill('88.00');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('heading', { name: 'Tieguanyin oolong' }).waitFor();
    // The stock levels load after the heading; a value typed before they arrive would be reset.
    await page.waitForLoadState('networkidle');
    await page.getByLabel('On hand: TGY-100 at Hangzhou warehouse').fill('42');
    await page.getByRole('button', { name: 'Set stock of TGY-100 at Hangzhou warehouse' }).click();
    const productId = page.url().split('/').pop()!;
    await expect.poll(async () => {
      const product = await (await page.request.get(`/api/products/${productId}`)).json() as { variants: { id: string; priceMinor: string }[] };
      const v = product.variants[0]!;
      const stock = await (await page.request.get(`/api/merchant/stock?variantId=${v.id}`)).json() as { items: { onHand: number }[] };
      return [v.priceMinor, stock.items[0]?.onHand];
    }, { timeout: 15_000 }).toEqual(['8800', 42]);
    await e.shot(page, 'merchant-product');
  });

  it('shows analytics charts with captions and data tables', async () => {
    const page = await (await e.context()).newPage();
    await signIn(page, STAFF, '/merchant/analytics');
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    await page.getByRole('figure', { name: 'Sales per day (CNY)' }).waitFor();
    await page.getByRole('figure', { name: /People at each step/ }).waitFor();
    await page.getByRole('figure', { name: 'Orders per day' }).waitFor();
    await expect.poll(() => page.locator('.chart-canvas canvas').count()).toBeGreaterThanOrEqual(3);
    await page.getByLabel('Period').selectOption('7');
    await expect.poll(() => page.locator('figure.chart').first().locator('tbody tr').count()).toBe(7);
    await page.getByText('Show the data as a table').first().click();
    await e.shot(page, 'merchant-analytics');
  });

  it('adds a webhook endpoint, shows its secret once, deletes it; speaks Chinese', async () => {
    const page = await (await e.context()).newPage();
    await signIn(page, STAFF, '/merchant/webhooks');
    await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/hooks/chainmall');
    await page.getByLabel('Events').fill('order.*, settlement.*');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('.secret').textContent()).toMatch(/^whsec_/);
    await e.shot(page, 'merchant-webhooks');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.locator('.secret').count()).toBe(0);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete endpoint http://127.0.0.1:9/hooks/chainmall' }).click();
    await page.getByText('No endpoint yet.').waitFor();

    await page.goto('/merchant');
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '商家概览' }).waitFor();
    await page.getByRole('heading', { name: '待处理订单' }).waitFor();
    await page.getByLabel('语言').selectOption('en');
  });

  it('proves a statement line after the admin settles', async () => {
    // The buyer confirms receipt (escrow goes to the merchant), then an admin runs settlement.
    expect((await buyer.post(`/api/orders/${orderId}/confirm-receipt`, { headers: { 'idempotency-key': crypto.randomUUID() }, data: {} })).status()).toBe(200);
    const admin = await apiLogin(await e.context(), 'admin@chainmall.test');
    const run = await admin.post('/api/admin/settlements', { headers: { 'idempotency-key': crypto.randomUUID() }, data: {} });
    expect(run.status()).toBe(201);

    const page = await (await e.context()).newPage();
    await signIn(page, STAFF, '/merchant/settlements');
    await page.getByRole('link', { name: 'Batch 1' }).click();
    await page.getByRole('heading', { name: /^Batch 1 to / }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export statement (CSV)' }).click();
    const csv = await (await download).createReadStream();
    const text = await new Promise<string>((resolve) => { let s = ''; csv.on('data', (c: Buffer) => (s += c.toString())); csv.on('end', () => resolve(s)); });
    expect(text.split('\r\n')[0]).toBe('batch,batch_number,line_no,kind,order_id,transfer_id,amount_minor,currency,at');
    expect(text).toContain(orderId);
    await e.shot(page, 'merchant-settlement-batch');
    await page.getByRole('link', { name: 'Proof of line 1' }).click();
    await page.getByRole('heading', { name: 'Proof of statement line 1' }).waitFor();
    await page.getByText(/Verified in your browser/).waitFor();
    const ledgerLink = page.getByRole('link', { name: /^Ledger entry #\d+/ });
    await expect.poll(async () => ((await ledgerLink.count()) > 0 ? ledgerLink.getAttribute('href') : null), { timeout: 10_000 }).toMatch(/^\/explorer\/entries\/\d+$/);
    await e.shot(page, 'merchant-line-proof');
    expect(e.foreign).toEqual([]);
  });
});
