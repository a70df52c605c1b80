// Recommendations through the HTTP API, on SQLite and PostgreSQL: events ingested with consent and
// counted by the job give "bought together" and "viewed together" with their reasons; "for you"
// follows the subject's history only with personalisation consent and falls back to popularity
// after a withdrawal, for anonymous visitors and without consent; products no longer for sale are
// never returned; the model is stored and a restarted instance serves the same answers.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const eid = () => `evt-${randomBytes(8).toString('hex')}`;
type Send = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => Promise<LightMyRequestResponse>;

interface Item {
  productId: string;
  name: string;
  score: number;
  reason: { kind: string; text: string; anchors: string[]; coCount?: number };
}

describe.each(backends())('recommendations on $name', (backend) => {
  let w: World;
  let merchantId: string;
  const p: Record<'teapot' | 'tea' | 'cups' | 'scarf' | 'hat' | 'kettle', { id: string; name: string }> = {} as never;
  let fan: Caller;

  const sendAs = (c: Caller): Send => (m, url, body) => c.call(m, url, body);
  const consent = async (as: Send, choices: Record<string, boolean>) => expectOk(await as('PUT', '/api/privacy/consent', choices));
  const views = async (as: Send, list: { kind: 'view' | 'cart_add'; productId: string }[]) =>
    expect(expectOk(await as('POST', '/api/events', { events: list.map((e) => ({ id: eid(), ...e })) }), 202).accepted).toBe(list.length);
  const recs = async (as: Send, query: string): Promise<{ strategy: string; items: Item[] }> => expectOk(await as('GET', `/api/recommendations?${query}`));
  const anon: Send = (m, url, body) => w.anon(m, url, body);

  async function consenting(choices: Record<string, boolean> = { analytics: true, personalisation: true }): Promise<Caller> {
    const b = await w.user('buyer');
    await consent(sendAs(b), choices);
    return b;
  }

  beforeAll(async () => {
    w = await startWorld(backend);
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House' })).id;
    for (const [key, title] of [['teapot', 'Yixing teapot'], ['tea', 'Longjing tea'], ['cups', 'Celadon cups'], ['scarf', 'Silk scarf'], ['hat', 'Straw hat'], ['kettle', 'Iron kettle']] as const) {
      const made = await w.app.catalog.createProduct(merchantId, 'system', { title, status: 'active', variants: [{ sku: `${key}-${randomBytes(3).toString('hex')}`, title: 'Standard', priceMinor: 3000 }] });
      p[key] = { id: made.id, name: title };
    }
    // Three buyers: baskets teapot+tea (twice), teapot+cups; sessions viewing teapot and cups (twice).
    const b1 = await consenting();
    const b2 = await consenting();
    const b3 = await consenting();
    await views(sendAs(b1), [{ kind: 'view', productId: p.teapot.id }, { kind: 'view', productId: p.cups.id }]);
    await views(sendAs(b2), [{ kind: 'view', productId: p.teapot.id }, { kind: 'cart_add', productId: p.cups.id }]);
    await views(sendAs(b3), [{ kind: 'view', productId: p.scarf.id }, { kind: 'view', productId: p.hat.id }, { kind: 'view', productId: p.kettle.id }]);
    await w.app.analytics.recordPurchase(b1.userId, 'bsk-1', [p.teapot.id, p.tea.id]);
    await w.app.analytics.recordPurchase(b2.userId, 'bsk-2', [p.teapot.id, p.tea.id, p.kettle.id]);
    await w.app.analytics.recordPurchase(b3.userId, 'bsk-3', [p.teapot.id, p.cups.id]);
    // The fan has looked at the scarf only.
    fan = await consenting();
    await views(sendAs(fan), [{ kind: 'view', productId: p.scarf.id }]);
    await w.app.jobs.runOnce();
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('bought together and viewed together: the co-occurring product first, with its reason and co-count; anonymous callers too', async () => {
    const bought = await recs(anon, `strategy=bought_together&productId=${p.teapot.id}`);
    expect(bought.strategy).toBe('bought_together');
    expect(bought.items[0]).toMatchObject({ productId: p.tea.id, name: p.tea.name, reason: { kind: 'bought_together', anchors: [p.teapot.id], coCount: 2 } });
    expect(bought.items[0]!.reason.text).toContain(p.teapot.name);
    expect(bought.items.slice(1, 3).map((i) => [i.productId, i.reason.coCount])).toEqual(expect.arrayContaining([[p.cups.id, 1], [p.kettle.id, 1]]));
    expect(bought.items.map((i) => i.productId)).not.toContain(p.teapot.id);
    expect(bought.items[0]!.score).toBeGreaterThan(bought.items[1]!.score);

    const viewed = await recs(anon, `strategy=viewed_together&productId=${p.teapot.id}`);
    expect(viewed.strategy).toBe('viewed_together');
    expect(viewed.items[0]).toMatchObject({ productId: p.cups.id, reason: { kind: 'viewed_together', anchors: [p.teapot.id], coCount: 2 } });
    expect(viewed.items[0]!.reason.text).toMatch(/also viewed/);
    // Items without co-occurrence are filled from popularity, said as such.
    expect(viewed.items.slice(1).every((i) => i.reason.kind === 'popular' || i.reason.kind === 'viewed_together')).toBe(true);

    // The scarf was never in a basket: popularity, and the strategy says so.
    const none = await recs(anon, `strategy=bought_together&productId=${p.scarf.id}&limit=3`);
    expect(none.strategy).toBe('popular');
    expect(none.items).toHaveLength(3);
    expect(none.items.every((i) => i.reason.kind === 'popular' && i.productId !== p.scarf.id)).toBe(true);

    expect((await recs(anon, `strategy=bought_together&productId=${p.teapot.id}&limit=1`)).items).toHaveLength(1);
  });

  it('for you follows the history only with personalisation consent; withdrawal, no consent and anonymous get popularity', async () => {
    const me = sendAs(fan);
    const mine = await recs(me, 'strategy=for_you');
    expect(mine.strategy).toBe('for_you');
    expect(mine.items[0]!.reason).toMatchObject({ kind: 'your_history', anchors: [p.scarf.id] });
    expect(mine.items[0]!.reason.text).toBe(`Because you viewed “${p.scarf.name}”`);
    expect([p.hat.id, p.kettle.id]).toContain(mine.items[0]!.productId);
    // What they viewed is not proposed back.
    expect(mine.items.map((i) => i.productId)).not.toContain(p.scarf.id);

    // Withdrawn: popularity at once, explained as such (the most popular first: the teapot).
    await consent(me, { personalisation: false });
    const after = await recs(me, 'strategy=for_you');
    expect(after.strategy).toBe('popular');
    expect(after.items[0]!.productId).toBe(p.teapot.id);
    expect(after.items.every((i) => i.reason.kind === 'popular' && i.reason.anchors.length === 0)).toBe(true);
    expect(after.items[0]!.reason.text).toMatch(/personalisation is off/);

    // Analytics consent alone never personalises; nor does an anonymous visitor get anything personal.
    const counted = await consenting({ analytics: true, personalisation: false });
    await views(sendAs(counted), [{ kind: 'view', productId: p.scarf.id }]);
    expect((await recs(sendAs(counted), 'strategy=for_you')).strategy).toBe('popular');
    const anonymous = await recs(anon, 'strategy=for_you');
    expect(anonymous.strategy).toBe('popular');
    expect(anonymous.items[0]!.reason.text).toMatch(/sign in or allow personalisation/);
    // A consenting user without any history: popularity too.
    expect((await recs(sendAs(await consenting()), 'strategy=for_you')).strategy).toBe('popular');
  });

  it('never returns a product no longer for sale; its own page is 404, as are unknown products; bad queries are 400', async () => {
    await w.app.catalog.updateProduct(merchantId, 'system', p.tea.id, { status: 'archived' });
    const bought = await recs(anon, `strategy=bought_together&productId=${p.teapot.id}`);
    expect(bought.items.map((i) => i.productId)).not.toContain(p.tea.id);
    expect(bought.items[0]!.reason.kind).toBe('bought_together');
    for (const strategy of ['popular', 'viewed_together', 'for_you']) {
      expect((await recs(anon, `strategy=${strategy}&productId=${p.cups.id}&limit=50`)).items.map((i) => i.productId)).not.toContain(p.tea.id);
    }
    expectProblem(await anon('GET', `/api/recommendations?strategy=bought_together&productId=${p.tea.id}`), 404, 'not_found');
    expectProblem(await anon('GET', `/api/recommendations?strategy=viewed_together&productId=prd_${randomBytes(16).toString('hex')}`), 404, 'not_found');
    expectProblem(await anon('GET', '/api/recommendations?strategy=bought_together'), 400, 'recs.product_required');
    expectProblem(await anon('GET', '/api/recommendations?strategy=everything'), 400);
    expectProblem(await anon('GET', '/api/recommendations?strategy=popular&limit=0'), 400);
    expectProblem(await anon('GET', '/api/recommendations'), 400);
    await w.app.catalog.updateProduct(merchantId, 'system', p.tea.id, { status: 'active' });
    expect((await recs(anon, `strategy=bought_together&productId=${p.teapot.id}`)).items[0]!.productId).toBe(p.tea.id);
  });

  it('the model is stored: new events are counted incrementally and a restarted instance serves the same answers', async () => {
    // Two more sessions pair the hat with the kettle: counted by the next job run only.
    for (let i = 0; i < 2; i++) await views(sendAs(await consenting()), [{ kind: 'view', productId: p.hat.id }, { kind: 'view', productId: p.kettle.id }]);
    expect(w.app.recommendations.model.coCount('viewed', p.hat.id, p.kettle.id)).toBe(1);
    await w.app.jobs.runOnce();
    expect(w.app.recommendations.model.coCount('viewed', p.hat.id, p.kettle.id)).toBe(3);
    const hat = await recs(anon, `strategy=viewed_together&productId=${p.hat.id}`);
    expect(hat.items[0]).toMatchObject({ productId: p.kettle.id, reason: { coCount: 3 } });

    const state = await w.app.db.kysely.selectFrom('recs_state').selectAll().executeTakeFirstOrThrow();
    expect(Number(state.cursor)).toBe(w.app.recommendations.model.cursor);
    // No subject or pseudonym is stored with the aggregates.
    const cols = Object.keys((await w.app.db.kysely.selectFrom('recs_pair').selectAll().executeTakeFirstOrThrow()));
    expect(cols.sort()).toEqual(['a', 'b', 'n', 'signal', 'w']);

    const second = await createApp({ dataDir: w.box.dataDir, databaseUrl: w.box.databaseUrl, logLevel: 'silent', scryptLn: 10, jobs: false, sequencer: false, validateResponses: true, sandboxGateway: false });
    try {
      const ask = (q: string) => second.http.inject({ method: 'GET', url: `/api/recommendations?${q}` }).then((r) => expectOk(r));
      for (const q of [`strategy=bought_together&productId=${p.teapot.id}`, `strategy=viewed_together&productId=${p.hat.id}`, 'strategy=popular']) {
        expect(await ask(q)).toEqual(await recs(anon, q));
      }
      // It carries on from the stored cursor: nothing counted twice.
      expect(await second.jobs.runOnce()).toMatchObject({ recommendations: 0 });
      expect(second.recommendations.model.coCount('viewed', p.hat.id, p.kettle.id)).toBe(3);

      // Two instances, both running the job: one stores each batch, the other counts it in memory; nothing twice.
      await views(sendAs(await consenting()), [{ kind: 'view', productId: p.hat.id }, { kind: 'view', productId: p.kettle.id }]);
      expect((await second.jobs.runOnce())['recommendations']).toBe(2);
      expect((await w.app.jobs.runOnce())['recommendations']).toBe(2);
      for (const app of [w.app, second]) expect(app.recommendations.model.coCount('viewed', p.hat.id, p.kettle.id)).toBe(4);
      const [a, b] = [p.hat.id, p.kettle.id].sort();
      const row = await w.app.db.kysely.selectFrom('recs_pair').select('n').where('signal', '=', 'viewed').where('a', '=', a!).where('b', '=', b!).executeTakeFirstOrThrow();
      expect(Number(row.n)).toBe(4);
      expect(w.app.recommendations.model.cursor).toBe(second.recommendations.model.cursor);
    } finally {
      await second.close();
    }
  });
});
