// The demo a fresh `npm start` shows: seeded once, through the services (so it is all in the
// ledger), and usable at once — a demo buyer signs in with the printed password and buys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, startWorld, type World } from './helpers/world.ts';

describe.each(backends())('demo seed on $name', (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld(backend);
  });
  afterAll(async () => w?.close());

  it('seeds merchants, products with stock and funded buyers once; a demo buyer signs in and checks out', async () => {
    const first = await seedDemo(w.app);
    expect(first.created).toBe(true);
    const again = await seedDemo(w.app);
    expect(again.created).toBe(false);
    expect(again.credentials).toEqual(first.credentials);
    expect(first.credentials.map((c) => c.role)).toEqual(expect.arrayContaining(['admin', 'auditor', 'merchant_staff', 'buyer']));

    const login = await w.anon('POST', '/api/auth/login', { email: 'alice@chainmall.test', password: DEMO_PASSWORD });
    expect(login.statusCode, login.body).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const wallet = expectOk(await w.anon('GET', '/api/wallet', undefined, { cookie }));
    expect(BigInt(wallet.available)).toBeGreaterThan(0n);

    const products = expectOk(await w.anon('GET', '/api/products?q=longjing'));
    expect(products.items).toHaveLength(1);
    const product = expectOk(await w.anon('GET', `/api/products/${products.items[0].id}`));
    const variantId = product.variants[0].id;
    const res = await w.anon('POST', '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: { recipient: 'Alice', phone: '+86 1', country: 'CN', city: 'Hangzhou', line1: 'West Lake Road 1' } }, { cookie, 'idempotency-key': 'demo-1' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().orders[0]).toMatchObject({ paid: true, totalMinor: product.variants[0].priceMinor });
    await w.checkInvariants();
  });
});
