// Recommendations benchmark. (1) Offline quality: generated buyer behaviour (latent category
// preferences, related items, baskets with complements), each buyer's last new item held out,
// hit-rate@10 of "for you" (from the buyer's history) and of item-to-item (from the buyer's last
// item) against the popularity baseline from the same model. (2) Serving: the same kind of data
// ingested through AnalyticsService and counted by the job, then many RecommendationsService calls
// (all strategies; "for you" with a consent check and a history read each) for p50/p99. (3) Event
// ingestion through POST /api/events (app.http.inject, 500-event batches, each from its own
// consenting visitor and address so that the per-visitor and per-address rate limits, which this
// does not measure, stay out of the way) on SQLite. Prints figures; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApp, type App } from '../src/app.ts';
import { evaluate, generateSessions, rng, syntheticCatalog, type GenEvent, type Strategy } from '../src/recommendations/index.ts';
import type { Subject } from '../src/privacy/index.ts';
import { fmt, percentile, table, throwawayPostgres } from './stats.ts';

const HOUR = 3600_000;
const INGEST_BATCH = 500;
const INGEST_IN_FLIGHT = 4;

interface Sizes {
  evalUsers: number;
  categories: number;
  perCategory: number;
  serveUsers: number;
  calls: number;
  ingestBatches: number;
}

interface ServeFigures {
  backend: string;
  products: number;
  events: number;
  model_s: number;
  model_events_per_s: number;
  pairs: number;
  p50_ms: number;
  p99_ms: number;
  per_strategy: Record<string, { p50: number; p99: number }>;
  events_per_s: number;
}

/** A generated user's sessions as ingest calls (one per session, in time order), with the basket closing it. */
function sessionsOf(events: GenEvent[]): { user: number; views: GenEvent[]; basket: GenEvent[] }[] {
  const byUser = new Map<number, GenEvent[]>();
  for (const e of events) (byUser.get(e.user) ?? byUser.set(e.user, []).get(e.user)!).push(e);
  const out: { user: number; views: GenEvent[]; basket: GenEvent[] }[] = [];
  for (const [user, list] of byUser) {
    let cur: { user: number; views: GenEvent[]; basket: GenEvent[] } | null = null;
    let last = -Infinity;
    for (const e of list) {
      if (!cur || e.atMs - last > 30 * 60_000 || cur.basket.length > 0) out.push((cur = { user, views: [], basket: [] }));
      (e.kind === 'purchase' ? cur.basket : cur.views).push(e);
      last = e.atMs;
    }
  }
  return out.sort((a, b) => (a.views[0]?.atMs ?? a.basket[0]!.atMs) - (b.views[0]?.atMs ?? b.basket[0]!.atMs));
}

async function measureService(backend: string, databaseUrl: string | undefined, s: Sizes, log: (line: string) => void): Promise<ServeFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-recs-'));
  try {
    const app = await createApp({ dataDir, databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, publicRateLimitPerMinute: 0, sandboxGateway: false });
    try {
      // The catalog: categories of active products, with real ids.
      let t = performance.now();
      const merchantId = (await app.catalog.createMerchant('system', { name: 'Bench Bazaar' })).id;
      const gen = syntheticCatalog(s.categories, s.perCategory);
      const ids = new Map<string, string>();
      for (const g of gen) {
        const p = await app.catalog.createProduct(merchantId, 'system', { title: `Product ${g.key}`, status: 'active', variants: [{ sku: `SKU-${g.key}`, title: 'Standard', priceMinor: 1000 }] });
        ids.set(g.key, p.id);
      }
      // Behaviour of the last 20 hours (analytics keeps client times within its 24-hour window).
      const now = Date.now();
      const events = generateSessions(gen, { users: s.serveUsers, seed: 42, startMs: now - 21 * HOUR, spanMs: 20 * HOUR });
      const subjects: Subject[] = Array.from({ length: s.serveUsers }, (_, u) => ({ userId: `usr_bench${String(u).padStart(6, '0')}` }));
      for (const subject of subjects) await app.privacy.setConsent(subject, { analytics: true, personalisation: true });
      let n = 0;
      for (const session of sessionsOf(events)) {
        const subject = subjects[session.user]!;
        for (let i = 0; i < session.views.length; i += INGEST_BATCH) {
          const batch = session.views.slice(i, i + INGEST_BATCH).map((e) => ({ id: `bench-event-${++n}`, kind: e.kind, productId: ids.get(e.product)!, at: new Date(e.atMs).toISOString() }));
          await app.analytics.ingest(subject, batch);
        }
        if (session.basket.length > 0) {
          await app.analytics.recordPurchase((subject as { userId: string }).userId, session.basket[0]!.basket!, session.basket.map((e) => ids.get(e.product)!));
          n += session.basket.length;
        }
      }
      log(`  ${backend}: ${fmt(gen.length)} products, ${fmt(n)} events of ${fmt(s.serveUsers)} buyers stored in ${fmt((performance.now() - t) / 1000, 1)} s (setup, not timed)`);

      // The job counts them (and stores the aggregates), batch by batch.
      t = performance.now();
      while ((await app.recommendations.refresh(new Date())) > 0);
      const modelS = (performance.now() - t) / 1000;
      const size = app.recommendations.model.size;
      log(`  ${backend}: model built by the job in ${fmt(modelS, 2)} s (${fmt(n / modelS)} events/s): ${fmt(size.products)} products, ${fmt(size.pairs)} pairs`);

      // Serving: a mix of strategies; "for you" for random consenting buyers.
      const r = rng(7);
      const productIds = [...ids.values()];
      const strategies: Strategy[] = ['bought_together', 'viewed_together', 'for_you', 'popular'];
      const call = (i: number) => {
        const strategy = strategies[i % strategies.length]!;
        const productId = productIds[Math.floor(r() * productIds.length)]!;
        const subject = subjects[Math.floor(r() * subjects.length)]!;
        return [strategy, () => app.recommendations.recommend(subject, { strategy, productId, limit: 10 })] as const;
      };
      for (let i = 0; i < 400; i++) await call(i)[1](); // warm-up: JIT, statement cache
      const all: number[] = [];
      const per = new Map<string, number[]>();
      for (let i = 0; i < s.calls; i++) {
        const [strategy, fn] = call(i);
        const t0 = performance.now();
        await fn();
        const ms = performance.now() - t0;
        all.push(ms);
        (per.get(strategy) ?? per.set(strategy, []).get(strategy)!).push(ms);
      }
      all.sort((a, b) => a - b);
      const perStrategy = Object.fromEntries([...per].map(([k, v]) => {
        v.sort((a, b) => a - b);
        return [k, { p50: percentile(v, 50), p99: percentile(v, 99) }];
      }));
      log(`  ${backend}: ${fmt(s.calls)} recommendation calls: p50 ${fmt(percentile(all, 50), 3)} ms, p99 ${fmt(percentile(all, 99), 3)} ms`);
      for (const [k, v] of Object.entries(perStrategy)) log(`    ${k.padEnd(16)} p50 ${fmt(v.p50, 3)} ms  p99 ${fmt(v.p99, 3)} ms`);

      const eventsPerS = await measureIngest(app, productIds, s.ingestBatches);
      log(`  ${backend}: POST /api/events: ${fmt(s.ingestBatches)} batches of ${INGEST_BATCH}: ${fmt(eventsPerS)} events/s`);
      return {
        backend, products: gen.length, events: n, model_s: modelS, model_events_per_s: n / modelS, pairs: size.pairs,
        p50_ms: percentile(all, 50), p99_ms: percentile(all, 99), per_strategy: perStrategy, events_per_s: eventsPerS,
      };
    } finally {
      await app.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Events per second through POST /api/events: each batch from its own consenting visitor and address. */
async function measureIngest(app: App, productIds: string[], batches: number): Promise<number> {
  const visitors: { cookie: string; address: string }[] = [];
  // One more visitor for the warm-up batch.
  for (let i = 0; i <= batches; i++) {
    const res = await app.http.inject({ method: 'PUT', url: '/api/privacy/consent', payload: { analytics: true, personalisation: true } });
    if (res.statusCode !== 200) throw new Error(`consent: ${res.statusCode} ${res.body}`);
    visitors.push({ cookie: String(res.headers['set-cookie']).split(';')[0]!, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
  }
  const r = rng(9);
  const at = new Date().toISOString();
  const warm = visitors.pop()!;
  const bodies = visitors.map(() => JSON.stringify({
    events: Array.from({ length: INGEST_BATCH }, (_, j) => ({ id: `ing-${randomBytes(6).toString('hex')}-${j}`, kind: j % 10 === 9 ? 'cart_add' : 'view', productId: productIds[Math.floor(r() * productIds.length)], at })),
  }));
  // Warm the analytics product cache and the route (not timed).
  await app.http.inject({ method: 'POST', url: '/api/events', payload: { events: productIds.slice(0, 500).map((productId, j) => ({ id: `warm-${j}-${randomBytes(4).toString('hex')}`, kind: 'view', productId })) }, headers: { 'content-type': 'application/json', cookie: warm.cookie }, remoteAddress: '10.255.255.254' });
  let next = 0;
  let accepted = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: INGEST_IN_FLIGHT }, async () => {
    while (next < batches) {
      const i = next++;
      const res = await app.http.inject({ method: 'POST', url: '/api/events', payload: bodies[i]!, headers: { 'content-type': 'application/json', cookie: visitors[i]!.cookie }, remoteAddress: visitors[i]!.address });
      if (res.statusCode !== 202) throw new Error(`events: ${res.statusCode} ${res.body}`);
      accepted += (res.json() as { accepted: number }).accepted;
    }
  }));
  const s = (performance.now() - t) / 1000;
  if (accepted !== batches * INGEST_BATCH) throw new Error(`events: ${accepted} of ${batches * INGEST_BATCH} accepted`);
  return accepted / s;
}

export async function benchRecs(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  const quick = flags.includes('--quick');
  const s: Sizes = quick
    ? { evalUsers: 1000, categories: 10, perCategory: 20, serveUsers: 200, calls: 4000, ingestBatches: 40 }
    : { evalUsers: 5000, categories: 40, perCategory: 25, serveUsers: 1000, calls: 20_000, ingestBatches: 200 };
  const log = (line: string) => (json ? console.error(line) : console.log(line));
  log(`recommendations benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);

  let t = performance.now();
  const events = generateSessions(syntheticCatalog(s.categories, s.perCategory), { users: s.evalUsers, seed: 1 });
  const q = evaluate(events);
  log(`  offline: ${fmt(s.categories * s.perCategory)} products, ${fmt(s.evalUsers)} buyers, ${fmt(events.length)} events (${fmt(q.trainEvents)} for training), ${fmt(q.evaluated)} held-out items, ${fmt((performance.now() - t) / 1000, 1)} s`);
  log(table([
    ['hit-rate@10', 'value'],
    ['for you (history)', fmt(q.hitRate, 3)],
    ['item-to-item (last item)', fmt(q.itemToItemHitRate, 3)],
    ['popularity baseline', fmt(q.popularityHitRate, 3)],
  ]));

  t = performance.now();
  const results: ServeFigures[] = [await measureService('sqlite', undefined, s, log)];
  if (flags.includes('--postgres')) {
    const pgDb = await throwawayPostgres();
    if (pgDb) {
      try {
        results.push(await measureService('postgres', pgDb.url, s, log));
      } finally {
        await pgDb.drop();
      }
    } else log('  postgres: not reachable (set DATABASE_URL); skipped');
  }
  const rows: (string | number)[][] = [['backend', 'products', 'events', 'model events/s', 'pairs', 'recs p50 ms', 'recs p99 ms', 'ingest events/s']];
  for (const f of results) rows.push([f.backend, fmt(f.products), fmt(f.events), fmt(f.model_events_per_s), fmt(f.pairs), fmt(f.p50_ms, 3), fmt(f.p99_ms, 3), fmt(f.events_per_s)]);
  log(table(rows));
  log('targets: hit-rate@10 clearly above popularity; recommendation p99 < 5 ms; >= 20,000 events/s ingested (SQLite)');
  const sq = results[0]!;
  const pgr = results.find((r) => r.backend === 'postgres');
  const out = {
    cores: os.cpus().length,
    hit_rate_at_10: Number(q.hitRate.toFixed(4)),
    item_to_item_hit_rate_at_10: Number(q.itemToItemHitRate.toFixed(4)),
    popularity_hit_rate_at_10: Number(q.popularityHitRate.toFixed(4)),
    eval_users: q.evaluated,
    recs_p50_ms: Number(sq.p50_ms.toFixed(3)),
    recs_p99_ms: Number(sq.p99_ms.toFixed(3)),
    recs_p99_ms_by_strategy: Object.fromEntries(Object.entries(sq.per_strategy).map(([k, v]) => [k, Number(v.p99.toFixed(3))])),
    events_per_s: Math.round(sq.events_per_s),
    model_events_per_s: Math.round(sq.model_events_per_s),
    recs_p99_ms_postgres: pgr ? Number(pgr.p99_ms.toFixed(3)) : null,
    events_per_s_postgres: pgr ? Math.round(pgr.events_per_s) : null,
  };
  if (json) console.log(JSON.stringify(out));
  return 0;
}
