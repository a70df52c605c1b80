// `npm run bench -- chain [--json]`: on-chain costs from a real Hardhat 2 node. Gas per anchor at
// growing tree sizes (it should stay flat: the contract stores one fixed-size record per log) and
// escrow gas per order (approve + deposit + confirm), for the deposit → release path and the
// deposit → cancel path.
import { keccak256, toHex, type Hex } from 'viem';
import { ANCHOR_ABI, compileContracts, deployContract, EscrowClient, type ChainClients } from '../src/chain/index.ts';
import { startHardhatNode } from '../test/helpers/hardhat.ts';
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

    log(`anchor gas by tree size: ${Object.entries(perSize).map(([s, g]) => `${s}: ${g}`).join(', ')}`);
    log(`anchor gas (steady state): ${anchorGas}`);
    log(`escrow gas per order, deposit → release: ${released.total} (${JSON.stringify(released)})`);
    log(`escrow gas per order, deposit → cancel: ${cancelled.total} (${JSON.stringify(cancelled)})`);
    // A witness's work per checkpoint: verify the log's signature, check consistency, sign.
    const cosign = cosignatureThroughput(2_000);
    log(`witness cosignatures per second: ${Math.round(cosign.cosignatures_per_s)}`);
    if (json) {
      console.log(JSON.stringify({ anchor_gas: anchorGas, anchor_gas_by_size: perSize, escrow_gas_per_order: released.total, escrow_gas_cancel_per_order: cancelled.total, cosignatures_per_s: Math.round(cosign.cosignatures_per_s) }));
    }
    return 0;
  } finally {
    await node.stop();
  }
}
