// Receipt verification in the browser: an order receipt downloaded through the API verifies on
// '/verify' with every check passing; one changed character (in the document, in a proof hash, in the
// checkpoint signature) fails with the failing check named; a ledger entry receipt verifies too, and
// receipts handed over by URL or sessionStorage ('cm_receipt') are verified on arrival.
import type { APIRequestContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/seed/index.ts';
import { dismissConsent, haveBrowser, placeDemoOrder, startE2E, type E2E } from './harness.ts';


/** The order receipt once its order.created step is in a signed checkpoint (polled; the sequencer runs every few ms). */
async function orderReceipt(req: APIRequestContext, id: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await req.get(`/api/orders/${id}/receipt`);
    const receipt = (await res.json()) as Record<string, any>;
    if (res.status() === 200 && Array.isArray(receipt['steps']) && receipt['steps'].length > 0) return receipt;
    if (Date.now() > deadline) throw new Error(`no integrated receipt: ${JSON.stringify(receipt)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One character changed: the first/last character of a string swapped for another legal one. */
const flip = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

async function verifyOnPage(page: Page, text: string): Promise<{ verdict: string; rows: { name: string; ok: string; detail: string }[] }> {
  await page.goto('/verify');
  await expect.poll(() => page.getByLabel('Log verifier key').inputValue()).toMatch(/\+[0-9a-f]{8}\+/);
  await page.getByLabel('Receipt (JSON)').fill(text);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  return readResult(page);
}

async function readResult(page: Page) {
  await page.getByTestId('verdict').waitFor();
  const verdict = (await page.getByTestId('verdict').textContent()) ?? '';
  const rows = await page.locator('tr[data-check]').evaluateAll((trs) =>
    trs.map((tr) => ({ name: tr.getAttribute('data-check') ?? '', ok: tr.getAttribute('data-ok') ?? '', detail: tr.querySelector('td:last-child')?.textContent ?? '' })),
  );
  return { verdict, rows };
}

describe.runIf(haveBrowser)('receipt verification in the browser', () => {
  let e: E2E;
  let page: Page;
  let receipt: Record<string, any>;

  beforeAll(async () => {
    e = await startE2E();
    await seedDemo(e.app);
    const ctx = await e.context();
    page = await ctx.newPage();
    const order = await placeDemoOrder(ctx.request);
    receipt = await orderReceipt(ctx.request, order.id);
    expect(receipt['format']).toBe('chainmall-order-receipt/v2');
  });
  afterAll(async () => {
    await e?.close();
  });

  it('verifies an order receipt from the API: every check passes', async () => {
    const { verdict, rows } = await verifyOnPage(page, JSON.stringify(receipt, null, 2));
    expect(verdict).toBe('Verified');
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.filter((r) => r.ok !== 'true')).toEqual([]);
    const names = rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['format', 'document-commitment', 'step 1: ledger receipt', 'step 1: entry', 'step 1: commitment in the log']));
    if (receipt['shippingAddress']) expect(names).toContain('address-commitment');
    await expect.poll(() => page.getByRole('row', { name: /Order document commitment/ }).textContent()).toContain('Passed');
    await dismissConsent(page);
    await e.shot(page, 'verify-passed');
  });

  it('fails a receipt whose document changed by one character, naming the document commitment', async () => {
    const bad = structuredClone(receipt);
    const doc = bad['document'] as Record<string, unknown>;
    const field = Object.keys(doc).find((k) => typeof doc[k] === 'string' && k !== 'orderId' && k !== 'number' && (doc[k] as string).length > 1)!;
    doc[field] = flip(doc[field] as string, (doc[field] as string).length - 1);
    const { verdict, rows } = await verifyOnPage(page, JSON.stringify(bad, null, 2));
    expect(verdict).toBe('Failed');
    expect(rows.find((r) => r.name === 'document-commitment')).toMatchObject({ ok: 'false', detail: expect.stringContaining('do not hash to the commitment') });
    expect(rows.find((r) => r.name === 'step 1: ledger receipt')?.ok).toBe('true');
    await e.shot(page, 'verify-failed');
  });

  it('fails a receipt with one character changed in an inclusion proof hash', async () => {
    const bad = structuredClone(receipt);
    const proof = bad['steps'][0].receipt.inclusionProof as string[];
    expect(proof.length).toBeGreaterThan(0);
    proof[0] = flip(proof[0]!, 0);
    const { verdict, rows } = await verifyOnPage(page, JSON.stringify(bad));
    expect(verdict).toBe('Failed');
    const step = rows.find((r) => r.name === 'step 1: ledger receipt')!;
    expect(step.ok).toBe('false');
    expect(step.detail).toMatch(/^inclusion-proof: leaf \d+ is not in tree/);
    expect(rows.find((r) => r.name === 'document-commitment')?.ok).toBe('true');
  });

  it('fails a receipt with one character changed in the checkpoint signature', async () => {
    const bad = structuredClone(receipt);
    const r = bad['steps'][0].receipt as { checkpoint: string };
    const sigLine = r.checkpoint.lastIndexOf('\n\u2014 ');
    const at = r.checkpoint.indexOf(' ', sigLine + 3) + 20; // inside the signature, past the key id
    r.checkpoint = flip(r.checkpoint, at);
    const { verdict, rows } = await verifyOnPage(page, JSON.stringify(bad));
    expect(verdict).toBe('Failed');
    const step = rows.find((x) => x.name === 'step 1: ledger receipt')!;
    expect(step.ok).toBe('false');
    expect(step.detail).toMatch(/^checkpoint-signature: signature by .+ is invalid/);
  });

  it('verifies a plain ledger entry receipt, pasted or handed over', async () => {
    const entryReceipt = await (await page.request.get('/api/ledger/entries/1/receipt')).json();
    const pasted = await verifyOnPage(page, JSON.stringify(entryReceipt));
    expect(pasted.verdict).toBe('Verified');
    expect(pasted.rows.map((r) => [r.name, r.ok])).toEqual(['format', 'checkpoint-signature', 'checkpoint-format', 'tree-size', 'entry-hash', 'inclusion-proof'].map((n) => [n, 'true']));
    await expect.poll(() => page.locator('.verify-verdict').textContent()).toContain('Ledger entry receipt');

    // Handed over by the explorer's link: /verify?entry=<index>, verified on arrival.
    await page.goto('/verify?entry=2');
    expect((await readResult(page)).verdict).toBe('Verified');
    await expect.poll(() => page.getByText('Receipt handed over from ledger entry #2.').isVisible()).toBe(true);

    // Handed over by an order page through sessionStorage 'cm_receipt' (read once).
    await page.evaluate((text) => sessionStorage.setItem('cm_receipt', text), JSON.stringify(receipt));
    await page.goto('/verify');
    expect((await readResult(page)).verdict).toBe('Verified');
    expect(await page.evaluate(() => sessionStorage.getItem('cm_receipt'))).toBeNull();
  });

  it('fails against another log\'s key, and works on a phone', async () => {
    const mobile = await (await e.context({ mobile: true })).newPage();
    await mobile.goto('/verify');
    await expect.poll(() => mobile.getByLabel('Log verifier key').inputValue()).toMatch(/\+/);
    const key = await mobile.getByLabel('Log verifier key').inputValue();
    // Same name, another key id: the signature is not by this key.
    const [name] = key.split('+');
    await mobile.getByLabel('Log verifier key').fill(`${name}+00000000+AQ${'A'.repeat(42)}=`);
    await mobile.getByLabel('Receipt (JSON)').fill(JSON.stringify(receipt));
    await mobile.getByRole('button', { name: 'Verify', exact: true }).click();
    const r = await readResult(mobile);
    expect(r.verdict).toBe('Failed');
    await mobile.getByRole('button', { name: "Use this server's key" }).click();
    await mobile.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => mobile.getByTestId('verdict').textContent()).toBe('Verified');
    const width = await mobile.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await dismissConsent(mobile);
    await e.shot(mobile, 'verify-mobile');
    expect(e.foreign).toEqual([]);
  });
});
