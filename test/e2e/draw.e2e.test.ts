// A lucky draw end to end: an admin creates it (API), a buyer checks in and enters it in the browser,
// the draw is closed and revealed (API), and the verification page recomputes the winners in the
// browser from the public data and shows every check passing; the explorer view links the entries.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBrowser, signIn, startE2E, type E2E } from './harness.ts';

const PASSWORD = 'draw-secret-123';

async function status(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('status').filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

describe.runIf(haveBrowser)('lucky draw in the browser', () => {
  let e: E2E;
  let drawId: string;
  let buyerEmail: string;

  beforeAll(async () => {
    e = await startE2E();
    const admin = await e.app.accounts.createUser('system', { email: 'draw-admin@example.test', password: PASSWORD, role: 'admin' });
    const ctx = await e.context();
    const login = await ctx.request.post('/api/auth/login', { data: { email: 'draw-admin@example.test', password: PASSWORD } });
    expect(login.status()).toBe(200);
    const res = await ctx.request.post('/api/admin/draws', {
      data: {
        title: 'Browser draw', entryCostPoints: 10, maxEntriesPerUser: 2,
        prizes: [{ kind: 'points', points: 100 }, { kind: 'coupon', couponKind: 'fixed', amountMinor: '500' }],
        opensAt: new Date(Date.now() - 60_000).toISOString(), closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    drawId = ((await res.json()) as { id: string }).id;
    expect(admin.user.id).toBeTruthy();
    // Two other entrants through the API, with points to spend.
    for (const n of [1, 2]) {
      const { user } = await e.app.accounts.createUser('system', { email: `draw-other-${n}@example.test`, password: PASSWORD, role: 'buyer' });
      await e.app.db.kysely.transaction().execute((trx) => e.app.points.grant(trx, { userId: user.id, points: 50n, ref: `e2e:${user.id}`, code: 'test_grant', at: new Date() }));
      const c = await e.context();
      await c.request.post('/api/auth/login', { data: { email: `draw-other-${n}@example.test`, password: PASSWORD } });
      const r = await c.request.post(`/api/draws/${drawId}/entries`, { headers: { 'idempotency-key': randomUUID() } });
      expect(r.status(), await r.text()).toBe(201);
    }
    buyerEmail = 'draw-buyer@example.test';
    const { user } = await e.app.accounts.createUser('system', { email: buyerEmail, password: PASSWORD, role: 'buyer' });
    await e.app.db.kysely.transaction().execute((trx) => e.app.points.grant(trx, { userId: user.id, points: 30n, ref: `e2e:${user.id}`, code: 'test_grant', at: new Date() }));
  });
  afterAll(async () => {
    await e?.close();
  });

  it('a buyer checks in and enters; after close and reveal the browser recomputes matching winners', async () => {
    const ctx = await e.context({ mobile: true });
    const page = await ctx.newPage();
    await signIn(page, buyerEmail, '/games', PASSWORD);
    await page.getByRole('heading', { name: 'Daily check-in' }).waitFor();
    await page.getByRole('button', { name: /Check in today/ }).click();
    await status(page, /Checked in: \+5 points/);
    await expect.poll(() => page.getByTestId('streak').textContent()).toBe('1');
    await page.getByRole('link', { name: 'Browser draw' }).click();
    await page.getByRole('heading', { name: 'Browser draw' }).waitFor();
    await page.getByRole('button', { name: 'Enter for 10 points' }).click();
    await status(page, 'You are in: entry #3.');
    await expect.poll(() => page.getByTestId('my-entries').textContent()).toContain('#3');
    await e.shot(page, 'draw-entered-390');

    // Close (early) and reveal through the API as the admin.
    const admin = await e.context();
    await admin.request.post('/api/auth/login', { data: { email: 'draw-admin@example.test', password: PASSWORD } });
    const closed = await admin.request.post(`/api/admin/draws/${drawId}/close`, { data: { early: true } });
    expect(closed.status(), await closed.text()).toBe(200);
    const revealed = await admin.request.post(`/api/admin/draws/${drawId}/reveal`, { data: {}, headers: { 'idempotency-key': randomUUID() } });
    expect(revealed.status(), await revealed.text()).toBe(200);
    const winners = ((await revealed.json()) as { reveal: { winners: { entryNo: number }[] } }).reveal.winners.map((w) => w.entryNo);
    expect(winners).toHaveLength(2);

    await page.goto(`/verify/draw/${drawId}`);
    await page.getByTestId('draw-verdict').waitFor();
    expect(await page.getByTestId('draw-verdict').textContent()).toMatch(/^Verified/);
    const rows = await page.locator('tr[data-check]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-check'), tr.getAttribute('data-ok')]));
    expect(rows.map((r) => r[0])).toEqual(['revealed', 'commitment', 'entries', 'entries-hash', 'winners', 'commitment-receipt', 'close-receipt', 'reveal-receipt']);
    expect(rows.every((r) => r[1] === 'true')).toBe(true);
    for (const [i, n] of winners.entries()) expect(await page.getByTestId(`recomputed-${i}`).textContent()).toBe(`#${n}`);
    await e.shot(page, 'draw-verify-390');

    await page.goto(`/explorer/draws/${drawId}`);
    await page.getByRole('heading', { name: 'Draw: Browser draw' }).waitFor();
    const entryLinks = await page.locator('a[href^="/explorer/entries/"]').count();
    expect(entryLinks).toBe(3);
    await page.goto(`/games/draws/${drawId}`);
    await page.getByTestId('winners').waitFor();
    expect(e.foreign).toEqual([]);
  });

  it('shows the admin draws page with create, close and reveal', async () => {
    const ctx = await e.context();
    const page = await ctx.newPage();
    await signIn(page, 'draw-admin@example.test', '/admin/draws', PASSWORD);
    await page.getByRole('heading', { name: 'New draw' }).waitFor();
    await page.getByLabel('Title').fill('Admin-made draw');
    await page.getByRole('button', { name: /Create draw/ }).click();
    await status(page, /Draw "Admin-made draw" created/);
    await page.getByRole('button', { name: 'Close the draw Admin-made draw now' }).click();
    const reveal = page.getByRole('button', { name: 'Reveal the draw Admin-made draw' });
    const done = page.locator('li', { hasText: 'Admin-made draw' }).getByText('Results out');
    // The background job reveals closed draws too: whichever comes first, the results come out once.
    await reveal.or(done).first().waitFor();
    if (await reveal.isVisible()) await reveal.click();
    await done.waitFor();
  });
});
