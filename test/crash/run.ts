// `npm run test:crash [-- --backend sqlite|postgres|both] [--kills N] [--json]`: the server under a
// mixed load (checkouts, wallet transfers, gateway top-ups whose callbacks the sandbox retries, the
// merchant's shipping steps, buyers' confirmations), killed with SIGKILL at random moments and
// restarted, N times. Clients behave like real ones: a request cut off by the crash is retried with
// the same Idempotency-Key after the restart. Every 2xx is recorded; afterwards the storage itself
// is checked: each acknowledged operation exactly once, nothing half-applied (reconciliation), the
// books balanced, stock never negative, the log verifying, and each restart's log consistent with
// the checkpoint served before the kill.
import { randomBytes, randomInt } from 'node:crypto';
import { createApp } from '../../src/app.ts';
import { openCheckpoint, verifyConsistency } from '../../src/ledger/index.ts';
import { verifyStorage } from '../../src/ledger/verify.ts';
import { checkBalances } from '../../src/money/index.ts';
import { reconcile } from '../../src/reconciliation/index.ts';
import { backends, type Backend, type Sandbox } from '../helpers/backends.ts';
import { exited, freePort, prepareShop, serve, sleep, startLoad } from '../load/mixed.ts';

export interface CrashResult {
  backend: string;
  kills: number;
  requests: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  balance_sum_nonzero: number;
  negative_stock: number;
  discrepancies: number;
  consistency_failures: number;
  verify_ok: boolean;
  by_kind: Record<string, number>;
}

export async function runCrash(backend: Backend, o: { kills: number; log?: (s: string) => void }): Promise<CrashResult> {
  const log = o.log ?? (() => {});
  const box: Sandbox = await backend.sandbox();
  const port = await freePort();
  const sandboxPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port), HOST: '127.0.0.1', CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: box.databaseUrl ?? '', SEED: 'off', LOG_LEVEL: 'silent', SCRYPT_LN: '4',
    SANDBOX_SIGNING_SECRET: randomBytes(16).toString('hex'), SANDBOX_PORT: String(sandboxPort), NODE_ENV: 'test', JOB_INTERVAL_MS: '200',
  };
  try {
    const shop = await prepareShop(box);
    const vkey = shop.verifierKey;

    // ------------------------------------------------ load, kills, restarts
    let server = await serve(env);
    const load = startLoad(() => base, shop);
    const acks = load.acks;
    let consistencyFailures = 0;
    for (let kill = 0; kill < o.kills; kill++) {
      await sleep(300 + randomInt(700));
      const before = await fetch(`${base}/log/checkpoint`).then((r) => r.text()).catch(() => null);
      server.kill('SIGKILL');
      await exited(server);
      server = await serve(env);
      if (before) {
        const old = openCheckpoint(before, vkey);
        const now = openCheckpoint(await fetch(`${base}/log/checkpoint`).then((r) => r.text()), vkey);
        let ok = now.size >= old.size;
        if (ok && now.size > old.size && old.size > 0) {
          const proof = (await fetch(`${base}/api/ledger/consistency?from=${old.size}&to=${now.size}`).then((r) => r.json())) as { proof: string[] };
          ok = verifyConsistency(old.size, now.size, proof.proof.map((p) => Buffer.from(p, 'base64')), old.rootHash, now.rootHash);
        } else if (ok && now.size === old.size) ok = Buffer.compare(Buffer.from(old.rootHash), Buffer.from(now.rootHash)) === 0;
        if (!ok) consistencyFailures++;
      }
      log(`kill ${kill + 1}/${o.kills}: ${acks.length} acknowledged so far`);
    }
    // Let the load run on a live server a little, then stop it and give the gateway's retries time to land.
    await sleep(1_000);
    await load.stop();
    await sleep(3_000);
    server.kill('SIGTERM');
    await exited(server);

    // ------------------------------------------------ checks, from the storage itself
    const app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', jobs: false, sandboxGateway: false, webApp: false });
    try {
      const db = app.db.kysely;
      let lost = 0;
      let duplicated = 0;
      const seenKeys = new Map<string, string>();
      for (const a of acks) {
        // The same key acknowledged twice must name the same thing (a replay, not a second effect).
        const refs = a.refs.join(',');
        if (seenKeys.has(a.key) && seenKeys.get(a.key) !== refs) duplicated++;
        seenKeys.set(a.key, refs);
        if (a.kind === 'checkout') {
          for (const id of a.refs) if (!(await db.selectFrom('orders_order').select('id').where('id', '=', id).executeTakeFirst())) lost++;
        } else if (a.kind === 'transfer') {
          if (!(await db.selectFrom('money_transfer').select('id').where('id', '=', a.refs[0]!).executeTakeFirst())) lost++;
        } else if (a.kind === 'topup') {
          if (!(await db.selectFrom('payments_payment').select('id').where('id', '=', a.refs[0]!).executeTakeFirst())) lost++;
        } else {
          const [orderId, name] = a.refs[0]!.split(':') as [string, string];
          const n = await db.selectFrom('orders_event').select('seq').where('order_id', '=', orderId).where('kind', '=', `order.${name}`).execute();
          if (n.length === 0) lost++;
          if (n.length > 1) duplicated++;
        }
      }
      // Each acknowledged checkout made its orders once: no order belongs to two acknowledged checkouts.
      const checkoutOrders = acks.filter((a) => a.kind === 'checkout').flatMap((a) => a.refs);
      duplicated += checkoutOrders.length - new Set(checkoutOrders).size;
      // Gateway callbacks, duplicates included: one capture per succeeded payment.
      const captures = await db.selectFrom('money_transfer').select('id').where('id', 'like', 'gw:%').execute();
      const succeeded = await db.selectFrom('payments_payment').select('id').where('state', '=', 'succeeded').execute();
      if (captures.length > succeeded.length) duplicated += captures.length - succeeded.length;
      const imbalances = await checkBalances(db);
      const negative = await db.selectFrom('inventory_level').select('variant_id').where((eb) => eb.or([eb('on_hand', '<', 0), eb('reserved', '<', 0), eb('reserved', '>', eb.ref('on_hand'))])).execute();
      const report = await reconcile(db, app.ledger, app.payments);
      await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: 'crash-end' } }]);
      const verified = await verifyStorage(db, app.ledger.store, app.verifierKey, app.config.origin);
      const byKind: Record<string, number> = {};
      for (const a of acks) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
      return {
        backend: backend.name, kills: o.kills, requests: load.sent(), acknowledged: acks.length, lost, duplicated,
        balance_sum_nonzero: imbalances.length, negative_stock: negative.length, discrepancies: report.discrepancies.length,
        consistency_failures: consistencyFailures, verify_ok: verified.ok, by_kind: byKind,
      };
    } finally {
      await app.close();
    }
  } finally {
    await box.cleanup();
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const at = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const kills = Number(at('--kills') ?? 20);
  const which = at('--backend') ?? 'both';
  const chosen = backends().filter((b) => which === 'both' || b.name === which);
  if (!Number.isInteger(kills) || kills < 1) throw new Error('--kills must be a positive integer');
  if (chosen.length === 0) throw new Error(`no backend "${which}" (PostgreSQL needs DATABASE_URL)`);
  const results: CrashResult[] = [];
  for (const b of chosen) {
    const r = await runCrash(b, { kills, log: (s) => console.error(`[${b.name}] ${s}`) });
    results.push(r);
    const line = `${b.name}: ${r.kills} kills, ${r.requests} requests, ${r.acknowledged} acknowledged (${Object.entries(r.by_kind).map(([k, v]) => `${k} ${v}`).join(', ')}), lost ${r.lost}, duplicated ${r.duplicated}, unbalanced currencies ${r.balance_sum_nonzero}, negative stock ${r.negative_stock}, reconciliation discrepancies ${r.discrepancies}, consistency failures ${r.consistency_failures}, verify ${r.verify_ok ? 'ok' : 'FAILED'}`;
    (json ? console.error : console.log)(line);
  }
  const total = {
    kills: results.reduce((a, r) => a + r.kills, 0),
    acknowledged: results.reduce((a, r) => a + r.acknowledged, 0),
    lost: results.reduce((a, r) => a + r.lost, 0),
    duplicated: results.reduce((a, r) => a + r.duplicated, 0),
    balance_sum_nonzero: results.reduce((a, r) => a + r.balance_sum_nonzero, 0),
    negative_stock: results.reduce((a, r) => a + r.negative_stock, 0),
    discrepancies: results.reduce((a, r) => a + r.discrepancies, 0),
    consistency_failures: results.reduce((a, r) => a + r.consistency_failures, 0),
    verify_ok: results.every((r) => r.verify_ok),
    backends: results,
  };
  if (json) console.log(JSON.stringify(total));
  const bad = total.lost || total.duplicated || total.balance_sum_nonzero || total.negative_stock || total.discrepancies || total.consistency_failures || !total.verify_ok;
  return bad ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`test:crash: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      process.exit(2);
    },
  );
}
