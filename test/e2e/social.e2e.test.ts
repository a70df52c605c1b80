// Social in a real browser: a buyer shares a product; a visitor opens the link signed out, signs in
// and is recorded as referred; follows the seller and sees the feed; keeps a wishlist; asks a question.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/seed/index.ts';
import { apiLogin, dismissConsent, haveBrowser, signIn, startE2E, type E2E } from './harness.ts';

async function visible(page: Page, role: Parameters<Page['getByRole']>[0], name: string | RegExp): Promise<void> {
  const loc = role === 'status' ? page.getByRole(role).filter({ hasText: name }) : page.getByRole(role, { name });
  await loc.first().waitFor({ state: 'visible' });
}

describe.runIf(haveBrowser)('social', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('share → referred visit after sign-in → follow, feed, wishlist, question', async () => {
    const products = (await (await (await e.context()).request.get('/api/products?limit=1')).json()) as { items: { id: string; title: string }[] };
    const product = products.items[0]!;

    // Bob shares the product.
    const bobCtx = await e.context();
    const bob = await bobCtx.newPage();
    bob.on('pageerror', (err) => console.log('pageerror:', err.message));
    await signIn(bob, 'bob@chainmall.test', `/products/${product.id}`);
    await visible(bob, 'heading', product.title);
    await bob.getByRole('button', { name: /Share/ }).click();
    const linkBox = bob.getByRole('textbox', { name: 'Share link' });
    await linkBox.waitFor();
    const shared = await linkBox.inputValue();
    expect(shared).toMatch(new RegExp(`/p/${product.id}\\?ref=[A-Za-z0-9_-]{22}$`));
    await e.shot(bob, 'social-share');

    // Carol opens it signed out (on a phone), then signs in: the visit is recorded for her.
    const carolCtx = await e.context({ mobile: true });
    const carol = await carolCtx.newPage();
    carol.on('pageerror', (err) => console.log('pageerror:', err.message));
    const path = new URL(shared).pathname + new URL(shared).search;
    await carol.goto(path);
    await visible(carol, 'heading', product.title);
    await dismissConsent(carol);
    await expect.poll(() => carol.evaluate(() => localStorage.getItem('cm_ref'))).toBe(new URL(shared).searchParams.get('ref'));
    await signIn(carol, 'carol@chainmall.test', path);
    await visible(carol, 'status', 'You arrived through a friend’s link.');
    await expect.poll(() => carol.evaluate(() => localStorage.getItem('cm_ref'))).toBeNull();
    const bobApi = await apiLogin(await e.context(), 'bob@chainmall.test');
    await expect.poll(async () => ((await (await bobApi.get('/api/me/referrals')).json()) as { items: { visits: number }[] }).items[0]?.visits).toBe(1);

    // Follow the seller from the "Sold by" line; the feed shows its products.
    await carol.getByRole('button', { name: /^Follow / }).click();
    await visible(carol, 'button', /Following/);
    // Wishlist: the first add creates "My wishlist".
    await carol.getByText('Add to wishlist').first().click();
    await carol.getByRole('button', { name: 'Add to wishlist' }).click();
    await visible(carol, 'status', 'Added to “My wishlist”.');
    // A question.
    await carol.getByLabel('Your question').fill('Is this year’s harvest?');
    await carol.getByRole('button', { name: 'Ask a question' }).click();
    await carol.getByText('Is this year’s harvest?').waitFor();
    await e.shot(carol, 'social-product-mobile');

    await carol.goto('/account/feed');
    await visible(carol, 'heading', 'Your feed');
    await carol.getByRole('link', { name: product.title }).first().waitFor();
    await e.shot(carol, 'social-feed-mobile');
    await carol.goto('/account/wishlists');
    await carol.getByRole('link', { name: 'My wishlist' }).click();
    await carol.getByRole('link', { name: product.title }).waitFor();

    // Bob's referrals page lists the link with its visit.
    await bob.goto('/account/referrals');
    await visible(bob, 'heading', 'My referrals');
    await bob.getByRole('cell', { name: product.title }).waitFor();
    await e.shot(bob, 'social-referrals');
    expect(e.foreign).toEqual([]);
  });
});
