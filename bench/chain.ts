// `npm run bench -- chain [--json]`: on-chain costs from a real Hardhat 2 node. Gas per anchor at
// growing tree sizes (it should stay flat: the contract stores one fixed-size record per log) and
// escrow gas per order (approve + deposit + confirm), for the deposit → release path and the
// deposit → cancel path; and what the platform's own flow spends per order (mint, deposit, confirm,
// collect commission), summed from the `chain.*` ledger entries of real orders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { keccak256, toHex, type Hex } from 'viem';
import { createApp } from '../src/app.ts';
import { ANCHOR_ABI, compileContracts, deployContract, deployPlatformContracts, EscrowClient, type ChainClients } from '../src/chain/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { CHAIN_ID, DEV_KEYS, startHardhatNode, type HardhatNode } from '../test/helpers/hardhat.ts';
import { cosignatureThroughput } from '../src/witness/index.ts';

async function gasOf(c: ChainClients, hash: Hex): Promise<bigint> {
  const r = await c.public.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new Error(`tx ${hash} reverted`);
  return r.gasUsed;
}

export async function benchChain(flags: string[]): Promise<number> {
  const json = flags.includes('--json');
  const log = (line: string) => (json ? console.error(line) : console.log(line));
  const node = await startHardhatNode();
  try {
    const [admin, buyer, merchant] = [0, 1, 2].map((i) => node.clients(i)) as [ChainClients, ChainClients, ChainClients];
    const anchor = (await deployContract(admin, 'CheckpointAnchor', [admin.account.address, admin.account.address])).address;
    const perSize: Record<string, number> = {};
    for (const size of [1, 1_000, 1_000_000, 1_000_000_000, 2 ** 50]) {
      const hash = await admin.wallet.writeContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchor', args: ['bench.example/log', BigInt(size), keccak256(toHex(size))] });
      perSize[String(size)] = Number(await gasOf(admin, hash));
    }
    // The first anchor of a log writes fresh storage slots; every later one rewrites them.
    const steady = Object.values(perSize).slice(1);
    const anchorGas = Math.max(...steady);

    const tokenAbi = compileContracts().PlatformToken.abi;
    const token = (await deployContract(admin, 'PlatformToken', ['Chainmall Yuan', 'CMY', admin.account.address, admin.account.address])).address;
    const escrow = (await deployContract(admin, 'OrderEscrow', [token, admin.account.address, admin.account.address])).address;
    await gasOf(admin, await admin.wallet.writeContract({ address: token, abi: tokenAbi, functionName: 'mint', args: [buyer.account.address, 10n ** 12n] }));
    const asBuyer = new EscrowClient(buyer, escrow, token);
    const asMerchant = new EscrowClient(merchant, escrow, token);
    const order = async (id: string, settle: 'confirm' | 'cancel') => {
      const { approve, deposit } = await asBuyer.deposit(id, merchant.account.address, 12_345n, 86_400n);
      const end = settle === 'confirm' ? await asBuyer.confirm(id) : await asMerchant.cancel(id);
      return { approve: Number(approve.gasUsed), deposit: Number(deposit.gasUsed), [settle]: Number(end.gasUsed), total: Number(approve.gasUsed + deposit.gasUsed + end.gasUsed) };
    };
    await order('warm-up', 'confirm'); // the merchant's first balance slot costs extra once
    const released = await order('bench-release', 'confirm');
    const cancelled = await order('bench-cancel', 'cancel');

    const flow = await platformFlowGas(node);

    log(`anchor gas by tree size: ${Object.entries(perSize).map(([s, g]) => `${s}: ${g}`).join(', ')}`);
    log(`anchor gas (steady state): ${anchorGas}`);
    log(`escrow gas per order, deposit → release: ${released.total} (${JSON.stringify(released)})`);
    log(`escrow gas per order, deposit → cancel: ${cancelled.total} (${JSON.stringify(cancelled)})`);
    log(`platform flow gas per order (mint, deposit, confirm, collect): ${flow.total} (${JSON.stringify(flow.byOperation)}); ${(flow.total / flow.erc20Transfer).toFixed(1)}× one ERC-20 transfer (${flow.erc20Transfer})`);
    // A witness's work per checkpoint: verify the log's signature, check consistency, sign.
    const cosign = cosignatureThroughput(2_000);
    log(`witness cosignatures per second: ${Math.round(cosign.cosignatures_per_s)}`);
    if (json) {
      console.log(JSON.stringify({ anchor_gas: anchorGas, anchor_gas_by_size: perSize, escrow_gas_per_order: released.total, escrow_gas_cancel_per_order: cancelled.total, platform_flow_gas_per_order: flow.total, erc20_transfer_gas: flow.erc20Transfer, cosignatures_per_s: Math.round(cosign.cosignatures_per_s) }));
    }
    return 0;
  } finally {
    await node.stop();
  }
}

/** One order of an opted-in merchant through the app (SQLite), paid from the wallet and received: the gas of each chain operation its ledger entries record. */
async function platformFlowGas(node: HardhatNode): Promise<{ total: number; byOperation: Record<string, number>; erc20Transfer: number }> {
  const platform = node.clients(4);
  const contracts = await deployPlatformContracts(platform, { name: 'chainmall CNY', symbol: 'cmCNY' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-bench-chain-'));
  const app = await createApp({
    dataDir, logLevel: 'silent', scryptLn: 4, jobs: false, sandboxGateway: false, webApp: false,
    chainRpcUrl: node.rpcUrl, chainId: CHAIN_ID, chainPrivateKey: DEV_KEYS[4]!, tokenContract: contracts.token, escrowContract: contracts.escrow,
  });
  try {
    const m = await app.catalog.createMerchant('system', { name: 'Bench Tea', commissionBps: 500 });
    const { user: staff } = await app.accounts.createUser('system', { email: 'staff@bench.test', password: 'correct horse battery', role: 'merchant_staff', merchantId: m.id });
    const location = (await app.inventory.createLocation({ userId: staff.id, merchantId: m.id }, { name: 'Main', code: 'M1' })).id;
    await app.onChain!.optIn(m.id, 'system');
    await app.jobs.runOnce();
    const gas = async (orderId: string) => {
      const page = await app.ledger.orderEntries(orderId);
      const by: Record<string, number> = {};
      for (const e of page.entries.map((r) => parseEntry(r.body)).filter((e) => e.kind.startsWith('chain.'))) by[e.kind.slice(6)] = Number((e.data as { gasUsed: string }).gasUsed);
      return by;
    };
    const runOrder = async (n: number) => {
      const { user: buyer } = await app.accounts.createUser('system', { email: `b${n}@bench.test`, password: 'correct horse battery', role: 'buyer' });
      await app.db.kysely.transaction().execute(async (trx) => {
        await app.money.ensureSystemAccounts(trx, 'CNY');
        const wallet = ownedAccountId('buyer_wallet', buyer.id, 'CNY');
        await app.money.ensureAccount(trx, { id: wallet, kind: 'buyer_wallet', owner: buyer.id, currency: 'CNY' });
        await app.money.transfer(trx, { id: `fund:${buyer.id}`, debit: systemAccountId('gateway_clearing'), credit: wallet, amount: 100_000n, currency: 'CNY', code: 'bench_funding' });
      });
      const p = await app.catalog.createProduct(m.id, 'system', { title: 'Teapot', status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: 12_345 }] });
      await app.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId: p.variants[0]!.id, locationId: location, onHand: 1 });
      const buyerActor = { userId: buyer.id, role: 'buyer' as const, via: 'token' as const };
      const staffActor = { userId: staff.id, role: 'merchant_staff' as const, merchantId: m.id, via: 'token' as const };
      const placed = await app.checkout.checkout(buyerActor, { items: [{ variantId: p.variants[0]!.id, qty: 1 }], shippingAddress: { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' } });
      const id = placed.orders[0]!.id;
      await app.orders.transition(staffActor, id, 'accept', {});
      await app.orders.transition(staffActor, id, 'allocate', { locationId: location });
      await app.orders.transition(staffActor, id, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
      await app.orders.transition(staffActor, id, 'deliver', {});
      await app.orders.transition(buyerActor, id, 'confirm_receipt', {});
      await app.jobs.runOnce();
      return gas(id);
    };
    await runOrder(0); // warm-up: first balance slots cost extra once
    const byOperation = await runOrder(1);
    const total = Object.values(byOperation).reduce((a, b) => a + b, 0);
    // Baseline in the same run: one plain ERC-20 transfer between two warm balances.
    const tokenAbi = compileContracts().PlatformToken.abi;
    const hash = await platform.wallet.writeContract({ address: contracts.token, abi: tokenAbi, functionName: 'transfer', args: [contracts.escrow, 1n] });
    const erc20Transfer = Number(await gasOf(platform, hash));
    return { total, byOperation, erc20Transfer };
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
