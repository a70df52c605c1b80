// Ledger benchmark: append + sequence + sign throughput, proof latency, audit speed, and the
// raw SQLite insert rate of the same rows as a ceiling. Prints figures; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createApp, type App } from '../src/app.ts';
import { entryBytes, inclusionPlan } from '../src/ledger/index.ts';
import { verifyStorage } from '../src/ledger/verify.ts';
import { fmt, percentile, table, throwawayPostgres } from './stats.ts';

const WRITERS = 16;
const PER_TXN = 100;

interface Figures {
  backend: string;
  rates: { leaves: number; entries_per_s: number }[];
  proof_p50_ms: number;
  proof_p99_ms: number;
  receipt_p99_ms: number;
  audit_entries_per_s: number;
  leaves: number;
}

const event = (i: number) => ({ kind: 'bench.event', actor: 'bench', subject: { order: `ord_${i}` }, data: { n: i, amount: '4990', currency: 'CNY' } });

/** Many writers commit transactions of PER_TXN entries; time until the last one is sealed in a block. */
async function fill(app: App, from: number, to: number): Promise<number> {
  let next = from;
  const t0 = performance.now();
  let lastTickets: { queueId: number }[] = [];
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < to) {
        const start = next;
        next = Math.min(to, next + PER_TXN);
        const events = Array.from({ length: next - start }, (_, k) => event(start + k));
        const tickets = await app.db.kysely.transaction().execute((trx) => app.ledger.append(trx, events));
        lastTickets = tickets;
        await new Promise((r) => setImmediate(r)); // a server's writers arrive through I/O
      }
    }),
  );
  await app.ledger.waitFor(lastTickets, 600_000);
  // Wait for the queue to drain fully (other writers' last batches).
  for (;;) {
    const last = await app.ledger.latest();
    if (last && last.treeSize >= to + 1) break; // +1: the genesis entry
    await new Promise((r) => setTimeout(r, 5));
  }
  return (to - from) / ((performance.now() - t0) / 1000);
}

async function measure(backend: string, app: App, sizes: number[], log: (s: string) => void): Promise<Figures> {
  const rates: Figures['rates'] = [];
  let have = 0;
  for (const size of sizes) {
    const rate = await fill(app, have, size);
    have = size;
    rates.push({ leaves: size, entries_per_s: rate });
    log(`  ${backend}: ${fmt(size)} entries, ${fmt(rate)} entries/s`);
  }
  const last = (await app.ledger.latest())!;
  const n = last.treeSize;
  const proofMs: number[] = [];
  const receiptMs: number[] = [];
  // Warm-up (JIT, statement cache) is not measured; the tile cache stays as cold as random access makes it.
  for (let i = 0; i < 300; i++) await app.ledger.receipt(Math.floor(Math.random() * n));
  for (let i = 0; i < 3000; i++) {
    const idx = Math.floor(Math.random() * n);
    let t = performance.now();
    await app.ledger.store.evalPlan(inclusionPlan(idx, n));
    proofMs.push(performance.now() - t);
    t = performance.now();
    await app.ledger.receipt(idx);
    receiptMs.push(performance.now() - t);
  }
  proofMs.sort((a, b) => a - b);
  receiptMs.sort((a, b) => a - b);
  const t0 = performance.now();
  const report = await verifyStorage(app.db.kysely, app.ledger.store, app.verifierKey, app.config.origin);
  if (!report.ok) throw new Error(`audit failed: ${report.problem?.what}`);
  const audit = report.entries / ((performance.now() - t0) / 1000);
  log(`  ${backend}: proofs p50 ${fmt(percentile(proofMs, 50), 3)} ms, p99 ${fmt(percentile(proofMs, 99), 3)} ms; audit ${fmt(audit)} entries/s`);
  return {
    backend,
    rates,
    proof_p50_ms: percentile(proofMs, 50),
    proof_p99_ms: percentile(proofMs, 99),
    receipt_p99_ms: percentile(receiptMs, 99),
    audit_entries_per_s: audit,
    leaves: n,
  };
}

/** The ceiling: the same (idx, queue_id, body) rows straight into SQLite, prepared statement, big transactions. */
function sqliteCeiling(dir: string, count: number): number {
  const db = new SQLite(path.join(dir, 'ceiling.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table ledger_entry (idx integer primary key, queue_id integer not null unique, body blob not null)');
  const bodies = Array.from({ length: count }, (_, i) => entryBytes(event(i)));
  const ins = db.prepare('insert into ledger_entry (idx, queue_id, body) values (?, ?, ?)');
  const t0 = performance.now();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(i, i + 1, bodies[i]);
  });
  for (let i = 0; i < count; i += 8192) batch(i, Math.min(count, i + 8192));
  const rate = count / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}


export async function benchLedger(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const log = (s: string) => (json ? process.stderr.write(s + '\n') : console.log(s));
  const sizes = quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000];
  const pgSizes = quick ? [10_000] : [10_000, 100_000];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-'));
  log(`ledger benchmark: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; ${WRITERS} writers × ${PER_TXN} entries per transaction`);
  try {
    const ceiling = sqliteCeiling(dir, sizes[sizes.length - 1]!);
    log(`  sqlite raw insert ceiling: ${fmt(ceiling)} rows/s`);
    const app = await createApp({ dataDir: path.join(dir, 'sqlite'), logLevel: 'silent' });
    const lite = await measure('sqlite', app, sizes, log);
    await app.close();

    let pgFig: Figures | undefined;
    const pgdb = await throwawayPostgres();
    if (pgdb) {
      const papp = await createApp({ dataDir: path.join(dir, 'pg'), databaseUrl: pgdb.url, logLevel: 'silent' });
      pgFig = await measure('postgres', papp, pgSizes, log);
      await papp.close();
      await pgdb.drop();
    } else log('  postgres: not reachable, skipped');

    const rows: (string | number)[][] = [['figure', 'sqlite', 'postgres', 'target (sqlite)']];
    for (const s of sizes) {
      const a = lite.rates.find((r) => r.leaves === s);
      const b = pgFig?.rates.find((r) => r.leaves === s);
      rows.push([`append+sequence+sign @ ${fmt(s)} (entries/s)`, fmt(a?.entries_per_s ?? NaN), fmt(b?.entries_per_s ?? NaN), '≥ 100,000']);
    }
    rows.push([`inclusion proof p50 @ ${fmt(lite.leaves)} / ${fmt(pgFig?.leaves ?? NaN)} (ms)`, fmt(lite.proof_p50_ms, 3), fmt(pgFig?.proof_p50_ms ?? NaN, 3), '']);
    rows.push(['inclusion proof p99 (ms)', fmt(lite.proof_p99_ms, 3), fmt(pgFig?.proof_p99_ms ?? NaN, 3), '< 1']);
    rows.push(['receipt (entry+proof+checkpoint) p99 (ms)', fmt(lite.receipt_p99_ms, 3), fmt(pgFig?.receipt_p99_ms ?? NaN, 3), '']);
    rows.push(['full audit (entries/s)', fmt(lite.audit_entries_per_s), fmt(pgFig?.audit_entries_per_s ?? NaN), '≥ 500,000']);
    rows.push(['raw SQLite insert, same rows (rows/s)', fmt(ceiling), '', 'ceiling']);
    const best = lite.rates[lite.rates.length - 1]!;
    rows.push(['sequenced / ceiling', fmt(best.entries_per_s / ceiling, 3), '', '']);
    log('');
    log(table(rows));
    if (json) {
      console.log(
        JSON.stringify({
          cores: os.cpus().length,
          entries_per_s: best.entries_per_s,
          entries_per_s_by_size: Object.fromEntries(lite.rates.map((r) => [r.leaves, Math.round(r.entries_per_s)])),
          proof_p50_ms: lite.proof_p50_ms,
          proof_p99_ms: lite.proof_p99_ms,
          receipt_p99_ms: lite.receipt_p99_ms,
          audit_entries_per_s: lite.audit_entries_per_s,
          sqlite_insert_ceiling_per_s: ceiling,
          leaves: lite.leaves,
          postgres: pgFig ?? null,
        }),
      );
    }
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
