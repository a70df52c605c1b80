import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from 'kysely';
import type { Database } from '../src/db/index.ts';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { InventoryService, inventoryJob, type StockActor } from '../src/inventory/index.ts';
import type { Notice, Notify } from '../src/shared/index.ts';
import { DomainError } from '../src/shared/errors.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type World } from './helpers/world.ts';

const hex = () => randomBytes(16).toString('hex');
const variant = () => `var_${hex()}`;
const merchant = () => `mer_${hex()}`;
const order = () => `ord_${hex()}`;
const T0 = new Date('2026-11-26T10:00:00.000Z');
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a refusal');
}

describe.each(backends())('inventory on $name', (backend) => {
  let world: World;
  let inv: InventoryService;
  const notices: Notice[] = [];
  const recording: Notify = async (trx, notice) => {
    expect(trx.isTransaction).toBe(true);
    notices.push(notice);
  };
  let markers = 0;
  const tx = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => world.app.db.kysely.transaction().execute(fn);
  const staff = (merchantId: string): StockActor => ({ userId: `usr_${hex()}`, merchantId });

  /** A merchant with locations (by code) and one variant stocked at them. */
  async function setup(stock: Record<string, number>, threshold?: number) {
    const m = merchant();
    const who = staff(m);
    const v = variant();
    const locs: Record<string, string> = {};
    for (const [code, onHand] of Object.entries(stock)) {
      locs[code] = (await inv.createLocation(who, { name: `Warehouse ${code}`, code })).id;
      await inv.setStock(who, { variantId: v, locationId: locs[code]!, onHand, ...(threshold !== undefined ? { lowStockThreshold: threshold } : {}) });
    }
    return { m, who, v, locs };
  }
  const level = (v: string, loc: string) =>
    world.app.db.kysely.selectFrom('inventory_level').select(['on_hand', 'reserved']).where('variant_id', '=', v).where('location_id', '=', loc).executeTakeFirstOrThrow()
      .then((r) => ({ onHand: Number(r.on_hand), reserved: Number(r.reserved) }));
  const reserve = (m: string, lines: { variantId: string; qty: number }[], opts: { orderId?: string; expiresAt?: string | null } = {}) =>
    tx((trx) => inv.reserve(trx, { orderId: opts.orderId ?? order(), merchantId: m, lines, expiresAt: opts.expiresAt ?? null, actor: 'usr_buyer' }));

  async function events(): Promise<LedgerEvent[]> {
    await world.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `m${++markers}` } }]);
    const size = (await world.app.ledger.latest())!.treeSize;
    return (await world.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  beforeAll(async () => {
    world = await startWorld(backend);
    inv = new InventoryService(world.app.db.kysely, world.app.ledger, recording, () => T0);
  });
  afterAll(async () => {
    await world?.close();
  });

  // After every test: each level's reserved is exactly what open reservations hold there, within 0..on_hand.
  afterEach(async () => {
    const db = world.app.db.kysely;
    const levels = await db.selectFrom('inventory_level').selectAll().execute();
    const held = await db
      .selectFrom('inventory_reservation_line as l')
      .innerJoin('inventory_reservation as r', 'r.id', 'l.reservation_id')
      .select(['l.variant_id', 'l.location_id', 'l.qty'])
      .where('r.state', 'in', ['reserved', 'committed'])
      .execute();
    const sums = new Map<string, number>();
    for (const h of held) sums.set(`${h.variant_id}@${h.location_id}`, (sums.get(`${h.variant_id}@${h.location_id}`) ?? 0) + Number(h.qty));
    for (const l of levels) {
      expect(Number(l.reserved)).toBeGreaterThanOrEqual(0);
      expect(Number(l.reserved)).toBeLessThanOrEqual(Number(l.on_hand));
      expect(Number(l.reserved), `${l.variant_id}@${l.location_id}`).toBe(sums.get(`${l.variant_id}@${l.location_id}`) ?? 0);
    }
  });

  it('never oversells: 200 concurrent reservations for 50 units, exactly 50 succeed', async () => {
    const { m, v, locs } = await setup({ main: 50 });
    notices.length = 0;
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => reserve(m, [{ variantId: v, qty: 1 }], { expiresAt: minutes(15).toISOString() })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as DomainError] : []));
    expect(ok).toHaveLength(50);
    expect(refused).toHaveLength(150);
    for (const e of refused) {
      expect(e).toBeInstanceOf(DomainError);
      expect(e.code).toBe('stock.insufficient');
      expect(e.status).toBe(409);
      expect(e.extra).toEqual({ variantId: v, requested: 1, available: 0 });
    }
    expect(await level(v, locs.main!)).toEqual({ onHand: 50, reserved: 50 });
    expect((await inv.available(world.app.db.kysely, [v])).get(v)).toBe(0);
    const rows = await world.app.db.kysely.selectFrom('inventory_reservation').select('id').where('merchant_id', '=', m).execute();
    expect(rows).toHaveLength(50);
    // The variant crossed its threshold (5) once, in whichever transaction took the 45th unit.
    expect(notices).toEqual([{ audience: { merchantId: m }, kind: 'stock.low', data: { variantId: v, available: 5, threshold: 5 } }]);
    const reserved = (await events()).filter((e) => e.kind === 'stock.reserved' && e.subject['merchant'] === m);
    expect(reserved).toHaveLength(50);
  });

  it('takes a line from the location with the most available, splits only when none has enough, all or nothing', async () => {
    const { m, v, locs } = await setup({ a: 3, b: 5, c: 5 });
    const [first, second] = [locs.b!, locs.c!].sort();
    const r1 = await reserve(m, [{ variantId: v, qty: 2 }, { variantId: v, qty: 2 }]);
    expect(r1.lines).toEqual([{ variantId: v, locationId: first, qty: 4 }]); // merged; tie b/c broken by id
    // Now: a 3, first 1, second 5. Eight units: no single location has them; the fewest locations, largest first.
    const r2 = await reserve(m, [{ variantId: v, qty: 8 }]);
    const expected = [{ variantId: v, locationId: locs.a!, qty: 3 }, { variantId: v, locationId: second!, qty: 5 }];
    expect(r2.lines).toEqual(expected.sort((x, y) => (x.locationId < y.locationId ? -1 : 1)));
    const e = await refusal(reserve(m, [{ variantId: v, qty: 2 }]));
    expect(e.extra).toEqual({ variantId: v, requested: 2, available: 1 });

    // Two variants, the second short: nothing of the first is held, even though the caller catches and commits.
    const other = await setup({ x: 10 });
    const lost = order();
    const kept = order();
    await tx(async (trx) => {
      const err = await refusal(inv.reserve(trx, { orderId: lost, merchantId: other.m, lines: [{ variantId: other.v, qty: 4 }, { variantId: variant(), qty: 1 }], expiresAt: null, actor: 'usr_buyer' }));
      expect(err.code).toBe('stock.insufficient');
      await inv.reserve(trx, { orderId: kept, merchantId: other.m, lines: [{ variantId: other.v, qty: 1 }], expiresAt: null, actor: 'usr_buyer' });
    });
    expect(await level(other.v, other.locs.x!)).toEqual({ onHand: 10, reserved: 1 });
    expect(await inv.reservationFor(world.app.db.kysely, lost)).toBeNull();
    expect((await inv.reservationFor(world.app.db.kysely, kept))!.lines).toEqual([{ variantId: other.v, locationId: other.locs.x!, qty: 1 }]);
    // Another merchant cannot reserve this merchant's stock.
    expect((await refusal(reserve(merchant(), [{ variantId: other.v, qty: 1 }]))).extra).toMatchObject({ available: 0 });
    // Replaying the same order returns the same reservation; other lines for it are refused.
    expect((await reserve(other.m, [{ variantId: other.v, qty: 1 }], { orderId: kept })).id).toBe((await inv.reservationFor(world.app.db.kysely, kept))!.id);
    expect((await refusal(reserve(other.m, [{ variantId: other.v, qty: 2 }], { orderId: kept }))).code).toBe('stock.reservation_exists');
    expect(await level(other.v, other.locs.x!)).toEqual({ onHand: 10, reserved: 1 });
  });

  it('allocates an order to one location, moving its reserved units there atomically', async () => {
    const { m, who, v, locs } = await setup({ a: 4, b: 3, c: 1 });
    const o = order();
    const r = await reserve(m, [{ variantId: v, qty: 6 }], { orderId: o });
    expect(r.lines.map((l) => l.qty).sort()).toEqual([2, 4]); // a 4 + b 2
    expect((await refusal(tx((trx) => inv.allocate(trx, o, null, 'usr_staff')))).code).toBe('stock.location_required');
    // Another merchant's location reads as missing.
    const elsewhere = await inv.createLocation(staff(merchant()), { name: 'Theirs', code: 'z' });
    expect((await refusal(tx((trx) => inv.allocate(trx, o, elsewhere.id, 'usr_staff')))).status).toBe(404);
    // c lacks the units: refused, nothing moved.
    const short = await refusal(tx((trx) => inv.allocate(trx, o, locs.c!, 'usr_staff')));
    expect(short.code).toBe('stock.insufficient');
    expect(short.extra).toEqual({ variantId: v, requested: 6, available: 1 });
    expect(await level(v, locs.a!)).toEqual({ onHand: 4, reserved: 4 });
    // Enough at b after a delivery: the whole order moves there.
    await inv.receive(who, { variantId: v, locationId: locs.b!, qty: 10 });
    expect(await tx((trx) => inv.allocate(trx, o, locs.b!, 'usr_staff'))).toBe(locs.b);
    expect(await level(v, locs.a!)).toEqual({ onHand: 4, reserved: 0 });
    expect(await level(v, locs.b!)).toEqual({ onHand: 13, reserved: 6 });
    const after = (await inv.reservationFor(world.app.db.kysely, o))!;
    expect(after.lines).toEqual([{ variantId: v, locationId: locs.b!, qty: 6 }]);
    expect(after.locationId).toBe(locs.b);
    // Again, by name or keeping where it is: a no-op.
    expect(await tx((trx) => inv.allocate(trx, o, locs.b!, 'usr_staff'))).toBe(locs.b);
    expect(await tx((trx) => inv.allocate(trx, o, null, 'usr_staff'))).toBe(locs.b);
    const allocated = (await events()).filter((e) => e.kind === 'stock.allocated' && e.subject['order'] === o);
    expect(allocated).toHaveLength(1);
    expect(allocated[0]!.data).toMatchObject({ locationId: locs.b });
  });

  it('commits, ships and releases: on_hand drops only on shipment, release gives units back', async () => {
    const { m, v, locs } = await setup({ a: 10 });
    const paid = order();
    await reserve(m, [{ variantId: v, qty: 3 }], { orderId: paid, expiresAt: minutes(15).toISOString() });
    await tx((trx) => inv.commit(trx, paid, 'usr_buyer'));
    await tx((trx) => inv.commit(trx, paid, 'usr_buyer')); // idempotent
    const committed = (await inv.reservationFor(world.app.db.kysely, paid))!;
    expect(committed).toMatchObject({ state: 'committed', expiresAt: null });
    expect(await level(v, locs.a!)).toEqual({ onHand: 10, reserved: 3 });
    await tx((trx) => inv.ship(trx, paid, 'usr_staff'));
    await tx((trx) => inv.ship(trx, paid, 'usr_staff')); // idempotent
    expect(await level(v, locs.a!)).toEqual({ onHand: 7, reserved: 0 });
    expect((await inv.reservationFor(world.app.db.kysely, paid))!.state).toBe('shipped');
    expect((await refusal(tx((trx) => inv.release(trx, paid, 'cancelled', 'usr_staff')))).code).toBe('stock.already_shipped');

    const cancelled = order();
    await reserve(m, [{ variantId: v, qty: 5 }], { orderId: cancelled });
    expect(await level(v, locs.a!)).toEqual({ onHand: 7, reserved: 5 });
    await tx((trx) => inv.release(trx, cancelled, 'cancelled', 'usr_buyer'));
    await tx((trx) => inv.release(trx, cancelled, 'cancelled', 'usr_buyer')); // idempotent
    expect(await level(v, locs.a!)).toEqual({ onHand: 7, reserved: 0 });
    expect((await refusal(tx((trx) => inv.commit(trx, cancelled, 'usr_buyer')))).code).toBe('stock.reservation_released');
    expect((await refusal(tx((trx) => inv.ship(trx, cancelled, 'usr_buyer')))).code).toBe('stock.reservation_released');
    expect((await refusal(tx((trx) => inv.commit(trx, order(), 'usr_buyer')))).status).toBe(404);

    const all = (await events()).filter((e) => e.kind.startsWith('stock.') && (e.subject['order'] === paid || e.subject['order'] === cancelled));
    expect(all.map((e) => `${e.kind}:${e.subject['order'] === paid ? 'paid' : 'cancelled'}`)).toEqual([
      'stock.reserved:paid',
      'stock.committed:paid',
      'stock.shipped:paid',
      'stock.reserved:cancelled',
      'stock.released:cancelled',
    ]);
    const shipped = all.find((e) => e.kind === 'stock.shipped')!;
    expect(shipped.data).toEqual({ lines: [{ variantId: v, locationId: locs.a!, qty: 3 }] });
    expect(all.find((e) => e.kind === 'stock.released')!.data).toMatchObject({ reason: 'cancelled' });
  });

  it('expires unpaid reservations only: listed for the orders module, or released directly', async () => {
    const { m, v, locs } = await setup({ a: 20 });
    const soon = order();
    const later = order();
    const never = order();
    const paid = order();
    await reserve(m, [{ variantId: v, qty: 1 }], { orderId: soon, expiresAt: minutes(10).toISOString() });
    await reserve(m, [{ variantId: v, qty: 2 }], { orderId: later, expiresAt: minutes(30).toISOString() });
    await reserve(m, [{ variantId: v, qty: 3 }], { orderId: never, expiresAt: null });
    await reserve(m, [{ variantId: v, qty: 4 }], { orderId: paid, expiresAt: minutes(5).toISOString() });
    await tx((trx) => inv.commit(trx, paid, 'usr_buyer'));

    const mine = (list: { orderId: string }[]) => list.filter((r) => [soon, later, never, paid].includes(r.orderId)).map((r) => r.orderId);
    expect(mine(await inv.expiredReservations(world.app.db.kysely, minutes(9), 100))).toEqual([]);
    expect(mine(await inv.expiredReservations(world.app.db.kysely, minutes(10), 100))).toEqual([soon]);
    expect(mine(await inv.expiredReservations(world.app.db.kysely, minutes(31), 100))).toEqual([soon, later]);

    expect(await inv.releaseExpired(minutes(20))).toBeGreaterThanOrEqual(1);
    expect((await inv.reservationFor(world.app.db.kysely, soon))!.state).toBe('released');
    expect((await inv.reservationFor(world.app.db.kysely, later))!.state).toBe('reserved');
    expect(await level(v, locs.a!)).toEqual({ onHand: 20, reserved: 9 });
    expect(mine(await inv.expiredReservations(world.app.db.kysely, minutes(20), 100))).toEqual([]);
    // The background job does the same.
    const job = inventoryJob(inv);
    expect(job.name).toBe('inventory.expire');
    expect(await job.tick(minutes(31))).toBeGreaterThanOrEqual(1);
    expect((await inv.reservationFor(world.app.db.kysely, later))!.state).toBe('released');
    expect(await level(v, locs.a!)).toEqual({ onHand: 20, reserved: 7 });
    const released = (await events()).filter((e) => e.kind === 'stock.released' && (e.subject['order'] === soon || e.subject['order'] === later));
    expect(released.map((e) => e.data['reason'])).toEqual(['expired', 'expired']);
  });

  it('tells the merchant once when a variant falls to its low-stock threshold', async () => {
    const { m, who, v, locs } = await setup({ a: 5, b: 3 }, 4);
    notices.length = 0;
    // The variant's threshold is its levels' largest: raise b's to 6. Available is 8.
    await inv.setStock(who, { variantId: v, locationId: locs.b!, onHand: 3, lowStockThreshold: 6 });
    expect(notices).toEqual([]);
    const o1 = order();
    await reserve(m, [{ variantId: v, qty: 1 }], { orderId: o1 }); // 7
    expect(notices).toEqual([]);
    await reserve(m, [{ variantId: v, qty: 1 }]); // 6: crossed
    await reserve(m, [{ variantId: v, qty: 2 }]); // 4: still low, no second notice
    expect(notices).toEqual([{ audience: { merchantId: m }, kind: 'stock.low', data: { variantId: v, available: 6, threshold: 6 } }]);
    // Back above by a delivery, then down again by a count: a second crossing.
    await inv.receive(who, { variantId: v, locationId: locs.a!, qty: 10 }); // 14
    expect(notices).toHaveLength(1);
    await inv.setStock(who, { variantId: v, locationId: locs.a!, onHand: 6 }); // 4 reserved over a and b: 6 + 3 − 4
    expect(notices).toHaveLength(2);
    expect(notices[1]!.data).toEqual({ variantId: v, available: 5, threshold: 6 });
    expect((await inv.available(world.app.db.kysely, [v])).get(v)).toBe(5);
    // A refused reservation tells nobody.
    await refusal(reserve(m, [{ variantId: v, qty: 100 }]));
    expect(notices).toHaveLength(2);
  });

  it('serves the merchant API: locations, stock set/receive with Idempotency-Key, tenancy, public availability', async () => {
    // The app asks the catalog who sells a variant: only that merchant may stock it.
    const mA = (await world.app.catalog.createMerchant('system', { name: 'Alice Goods' })).id;
    const product = await world.app.catalog.createProduct(mA, 'system', { title: 'Kettle', status: 'active', variants: [{ sku: 'K-1', title: 'One', priceMinor: 100 }] });
    const alice = await world.user('merchant_staff', { merchantId: mA });
    const bob = await world.user('merchant_staff', { merchantId: merchant() });
    const admin = await world.user('admin');
    const buyer = await world.user('buyer');
    const v = product.variants[0]!.id;

    const loc = expectOk(await alice.call('POST', '/api/merchant/locations', { name: 'Shanghai DC', code: 'SH-01' }), 201);
    expect(loc).toMatchObject({ merchantId: mA, code: 'SH-01', id: expect.stringMatching(/^loc_[0-9a-f]{32}$/) });
    expectProblem(await alice.call('POST', '/api/merchant/locations', { name: 'Again', code: 'SH-01' }), 409, 'inventory.location_exists');
    const bobLoc = expectOk(await bob.call('POST', '/api/merchant/locations', { name: 'Bob', code: 'B' }), 201);
    for (const code of ['SH-02', 'SH-03']) expectOk(await alice.call('POST', '/api/merchant/locations', { name: code, code }), 201);
    const page1 = expectOk(await alice.call('GET', '/api/merchant/locations?limit=2'));
    expect(page1.items.map((l: { code: string }) => l.code)).toEqual(['SH-01', 'SH-02']);
    const page2 = expectOk(await alice.call('GET', `/api/merchant/locations?limit=2&cursor=${page1.nextCursor}`));
    expect(page2).toEqual({ items: [expect.objectContaining({ code: 'SH-03' })], nextCursor: null });
    expect(expectOk(await bob.call('GET', '/api/merchant/locations')).items.map((l: { id: string }) => l.id)).toEqual([bobLoc.id]);
    expectProblem(await admin.call('GET', '/api/merchant/locations'), 400, 'inventory.merchant_required');
    expect(expectOk(await admin.call('GET', `/api/merchant/locations?merchantId=${mA}`)).items).toHaveLength(3);
    expectProblem(await buyer.call('GET', '/api/merchant/locations'), 403);

    const url = `/api/merchant/stock/${v}/${loc.id}`;
    const key = (k: string) => ({ 'idempotency-key': `${k}-${hex()}` });
    const k1 = key('set');
    const set = await alice.call('POST', url, { onHand: 10 }, k1);
    expect(expectOk(set)).toMatchObject({ variantId: v, locationId: loc.id, merchantId: mA, onHand: 10, reserved: 0, available: 10, lowStockThreshold: 5 });
    const replay = await alice.call('POST', url, { onHand: 10 }, k1);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(set.body);
    expectProblem(await alice.call('POST', url, { onHand: 11 }, k1), 422, 'idempotency.key_reused');
    expectProblem(await alice.call('POST', url, { onHand: 11 }), 400, 'idempotency.key_required');

    const k2 = key('receive');
    expect(expectOk(await alice.call('POST', `${url}/receive`, { qty: 5 }, k2)).onHand).toBe(15);
    expect((await alice.call('POST', `${url}/receive`, { qty: 5 }, k2)).headers['idempotent-replayed']).toBe('true');
    const listed = expectOk(await alice.call('GET', `/api/merchant/stock?variantId=${v}`));
    expect(listed).toEqual({ items: [expect.objectContaining({ variantId: v, locationId: loc.id, onHand: 15, available: 15 })], nextCursor: null });

    // Tenancy: Bob's calls on Alice's location, or on Alice's variant at his own location, read as missing.
    expectProblem(await bob.call('POST', url, { onHand: 1 }, key('bob')), 404);
    expectProblem(await bob.call('POST', `${url}/receive`, { qty: 1 }, key('bob')), 404);
    expectProblem(await bob.call('POST', `/api/merchant/stock/${v}/${bobLoc.id}`, { onHand: 1 }, key('bob')), 404);
    expect(expectOk(await bob.call('GET', `/api/merchant/stock?variantId=${v}`)).items).toEqual([]);
    expectProblem(await buyer.call('POST', url, { onHand: 1 }, key('buyer')), 403);
    expectProblem(await alice.call('POST', `/api/merchant/stock/var_nothex/${loc.id}`, { onHand: 1 }, key('bad')), 400, 'validation');
    // An admin may act on any merchant's location.
    expect(expectOk(await admin.call('POST', `${url}/receive`, { qty: 1 }, key('admin'))).onHand).toBe(16);

    // Not below what is reserved.
    await reserve(mA, [{ variantId: v, qty: 7 }]);
    expectProblem(await alice.call('POST', url, { onHand: 6 }, key('low')), 409, 'stock.below_reserved');
    expect(expectOk(await alice.call('POST', url, { onHand: 7, lowStockThreshold: 2 }, key('count'))).available).toBe(0);

    const w = variant();
    const avail = expectOk(await world.anon('GET', `/api/stock/availability?variantIds=${v},${w}`));
    expect(avail).toEqual({ items: [{ variantId: v, available: 0, inStock: false }, { variantId: w, available: 0, inStock: false }] });
    expectOk(await alice.call('POST', `${url}/receive`, { qty: 3 }, key('more')));
    expect(expectOk(await world.anon('GET', `/api/stock/availability?variantIds=${v}`)).items).toEqual([{ variantId: v, available: 3, inStock: true }]);
    expectProblem(await world.anon('GET', '/api/stock/availability?variantIds=nope'), 400);

    // One ledger entry per effect, none for the replays, ids and numbers only.
    const moves = (await events()).filter((e) => (e.kind === 'stock.adjusted' || e.kind === 'stock.received') && e.subject['variant'] === v);
    expect(moves.map((e) => [e.kind, e.data['delta'], e.data['onHand']])).toEqual([
      ['stock.adjusted', 10, 10],
      ['stock.received', 5, 15],
      ['stock.received', 1, 16],
      ['stock.adjusted', -9, 7],
      ['stock.received', 3, 10],
    ]);
    expect(moves[0]!.actor).toBe(alice.userId);
    expect(moves[2]!.actor).toBe(admin.userId);
    expect(JSON.stringify(moves)).not.toContain('Shanghai');
  });

  it('lets a merchant stock only their own variants when the catalog is asked', async () => {
    const m = merchant();
    const theirs = variant();
    const mine = variant();
    const owners = new Map([[mine, m], [theirs, merchant()]]);
    const checked = new InventoryService(world.app.db.kysely, world.app.ledger, recording, () => T0, { variantMerchant: async (_db, id) => owners.get(id) ?? null });
    const who = staff(m);
    const loc = await checked.createLocation(who, { name: 'Main', code: 'main' });
    expect((await checked.setStock(who, { variantId: mine, locationId: loc.id, onHand: 2 })).onHand).toBe(2);
    expect((await refusal(checked.setStock(who, { variantId: theirs, locationId: loc.id, onHand: 2 }))).status).toBe(404);
    expect((await refusal(checked.receive(who, { variantId: variant(), locationId: loc.id, qty: 1 }))).status).toBe(404);
    expect(await world.app.db.kysely.selectFrom('inventory_item').select('variant_id').where('variant_id', '=', theirs).executeTakeFirst()).toBeUndefined();
  });

  it('keeps the ledger and balances verifiable', async () => {
    await world.checkInvariants();
  });
});
