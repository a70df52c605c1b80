// `npm run test:crash [-- --backend sqlite|postgres|both] [--kills N] [--json]`: the server under a
// mixed load (checkouts, wallet transfers, gateway top-ups whose callbacks the sandbox retries, the
// merchant's shipping steps, buyers' confirmations), killed with SIGKILL at random moments and
// restarted, N times. Clients behave like real ones: a request cut off by the crash is retried with
// the same Idempotency-Key after the restart. Every 2xx is recorded; afterwards the storage itself
// is checked: each acknowledged operation exactly once, nothing half-applied (reconciliation), the
// books balanced, stock never negative, the log verifying, and each restart's log consistent with
// the checkpoint served before the kill.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { createApp } from '../../src/app.ts';
import { openCheckpoint, verifyConsistency } from '../../src/ledger/index.ts';
import { verifyStorage } from '../../src/ledger/verify.ts';
import { checkBalances, ownedAccountId, systemAccountId } from '../../src/money/index.ts';
import { reconcile } from '../../src/reconciliation/index.ts';
import { backends, type Backend, type Sandbox } from '../helpers/backends.ts';

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

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const BUYERS = 6;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function serve(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-10_000);
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-10_000)));
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ack {
  kind: 'checkout' | 'transfer' | 'topup' | 'transition';
  key: string;
  /** What the acknowledgement named: order ids, a transfer id, a payment id, "order:transition". */
  refs: string[];
}

/** A client that retries a request cut off by a crash with the same Idempotency-Key, as a real one would. */
let sent = 0;

class Client {
  constructor(private readonly base: () => string, private readonly auth: string) {}
  async call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; json: any } | null> {
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        sent++;
        const res = await fetch(`${this.base()}${path}`, {
          method,
          headers: { authorization: this.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { 'idempotency-key': key } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.status === 409 && /idempotency.in_flight/.test(text)) {
          await sleep(100); // the first attempt is still running (or died holding the key): ask again
          continue;
        }
        return { status: res.status, json: text ? JSON.parse(text) : null };
      } catch {
        // Connection refused or reset: the server is down. A GET can be dropped; a write is retried.
        if (!key) return null;
        await sleep(250);
      }
    }
    return null;
  }
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
    // ------------------------------------------------ setup, in-process, on the same storage
    const setup = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, sandboxGateway: false, webApp: false });
    const m = await setup.catalog.createMerchant('system', { name: 'Crash Tea', commissionBps: 500 });
    const { user: staffUser } = await setup.accounts.createUser('system', { email: 'staff@crash.test', password: 'correct horse battery', role: 'merchant_staff', merchantId: m.id });
    const staffAuth = `Bearer ${(await setup.accounts.createApiToken(staffUser.id, { name: 'crash' })).token}`;
    const location = (await setup.inventory.createLocation({ userId: staffUser.id, merchantId: m.id }, { name: 'Main', code: 'M1' })).id;
    const variants: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await setup.catalog.createProduct(m.id, 'system', { title: `Teapot ${i}`, status: 'active', variants: [{ sku: `CRASH-${i}`, title: 'Standard', priceMinor: 1_000 + i * 250 }] });
      await setup.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId: p.variants[0]!.id, locationId: location, onHand: 400 });
      variants.push(p.variants[0]!.id);
    }
    const buyers: { id: string; auth: string }[] = [];
    for (let i = 0; i < BUYERS; i++) {
      const { user } = await setup.accounts.createUser('system', { email: `buyer${i}@crash.test`, password: 'correct horse battery', role: 'buyer' });
      buyers.push({ id: user.id, auth: `Bearer ${(await setup.accounts.createApiToken(user.id, { name: 'crash' })).token}` });
      await setup.db.kysely.transaction().execute(async (trx) => {
        await setup.money.ensureSystemAccounts(trx, 'CNY');
        const wallet = ownedAccountId('buyer_wallet', user.id, 'CNY');
        await setup.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: user.id, currency: 'CNY' });
        await setup.money.transfer(trx, { id: `fund:${user.id}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: 5_000_000n, currency: 'CNY', code: 'test_funding' });
      });
    }
    const vkey = setup.verifierKey;
    await setup.close();

    // ------------------------------------------------ load, kills, restarts
    let server = await serve(env);
    const acks: Ack[] = [];
    sent = 0;
    let stopping = false;
    const key = () => randomBytes(12).toString('hex');
    const staff = new Client(() => base, staffAuth);

    async function buyerLoop(b: { id: string; auth: string }) {
      const c = new Client(() => base, b.auth);
      while (!stopping) {
        const roll = randomInt(100);
        if (roll < 40) {
          const k = key();
          const r = await c.call('POST', '/api/checkout', { items: [{ variantId: variants[randomInt(variants.length)]!, qty: 1 + randomInt(2) }], shippingAddress: ADDRESS }, k);
          if (r && r.status < 300) acks.push({ kind: 'checkout', key: k, refs: r.json.orders.map((x: { id: string }) => x.id) });
        } else if (roll < 65) {
          const to = buyers[(buyers.indexOf(b) + 1 + randomInt(BUYERS - 1)) % BUYERS]!;
          const k = key();
          const r = await c.call('POST', '/api/wallet/transfers', { to: to.id, amountMinor: String(1 + randomInt(500)) }, k);
          if (r && r.status < 300) acks.push({ kind: 'transfer', key: k, refs: [r.json.transfer ?? r.json.id] });
        } else if (roll < 75) {
          const k = key();
          const r = await c.call('POST', '/api/wallet/top-ups', { amountMinor: String(100 + randomInt(900)), provider: 'sandbox' }, k);
          if (r && r.status < 300) {
            acks.push({ kind: 'topup', key: k, refs: [r.json.id] });
            // The buyer approves on the gateway's page; its callback (and retries) reach us when they may.
            try {
              const mobile = String(r.json.clientParams.payUrl).replace('/pay/', '/m/');
              const page = await fetch(mobile, { signal: AbortSignal.timeout(5_000) }).then((x) => x.text());
              const token = /name="token" value="([^"]+)"/.exec(page)?.[1];
              if (token) await fetch(`${mobile}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}`, redirect: 'manual', signal: AbortSignal.timeout(5_000) });
            } catch {
              /* the gateway lives in the server process: down with it */
            }
          }
        } else {
          const r = await c.call('GET', '/api/orders?state=delivered&limit=5');
          for (const ord of r?.json?.items ?? []) {
            const k = key();
            const s = await c.call('POST', `/api/orders/${ord.id}/confirm-receipt`, {}, k);
            if (s && s.status < 300) acks.push({ kind: 'transition', key: k, refs: [`${ord.id}:confirm_receipt`] });
          }
        }
      }
    }
    const NEXT: Record<string, [string, string, Record<string, unknown>]> = {
      created: ['accept', 'accept', {}],
      accepted: ['allocate', 'allocate', { locationId: location }],
      allocated: ['ship', 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' }],
      shipped: ['deliver', 'deliver', {}],
    };
    async function staffLoop() {
      while (!stopping) {
        const state = ['created', 'accepted', 'allocated', 'shipped'][randomInt(4)]!;
        const r = await staff.call('GET', `/api/orders?state=${state}&limit=5`);
        for (const ord of r?.json?.items ?? []) {
          const [path, name, body] = NEXT[ord.state]!;
          const k = key();
          const s = await staff.call('POST', `/api/orders/${ord.id}/${path}`, body, k);
          if (s && s.status < 300) acks.push({ kind: 'transition', key: k, refs: [`${ord.id}:${name}`] });
        }
        if (!r) await sleep(100);
      }
    }

    const loops = [...buyers.map((b) => buyerLoop(b)), staffLoop()];
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
    stopping = true;
    await Promise.all(loops);
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
        backend: backend.name, kills: o.kills, requests: sent, acknowledged: acks.length, lost, duplicated,
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
