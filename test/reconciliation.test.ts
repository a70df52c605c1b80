// The reconciliation report through the HTTP API on SQLite and PostgreSQL: zero discrepancies after
// real activity (checkout, escrow release, refund, settlement), and each injected discrepancy — a
// transfer missing from the tables, an altered amount, a statement line that lies — found by id.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Sun Li', phone: '+86 136 0000 0000', country: 'CN', city: 'Wuhan', line1: '6 Jianghan Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe.each(backends())('reconciliation on $name', (backend) => {
  let w: World;
  let admin: Caller;

  const report = async () => expectOk(await admin.call('GET', '/api/admin/reconciliation'));
  const settled = async () => {
    // Everything committed so far is in the log before the report reads it.
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: randomBytes(4).toString('hex') } }]);
  };

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    const m = await w.app.catalog.createMerchant('system', { name: 'Lamp Shop', commissionBps: 500 });
    const staff = await w.user('merchant_staff', { merchantId: m.id });
    const loc = await w.app.inventory.createLocation({ userId: staff.userId, merchantId: m.id }, { name: 'Main', code: 'L1' });
    const p = await w.app.catalog.createProduct(m.id, 'system', { title: 'Desk lamp', status: 'active', variants: [{ sku: 'LAMP-1', title: 'Black', priceMinor: 20_000 }] });
    const variantId = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId, locationId: loc.id, onHand: 10 });
    const buyer = await w.user('buyer');
    const wallet = ownedAccountId('buyer_wallet', buyer.userId, 'CNY');
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await w.app.money.ensureSystemAccounts(trx, 'CNY');
      await w.app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: buyer.userId, currency: 'CNY' });
      await w.app.money.transfer(trx, { id: `fund:${buyer.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: 100_000n, currency: 'CNY', code: 'test_funding' });
    });
    for (let i = 0; i < 2; i++) {
      const order = expectOk(await buyer.call('POST', '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS }, key()), 201).orders[0];
      for (const [t, body] of [['accept', {}], ['allocate', { locationId: loc.id }], ['ship', { carrier: 'SF', trackingNumber: 'SF1' }], ['deliver', {}]] as const) {
        expectOk(await staff.call('POST', `/api/orders/${order.id}/${t}`, body, key()));
      }
      expectOk(await buyer.call('POST', `/api/orders/${order.id}/confirm-receipt`, {}, key()));
      if (i === 1) {
        expectOk(await buyer.call('POST', `/api/orders/${order.id}/request-refund`, { amountMinor: '5000', reason: 'scratched' }, key()));
        expectOk(await staff.call('POST', `/api/orders/${order.id}/refund`, {}, key()));
      }
    }
    expectOk(await admin.call('POST', '/api/admin/settlements', {}, key()), 201);
    await settled();
  });
  afterAll(async () => w?.close());

  it('finds nothing wrong with a healthy run, and refuses buyers', async () => {
    const r = await report();
    expect(r.discrepancies).toEqual([]);
    expect(r.checked.transfers).toBeGreaterThan(5);
    expect(r.checked.settlementLines).toBeGreaterThan(0);
    expectProblem(await (await w.user('buyer')).call('GET', '/api/admin/reconciliation'), 403);
  });

  it('finds an altered amount, a transfer gone from the tables and a statement line that lies, each by id', async () => {
    const db = w.app.db.kysely;
    const release = await db.selectFrom('money_transfer').selectAll().where('id', 'like', 'release:%').orderBy('seq').executeTakeFirstOrThrow();
    const commission = await db.selectFrom('money_transfer').selectAll().where('id', 'like', 'commission:%').orderBy('seq').executeTakeFirstOrThrow();
    const line = await db.selectFrom('settlement_line').selectAll().orderBy('line_no').executeTakeFirstOrThrow();
    try {
      await db.updateTable('money_transfer').set({ amount: release.amount + 1 }).where('id', '=', release.id).execute();
      await db.deleteFrom('money_transfer').where('id', '=', commission.id).execute();
      await db.updateTable('settlement_line').set({ amount: line.amount + 7 }).where('transfer_id', '=', line.transfer_id).execute();
      const found = (await report()).discrepancies as { area: string; ids: string[]; problem: string }[];
      expect(found).toContainEqual(expect.objectContaining({ area: 'ledger_money', ids: [release.id], problem: expect.stringMatching(/says/) }));
      expect(found).toContainEqual(expect.objectContaining({ area: 'ledger_money', ids: [commission.id], problem: expect.stringMatching(/no transfer in the tables/) }));
      expect(found.some((d) => d.area === 'settlement' && d.ids.includes(line.transfer_id))).toBe(true);
    } finally {
      await db.updateTable('money_transfer').set({ amount: release.amount }).where('id', '=', release.id).execute();
      const { seq: _seq, ...rest } = commission;
      await db.insertInto('money_transfer').values(rest).execute();
      await db.updateTable('settlement_line').set({ amount: line.amount }).where('transfer_id', '=', line.transfer_id).execute();
    }
    expect((await report()).discrepancies).toEqual([]);
    await w.checkInvariants();
  });
});
