// Settlement benchmark: settle 100,000 completed orders across 100 merchants (one statement line
// per order release), then statement-line proofs per second through the service (each proof: the
// line, the batch's RFC 9162 path, the ledger entry and its ledger receipt) and offline verifications
// per second. The releases are made directly through MoneyService (as order receipt makes them),
// not by walking orders. Prints figures; asserts nothing. SQLite by default; `--postgres` adds PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../src/app.ts';
import { ownedAccountId, systemAccountId, type TransferInput } from '../src/money/index.ts';
import { verifyLineProof, type LineProof } from '../src/settlement/index.ts';
import { fmt, table, throwawayPostgres } from './stats.ts';

const TRANSFERS_PER_TXN = 1000;

interface Figures {
  backend: string;
  orders: number;
  merchants: number;
  setup_s: number;
  settle_s: number;
  lines: number;
  proofs: number;
  proofs_per_s: number;
  verifies_per_s: number;
}

/** `orders` releases of 1..9,999 minor units into `merchants` receivables, in transactions of 1,000. */
async function fill(app: App, orders: number, merchants: number): Promise<void> {
  const db = app.db.kysely;
  const merchantIds = Array.from({ length: merchants }, (_, i) => `mer_bench${String(i).padStart(4, '0')}`);
  await db.transaction().execute(async (trx) => {
    await app.money.ensureSystemAccounts(trx, 'CNY');
    for (const m of merchantIds) await app.money.ensureAccount(trx, { id: ownedAccountId('merchant_receivable', m, 'CNY'), kind: 'merchant_receivable', owner: m, currency: 'CNY' });
  });
  const clearing = systemAccountId('gateway_clearing', 'CNY');
  for (let start = 0; start < orders; start += TRANSFERS_PER_TXN) {
    const batch: TransferInput[] = [];
    for (let i = start; i < Math.min(orders, start + TRANSFERS_PER_TXN); i++) {
      const orderId = `ord_bench${String(i).padStart(8, '0')}`;
      const m = merchantIds[i % merchants]!;
      batch.push({ id: `release:${orderId}`, debit: clearing, credit: ownedAccountId('merchant_receivable', m, 'CNY'), amount: BigInt(1 + (i * 7919) % 9999), currency: 'CNY', code: 'order_release', meta: { order: orderId }, actor: 'bench' });
    }
    await db.transaction().execute((trx) => app.money.transferAll(trx, batch));
  }
}

async function measure(backend: string, databaseUrl: string | undefined, orders: number, merchants: number, proofs: number, log: (s: string) => void): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-settle-'));
  try {
    const app = await createApp({ dataDir, databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, publicRateLimitPerMinute: 0, sandboxGateway: false });
    try {
      let t = performance.now();
      await fill(app, orders, merchants);
      const setupS = (performance.now() - t) / 1000;
      log(`  ${backend}: ${fmt(orders)} releases into ${merchants} receivables in ${fmt(setupS, 1)} s (setup, not timed)`);

      await new Promise((r) => setTimeout(r, 50)); // the period ends after the last release
      t = performance.now();
      const batches = await app.settlement.settle(new Date(), 'bench');
      const settleS = (performance.now() - t) / 1000;
      const lines = batches.reduce((n, b) => n + b.lineCount, 0);
      log(`  ${backend}: settled ${fmt(lines)} lines in ${batches.length} batches in ${fmt(settleS, 2)} s`);

      // Proofs of random lines of random batches (warm-up first: JIT, statement cache).
      const pick = () => {
        const b = batches[Math.floor(Math.random() * batches.length)]!;
        return [b, 1 + Math.floor(Math.random() * b.lineCount)] as const;
      };
      for (let i = 0; i < 200; i++) {
        const [b, n] = pick();
        await app.settlement.lineProof(b.merchantId, b.id, n);
      }
      const got: LineProof[] = [];
      t = performance.now();
      for (let i = 0; i < proofs; i++) {
        const [b, n] = pick();
        got.push(await app.settlement.lineProof(b.merchantId, b.id, n));
      }
      const proofsPerS = proofs / ((performance.now() - t) / 1000);
      t = performance.now();
      let ok = 0;
      for (const p of got) if (verifyLineProof(p, { verifierKey: app.verifierKey })) ok++;
      const verifiesPerS = got.length / ((performance.now() - t) / 1000);
      if (ok !== got.length) log(`  ${backend}: ${got.length - ok} proofs did NOT verify`);
      log(`  ${backend}: ${fmt(proofsPerS)} line proofs/s (with ledger receipt), ${fmt(verifiesPerS)} verifications/s`);
      return { backend, orders, merchants, setup_s: setupS, settle_s: settleS, lines, proofs, proofs_per_s: proofsPerS, verifies_per_s: verifiesPerS };
    } finally {
      await app.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchSettlement(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  const quick = flags.includes('--quick');
  const orders = quick ? 10_000 : 100_000;
  const merchants = quick ? 10 : 100;
  const proofs = quick ? 1_000 : 5_000;
  const log = (s: string) => (json ? console.error(s) : console.log(s));
  log(`settlement benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const results: Figures[] = [await measure('sqlite', undefined, orders, merchants, proofs, log)];
  if (flags.includes('--postgres')) {
    const pgDb = await throwawayPostgres();
    if (pgDb) {
      try {
        results.push(await measure('postgres', pgDb.url, orders, merchants, proofs, log));
      } finally {
        await pgDb.drop();
      }
    } else log('  postgres: not reachable (set DATABASE_URL); skipped');
  }
  const rows: (string | number)[][] = [['backend', 'orders', 'merchants', 'settle s', 'lines', 'line proofs/s', 'verifies/s', 'cores']];
  for (const f of results) rows.push([f.backend, fmt(f.orders), f.merchants, fmt(f.settle_s, 2), fmt(f.lines), fmt(f.proofs_per_s), fmt(f.verifies_per_s), os.cpus().length]);
  log(table(rows));
  log('target: settle 100,000 orders across 100 merchants in < 10 s on SQLite');
  const sq = results[0]!;
  const pgr = results.find((r) => r.backend === 'postgres');
  const out = {
    cores: os.cpus().length,
    settle_orders: sq.orders,
    settle_merchants: sq.merchants,
    settle_lines: sq.lines,
    settle_seconds: Number(sq.settle_s.toFixed(3)),
    line_proofs_per_s: Math.round(sq.proofs_per_s),
    line_verifies_per_s: Math.round(sq.verifies_per_s),
    settle_seconds_postgres: pgr ? Number(pgr.settle_s.toFixed(3)) : null,
    line_proofs_per_s_postgres: pgr ? Math.round(pgr.proofs_per_s) : null,
  };
  if (json) console.log(JSON.stringify(out));
  return 0;
}
