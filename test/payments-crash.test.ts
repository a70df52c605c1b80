// The server dies between receiving a gateway callback and acknowledging it — before its transaction
// commits, and after — and is restarted. The sandbox gateway (persisted in the data dir) retries the
// callback; the payment is applied exactly once either way. Real processes, real kill -9.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { checkBalances } from '../src/money/index.ts';
import { verifyStorage } from '../src/ledger/verify.ts';
import { backends, type Sandbox } from './helpers/backends.ts';

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
      out += d.toString();
      if (out.includes('listening on')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${out}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<string | null>((r) => (child.exitCode !== null || child.signalCode !== null ? r(child.signalCode) : child.once('exit', (_c, s) => r(s))));

describe.each(backends())('payment callbacks across kill -9 on $name', (backend) => {
  const boxes: Sandbox[] = [];
  afterAll(async () => {
    for (const b of boxes) await b.cleanup();
  });

  it.each(['callback_before_commit', 'callback_after_commit'])('killed at %s: the retried callback is applied exactly once', async (point) => {
    const box = await backend.sandbox();
    boxes.push(box);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port), CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: box.databaseUrl ?? '', SEED: 'off', LOG_LEVEL: 'silent', SCRYPT_LN: '4',
      SANDBOX_SIGNING_SECRET: randomBytes(16).toString('hex'), NODE_ENV: 'test',
    };
    let server = await serve({ ...env, CHAINMALL_CRASH: point });
    try {
      // A buyer tops up the wallet through the sandbox gateway and approves on its mobile page.
      const reg = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `crash-${randomBytes(4).toString('hex')}@example.test`, password: 'correct horse battery' }) });
      expect(reg.status).toBe(201);
      const cookie = reg.headers.get('set-cookie')!.split(';')[0]!;
      const top = await fetch(`${base}/api/wallet/top-ups`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'idempotency-key': 'topup-1' }, body: JSON.stringify({ amountMinor: '12345', provider: 'sandbox' }) });
      expect(top.status).toBe(201);
      const payment = (await top.json()) as { id: string; clientParams: { payUrl: string } };
      const mobile = payment.clientParams.payUrl.replace('/pay/', '/m/');
      const page = await fetch(mobile).then((r) => r.text());
      const token = /name="token" value="([^"]+)"/.exec(page)![1]!;
      await fetch(`${mobile}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(token)}`, redirect: 'manual' });

      // The gateway's callback arrives and the server dies at the crash point.
      expect(await exited(server)).toBe('SIGKILL');

      // Restarted without the crash point: the gateway retries, the server applies it once.
      server = await serve(env);
      let state = '';
      for (let i = 0; i < 200 && state !== 'succeeded'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = ((await fetch(`${base}/api/payments/${payment.id}`, { headers: { cookie } }).then((r) => r.json())) as { state: string }).state;
      }
      expect(state).toBe('succeeded');
      const wallet = (await fetch(`${base}/api/wallet`, { headers: { cookie } }).then((r) => r.json())) as { available: string };
      expect(wallet.available).toBe('12345');
    } finally {
      server.kill('SIGTERM');
      await exited(server);
    }
    // Exactly once, from the storage itself: one capture transfer, one accepted callback, balances and log intact.
    const app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', sequencer: true, jobs: false, sandboxGateway: false });
    try {
      const captures = await app.db.kysely.selectFrom('money_transfer').select('id').where('id', 'like', 'gw:%').execute();
      expect(captures).toHaveLength(1);
      const accepted = await app.db.kysely.selectFrom('payments_callback').select(['outcome', 'reason']).where('outcome', '=', 'accepted').execute();
      expect(accepted).toHaveLength(1);
      expect(await checkBalances(app.db.kysely)).toEqual([]);
      await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: 'crash' } }]);
      const report = await verifyStorage(app.db.kysely, app.ledger.store, app.verifierKey, app.config.origin);
      expect(report.ok, JSON.stringify(report.problem)).toBe(true);
    } finally {
      await app.close();
    }
  }, 60_000);
});
