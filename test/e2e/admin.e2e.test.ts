// The admin screens in a real browser: a buyer's withdrawal is approved, the reconciliation report
// shows no discrepancy, a coupon is created, the points rules are edited; an auditor only reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seedDemo } from '../../src/seed/index.ts';
import { apiLogin, haveBrowser, signIn, startE2E, type E2E } from './harness.ts';


describe.runIf(haveBrowser)('admin screens', () => {
  let e: E2E;
  let page: Page;
  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
    page = await (await e.context()).newPage();
    await signIn(page, 'admin@chainmall.test', '/admin');
  }, 60_000);
  afterAll(async () => {
    await e?.close();
  });

  it('approves a withdrawal a buyer asked for', async () => {
    const bob = await apiLogin(await e.context(), 'bob@chainmall.test');
    const res = await bob.post('/api/wallet/withdrawals', { headers: { 'idempotency-key': crypto.randomUUID() }, data: { amountMinor: '12345', destination: 'ICBC ****1234' } });
    expect(res.status()).toBe(201);
    const id = ((await res.json()) as { id: string }).id;

    await page.goto('/admin/withdrawals');
    await page.getByRole('heading', { name: 'Withdrawal approvals' }).waitFor();
    const approve = page.getByRole('button', { name: /^Approve .*123\.45 to ICBC \*\*\*\*1234$/ });
    await approve.waitFor();
    await e.shot(page, 'admin-withdrawals');
    await approve.click();
    await page.getByText('No withdrawal to show.').waitFor();
    expect(((await (await bob.get(`/api/wallet/withdrawals/${id}`)).json()) as { state: string }).state).toBe('paid');
  });

  it('shows the reconciliation report with no discrepancy', async () => {
    await page.goto('/admin/reconciliation');
    await page.getByRole('heading', { name: 'Payment reconciliation' }).waitFor();
    await page.getByRole('heading', { name: 'Discrepancies: 0' }).waitFor();
    await page.getByText('No discrepancies: the ledger, the books, payments and statements agree.').waitFor();
    await page.getByText('No payment needs attention.').waitFor();
    expect(await page.locator('tr.bad').count()).toBe(0);
    await e.shot(page, 'admin-reconciliation');
  });

  it('creates a coupon', async () => {
    await page.goto('/admin/promotions');
    await page.getByRole('heading', { name: 'Coupons and promotions' }).waitFor();
    await page.getByLabel('Coupon code').fill('WINTER20');
    await page.getByLabel('Discount type').selectOption('fixed');
    await page.getByLabel('Amount off (e.g. 20.00)').fill('20.00');
    await page.getByLabel('Minimum spend (optional)').fill('100');
    await page.getByRole('button', { name: 'Create coupon' }).click();
    await page.getByText('Coupon WINTER20 created.').waitFor();
    await page.getByRole('cell', { name: 'WINTER20', exact: true }).waitFor();
    const coupon = await (await page.request.get('/api/coupons/WINTER20')).json() as { kind: string; amountMinor: string; minSpendMinor: string };
    expect(coupon).toMatchObject({ kind: 'fixed', amountMinor: '2000', minSpendMinor: '10000' });
    await e.shot(page, 'admin-coupons');
  });

  it('edits the points rules', async () => {
    await page.goto('/admin/points');
    await page.getByRole('heading', { name: 'Points rules' }).waitFor();
    await page.getByLabel('Points per yuan paid').fill('3');
    await page.getByLabel('Points expire after (days)').fill('400');
    await page.getByRole('button', { name: 'Save points rules' }).click();
    await page.getByText(/Points rules saved/).waitFor();
    const rules = await (await page.request.get('/api/admin/points-rules')).json() as { pointsPerMajorUnit: number; expiryDays: number };
    expect(rules).toMatchObject({ pointsPerMajorUnit: 3, expiryDays: 400 });
    await e.shot(page, 'admin-points');
  });

  it('runs settlement and lists merchants; an auditor reads without write controls', async () => {
    await page.goto('/admin/settlements');
    await page.getByRole('button', { name: 'Run settlement now' }).click();
    await page.getByText(/batch\(es\) closed/).waitFor();
    await page.goto('/admin/merchants');
    await page.getByRole('cell', { name: /^West Lake Tea House/ }).first().waitFor();
    await e.shot(page, 'admin-merchants');

    const auditor = await (await e.context()).newPage();
    await signIn(auditor, 'auditor@chainmall.test', '/admin/merchants');
    await auditor.getByText('Auditor: read-only view').waitFor();
    await auditor.getByRole('cell', { name: /^West Lake Tea House/ }).first().waitFor();
    expect(await auditor.getByRole('button', { name: /Suspend/ }).count()).toBe(0);
    expect(e.foreign).toEqual([]);
  });
});
