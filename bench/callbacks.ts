// Payment-provider callback benchmark over real HTTP: the server runs in its own process, autocannon
// drives it on loopback with sandbox-gateway callbacks signed exactly as the gateway signs them.
// Every payment gets one `payment.succeeded` event delivered twice (same event id, at different
// moments of the run), so half of all requests are duplicates that must be acknowledged and ignored.
// Each first delivery verifies the HMAC, takes the event id, moves the payment to succeeded, credits
// the buyer's wallet (money transfer `gw:<payment>`) and appends the ledger entry, in one transaction.
// Afterwards the database is asked whether any duplicate was applied. Prints figures; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type autocannon from 'autocannon';
import { sql } from 'kysely';
import { createApp, type App } from '../src/app.ts';
import { sandboxSignatureHeader } from '../src/sandbox-gateway/signature.ts';
import { run, startServer, stopServer } from './http.ts';
import { fmt, table, throwawayPostgres } from './stats.ts';

const SECRET = `bench-signing-${randomBytes(16).toString('hex')}`;
const BUYERS = 200;
const CONNECTIONS = 32;
/** A payment's duplicate is delivered this many first deliveries after its first copy. */
const DUPLICATE_LAG = 500;
/** Payment creations in flight during setup (SQLite serialises them anyway; PostgreSQL overlaps). */
const SETUP_CONCURRENCY = 8;
/** The measured run is cut to about this long (at the warm-up's pace) when the payments would last longer. */
const RUN_TARGET_S = 30;

interface Payment {
  id: string;
  amountMinor: string;
}

interface Figures {
  backend: string;
  payments: number;
  requests: number;
  setup_s: number;
  run_s: number;
  callbacks_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  accepted: number;
  duplicates_acknowledged: number;
  duplicates_applied: number;
  not_succeeded: number;
}

/** Buyers, then `count` sandbox wallet top-ups (pending, the gateway running in-process) — the payments the callbacks settle. */
async function createPayments(app: App, buyers: string[], count: number): Promise<Payment[]> {
  const out: Payment[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const userId = buyers[i % buyers.length]!;
      const amountMinor = BigInt(100 + ((i * 7919) % 100_000));
      const p = await app.payments.createTopUp({ userId, role: 'buyer', via: 'token' } as const, { amountMinor, provider: 'sandbox' });
      if (p.state !== 'pending') throw new Error(`bench setup: top-up ${p.id} is ${p.state}, expected pending`);
      out[i] = { id: p.id, amountMinor: p.amountMinor };
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return out;
}

/** The sandbox gateway's `payment.succeeded` callback for a payment, as raw bytes (one event id per payment). */
function eventBody(p: Payment, created: number): { eventId: string; body: string } {
  const eventId = `evt_${randomBytes(12).toString('hex')}`;
  const body = JSON.stringify({
    id: eventId, type: 'payment.succeeded', created,
    data: { id: `sbx_pay_${randomBytes(12).toString('hex')}`, paymentId: p.id, providerTxnId: `sbx_txn_${randomBytes(12).toString('hex')}`, status: 'succeeded', amountMinor: p.amountMinor, currency: 'CNY' },
  });
  return { eventId, body };
}

/**
 * The delivery order: payment j's first copy, and payment (j − lag)'s duplicate, alternately; the
 * duplicates of the last `lag` payments close the run. Signed now (valid for 300 s).
 */
function deliveries(payments: Payment[], lag: number): { headers: Record<string, string>; body: string }[] {
  const now = new Date();
  const created = Math.floor(now.getTime() / 1000);
  const signed = payments.map((p) => {
    const { eventId, body } = eventBody(p, created);
    return { headers: { 'content-type': 'application/json', 'sandbox-signature': sandboxSignatureHeader(SECRET, body, now), 'sandbox-event-id': eventId }, body };
  });
  const order: { headers: Record<string, string>; body: string }[] = [];
  for (let j = 0; j < signed.length; j++) {
    order.push(signed[j]!);
    if (j >= lag) order.push(signed[j - lag]!);
  }
  for (let j = Math.max(0, signed.length - lag); j < signed.length; j++) order.push(signed[j]!);
  return order;
}

/** Drives every delivery once over `connections` connections; the figures autocannon measured. */
function deliver(url: string, order: { headers: Record<string, string>; body: string }[], connections: number): Promise<autocannon.Result> {
  let i = 0;
  return run({
    url, connections, amount: order.length, timeout: 30,
    requests: [{
      method: 'POST', path: '/api/payments/callbacks/sandbox',
      setupRequest: (req: autocannon.Request) => {
        const d = order[i++ % order.length]!;
        return { ...req, headers: d.headers, body: d.body };
      },
    }],
  });
}

/** What the database says about the measured payments: callback outcomes, wallet credits, states. */
async function verify(app: App, payments: Payment[]) {
  const ids = payments.map((p) => p.id);
  const db = app.db.kysely;
  let accepted = 0;
  let duplicates = 0;
  let doubleAccepted = 0;
  let doubleCredited = 0;
  let succeeded = 0;
  for (let k = 0; k < ids.length; k += 500) {
    const chunk = ids.slice(k, k + 500);
    const outcomes = await db.selectFrom('payments_callback').select(['outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('payment_id', 'in', chunk).groupBy('outcome').execute();
    for (const o of outcomes) {
      if (o.outcome === 'accepted') accepted += Number(o.n);
      if (o.outcome === 'duplicate') duplicates += Number(o.n);
    }
    // More than one accepted callback for the same event: a duplicate applied.
    const twice = await db.selectFrom('payments_callback').select(['event_id']).where('payment_id', 'in', chunk).where('outcome', '=', 'accepted')
      .groupBy(['provider', 'event_id']).having(sql`count(*)`, '>', 1).execute();
    doubleAccepted += twice.length;
    // More than one wallet credit for the same payment (the transfer id is unique, so this stays 0 unless that changes).
    const credits = await db.selectFrom('money_transfer').select(['id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('id', 'in', chunk.map((id) => `gw:${id}`)).groupBy('id').execute();
    doubleCredited += credits.filter((c) => Number(c.n) > 1).length;
    const states = await db.selectFrom('payments_payment').select([(eb) => eb.fn.countAll<number | string>().as('n')]).where('id', 'in', chunk).where('state', '=', 'succeeded').executeTakeFirstOrThrow();
    succeeded += Number(states.n);
  }
  return { accepted, duplicates, duplicatesApplied: doubleAccepted + doubleCredited, notSucceeded: ids.length - succeeded };
}

async function measure(backend: string, databaseUrl: string | undefined, paymentsN: number, warmupN: number, log: (s: string) => void): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-'));
  try {
    log(`  ${backend}: setting up ${BUYERS} buyers, ${paymentsN} + ${warmupN} (warm-up) pending sandbox top-ups…`);
    const t0 = performance.now();
    let app = await createApp({ dataDir, databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, publicRateLimitPerMinute: 0, sandboxGateway: true, sandboxSigningSecret: SECRET });
    let warm: Payment[];
    let measured: Payment[];
    try {
      await app.db.kysely.transaction().execute((trx) => app.money.ensureSystemAccounts(trx, 'CNY'));
      const buyers: string[] = [];
      for (let i = 0; i < BUYERS; i++) {
        const { user } = await app.accounts.createUser('system', { email: `b-${randomBytes(6).toString('hex')}@bench.test`, password: 'bench-password-1', role: 'buyer' });
        buyers.push(user.id);
      }
      warm = await createPayments(app, buyers, warmupN);
      measured = await createPayments(app, buyers, paymentsN);
    } finally {
      await app.close();
    }
    const setupS = (performance.now() - t0) / 1000;
    log(`  ${backend}: setup took ${fmt(setupS, 1)} s (${fmt((paymentsN + warmupN) / setupS)} payments/s)`);

    const { url, child } = await startServer(dataDir, databaseUrl, { SANDBOX_SIGNING_SECRET: SECRET });
    let r: autocannon.Result;
    let runS: number;
    try {
      // Warm the server (JIT, statement caches, connections) on other payments, same mix.
      const tw = performance.now();
      const w = await deliver(url, deliveries(warm, Math.min(DUPLICATE_LAG, Math.floor(warm.length / 4))), CONNECTIONS);
      const warmRate = w['2xx'] / ((performance.now() - tw) / 1000);
      if (w.non2xx + w.errors) log(`  ${backend}: warm-up had ${w.non2xx} non-2xx and ${w.errors} errors`);
      // As many payments as fit about RUN_TARGET_S at the warm-up's pace (signatures stay valid 300 s).
      const fit = Math.max(4 * DUPLICATE_LAG, Math.ceil((warmRate * RUN_TARGET_S) / 2));
      if (fit < measured.length) {
        log(`  ${backend}: warm-up ran at ${fmt(warmRate)} callbacks/s: measuring ${fmt(fit)} of the ${fmt(measured.length)} payments to keep the run near ${RUN_TARGET_S} s`);
        measured = measured.slice(0, fit);
      }
      const order = deliveries(measured, DUPLICATE_LAG);
      log(`  ${backend}: ${fmt(order.length)} signed callbacks (${fmt(measured.length)} events, each delivered twice) over HTTP, ${CONNECTIONS} connections…`);
      const t1 = performance.now();
      r = await deliver(url, order, CONNECTIONS);
      runS = (performance.now() - t1) / 1000;
    } finally {
      await stopServer(child);
    }

    app = await createApp({ dataDir, databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, publicRateLimitPerMinute: 0, sandboxGateway: false });
    try {
      const v = await verify(app, measured);
      return {
        backend, payments: measured.length, requests: r.requests.total, setup_s: setupS, run_s: runS,
        callbacks_per_s: r['2xx'] / runS, p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts,
        accepted: v.accepted, duplicates_acknowledged: v.duplicates, duplicates_applied: v.duplicatesApplied, not_succeeded: v.notSucceeded,
      };
    } finally {
      await app.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchCallbacks(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  const quick = flags.includes('--quick');
  const paymentsN = quick ? 3_000 : 20_000;
  const warmupN = quick ? 500 : 2_000;
  const log = (s: string) => (json ? console.error(s) : console.log(s));
  log(`callbacks benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const results: Figures[] = [await measure('sqlite', undefined, paymentsN, warmupN, log)];
  const pgDb = await throwawayPostgres();
  if (pgDb) {
    try {
      results.push(await measure('postgres', pgDb.url, paymentsN, warmupN, log));
    } finally {
      await pgDb.drop();
    }
  } else log('  postgres: not reachable (set DATABASE_URL); skipped');

  const rows: (string | number)[][] = [['backend', 'callbacks/s', 'p50 ms', 'p99 ms', 'errors', 'accepted', 'dup acked', 'dup applied', 'not succeeded', 'run s', 'cores']];
  for (const f of results) {
    rows.push([f.backend, fmt(f.callbacks_per_s), fmt(f.p50_ms, 1), fmt(f.p99_ms, 1), f.errors, f.accepted, f.duplicates_acknowledged, f.duplicates_applied, f.not_succeeded, fmt(f.run_s, 1), os.cpus().length]);
  }
  log(table(rows));
  log('target (2 cores): ≥ 5,000 callbacks/s on SQLite; duplicates applied: 0');
  const sq = results.find((r) => r.backend === 'sqlite')!;
  const pgr = results.find((r) => r.backend === 'postgres');
  const out = {
    cores: os.cpus().length,
    payments: sq.payments,
    callbacks: sq.requests,
    callbacks_per_s_sqlite: Math.round(sq.callbacks_per_s),
    callbacks_per_s_postgres: pgr ? Math.round(pgr.callbacks_per_s) : null,
    callback_p50_ms: sq.p50_ms,
    callback_p99_ms: sq.p99_ms,
    callback_p50_ms_postgres: pgr?.p50_ms ?? null,
    callback_p99_ms_postgres: pgr?.p99_ms ?? null,
    accepted_sqlite: sq.accepted,
    duplicates_acknowledged_sqlite: sq.duplicates_acknowledged,
    accepted_postgres: pgr?.accepted ?? null,
    duplicates_acknowledged_postgres: pgr?.duplicates_acknowledged ?? null,
    duplicates_applied: results.reduce((n, r) => n + r.duplicates_applied, 0),
    not_succeeded: results.reduce((n, r) => n + r.not_succeeded, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
  if (json) console.log(JSON.stringify(out));
  return 0;
}
