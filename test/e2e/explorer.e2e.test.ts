// The public ledger explorer: the latest checkpoint and verifier key, blocks page by page, a block
// and an entry, an order's entries found by its number, and a new block arriving in the live feed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/seed/index.ts';
import { dismissConsent, haveBrowser, placeDemoOrder, startE2E, type E2E } from './harness.ts';


const event = (tag: string) => ({ kind: 'test.explorer', actor: 'system', subject: { test: tag }, data: { n: 1 } });

describe.runIf(haveBrowser)('ledger explorer', () => {
  let e: E2E;
  let order: { id: string; number: string };

  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
    order = await placeDemoOrder((await e.context()).request);
    // Enough blocks for more than one page (10 a page), each appendNow sealing at least one block.
    for (let i = 0; i < 12; i++) await e.app.ledger.appendNow([event(`page-${i}`)]);
    // The order's first step is signed.
    await e.app.ledger.appendNow([event('after-order')]);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('shows the latest checkpoint and the verifier key, and pages through blocks', async () => {
    const page = await (await e.context()).newPage();
    await page.goto('/explorer');
    await expect.poll(() => page.getByRole('heading', { name: 'Ledger explorer' }).isVisible()).toBe(true);
    const key = await (await page.request.get('/api/ledger/key')).json();
    await expect.poll(() => page.getByTestId('verifier-key').textContent()).toBe(key.verifierKey);
    await expect.poll(() => page.getByTestId('checkpoint-origin').textContent()).toBe(key.origin);
    const latest = (await (await page.request.get('/api/ledger/blocks?limit=1')).json()).items[0];
    await expect.poll(async () => Number(await page.getByTestId('checkpoint-size').textContent())).toBeGreaterThanOrEqual(latest.treeSize);

    const blocks = page.getByRole('table', { name: 'Blocks' });
    await expect.poll(() => blocks.getByRole('row').count()).toBe(11); // header + 10
    const firstOnPage1 = await blocks.getByRole('row').nth(1).getByRole('link').textContent();
    await dismissConsent(page);
    await e.shot(page, 'explorer-home');
    await page.getByRole('button', { name: 'Older blocks' }).click();
    await expect.poll(() => page.getByText('Page 2').isVisible()).toBe(true);
    await expect.poll(() => blocks.getByRole('row').nth(1).getByRole('link').textContent()).not.toBe(firstOnPage1);
    const h1 = Number(firstOnPage1!.replace(/\D/g, ''));
    const h2 = Number((await blocks.getByRole('row').nth(1).getByRole('link').textContent())!.replace(/\D/g, ''));
    expect(h2).toBeLessThanOrEqual(h1 - 10);
    await page.getByRole('button', { name: 'Newer blocks' }).click();
    await expect.poll(() => page.getByText('Page 1').isVisible()).toBe(true);

    // A block and one of its entries, decoded, with a link to verify its receipt.
    await page.goto('/explorer/blocks/0');
    await expect.poll(() => page.getByRole('heading', { name: 'Block 0' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Entry 0', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Entry 0' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('entry-kind').textContent()).toBe('ledger.genesis');
    await expect.poll(() => page.getByLabel('Data').textContent()).toContain(key.verifierKey);
    await e.shot(page, 'explorer-entry');
    await page.getByRole('link', { name: 'Verify its receipt in your browser' }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent(), { timeout: 10_000 }).toBe('Verified');
    expect(e.foreign).toEqual([]);
  });

  it("finds an order's entries by its number, and an entry by its index", async () => {
    const page = await (await e.context()).newPage();
    await page.goto('/explorer');
    await page.getByLabel('Order number, order id or entry index').fill(order.number);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('heading', { name: new RegExp(`entries of order ${order.id}`) }).isVisible()).toBe(true);
    const results = page.getByRole('table', { name: 'Search the ledger' });
    await expect.poll(() => results.getByText('order.created').isVisible()).toBe(true);
    await results.getByRole('link').first().click();
    await expect.poll(() => page.getByTestId('entry-kind').textContent()).toBe('order.created');
    await expect.poll(() => page.getByLabel('Data').textContent()).toContain(order.number);

    // By order id too, and an entry index goes straight to the entry.
    await page.getByLabel('Order number, order id or entry index').fill(order.id);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('heading', { name: new RegExp(`entries of order ${order.id}`) }).isVisible()).toBe(true);
    await page.getByLabel('Order number, order id or entry index').fill('3');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Entry 3' }).isVisible()).toBe(true);
    await page.getByLabel('Order number, order id or entry index').fill('CM-20000101-ZZZZZZZZ');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'No entries found for CM-20000101-ZZZZZZZZ.' }).isVisible()).toBe(true);
    expect(e.foreign).toEqual([]);
  });

  it('shows a new block in the live feed without reloading', async () => {
    const page = await (await e.context()).newPage();
    await page.goto('/explorer');
    const feed = page.getByRole('list', { name: 'New blocks' });
    await expect.poll(() => page.getByTestId('checkpoint-size').isVisible()).toBe(true);
    const before = Number(await page.getByTestId('checkpoint-size').textContent());
    const [idx] = await e.app.ledger.appendNow([event('live')]);
    const block = (await (await page.request.get('/api/ledger/blocks?limit=1')).json()).items[0];
    expect(block.treeSize).toBeGreaterThan(idx!);
    await expect.poll(() => feed.getByRole('link', { name: `Block ${block.height}` }).isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(async () => Number(await page.getByTestId('checkpoint-size').textContent())).toBeGreaterThan(before);
    // The first page of the table follows too.
    await expect.poll(() => page.getByRole('table', { name: 'Blocks' }).getByRole('link', { name: `Block ${block.height}` }).isVisible()).toBe(true);
    const mobile = await (await e.context({ mobile: true })).newPage();
    await mobile.goto('/explorer');
    await expect.poll(() => mobile.getByTestId('verifier-key').isVisible()).toBe(true);
    await dismissConsent(mobile);
    await e.shot(mobile, 'explorer-mobile');
    expect(e.foreign).toEqual([]);
  });
});
