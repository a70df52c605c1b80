// The demo seed's behaviour step: the demo buyers' generated sessions make every strategy of
// GET /api/recommendations answer with its own kind of reason right after seeding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, startWorld, type World } from './helpers/world.ts';

describe.each(backends())('recommendations demo data on $name', (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld(backend);
  });
  afterAll(async () => w?.close());

  it('after seeding, a demo buyer gets picks from their history, and products have bought- and viewed-together neighbours', async () => {
    expect((await seedDemo(w.app)).created).toBe(true);
    const stored = await w.app.db.kysely.selectFrom('analytics_event').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBeGreaterThan(100);
    expect(w.app.recommendations.model.size.pairs).toBeGreaterThan(5);

    const login = await w.anon('POST', '/api/auth/login', { email: 'alice@chainmall.test', password: DEMO_PASSWORD });
    expect(login.statusCode, login.body).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const mine = expectOk(await w.anon('GET', '/api/recommendations?strategy=for_you', undefined, { cookie }));
    expect(mine.strategy).toBe('for_you');
    expect(mine.items[0].reason.kind).toBe('your_history');

    const products: { id: string }[] = expectOk(await w.anon('GET', '/api/products?limit=50')).items;
    const kinds = new Set<string>();
    for (const p of products) {
      for (const strategy of ['bought_together', 'viewed_together']) {
        const r = expectOk(await w.anon('GET', `/api/recommendations?strategy=${strategy}&productId=${p.id}`));
        kinds.add(r.strategy);
      }
    }
    expect(kinds.has('bought_together') && kinds.has('viewed_together')).toBe(true);
    expect(expectOk(await w.anon('GET', '/api/recommendations?strategy=popular')).items.length).toBeGreaterThanOrEqual(5);
    await w.checkInvariants();
  });
});
