// Checkout benchmark over real HTTP: the server runs in its own process, autocannon drives it on
// loopback. Each checkout creates an order, holds the buyer's wallet funds in escrow and writes the
// ledger entries (order.created, order.pay, stock.*, money.*). Then the hot-SKU case: 1,000
// concurrent buyers for 100 units. Prints figures; asserts nothing (a wrong sold count is reported).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { createApp, type App } from '../src/app.ts';
import { systemAccountId, ownedAccountId } from '../src/money/index.ts';
import { run, startServer, stopServer } from './http.ts';
import { fmt, table, throwawayPostgres } from './stats.ts';

const ADDRESS = { recipient: 'Bench Buyer', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const MERCHANTS = 4;
const SKUS_PER_MERCHANT = 25;
const BUYERS = 200;
const HOT_BUYERS = 1000;
const HOT_UNITS = 100;

interface Setup {
  buyers: string[]; // bearer tokens
  skus: string[];
  hotBuyers: string[];
  hotSku: string;
  queriesPerCheckout: number;
}

interface Figures {
  backend: string;
  checkouts_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  queries_per_checkout: number;
  hot_sku_units: number;
  hot_sku_sold: number;
  hot_sku_p99_ms: number;
  hot_sku_stock_left: number;
}

async function fund(app: App, userId: string, amount: bigint) {
  const wallet = ownedAccountId('buyer_wallet', userId, 'CNY');
  await app.db.kysely.transaction().execute(async (trx) => {
    await app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: userId, currency: 'CNY' });
    await app.money.transfer(trx, { id: `bench-fund:${userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount, currency: 'CNY', code: 'bench_funding' });
  });
}

async function buyerToken(app: App, funds: bigint): Promise<string> {
  const { user } = await app.accounts.createUser('system', { email: `b-${randomBytes(6).toString('hex')}@bench.test`, password: 'bench-password-1', role: 'buyer' });
  await fund(app, user.id, funds);
  return (await app.accounts.createApiToken(user.id, { name: 'bench' })).token;
}

/** Merchants, SKUs with deep stock, funded buyers; and the queries one checkout costs, measured in-process. */
async function setup(app: App): Promise<Setup> {
  await app.db.kysely.transaction().execute((trx) => app.money.ensureSystemAccounts(trx, 'CNY'));
  const skus: string[] = [];
  let hotSku = '';
  for (let m = 0; m < MERCHANTS; m++) {
    const merchant = await app.catalog.createMerchant('system', { name: `Bench merchant ${m}`, commissionBps: 500 });
    const actor = { userId: 'system', merchantId: merchant.id };
    const loc = await app.inventory.createLocation(actor, { name: 'Main', code: `M${m}` });
    for (let s = 0; s < SKUS_PER_MERCHANT + (m === 0 ? 1 : 0); s++) {
      const p = await app.catalog.createProduct(merchant.id, 'system', { title: `Bench product ${m}-${s}`, status: 'active', variants: [{ sku: `B-${m}-${s}`, title: 'One', priceMinor: 100 + s }] });
      const hot = m === 0 && s === SKUS_PER_MERCHANT;
      await app.inventory.setStock(actor, { variantId: p.variants[0]!.id, locationId: loc.id, onHand: hot ? HOT_UNITS : 10_000_000 });
      if (hot) hotSku = p.variants[0]!.id;
      else skus.push(p.variants[0]!.id);
    }
  }
  const buyers: string[] = [];
  for (let i = 0; i < BUYERS; i++) buyers.push(await buyerToken(app, 10_000_000_000n));
  const hotBuyers: string[] = [];
  for (let i = 0; i < HOT_BUYERS; i++) hotBuyers.push(await buyerToken(app, 1_000_000n));

  // Queries per checkout, through the same HTTP handler in this process.
  const N = 200;
  for (let i = 0; i < 20; i++) await checkoutInject(app, buyers[i % BUYERS]!, skus[i % skus.length]!); // warm-up
  const q0 = app.db.stats.queries + app.ledger.rawStatements;
  for (let i = 0; i < N; i++) await checkoutInject(app, buyers[i % BUYERS]!, skus[(i * 7) % skus.length]!);
  const queriesPerCheckout = (app.db.stats.queries + app.ledger.rawStatements - q0) / N;
  return { buyers, skus, hotBuyers, hotSku, queriesPerCheckout };
}

async function checkoutInject(app: App, token: string, sku: string) {
  const res = await app.http.inject({ method: 'POST', url: '/api/checkout', headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomBytes(12).toString('hex') }, payload: { items: [{ variantId: sku, qty: 1 }], shippingAddress: ADDRESS } });
  if (res.statusCode !== 201) throw new Error(`bench setup checkout failed: ${res.statusCode} ${res.body}`);
}

async function measure(backend: string, databaseUrl: string | undefined, durationS: number, log: (s: string) => void): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-'));
  try {
    log(`  ${backend}: setting up ${MERCHANTS} merchants × ${SKUS_PER_MERCHANT} SKUs, ${BUYERS} + ${HOT_BUYERS} funded buyers…`);
    const app = await createApp({ dataDir, databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, publicRateLimitPerMinute: 0 });
    let s: Setup;
    try {
      s = await setup(app);
    } finally {
      await app.close();
    }
    const { url, child } = await startServer(dataDir, databaseUrl);
    try {
      let i = 0;
      const body = (sku: string) => JSON.stringify({ items: [{ variantId: sku, qty: 1 }], shippingAddress: ADDRESS });
      // Warm the server (JIT, statement caches, connections) before measuring.
      const request = {
        method: 'POST' as const,
        path: '/api/checkout',
        setupRequest: (req: autocannon.Request) => {
          const n = i++;
          return { ...req, headers: { 'content-type': 'application/json', authorization: `Bearer ${s.buyers[n % s.buyers.length]}`, 'idempotency-key': `k${n}-${randomBytes(6).toString('hex')}` }, body: body(s.skus[(n * 7919) % s.skus.length]!) };
        },
      };
      await run({ url, connections: 16, duration: 2, requests: [request] });
      log(`  ${backend}: ${durationS} s of checkouts over HTTP…`);
      const r = await run({ url, connections: 32, duration: durationS, requests: [request] });
      const ok = r['2xx'];
      const errors = r.non2xx + r.errors + r.timeouts;

      log(`  ${backend}: hot SKU, ${HOT_BUYERS} concurrent buyers for ${HOT_UNITS} units…`);
      let h = 0;
      const hot = await run({
        url, connections: HOT_BUYERS, amount: HOT_BUYERS, timeout: 60,
        requests: [{
          method: 'POST', path: '/api/checkout',
          setupRequest: (req: autocannon.Request) => {
            const n = h++;
            return { ...req, headers: { 'content-type': 'application/json', authorization: `Bearer ${s.hotBuyers[n % s.hotBuyers.length]}`, 'idempotency-key': `h${n}` }, body: body(s.hotSku) };
          },
        }],
      });
      const left = await fetch(`${url}/api/stock/availability?variantIds=${s.hotSku}`).then((res) => res.json() as Promise<{ items: { available: number }[] }>);
      return {
        backend,
        checkouts_per_s: ok / durationS,
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        errors,
        queries_per_checkout: s.queriesPerCheckout,
        hot_sku_units: HOT_UNITS,
        hot_sku_sold: hot['2xx'],
        hot_sku_p99_ms: hot.latency.p99,
        hot_sku_stock_left: left.items[0]?.available ?? -1,
      };
    } finally {
      await stopServer(child);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}


export async function benchCheckout(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  const durationS = flags.includes('--quick') ? 3 : 10;
  const log = (s: string) => (json ? console.error(s) : console.log(s));
  log(`checkout benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const results: Figures[] = [await measure('sqlite', undefined, durationS, log)];
  const pgDb = await throwawayPostgres();
  if (pgDb) {
    try {
      results.push(await measure('postgres', pgDb.url, durationS, log));
    } finally {
      await pgDb.drop();
    }
  } else log('  postgres: not reachable (set DATABASE_URL); skipped');

  const rows: (string | number)[][] = [['backend', 'checkouts/s', 'p50 ms', 'p99 ms', 'errors', 'queries/checkout', 'hot sold/units', 'hot p99 ms', 'hot left']];
  for (const f of results) {
    rows.push([f.backend, fmt(f.checkouts_per_s), fmt(f.p50_ms, 1), fmt(f.p99_ms, 1), f.errors, fmt(f.queries_per_checkout, 1), `${f.hot_sku_sold}/${f.hot_sku_units}`, fmt(f.hot_sku_p99_ms, 1), f.hot_sku_stock_left]);
  }
  log(table(rows));
  log('targets (2 cores): ≥ 3,000 checkouts/s SQLite, ≥ 1,500/s PostgreSQL, hot SKU exactly 100 sold with p99 < 200 ms');
  const sq = results.find((r) => r.backend === 'sqlite')!;
  const pgr = results.find((r) => r.backend === 'postgres');
  const out = {
    cores: os.cpus().length,
    checkouts_per_s_sqlite: Math.round(sq.checkouts_per_s),
    checkouts_per_s_postgres: pgr ? Math.round(pgr.checkouts_per_s) : null,
    checkout_p50_ms_sqlite: sq.p50_ms,
    checkout_p99_ms_sqlite: sq.p99_ms,
    checkout_p50_ms_postgres: pgr?.p50_ms ?? null,
    checkout_p99_ms_postgres: pgr?.p99_ms ?? null,
    queries_per_checkout: Math.round(sq.queries_per_checkout * 10) / 10,
    queries_per_checkout_postgres: pgr ? Math.round(pgr.queries_per_checkout * 10) / 10 : null,
    hot_sku_units: HOT_UNITS,
    hot_sku_sold: sq.hot_sku_sold,
    hot_sku_p99_ms: sq.hot_sku_p99_ms,
    hot_sku_sold_postgres: pgr?.hot_sku_sold ?? null,
    hot_sku_p99_ms_postgres: pgr?.hot_sku_p99_ms ?? null,
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
  if (json) console.log(JSON.stringify(out));
  return 0;
}
