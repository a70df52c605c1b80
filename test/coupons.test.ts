// Coupons through the HTTP API and the service, on SQLite and PostgreSQL: who may create which coupons,
// the pricing-shaped read, and use limits that hold under concurrent transactions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { parseNewCoupon } from '../src/coupons/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

describe('coupon rules (pure)', () => {
  it('normalizes codes and refuses malformed terms', () => {
    const p = parseNewCoupon({ code: 'spring-10', kind: 'percent', percentBps: 1000, capMinor: '500' });
    expect(p.code).toBe('SPRING-10');
    expect(p.rule).toEqual({ kind: 'percent', percentBps: 1000, capMinor: '500', stackable: true });
    expect(() => parseNewCoupon({ code: 'ab', kind: 'fixed', amountMinor: '1' })).toThrow(/code/);
    expect(() => parseNewCoupon({ code: 'X1X', kind: 'fixed', amountMinor: '0' })).toThrow(/amountMinor/);
    expect(() => parseNewCoupon({ code: 'X1X', kind: 'fixed', amountMinor: '5', percentBps: 10 })).toThrow();
    expect(() => parseNewCoupon({ code: 'X1X', kind: 'percent', percentBps: 10_001 })).toThrow(/percentBps/);
    expect(() => parseNewCoupon({ code: 'X1X', kind: 'fixed', amountMinor: '5', validFrom: '2026-12-01T00:00:00Z', validUntil: '2026-11-01T00:00:00Z' })).toThrow(/validFrom/);
  });
});

describe.each(backends())('coupons on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let staff: Caller;
  let merchantId: string;
  let otherMerchantId: string;
  let markers = 0;
  let seq = 0;
  const newCode = (p = 'C') => `${p}${process.pid}X${++seq}`;

  async function events(): Promise<LedgerEvent[]> {
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `m${++markers}` } }]);
    const size = (await w.app.ledger.latest())?.treeSize ?? 0;
    return (await w.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  async function platformCoupon(body: Record<string, unknown>) {
    return expectOk(await admin.call('POST', '/api/admin/coupons', { code: newCode(), kind: 'fixed', amountMinor: '100', ...body }), 201);
  }

  /** Runs n transactions at once, each consuming one use; the error codes of the refused ones. */
  async function race(code: string, users: string[]): Promise<{ ok: number; refused: string[] }> {
    const results = await Promise.allSettled(users.map((u) => w.app.db.kysely.transaction().execute((trx) => w.app.coupons.use(trx, code, u))));
    return {
      ok: results.filter((r) => r.status === 'fulfilled').length,
      refused: results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code ?? String(r.reason)] : [])),
    };
  }

  const usedCount = async (code: string) =>
    Number((await w.app.db.kysely.selectFrom('coupons_coupon').select('used_count').where('code', '=', code).executeTakeFirstOrThrow()).used_count);

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House' })).id;
    otherMerchantId = (await w.app.catalog.createMerchant('system', { name: 'Other Shop' })).id;
    staff = await w.user('merchant_staff', { merchantId });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('admins create platform coupons, staff their merchant\'s; others are refused; the ledger records terms only', async () => {
    const code = newCode('plat');
    const plat = expectOk(
      await admin.call('POST', '/api/admin/coupons', {
        code,
        kind: 'percent',
        percentBps: 1500,
        capMinor: '2000',
        minSpendMinor: '10000',
        validUntil: '2027-01-01T00:00:00Z',
        applies: { categoryIds: ['cat_tea'] },
        stackable: false,
        totalLimit: 100,
        perUserLimit: 1,
      }),
      201,
    );
    expect(plat).toMatchObject({ code: code.toUpperCase(), funder: 'platform', merchantId: null, kind: 'percent', percentBps: 1500, capMinor: '2000', minSpendMinor: '10000', amountMinor: null, stackable: false, totalLimit: 100, perUserLimit: 1, usedCount: 0, active: true, createdBy: admin.userId });
    expectProblem(await admin.call('POST', '/api/admin/coupons', { code: code.toLowerCase(), kind: 'fixed', amountMinor: '1' }), 409, 'coupon.duplicate');

    const mine = expectOk(await staff.call('POST', '/api/merchant/coupons', { code: newCode('m'), kind: 'fixed', amountMinor: '500' }), 201);
    expect(mine).toMatchObject({ funder: 'merchant', merchantId, amountMinor: '500', totalLimit: null, perUserLimit: null });
    expectProblem(await staff.call('POST', '/api/merchant/coupons', { code: newCode('m'), kind: 'fixed', amountMinor: '500', merchantId: otherMerchantId }), 403);
    expectProblem(await staff.call('POST', '/api/admin/coupons', { code: newCode('m'), kind: 'fixed', amountMinor: '500' }), 403);
    const buyer = await w.user('buyer');
    expectProblem(await buyer.call('POST', '/api/merchant/coupons', { code: newCode('b'), kind: 'fixed', amountMinor: '500' }), 403);
    expectProblem(await buyer.call('POST', '/api/admin/coupons', { code: newCode('b'), kind: 'fixed', amountMinor: '500' }), 403);
    expectProblem(await admin.call('POST', '/api/admin/coupons', { code: newCode(), kind: 'fixed', amountMinor: '-5' }), 400);

    // Lists: admins see all, staff only their merchant's.
    const all = expectOk(await admin.call('GET', '/api/admin/coupons?limit=200'));
    expect(all.items.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining([plat.code, mine.code]));
    const theirs = expectOk(await staff.call('GET', '/api/merchant/coupons'));
    expect(theirs.items.map((c: { code: string }) => c.code)).toEqual([mine.code]);

    // Public terms; deactivated → 404.
    const terms = expectOk(await w.anon('GET', `/api/coupons/${code.toLowerCase()}`));
    expect(terms).toEqual({ code: plat.code, funder: 'platform', merchantId: null, kind: 'percent', amountMinor: null, percentBps: 1500, capMinor: '2000', minSpendMinor: '10000', validFrom: null, validUntil: '2027-01-01T00:00:00.000Z', applies: { categoryIds: ['cat_tea'] }, stackable: false });
    expectProblem(await staff.call('POST', `/api/admin/coupons/${mine.code}/deactivate`), 403);
    expect(expectOk(await admin.call('POST', `/api/admin/coupons/${mine.code}/deactivate`)).active).toBe(false);
    expectProblem(await admin.call('POST', `/api/admin/coupons/${mine.code}/deactivate`), 409, 'coupon.already_inactive');
    expectProblem(await w.anon('GET', `/api/coupons/${mine.code}`), 404);
    expectProblem(await w.anon('GET', '/api/coupons/NOPE-NOPE'), 404);

    const created = (await events()).filter((e) => e.kind === 'coupon.created' && e.subject.coupon === plat.code);
    expect(created).toHaveLength(1);
    expect(created[0]!.data).toEqual({ funder: 'platform', kind: 'percent', stackable: false, percentBps: 1500, capMinor: '2000', minSpendMinor: '10000', totalLimit: 100, perUserLimit: 1 });
    expect((await events()).some((e) => e.kind === 'coupon.created' && e.subject.coupon === mine.code && e.subject.merchant === merchantId)).toBe(true);
    await w.checkInvariants();
  });

  it('paginates lists with an opaque cursor', async () => {
    for (let i = 0; i < 3; i++) await platformCoupon({});
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { code: string }[]; nextCursor: string | null } = expectOk(await admin.call('GET', `/api/admin/coupons?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.code));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expectProblem(await admin.call('GET', '/api/admin/coupons?cursor=garbage'), 400);
  });

  it('forPricing hands pricing-shaped coupons in the given order, inactive and unknown codes apart', async () => {
    const a = await platformCoupon({ kind: 'fixed', amountMinor: '300', minSpendMinor: '1000', validFrom: '2026-01-01T00:00:00Z' });
    const b = expectOk(await staff.call('POST', '/api/merchant/coupons', { code: newCode('m'), kind: 'percent', percentBps: 1000, applies: { productIds: ['prd_1'] } }), 201);
    const gone = await platformCoupon({});
    await w.app.coupons.deactivate({ userId: admin.userId, role: 'admin' }, gone.code);
    const r = await w.app.coupons.forPricing(w.app.db.kysely, [b.code.toLowerCase(), 'NOPE-123', a.code, gone.code, 'x']);
    expect(r.coupons).toEqual([
      { code: b.code, funder: 'merchant', merchantId, kind: 'percent', percentBps: 1000, applies: { productIds: ['prd_1'] }, stackable: true },
      { code: a.code, funder: 'platform', kind: 'fixed', amountMinor: 300n, minSpendMinor: 1000n, validFrom: '2026-01-01T00:00:00.000Z', stackable: true },
    ]);
    expect(r.unknown).toEqual(['NOPE-123', gone.code, 'x']);
  });

  it('a one-per-user coupon used by 20 concurrent transactions of one user: exactly one succeeds', async () => {
    const c = await platformCoupon({ perUserLimit: 1 });
    const b = await w.user('buyer');
    const r = await race(c.code, Array.from({ length: 20 }, () => b.userId));
    expect(r.ok).toBe(1);
    expect(r.refused).toEqual(Array(19).fill('coupon.per_user_limit'));
    expect(await usedCount(c.code)).toBe(1);
    const uses = await w.app.db.kysely.selectFrom('coupons_use').selectAll().where('code', '=', c.code).execute();
    expect(uses.map((u) => [u.user_id, Number(u.count)])).toEqual([[b.userId, 1]]);
    expect((await events()).filter((e) => e.kind === 'coupon.used' && e.subject.coupon === c.code)).toHaveLength(1);
    await w.checkInvariants();
  });

  it('a total limit of 3 under 10 concurrent users: exactly 3 uses', async () => {
    const c = await platformCoupon({ totalLimit: 3, perUserLimit: 2 });
    const users = await Promise.all(Array.from({ length: 10 }, () => w.user('buyer')));
    const r = await race(c.code, users.map((u) => u.userId));
    expect(r.ok).toBe(3);
    expect(r.refused).toEqual(Array(7).fill('coupon.exhausted'));
    expect(await usedCount(c.code)).toBe(3);
    const uses = await w.app.db.kysely.selectFrom('coupons_use').selectAll().where('code', '=', c.code).execute();
    expect(uses.reduce((s, u) => s + Number(u.count), 0)).toBe(3);
    await w.checkInvariants();
  });

  it('a rolled-back transaction consumes nothing; a refusal leaves the caller\'s transaction usable', async () => {
    const c = await platformCoupon({ perUserLimit: 2 });
    const b = await w.user('buyer');
    await expect(
      w.app.db.kysely.transaction().execute(async (trx) => {
        await w.app.coupons.use(trx, c.code.toLowerCase(), b.userId);
        throw new Error('checkout failed later');
      }),
    ).rejects.toThrow('checkout failed later');
    expect(await usedCount(c.code)).toBe(0);
    expect(await w.app.db.kysely.selectFrom('coupons_use').selectAll().where('code', '=', c.code).execute()).toEqual([]);

    // Two uses allowed, the third refused inside the same transaction, which still commits the two.
    await w.app.db.kysely.transaction().execute(async (trx) => {
      await w.app.coupons.use(trx, c.code, b.userId);
      await w.app.coupons.use(trx, c.code, b.userId);
      await expect(w.app.coupons.use(trx, c.code, b.userId)).rejects.toMatchObject({ code: 'coupon.per_user_limit', status: 409 });
    });
    expect(await usedCount(c.code)).toBe(2);

    // Deactivated: refused; unknown: 404.
    await w.app.coupons.deactivate({ userId: admin.userId, role: 'admin' }, c.code);
    await expect(w.app.db.kysely.transaction().execute((trx) => w.app.coupons.use(trx, c.code, 'usr_other'))).rejects.toMatchObject({ code: 'coupon.inactive' });
    await expect(w.app.db.kysely.transaction().execute((trx) => w.app.coupons.use(trx, 'NOPE-NOPE', b.userId))).rejects.toMatchObject({ status: 404 });
    await w.checkInvariants();
  });
});
