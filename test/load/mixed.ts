// A shop and a mixed load against a server in its own process: several buyers checking out, sending
// money to each other, topping up through the sandbox gateway (whose callbacks it retries) and
// confirming receipt, while the merchant's staff accept, allocate, ship and deliver. Clients retry a
// request cut off by a crash with the same Idempotency-Key, as real ones would. Shared by the crash
// test and the soak.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { createApp } from '../../src/app.ts';
import { ownedAccountId, systemAccountId } from '../../src/money/index.ts';
import type { Sandbox } from '../helpers/backends.ts';

export const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
export const BUYERS = 6;

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export function serve(env: Record<string, string>): Promise<ChildProcess> {
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

export const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Ack {
  kind: 'checkout' | 'transfer' | 'topup' | 'transition';
  key: string;
  /** What the acknowledgement named: order ids, a transfer id, a payment id, "order:transition". */
  refs: string[];
}

/** A client that retries a request cut off by a crash with the same Idempotency-Key, as a real one would. */
let sent = 0;
/** Refused requests by status and problem code ("409 inventory.insufficient"): a load that is mostly refused is not a load. */
export const refusals = new Map<string, number>();

export class Client {
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
        const json = text ? JSON.parse(text) : null;
        if (res.status >= 300) {
          const what = `${res.status} ${json?.code ?? ''}`.trim();
          refusals.set(what, (refusals.get(what) ?? 0) + 1);
        }
        return { status: res.status, json };
      } catch {
        // Connection refused or reset: the server is down. A GET can be dropped; a write is retried.
        if (!key) return null;
        await sleep(250);
      }
    }
    return null;
  }
}

/** The shop the load runs against, made in-process on the storage the server will open. */
export interface Shop {
  variants: string[];
  buyers: { id: string; auth: string }[];
  staffAuth: string;
  location: string;
  verifierKey: string;
}

/** `stock` per variant and `funds` per buyer (minor units) bound how long the load can run before it is refused. */
export async function prepareShop(box: Sandbox, o: { stock?: number; funds?: bigint } = {}): Promise<Shop> {
  const setup = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', scryptLn: 4, jobs: false, sandboxGateway: false, webApp: false });
  const m = await setup.catalog.createMerchant('system', { name: 'Crash Tea', commissionBps: 500 });
  const { user: staffUser } = await setup.accounts.createUser('system', { email: 'staff@crash.test', password: 'correct horse battery', role: 'merchant_staff', merchantId: m.id });
  const staffAuth = `Bearer ${(await setup.accounts.createApiToken(staffUser.id, { name: 'crash' })).token}`;
  const location = (await setup.inventory.createLocation({ userId: staffUser.id, merchantId: m.id }, { name: 'Main', code: 'M1' })).id;
  const variants: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await setup.catalog.createProduct(m.id, 'system', { title: `Teapot ${i}`, status: 'active', variants: [{ sku: `CRASH-${i}`, title: 'Standard', priceMinor: 1_000 + i * 250 }] });
    await setup.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId: p.variants[0]!.id, locationId: location, onHand: o.stock ?? 400 });
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
      await setup.money.transfer(trx, { id: `fund:${user.id}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: o.funds ?? 5_000_000n, currency: 'CNY', code: 'test_funding' });
    });
  }
  const verifierKey = setup.verifierKey;
  await setup.close();
  return { variants, buyers, staffAuth, location, verifierKey };
}



/** The mixed load of several buyers and one merchant's staff until stop(); every 2xx is recorded. */
export function startLoad(base: () => string, shop: Shop): { acks: Ack[]; sent: () => number; stop: () => Promise<void> } {
  const { variants, buyers, staffAuth, location } = shop;
  const acks: Ack[] = [];
  let stopping = false;
  const key = () => randomBytes(12).toString('hex');
  const staff = new Client(base, staffAuth);

  async function buyerLoop(b: { id: string; auth: string }) {
    const c = new Client(base, b.auth);
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
  return {
    acks,
    sent: () => sent,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}
