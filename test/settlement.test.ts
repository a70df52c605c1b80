// Settlement end to end through the HTTP API, on SQLite and PostgreSQL: orders walked to received
// (prepaid, pay on receipt, a partial refund), a settlement whose statement matches the receivable's
// transfers to the minor unit, line proofs against the batch root in the ledger, a refund after the
// batch closed carried into the next batch, idempotency, tenancy, and the payout's two phases.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { SettlementService, settlementJob, verifyLineProof, type LineProof } from '../src/settlement/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

interface LineJson { lineNo: number; transferId: string; kind: string; orderId: string | null; amountMinor: string; currency: string; at: string }
interface BatchJson { id: string; merchantId: string; number: number; opening: string; total: string; closing: string; payoutMinor: string; lineCount: number; rootHash: string; payoutState: string; ledgerLeafIndex: number | null; periodEnd: string; lines?: LineJson[] }

describe.each(backends())('settlement on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let auditor: Caller;
  let merchantId: string;
  let otherMerchantId: string;
  let staff: Caller;
  let otherStaff: Caller;
  let locationId: string;
  let otherLocationId: string;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const receivable = (m: string) => ownedAccountId('merchant_receivable', m, 'CNY');
  const posted = async (account: string) => (await w.app.money.balance(w.app.db.kysely, account)).posted;

  async function buyer(fundsMinor: bigint): Promise<Caller> {
    const b = await w.user('buyer');
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await w.app.money.ensureSystemAccounts(trx, 'CNY');
      const wallet = ownedAccountId('buyer_wallet', b.userId, 'CNY');
      await w.app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await w.app.money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: fundsMinor, currency: 'CNY', code: 'test_funding' });
    });
    return b;
  }

  async function variant(price: number, m: string, location: string): Promise<string> {
    const p = await w.app.catalog.createProduct(m, 'system', {
      title: `Teapot ${randomBytes(3).toString('hex')}`, description: 'Yixing clay', status: 'active',
      variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }],
    });
    const v = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId: m }, { variantId: v, locationId: location, onHand: 50 });
    return v;
  }

  async function step(c: Caller, orderId: string, transition: string, body: Record<string, unknown> = {}): Promise<LightMyRequestResponse> {
    const res = await post(c, `/api/orders/${orderId}/${transition}`, body);
    expect(res.statusCode, `${transition}: ${res.body}`).toBe(200);
    return res;
  }

  /** Checkout → accept → … → deliver → confirm receipt (and pay, for pay on receipt). */
  async function received(b: Caller, v: string, s: Caller, location: string, mode: 'prepaid' | 'pay_on_receipt' = 'prepaid'): Promise<string> {
    const res = await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: ADDRESS, ...(mode === 'pay_on_receipt' ? { paymentMode: mode } : {}) });
    const id = expectOk(res, 201).orders[0].id as string;
    await step(s, id, 'accept');
    await step(s, id, 'allocate', { locationId: location });
    await step(s, id, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(s, id, 'deliver');
    await step(b, id, 'confirm-receipt');
    if (mode === 'pay_on_receipt') await step(b, id, 'pay');
    return id;
  }

  async function refund(b: Caller, orderId: string, amountMinor: string) {
    await step(b, orderId, 'request-refund', { amountMinor, reason: 'damaged' });
    await step(staff, orderId, 'refund');
  }

  const settle = async (periodEnd?: string) => expectOk(await post(admin, '/api/admin/settlements', periodEnd ? { periodEnd } : {}), 201).items as BatchJson[];
  const batchOf = (items: BatchJson[], m: string) => items.find((b) => b.merchantId === m);

  /** The receivable's transfers that moved its posted balance, oldest first, as the money module lists them. */
  async function moneyLines(m: string) {
    const st = await w.app.money.statement(w.app.db.kysely, receivable(m), { limit: 500 });
    return st.lines.filter((l) => l.type === 'single' || l.type === 'post').reverse();
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    auditor = await w.user('auditor');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House', payOnReceipt: true, unpaidLimit: 3, commissionBps: 500 })).id;
    otherMerchantId = (await w.app.catalog.createMerchant('system', { name: 'Other Shop', commissionBps: 1000 })).id;
    staff = await w.user('merchant_staff', { merchantId });
    otherStaff = await w.user('merchant_staff', { merchantId: otherMerchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
    otherLocationId = (await w.app.inventory.createLocation({ userId: otherStaff.userId, merchantId: otherMerchantId }, { name: 'Beijing', code: 'BJ1' })).id;
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a period settles to statements that match the receivable to the minor unit; every line proves into the batch root in the ledger', async () => {
    const b = await buyer(200_000n);
    const v1 = await variant(10_000, merchantId, locationId);
    const v2 = await variant(4_990, merchantId, locationId);
    const v3 = await variant(2_000, otherMerchantId, otherLocationId);
    const o1 = await received(b, v1, staff, locationId);
    const o2 = await received(b, v2, staff, locationId);
    const o3 = await received(b, v2, staff, locationId, 'pay_on_receipt');
    const o4 = await received(b, v3, otherStaff, otherLocationId);
    await refund(b, o1, '4000'); // 5% commission: 3800 back from the merchant, 200 from revenue
    const before = await posted(receivable(merchantId));

    const items = await settle(new Date().toISOString());
    const mine = batchOf(items, merchantId)!;
    expect(mine).toBeDefined();
    expect(batchOf(items, otherMerchantId)).toBeDefined();
    expect(mine).toMatchObject({ number: 1, opening: '0', closing: before.toString(), payoutMinor: before.toString(), payoutState: 'paid_manually' });
    expect(mine.ledgerLeafIndex).not.toBeNull();

    // The statement: one line per transfer on the receivable, signed, to the minor unit.
    const full = expectOk(await staff.call('GET', `/api/merchant/settlements/${mine.id}`)) as BatchJson & { lines: LineJson[] };
    const expected = (await moneyLines(merchantId)).filter((l) => l.code !== 'settlement_payout');
    expect(full.lines.map((l) => [l.transferId, BigInt(l.amountMinor)])).toEqual(expected.map((l) => [l.transfer, l.direction === 'credit' ? l.amount : -l.amount]));
    expect(full.lines.map((l) => [l.kind, l.orderId, l.amountMinor])).toEqual([
      ['order', o1, '9500'], ['order', o2, String(4990 - 249)], ['order', o3, String(4990 - 249)], ['refund', o1, '-3800'],
    ]);
    expect(full.lineCount).toBe(4);
    expect(BigInt(full.total)).toBe(full.lines.reduce((s, l) => s + BigInt(l.amountMinor), 0n));
    expect(full.closing).toBe(expected.at(-1)!.balanceAfter.toString());
    // Paid out (no gateway configured: posted at once): the receivable holds nothing of this period now.
    expect(await posted(receivable(merchantId))).toBe(0n);
    const payout = await w.app.money.getTransfer(w.app.db.kysely, `payout:${mine.id}`);
    expect(payout).toMatchObject({ type: 'pending', pendingStatus: 'posted', amount: before, debit: receivable(merchantId), credit: systemAccountId('external') });

    // Every line's proof verifies offline, with the log's key; a tampered one does not.
    const proofs: LineProof[] = [];
    for (const l of full.lines) {
      const p = expectOk(await staff.call('GET', `/api/merchant/settlements/${mine.id}/lines/${l.lineNo}/proof`)) as LineProof;
      expect(p.line).toEqual(l);
      expect(verifyLineProof(p, { verifierKey: w.app.verifierKey })).toBe(true);
      proofs.push(p);
    }
    const p = proofs[3]!;
    expect(verifyLineProof({ ...p, line: { ...p.line, amountMinor: '-380' } }, { verifierKey: w.app.verifierKey })).toBe(false);
    expect(verifyLineProof({ ...p, line: { ...p.line, orderId: o2 } })).toBe(false);
    expect(verifyLineProof({ ...p, proof: [...p.proof].reverse() })).toBe(false);
    expect(verifyLineProof(proofs[0]!, { verifierKey: w.app.verifierKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).toBe(false);

    // The batch root is in the ledger: the settlement.batch_closed entry at the recorded leaf index.
    const entry = expectOk(await w.anon('GET', `/api/ledger/entries/${mine.ledgerLeafIndex}`));
    const stored = await w.app.ledger.store.entry(mine.ledgerLeafIndex!);
    const ev = parseEntry(stored!);
    expect(ev).toMatchObject({ kind: 'settlement.batch_closed', subject: { batch: mine.id, merchant: merchantId } });
    expect(ev.data).toMatchObject({ rootHash: mine.rootHash, lines: 4, total: full.total, payoutMinor: mine.payoutMinor, currency: 'CNY' });
    expect(JSON.stringify(entry)).toContain(mine.rootHash);
    expect(Buffer.from(stored!).toString('utf8')).not.toMatch(/Tea House|Li Lei/);

    // Tenancy: another merchant's staff cannot see or prove the batch (404, like a missing one).
    expectProblem(await otherStaff.call('GET', `/api/merchant/settlements/${mine.id}`), 404);
    expectProblem(await otherStaff.call('GET', `/api/merchant/settlements/${mine.id}/lines/1/proof`), 404);
    expectProblem(await staff.call('GET', `/api/merchant/settlements/${mine.id}/lines/5/proof`), 404);
    const otherList = expectOk(await otherStaff.call('GET', '/api/merchant/settlements'));
    expect(otherList.items.map((x: BatchJson) => x.merchantId)).toEqual([otherMerchantId]);
    expect(otherList.items[0].lineCount).toBe(1);
    expect(o4).toBeTruthy();
    expectProblem(await staff.call('GET', '/api/admin/settlements'), 403);
    expectProblem(await post(staff, '/api/admin/settlements'), 403);
    expectProblem(await post(auditor, '/api/admin/settlements'), 403);
    const all = expectOk(await auditor.call('GET', `/api/admin/settlements?merchantId=${merchantId}`));
    expect(all.items.map((x: BatchJson) => x.id)).toEqual([mine.id]);
  });

  it('a refund after the batch closed is a line of the next batch and reduces its payout; settling a period twice is a no-op', async () => {
    const b = await buyer(100_000n);
    const v = await variant(3_000, merchantId, locationId);
    const oA = await received(b, v, staff, locationId);
    const first = batchOf(await settle(new Date().toISOString()), merchantId)!;
    expect(first.payoutMinor).toBe(String(3000 - 150));
    // After the close: one more order is received, then the earlier one is partly refunded.
    const oB = await received(b, v, staff, locationId);
    await refund(b, oA, '1000'); // 50 of it from revenue, 950 from the merchant
    const periodEnd = new Date().toISOString();
    const items = await settle(periodEnd);
    const next = batchOf(items, merchantId)!;
    const full = expectOk(await staff.call('GET', `/api/merchant/settlements/${next.id}`)) as BatchJson & { lines: LineJson[] };
    expect(full.opening).toBe(first.closing);
    expect(full.lines.map((l) => [l.kind, l.orderId, l.amountMinor])).toEqual([
      ['payout', null, `-${first.payoutMinor}`], ['order', oB, '2850'], ['refund', oA, '-950'],
    ]);
    expect(full).toMatchObject({ closing: '1900', payoutMinor: '1900', payoutState: 'paid_manually' }); // 2850 − 950
    expect(await posted(receivable(merchantId))).toBe(0n);
    for (const l of full.lines) {
      const p = expectOk(await staff.call('GET', `/api/merchant/settlements/${next.id}/lines/${l.lineNo}/proof`));
      expect(verifyLineProof(p, { verifierKey: w.app.verifierKey })).toBe(true);
    }
    // The same period again: nothing new, on the API and through the daily job's path.
    const count = async () => (await w.app.db.kysely.selectFrom('settlement_batch').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const n = Number(await count());
    expect(await settle(periodEnd)).toEqual([]);
    expect(await w.app.settlement.settle(new Date(periodEnd), 'system')).toEqual([]);
    expect(await settlementJob(w.app.settlement).tick(new Date())).toBe(0); // today's 00:00 is settled already
    expect(Number(await count())).toBe(n);
    // Newest first, paginated.
    const page1 = expectOk(await staff.call('GET', '/api/merchant/settlements?limit=1'));
    expect(page1.items[0].id).toBe(next.id);
    const page2 = expectOk(await staff.call('GET', `/api/merchant/settlements?limit=1&cursor=${page1.nextCursor}`));
    expect(page2.items[0].id).toBe(first.id);
  });

  it('payouts through the gateway are two-phase: pending reserves, failed voids (payable again), paid posts', async () => {
    let answer: 'pending' | 'failed' | 'paid' = 'pending';
    const calls: { payoutId: string; amountMinor: bigint }[] = [];
    const svc = new SettlementService(w.app.db.kysely, w.app.ledger, w.app.money, {
      payout: async (p) => {
        calls.push(p);
        return answer;
      },
    });
    const b = await buyer(50_000n);
    const v = await variant(10_000, otherMerchantId, otherLocationId);
    await received(b, v, otherStaff, otherLocationId); // 10% commission: 9000 to the merchant
    const acct = receivable(otherMerchantId);
    const batch = (await svc.settle(new Date(), 'system')).find((x) => x.merchantId === otherMerchantId);
    expect(batch).toMatchObject({ merchantId: otherMerchantId, payoutMinor: 9000n, payoutState: 'pending' });
    expect((await w.app.money.balance(w.app.db.kysely, acct)).available).toBe(0n); // reserved for the payout
    // In flight: a later period does not pay it twice.
    expect((await svc.settle(new Date(), 'system')).filter((x) => x.merchantId === otherMerchantId)).toEqual([]);
    answer = 'failed';
    expect(await svc.settlePayouts()).toBe(1);
    expect((await svc.batch(otherMerchantId, batch!.id)).payoutState).toBe('failed');
    expect((await w.app.money.balance(w.app.db.kysely, acct)).available).toBe(9000n);
    // The next period pays what the failed payout left, although no new transfer moved the balance.
    answer = 'paid';
    const again = (await svc.settle(new Date(), 'system')).find((x) => x.merchantId === otherMerchantId);
    expect(again).toMatchObject({ lineCount: 0, opening: 9000n, closing: 9000n, payoutMinor: 9000n, payoutState: 'paid' });
    expect(await posted(acct)).toBe(0n);
    expect(calls.map((c) => c.payoutId)).toEqual([batch!.id, batch!.id, again!.id]);
  });
});
