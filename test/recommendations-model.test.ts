// The recommendation model without a database: co-occurrence per basket and per session, similarity
// that popular items do not dominate, time decay, incremental updates equal to one big batch, a
// restart (stored aggregates + replayed open sessions) equal to no restart, "for you", and the
// offline evaluation on generated behaviour beating popularity.
import { describe, expect, it } from 'vitest';
import { evaluate, generateSessions, RecsModel, syntheticCatalog, type Delta, type ModelEvent } from '../src/recommendations/index.ts';
import type { ItemDelta, PairDelta, Snapshot } from '../src/recommendations/model.ts';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const DAY = 86_400_000;

let nextId = 0;
const view = (subject: string, productId: string, atMs: number): ModelEvent => ({ id: ++nextId, subject, kind: 'view', productId, basketId: null, atMs });
const cart = (subject: string, productId: string, atMs: number): ModelEvent => ({ id: ++nextId, subject, kind: 'cart_add', productId, basketId: null, atMs });
const basket = (subject: string, basketId: string, productIds: string[], atMs: number): ModelEvent[] =>
  productIds.map((productId) => ({ id: ++nextId, subject, kind: 'purchase', productId, basketId, atMs }));

function trained(events: ModelEvent[], options = {}): RecsModel {
  const m = new RecsModel(options);
  m.commit(m.plan(events));
  return m;
}

describe('recommendation model', () => {
  it('bought together: products sharing baskets, most co-occurring first, with the co-count', () => {
    const m = trained([
      ...basket('u1', 'b1', ['teapot', 'tea'], T0),
      ...basket('u2', 'b2', ['teapot', 'tea', 'cups'], T0 + MIN),
      ...basket('u3', 'b3', ['teapot', 'cups'], T0 + 2 * MIN),
      ...basket('u4', 'b4', ['teapot', 'tea'], T0 + 3 * MIN),
      ...basket('u5', 'b5', ['scarf'], T0 + 4 * MIN),
    ]);
    const n = m.neighbours('bought', 'teapot');
    expect(n.map((x) => x.productId)).toEqual(['tea', 'cups']);
    expect(n.map((x) => x.coCount)).toEqual([3, 2]);
    expect(m.neighbours('bought', 'scarf')).toEqual([]);
    // Purchases do not make "viewed together".
    expect(m.neighbours('viewed', 'teapot')).toEqual([]);
    expect(m.coCount('bought', 'tea', 'teapot')).toBe(3);
  });

  it('normalises by popularity: a rare item seen twice with X outranks a bestseller seen once with it', () => {
    const events: ModelEvent[] = [];
    for (let i = 0; i < 30; i++) events.push(view(`p${i}`, 'bestseller', T0 + i * DAY), view(`p${i}`, `other${i}`, T0 + i * DAY + MIN));
    events.push(view('a', 'x', T0 + 40 * DAY), view('a', 'bestseller', T0 + 40 * DAY + MIN));
    events.push(view('b', 'x', T0 + 41 * DAY), view('b', 'niche', T0 + 41 * DAY + MIN));
    events.push(view('c', 'x', T0 + 42 * DAY), view('c', 'niche', T0 + 42 * DAY + MIN));
    const m = trained(events.sort((p, q) => p.atMs - q.atMs).map((e, i) => ({ ...e, id: i + 1 })));
    expect(m.neighbours('viewed', 'x').map((n) => n.productId)).toEqual(['niche', 'bestseller']);
    // Popularity still knows the bestseller is the most viewed.
    expect(m.popular()[0]).toEqual({ productId: 'bestseller', score: 1 });
  });

  it('pairs only views of one subject within a session: a gap of more than 30 minutes starts a new one', () => {
    const m = trained([
      view('u1', 'a', T0),
      cart('u1', 'b', T0 + 10 * MIN),
      view('u1', 'c', T0 + 45 * MIN), // 35 min after b: a new session
      view('u2', 'd', T0 + 46 * MIN), // another subject
    ]);
    expect(m.neighbours('viewed', 'a').map((n) => n.productId)).toEqual(['b']);
    expect(m.neighbours('viewed', 'c')).toEqual([]);
    expect(m.neighbours('viewed', 'd')).toEqual([]);
    // A product viewed twice in one session counts once.
    const again = trained([view('u', 'a', T0), view('u', 'b', T0 + MIN), view('u', 'a', T0 + 2 * MIN), view('u', 'b', T0 + 3 * MIN)]);
    expect(again.coCount('viewed', 'a', 'b')).toBe(1);
    expect(again.count('viewed', 'a')?.n).toBe(1);
  });

  it('decays: the same co-counts weigh less when they are old (half-life 30 days)', () => {
    const events: ModelEvent[] = [];
    for (let i = 0; i < 3; i++) events.push(...basket(`old${i}`, `o${i}`, ['anchor', 'old'], T0 + i * MIN));
    for (let i = 0; i < 3; i++) events.push(...basket(`new${i}`, `n${i}`, ['anchor', 'new'], T0 + 60 * DAY + i * MIN));
    const m = trained(events);
    const n = m.neighbours('bought', 'anchor');
    expect(n.map((x) => [x.productId, x.coCount])).toEqual([['new', 3], ['old', 3]]);
    expect(n[0]!.score).toBeGreaterThan(n[1]!.score * 1.5);
    // Without decay (a very long half-life) they would tie.
    const flat = trained(events, { halfLifeMs: 1e6 * DAY }).neighbours('bought', 'anchor');
    expect(flat[0]!.score).toBeCloseTo(flat[1]!.score, 4);
  });

  it('incremental batches give the same model as one batch, sessions and baskets split across batches included', () => {
    const products = syntheticCatalog(4, 10);
    const gen = generateSessions(products, { users: 60, seed: 3 });
    const events: ModelEvent[] = gen.map((e, i) => ({ id: i + 1, subject: `u${e.user}`, kind: e.kind, productId: e.product, basketId: e.basket, atMs: e.atMs }));
    const whole = trained(events);
    const parts = new RecsModel();
    for (let i = 0; i < events.length; i += 37) parts.commit(parts.plan(events.slice(i, i + 37)));
    expect(parts.cursor).toBe(events.length);
    for (const p of products) {
      for (const s of ['bought', 'viewed'] as const) {
        const a = whole.neighbours(s, p.key);
        const b = parts.neighbours(s, p.key);
        expect(b.map((x) => [x.productId, x.coCount])).toEqual(a.map((x) => [x.productId, x.coCount]));
        b.forEach((x, i) => expect(x.score).toBeCloseTo(a[i]!.score, 9));
      }
    }
    expect(parts.popular().map((p) => p.productId)).toEqual(whole.popular().map((p) => p.productId));
  });

  it('a planned delta changes nothing until committed; a restart from stored aggregates plus replayed open sessions equals no restart', () => {
    const events: ModelEvent[] = [view('u', 'a', T0), view('u', 'b', T0 + MIN), view('v', 'x', T0 + 2 * MIN)];
    const later: ModelEvent[] = [view('u', 'c', T0 + 5 * MIN), view('v', 'y', T0 + 50 * MIN), view('u', 'd', T0 + 51 * MIN)];
    const m = new RecsModel();
    const d1 = m.plan(events);
    expect(m.neighbours('viewed', 'a')).toEqual([]);
    expect(m.cursor).toBe(0);
    const replayFrom = m.replayFromAfter(d1);
    m.commit(d1);
    expect(replayFrom).toBe(events[0]!.id - 1);

    // What the store would hold: the sums of the deltas.
    const snap: Snapshot = { cursor: m.cursor, landmarkMs: d1.landmarkMs, streamAtMs: d1.streamAtMs, items: [...d1.items.values()] as ItemDelta[], pairs: [...d1.pairs.values()] as PairDelta[] };
    const restarted = new RecsModel();
    restarted.load(snap);
    restarted.commit(restarted.plan(events.filter((e) => e.id > replayFrom), { tailsOnly: true }));
    expect(restarted.cursor).toBe(m.cursor);

    const after = (x: RecsModel) => {
      x.commit(x.plan(later));
      return ['a', 'b', 'c', 'd', 'x', 'y'].map((p) => x.neighbours('viewed', p).map((n) => [n.productId, n.coCount]));
    };
    const expected = after(m);
    expect(after(restarted)).toEqual(expected);
    // c joined u's open session (a, b); v's session ended before y (48 minutes), so x and y are not paired.
    expect(expected[2]).toEqual([['a', 1], ['b', 1]]);
    expect(expected[4]).toEqual([]);
  });

  it('rebases the decay landmark when weights would overflow, without changing the ranking', () => {
    const events: ModelEvent[] = [];
    for (let d = 0; d < 40; d++) events.push(...basket(`u${d}`, `b${d}`, ['a', d % 3 === 0 ? 'b' : 'c'], T0 + d * DAY));
    const m = new RecsModel({ halfLifeMs: 3600_000 }); // 40 days = 960 half-lives
    let rescaled = false;
    for (let i = 0; i < events.length; i += 10) {
      const d: Delta = m.plan(events.slice(i, i + 10));
      rescaled ||= d.rescale !== null;
      m.commit(d);
    }
    expect(rescaled).toBe(true);
    const n = m.neighbours('bought', 'a');
    expect(n.every((x) => Number.isFinite(x.score) && x.score > 0)).toBe(true);
    // The last basket (day 39: 39 % 3 === 0) holds b: with a 1-hour half-life only the newest counts.
    expect(n[0]!.productId).toBe('b');
  });

  it('for you: neighbours of the recent history, explained by their anchor; history items never proposed', () => {
    const m = trained([
      ...basket('u1', 'b1', ['teapot', 'tea'], T0),
      ...basket('u2', 'b2', ['teapot', 'tea'], T0 + MIN),
      view('u3', 'scarf', T0 + 2 * MIN), view('u3', 'gloves', T0 + 3 * MIN),
      view('u4', 'scarf', T0 + 4 * MIN), view('u4', 'hat', T0 + 5 * MIN),
      view('u5', 'teapot', T0 + 6 * MIN), view('u5', 'cups', T0 + 7 * MIN),
    ]);
    const picks = m.forYou([{ productId: 'scarf', kind: 'view' }, { productId: null, kind: 'search' }, { productId: 'teapot', kind: 'purchase' }, { productId: 'teapot', kind: 'view' }], 10);
    const ids = picks.map((p) => p.productId);
    expect(ids).not.toContain('scarf');
    expect(ids).not.toContain('teapot');
    expect(new Set(ids)).toEqual(new Set(['gloves', 'hat', 'tea', 'cups']));
    // Tea, bought with the teapot in every basket, leads; each pick is explained by what led to it.
    expect(picks[0]!.productId).toBe('tea');
    expect(picks[0]!.anchors).toEqual([{ productId: 'teapot', action: 'purchase' }]);
    expect(picks.find((p) => p.productId === 'gloves')!.anchors).toEqual([{ productId: 'scarf', action: 'view' }]);
    expect(m.forYou([], 10)).toEqual([]);
  });

  it('on generated behaviour, held-out next items are found far more often than by popularity', () => {
    const r = evaluate(generateSessions(syntheticCatalog(10, 20), { users: 400, seed: 11 }));
    expect(r.evaluated).toBeGreaterThan(300);
    expect(r.hitRate).toBeGreaterThan(2 * r.popularityHitRate);
    expect(r.itemToItemHitRate).toBeGreaterThan(2 * r.popularityHitRate);
    // Deterministic per seed.
    expect(evaluate(generateSessions(syntheticCatalog(10, 20), { users: 400, seed: 11 }))).toEqual(r);
  });
});
