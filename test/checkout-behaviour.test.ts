// A checkout feeds behaviour data only with consent: the products bought together become
// "bought together" recommendations; a buyer who did not consent leaves no event at all.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { expectOk, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe.each(backends())('checkout → behaviour on $name', (backend) => {
  let w: World;
  let merchantId: string;
  let locationId: string;

  async function product(title: string): Promise<{ productId: string; variantId: string }> {
    const p = await w.app.catalog.createProduct(merchantId, 'system', { title, status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: 1000 }] });
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId: p.variants[0]!.id, locationId, onHand: 10 });
    return { productId: p.id, variantId: p.variants[0]!.id };
  }

  async function buyer(): Promise<Caller> {
    const b = await w.user('buyer');
    await w.fund(b.userId, 10_000n);
    return b;
  }

  /** Purchase events are recorded after the checkout commits, off the buyer's path: wait for them. */
  async function purchases(basketId: string, expected: number): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const rows = await w.app.db.kysely.selectFrom('analytics_event').select('id').where('basket_id', '=', basketId).execute();
      if (rows.length >= expected) return rows.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    return (await w.app.db.kysely.selectFrom('analytics_event').select('id').where('basket_id', '=', basketId).execute()).length;
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House' })).id;
    const staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Main', code: 'M1' })).id;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a consenting buyer\'s basket becomes "bought together"; without consent nothing is kept', async () => {
    const teapot = await product('Yixing teapot');
    const tea = await product('Longjing tea');
    const b = await buyer();
    expectOk(await b.call('PUT', '/api/privacy/consent', { analytics: true }));
    const chk = expectOk(await b.call('POST', '/api/checkout', { items: [{ variantId: teapot.variantId, qty: 1 }, { variantId: tea.variantId, qty: 1 }], shippingAddress: ADDRESS }, key()), 201);
    expect(await purchases(chk.id, 2)).toBe(2);
    await w.app.jobs.runOnce();
    const recs = expectOk(await w.anon('GET', `/api/recommendations?strategy=bought_together&productId=${teapot.productId}`));
    expect(recs.strategy).toBe('bought_together');
    expect(recs.items[0]).toMatchObject({ productId: tea.productId, reason: { kind: 'bought_together', anchors: [teapot.productId] } });

    const shy = await buyer();
    const other = expectOk(await shy.call('POST', '/api/checkout', { items: [{ variantId: teapot.variantId, qty: 1 }], shippingAddress: ADDRESS }, key()), 201);
    expect(await purchases(other.id, 1)).toBe(0);
  });
});
