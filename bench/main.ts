import os from 'node:os';
import { benchLedger } from './ledger.ts';
import { benchCheckout } from './checkout.ts';
import { benchCallbacks } from './callbacks.ts';
import { benchSettlement } from './settlement.ts';
import { benchRecs } from './recs.ts';
import { benchChain } from './chain.ts';
import { noopHttpPerS, postgresCommitsPerS, sqliteCommitsPerS } from './ceilings.ts';
import { fmt, table, throwawayPostgres } from './stats.ts';

const SUITES: Record<string, (args: string[]) => Promise<number>> = { ledger: benchLedger, checkout: benchCheckout, callbacks: benchCallbacks, settlement: benchSettlement, recs: benchRecs, chain: benchChain };

type Figures = Record<string, unknown>;

/** Runs a suite with --json and takes the JSON object it prints last; its progress lines go to stderr. */
async function capture(name: string, flags: string[]): Promise<Figures | null> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  let code: number;
  try {
    code = await SUITES[name]!([...flags, '--json']);
  } finally {
    console.log = log;
  }
  const last = lines.reverse().find((l) => l.trim().startsWith('{'));
  if (code !== 0 || !last) return null;
  return JSON.parse(last) as Figures;
}

const num = (f: Figures | null | undefined, k: string): number => (f && typeof f[k] === 'number' ? (f[k] as number) : NaN);

/**
 * Every suite, then one table: each figure, its target, and its ratio to a ceiling measured in this
 * run (raw commits of the database, a no-op HTTP route) or to the suite's own baseline.
 */
async function summary(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  // Full sizes fit well within 15 minutes on 2 cores (5.7 min measured); --quick for a first look.
  const suiteFlags = flags.includes('--quick') ? ['--quick'] : [];
  const started = Date.now();
  // The suites use DATABASE_URL or the local PostgreSQL; so does the ceiling.
  const pg = await throwawayPostgres();
  const pgUrl = pg?.url;
  const ceilings = {
    sqlite_commits_per_s: Math.round(sqliteCommitsPerS()),
    postgres_commits_per_s: pg ? Math.round(await postgresCommitsPerS(pg.url).finally(() => pg.drop())) : null,
    noop_http_per_s: Math.round(await noopHttpPerS()),
  };
  const out: Record<string, Figures | null> = {};
  for (const name of Object.keys(SUITES)) {
    console.error(`\n== ${name} ==`);
    out[name] = await capture(name, suiteFlags);
  }
  const { ledger, checkout, callbacks, settlement, recs, chain } = out;
  const http = ceilings.noop_http_per_s;
  const pgc = ceilings.postgres_commits_per_s ?? NaN;
  const ratio = (v: number, c: number, d = 2) => (Number.isFinite(v) && Number.isFinite(c) && c > 0 ? `${fmt(v / c, d)}×` : '');
  const rows: (string | number)[][] = [['suite', 'figure', 'value', 'target', 'ratio', 'against']];
  const row = (suite: string, figure: string, v: number, target: string, r: string, against: string, digits = 0) => rows.push([suite, figure, fmt(v, digits), target, r, against]);
  row('ledger', 'entries/s appended, sequenced, signed (SQLite)', num(ledger, 'entries_per_s'), '≥ 100,000', ratio(num(ledger, 'entries_per_s'), num(ledger, 'sqlite_insert_ceiling_per_s')), 'raw insert of the same rows');
  row('ledger', 'inclusion proof p99 (ms)', num(ledger, 'proof_p99_ms'), '< 1', '', '', 3);
  row('ledger', 'full audit (entries/s)', num(ledger, 'audit_entries_per_s'), '≥ 500,000', '', '');
  row('checkout', 'checkouts/s (SQLite)', num(checkout, 'checkouts_per_s_sqlite'), '≥ 3,000', ratio(num(checkout, 'checkouts_per_s_sqlite'), http, 3), 'no-op HTTP route');
  row('checkout', 'checkouts/s (PostgreSQL)', num(checkout, 'checkouts_per_s_postgres'), '≥ 1,500', ratio(num(checkout, 'checkouts_per_s_postgres'), pgc, 3), 'PostgreSQL one-row commits');
  row('checkout', 'checkout p99 (ms, SQLite)', num(checkout, 'checkout_p99_ms_sqlite'), '', '', '', 1);
  row('checkout', `hot SKU sold of ${num(checkout, 'hot_sku_units')}`, num(checkout, 'hot_sku_sold'), 'exactly all', '', '');
  row('callbacks', 'gateway callbacks/s (SQLite)', num(callbacks, 'callbacks_per_s_sqlite'), '≥ 5,000', ratio(num(callbacks, 'callbacks_per_s_sqlite'), http, 3), 'no-op HTTP route');
  row('callbacks', 'gateway callbacks/s (PostgreSQL)', num(callbacks, 'callbacks_per_s_postgres'), '', ratio(num(callbacks, 'callbacks_per_s_postgres'), pgc, 3), 'PostgreSQL one-row commits');
  row('callbacks', 'duplicates applied twice', num(callbacks, 'duplicates_applied'), '0', '', '');
  row('settlement', `seconds to settle ${fmt(num(settlement, 'settle_orders'))} orders`, num(settlement, 'settle_seconds'), '< 10 for 100,000', '', '', 2);
  row('settlement', 'statement line proofs/s', num(settlement, 'line_proofs_per_s'), '', '', '');
  row('recs', 'hit-rate@10, for you', num(recs, 'hit_rate_at_10'), '≫ popularity', ratio(num(recs, 'hit_rate_at_10'), num(recs, 'popularity_hit_rate_at_10'), 1), 'popularity baseline', 3);
  row('recs', 'recommendation p99 (ms)', num(recs, 'recs_p99_ms'), '< 5', '', '', 2);
  row('recs', 'events ingested/s (SQLite)', num(recs, 'events_per_s'), '≥ 20,000', ratio(num(recs, 'events_per_s'), http, 2), 'no-op HTTP route (events are batched)');
  row('chain', 'gas per anchor (flat in tree size)', num(chain, 'anchor_gas'), 'constant', '', '');
  row('chain', 'escrow gas per order, platform flow', num(chain, 'platform_flow_gas_per_order'), '', ratio(num(chain, 'platform_flow_gas_per_order'), num(chain, 'erc20_transfer_gas'), 1), 'one ERC-20 transfer');
  row('chain', 'witness cosignatures/s', num(chain, 'cosignatures_per_s'), '', '', '');
  rows.push(['ceiling', 'SQLite one-row commits/s', fmt(ceilings.sqlite_commits_per_s), '', '', '']);
  rows.push(['ceiling', 'PostgreSQL one-row commits/s (16 connections)', fmt(ceilings.postgres_commits_per_s ?? NaN), '', '', '']);
  rows.push(['ceiling', 'no-op HTTP requests/s (Fastify, 50 connections)', fmt(http), '', '', '']);
  const minutes = (Date.now() - started) / 60_000;
  const header = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), SQLite${pgUrl ? ' and PostgreSQL 15' : ' only (no PostgreSQL reachable)'}, ${suiteFlags.length ? 'quick sizes' : 'full sizes'}, ${fmt(minutes, 1)} min`;
  const failed = Object.entries(out).filter(([, v]) => v === null).map(([k]) => k);
  (json ? console.error : console.log)(`\n${header}\n${table(rows)}${failed.length ? `\nsuites that failed: ${failed.join(', ')}` : ''}`);
  if (json) console.log(JSON.stringify({ cores: os.cpus().length, database: pgUrl ? 'sqlite+postgres' : 'sqlite', minutes: Number(minutes.toFixed(1)), ceilings, ...out }));
  return failed.length ? 1 : 0;
}

/** `npm run bench [-- <suite>…] [--json] [--quick]`: one suite, or every suite and a summary. */
export async function runBench(args: string[]): Promise<number> {
  const names = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length) {
    console.error(`bench: unknown suite ${unknown.join(', ')} (have: ${Object.keys(SUITES).join(', ')})`);
    return 2;
  }
  if (names.length === 0) return summary(flags);
  let code = 0;
  for (const name of names) code ||= await SUITES[name]!(flags);
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await runBench(process.argv.slice(2)));
