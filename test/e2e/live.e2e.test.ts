// Live shopping in a real browser: a merchant schedules a session, goes live and pins a tea at a
// live price; a buyer on a 390 px phone opens it from /live, sees the player, chats (the message
// appears), buys the pinned tea at the live price; the merchant deletes the message and it
// disappears for the buyer. The stream is a same-origin URL (the CSP allows no other host); it does
// not play in the test, and the page must work regardless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seedDemo } from '../../src/seed/index.ts';
import { apiLogin, haveBrowser, signIn, startE2E, type E2E } from './harness.ts';

const STAFF = 'tea@chainmall.test';
const BUYER = 'alice@chainmall.test';

describe.runIf(haveBrowser)('live shopping', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
  }, 60_000);
  afterAll(async () => {
    await e?.close();
  });

  it('a merchant goes live and pins a product; a buyer chats and buys at the live price; the merchant deletes a message', async () => {
    // The merchant: schedule, go live, pin Longjing 250 g (168.00) at 99.00, 3 units.
    const mctx = await e.context();
    const m = await mctx.newPage();
    m.on('pageerror', (err) => console.log('merchant pageerror:', err.message));
    await signIn(m, STAFF, '/merchant/live');
    await m.getByRole('heading', { name: 'Live sessions' }).waitFor();
    await m.getByText('Schedule a session').click();
    await m.getByLabel('Title').fill('Spring tea tasting');
    await m.getByLabel('Description').fill('This year\'s Longjing, live from Hangzhou');
    await m.getByLabel('HLS stream URL (.m3u8)').fill(`${e.url}/hls/spring-tea.m3u8`);
    await m.getByRole('button', { name: 'Schedule' }).click();
    const card = m.getByTestId('m-live-session').filter({ hasText: 'Spring tea tasting' });
    await card.getByRole('button', { name: 'Go live' }).click();
    await card.getByText('Live now').waitFor();
    await card.getByRole('link', { name: 'Manage' }).click();
    await m.getByRole('heading', { name: 'Spring tea tasting' }).waitFor();
    const variant = m.getByRole('region', { name: 'Pin a product' }).getByRole('combobox');
    await expect.poll(async () => (await variant.locator('option').allTextContents()).some((o) => o.includes('250 g tin'))).toBe(true);
    const option = (await variant.locator('option').allTextContents()).find((o) => o.includes('250 g tin'))!;
    await variant.selectOption({ label: option });
    await m.getByRole('textbox', { name: /^Live price/ }).fill('99.00');
    await m.getByRole('spinbutton', { name: /^Quota/ }).fill('3');
    await m.getByRole('button', { name: 'Pin', exact: true }).click();
    await m.getByTestId('m-pin').filter({ hasText: '3 of 3 left' }).waitFor();
    await e.shot(m, 'live-merchant');

    // The buyer, on a phone: the list, the session, the player, the pinned tea at its live price.
    const bctx = await e.context({ mobile: true });
    const b = await bctx.newPage();
    b.on('pageerror', (err) => console.log('buyer pageerror:', err.message));
    await signIn(b, BUYER, '/live');
    await b.getByRole('heading', { name: 'Live shopping' }).waitFor();
    await b.getByRole('link', { name: 'Spring tea tasting' }).click();
    await b.getByRole('heading', { name: 'Spring tea tasting' }).waitFor();
    expect(await b.getByTestId('live-video').count()).toBe(1);
    const pin = b.getByTestId('live-pin');
    await pin.getByText('¥99.00').waitFor();
    await pin.getByText('3 of 3 left at this price').waitFor();
    await expect.poll(() => b.getByTestId('viewers').textContent()).toMatch(/[12] watching/);

    // Chat: the message appears for the buyer and in the merchant's moderation panel.
    const text = 'Is this the first spring picking?';
    await b.getByLabel('Your message').fill(text);
    await b.getByRole('button', { name: 'Send' }).click();
    await b.getByTestId('chat-log').getByText(text).waitFor();
    await m.getByTestId('m-chat').getByText(text).waitFor();

    // Buy now: the saved address, the wallet, the live price.
    await pin.getByRole('button', { name: /Buy .* at the live price/ }).click();
    await b.getByRole('button', { name: /^Pay .*99\.00 from my wallet$/ }).click();
    await b.getByText(/Bought! Order CM-/).waitFor();
    await pin.getByText('2 of 3 left at this price').waitFor();
    await e.shot(b, 'live-buyer-390');
    const req = await apiLogin(bctx, BUYER);
    const orders = (await (await req.get('/api/orders?limit=5')).json()) as { items: { totalMinor: string; items: { sku: string; unitPriceMinor: string }[] }[] };
    expect(orders.items[0]).toMatchObject({ totalMinor: '9900', items: [{ sku: 'LJ-250', unitPriceMinor: '9900' }] });
    // No horizontal scrolling at 390 px.
    expect(await b.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);

    // The merchant deletes the message: it disappears for the buyer.
    await m.getByRole('button', { name: /Delete the message from/ }).first().click();
    await b.getByTestId('chat-log').getByText(text).waitFor({ state: 'detached' });
    await m.getByTestId('m-chat').getByText(text).waitFor({ state: 'detached' });

    // Ended: the buyer's page turns into the replay, without the deleted message, with the pin's sales.
    m.once('dialog', (d) => void d.accept());
    await m.getByRole('button', { name: 'End session' }).first().click();
    await b.getByRole('heading', { name: 'Replay' }).waitFor();
    await b.getByTestId('replay-pin').getByText(/1 sold of 3/).waitFor();
    expect(await b.getByTestId('replay-chat').textContent()).not.toContain(text);
    await e.shot(b, 'live-replay-390');

    expect(e.foreign).toEqual([]);
    await checkNoOverflow(b);
  }, 90_000);
});

async function checkNoOverflow(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
}
