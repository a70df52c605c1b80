// Several API instances on one PostgreSQL database: one elected sequencer, one instance holding the
// chain role (anchoring and escrow transactions), witnesses cosigning, and both roles moving to a
// survivor when their holder stops. PostgreSQL only: SQLite is one process by design.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { anchorHistory, checkAnchors, chainOrderId, deployPlatformContracts, ESCROW_ABI, type ChainClients, type PlatformContracts } from '../src/chain/index.ts';
import { generateSignerKey, signerFromKey } from '../src/ledger/index.ts';
import { checkBalances, ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { startWitness, verifyCosigned, type RunningWitness } from '../src/witness/index.ts';
import { backends, type Sandbox } from './helpers/backends.ts';
import { expectLogVerifies } from './helpers/audit.ts';
import { CHAIN_ID, DEV_KEYS, startHardhatNode, type HardhatNode } from './helpers/hardhat.ts';

const pg = backends().find((b) => b.name === 'postgres');
const ORIGIN = 'chainmall.test/scale-out';
const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };

describe.skipIf(!pg)('scale-out: three instances on one PostgreSQL', () => {
  const skey = generateSignerKey(ORIGIN);
  const logKey = signerFromKey(skey).verifierKey;
  let node: HardhatNode;
  let platform: ChainClients;
  let contracts: PlatformContracts;
  let box: Sandbox;
  const witnesses: RunningWitness[] = [];
  const dirs: string[] = [];
  let apps: App[] = [];
  let merchantId: string;
  let locationId: string;

  const call = async (app: App, auth: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await app.http.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}), headers: { authorization: auth, 'idempotency-key': randomBytes(12).toString('hex') } });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const token = async (app: App, role: 'buyer' | 'merchant_staff', merchant?: string) => {
    const { user } = await app.accounts.createUser('system', { email: `${role}-${randomBytes(4).toString('hex')}@example.test`, password: 'correct horse battery', role, ...(merchant ? { merchantId: merchant } : {}) });
    return { userId: user.id, auth: `Bearer ${(await app.accounts.createApiToken(user.id, { name: 't' })).token}` };
  };
  const until = async (what: string, ok: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const leaders = () => apps.filter((a) => a.sequencer.isLeader);
  /** Every instance runs its jobs at once, as their timers would, until the outbox is empty. */
  const runJobs = async () => {
    for (let i = 0; i < 10; i++) {
      await Promise.all(apps.map((a) => a.jobs.runOnce()));
      const open = await apps[0]!.db.kysely.selectFrom('chain_op').select('id').where('status', 'in', ['pending', 'signed']).execute();
      if (open.length === 0) return;
    }
    throw new Error('chain operations still open');
  };
  async function order(app: App): Promise<string> {
    const b = await token(app, 'buyer');
    await app.db.kysely.transaction().execute(async (trx) => {
      await app.money.ensureSystemAccounts(trx, 'CNY');
      const wallet = ownedAccountId('buyer_wallet', b.userId, 'CNY');
      await app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: b.userId, currency: 'CNY' });
      await app.money.transfer(trx, { id: `fund:${b.userId}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: 50_000n, currency: 'CNY', code: 'test_funding' });
    });
    const p = await app.catalog.createProduct(merchantId, 'system', { title: 'Teapot', status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: 1_500 }] });
    await app.inventory.setStock({ userId: 'system', merchantId }, { variantId: p.variants[0]!.id, locationId, onHand: 5 });
    const res = await call(app, b.auth, 'POST', '/api/checkout', { items: [{ variantId: p.variants[0]!.id, qty: 1 }], shippingAddress: ADDRESS });
    return res.orders[0].id as string;
  }
  const start = () =>
    createApp({
      dataDir: box.dataDir, databaseUrl: box.databaseUrl, origin: ORIGIN, signingKey: skey, logLevel: 'silent', maxDelayMs: 10, scryptLn: 10, jobs: false, sandboxGateway: false, webApp: false,
      chainRpcUrl: node.rpcUrl, chainId: CHAIN_ID, chainPrivateKey: DEV_KEYS[3]!, anchorContract: contracts.anchor, tokenContract: contracts.token, escrowContract: contracts.escrow, anchorEveryEntries: 1,
      witnesses: witnesses.map((w) => `${w.url} ${w.verifierKey}`),
    });

  beforeAll(async () => {
    node = await startHardhatNode();
    platform = node.clients(3);
    contracts = await deployPlatformContracts(platform, { name: 'chainmall CNY', symbol: 'cmCNY' });
    for (const name of ['witness-a.test/w', 'witness-b.test/w']) {
      const data = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-witness-'));
      dirs.push(data);
      witnesses.push(await startWitness({ name, data, log: [`${ORIGIN} ${logKey}`] }));
    }
    box = await pg!.sandbox();
    // One after another: the first migrates the empty database.
    for (let i = 0; i < 3; i++) apps.push(await start());
    const m = await apps[0]!.catalog.createMerchant('system', { name: 'Scaled Tea', commissionBps: 500 });
    merchantId = m.id;
    const staff = await token(apps[1]!, 'merchant_staff', merchantId);
    locationId = (await apps[1]!.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
    await call(apps[2]!, staff.auth, 'POST', '/api/merchant/chain/opt-in');
  }, 120_000);
  afterAll(async () => {
    for (const a of apps) await a.close();
    await box?.cleanup();
    for (const w of witnesses) await w.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await node?.stop();
  });

  it('one sequencer and one chain signer among three instances; every instance takes orders; anchors, escrows and cosignatures land once', async () => {
    await until('a sequencer leader', () => leaders().length === 1);
    const orders = await Promise.all(apps.map((a) => order(a)));
    await runJobs();
    // The chain role: exactly one instance holds it (the others' acquire fails while it does).
    const holders = (await Promise.all(apps.map((a) => a.chainRole.acquire()))).filter(Boolean);
    expect(holders).toHaveLength(1);
    for (const id of orders) {
      const e = await platform.public.readContract({ address: contracts.escrow, abi: ESCROW_ABI, functionName: 'escrowOf', args: [chainOrderId(id)] });
      expect(e.amount).toBe(1_500n);
    }
    const db = apps[0]!.db.kysely;
    expect(await db.selectFrom('chain_op').select('id').where('status', '=', 'failed').execute()).toEqual([]);
    // Each anchor once, strictly growing, and the log is consistent with all of them.
    const anchors = await anchorHistory(platform.public, contracts.anchor, ORIGIN);
    expect(anchors.length).toBeGreaterThan(0);
    for (let i = 1; i < anchors.length; i++) expect(anchors[i]!.treeSize).toBeGreaterThan(anchors[i - 1]!.treeSize);
    const posted = await db.selectFrom('chain_anchor').select('tree_size').where('status', '=', 'posted').execute();
    expect(new Set(posted.map((p) => Number(p.tree_size))).size).toBe(posted.length);
    expect((await checkAnchors(apps[1]!.ledger.store, ORIGIN, platform.public, contracts.anchor)).ok).toBe(true);
    // Whichever instance a client reaches serves a checkpoint both witnesses cosigned.
    for (const a of apps) {
      await a.witnessing.tick();
      const res = await a.http.inject({ method: 'GET', url: '/log/checkpoint.cosigned' });
      expect(res.statusCode).toBe(200);
      expect(verifyCosigned(res.body, logKey, witnesses.map((w) => w.verifierKey), 2).size).toBeGreaterThan(0);
    }
  });

  it('when the role holders stop, a survivor sequences, signs and anchors; nothing is lost or sent twice', async () => {
    const before = await anchorHistory(platform.public, contracts.anchor, ORIGIN);
    const signer = [];
    for (const a of apps) if (await a.chainRole.acquire()) signer.push(a);
    const stopping = new Set([...leaders(), ...signer]);
    for (const a of stopping) await a.close();
    apps = apps.filter((a) => !stopping.has(a));
    expect(apps.length).toBeGreaterThan(0);
    await until('a new sequencer leader', () => leaders().length === 1);
    const id = await order(apps[0]!);
    await runJobs();
    const e = await platform.public.readContract({ address: contracts.escrow, abi: ESCROW_ABI, functionName: 'escrowOf', args: [chainOrderId(id)] });
    expect(e.amount).toBe(1_500n);
    const after = await anchorHistory(platform.public, contracts.anchor, ORIGIN);
    expect(after.length).toBeGreaterThan(before.length);
    expect((await checkAnchors(apps[0]!.ledger.store, ORIGIN, platform.public, contracts.anchor)).ok).toBe(true);
    expect(await checkBalances(apps[0]!.db.kysely)).toEqual([]);
    await expectLogVerifies(apps[0]!);
  });
});
