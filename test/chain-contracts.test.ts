// The Solidity contracts against a real Hardhat 2 node, through viem: the anchor only grows and only
// from the anchorer; the token mints/burns only for the platform; escrow deposit → release / refund /
// timeout / dispute, with every unauthorised or out-of-order call reverting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, http, keccak256, toHex, type Address, type Hex } from 'viem';
import { ANCHOR_ABI, ESCROW_ABI, TOKEN_ABI, chainOrderId, compileContracts, deployContract, EscrowClient, latestAnchor, anchorHistory, type ChainClients } from '../src/chain/index.ts';
import { startHardhatNode, type HardhatNode } from './helpers/hardhat.ts';

let node: HardhatNode;
let admin: ChainClients;
let p1: ChainClients;
let p2: ChainClients;
let p3: ChainClients;

beforeAll(async () => {
  node = await startHardhatNode();
  [admin, p1, p2, p3] = [0, 1, 2, 3].map((i) => node.clients(i)) as [ChainClients, ChainClients, ChainClients, ChainClients];
}, 90_000);
afterAll(async () => {
  await node?.stop();
});

const root = (s: string): Hex => keccak256(toHex(s));
const mined = async (c: ChainClients, hash: Hex) => {
  const r = await c.public.waitForTransactionReceipt({ hash });
  expect(r.status).toBe('success');
  return r;
};

describe('CheckpointAnchor', () => {
  let anchor: Address;
  beforeAll(async () => {
    // Admin deploys; account 1 is the only anchorer.
    anchor = (await deployContract(admin, 'CheckpointAnchor', [admin.account.address, p1.account.address])).address;
  });
  const post = (c: ChainClients, origin: string, size: number, r: Hex) =>
    c.wallet.writeContract({ address: anchor, abi: ANCHOR_ABI, functionName: 'anchor', args: [origin, BigInt(size), r] });

  it('the hand-written ABIs match the compiled contracts', () => {
    const pairs = [['CheckpointAnchor', ANCHOR_ABI], ['OrderEscrow', ESCROW_ABI], ['PlatformToken', TOKEN_ABI]] as const;
    for (const [name, abi] of pairs) {
      const compiled = compileContracts()[name].abi;
      for (const item of abi) {
        const twin = compiled.find((c) => 'name' in c && c.name === item.name && c.type === item.type);
        expect(twin, item.name).toBeDefined();
        expect(JSON.stringify((twin as unknown as { inputs: unknown[] }).inputs.map((i) => (i as { type: string }).type))).toBe(JSON.stringify(item.inputs.map((i) => i.type)));
      }
    }
  });

  it('accepts only strictly larger sizes, per origin, from the anchorer, and emits the history', async () => {
    await mined(p1, await post(p1, 'log.example/a', 5, root('a5')));
    await expect(post(p1, 'log.example/a', 5, root('a5-other'))).rejects.toThrow(/TreeNotLarger/);
    await expect(post(p1, 'log.example/a', 4, root('a4'))).rejects.toThrow(/TreeNotLarger/);
    await expect(post(p1, 'log.example/a', 0, root('a0'))).rejects.toThrow(/TreeNotLarger/);
    // Not the anchorer: neither a stranger nor the admin itself.
    await expect(post(p2, 'log.example/a', 9, root('a9'))).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await expect(post(admin, 'log.example/a', 9, root('a9'))).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    const h7 = await post(p1, 'log.example/a', 7, root('a7'));
    await mined(p1, h7);
    // Another log is independent: a small size is fine there.
    await mined(p1, await post(p1, 'log.example/b', 1, root('b1')));

    const latest = await latestAnchor(p1.public, anchor, 'log.example/a');
    expect(latest.treeSize).toBe(7);
    expect(toHex(latest.rootHash)).toBe(root('a7'));
    expect((await latestAnchor(p1.public, anchor, 'log.example/never')).treeSize).toBe(0);
    const hist = await anchorHistory(p1.public, anchor, 'log.example/a');
    expect(hist.map((a) => a.treeSize)).toEqual([5, 7]);
    expect(hist[1]!.txHash).toBe(h7);
    expect((await anchorHistory(p1.public, anchor, 'log.example/b')).map((a) => a.treeSize)).toEqual([1]);
  });

  it('gas per anchor does not depend on the tree size', async () => {
    const g1 = (await mined(p1, await post(p1, 'log.example/gas', 1, root('g1')))).gasUsed;
    const g2 = (await mined(p1, await post(p1, 'log.example/gas', 1_000, root('g2')))).gasUsed;
    const g3 = (await mined(p1, await post(p1, 'log.example/gas', 2 ** 50, root('g3')))).gasUsed;
    // The first write to a slot costs more than rewriting it; after that only the calldata differs
    // (a non-zero byte costs 12 gas more than a zero byte, and a uint64 has 8).
    const d = g3 > g2 ? g3 - g2 : g2 - g3;
    expect(d).toBeLessThanOrEqual(8n * 12n);
    expect(g1).toBeGreaterThan(g2);
  });
});

describe('PlatformToken and OrderEscrow', () => {
  let token: Address;
  let escrow: Address;
  const tokenAbi = () => compileContracts().PlatformToken.abi;
  const escrowAbi = () => compileContracts().OrderEscrow.abi;
  const buyer = () => p1;
  const merchant = () => p2;
  const arbiter = () => p3;
  const balance = async (a: Address) => (await admin.public.readContract({ address: token, abi: tokenAbi(), functionName: 'balanceOf', args: [a] })) as bigint;
  const call = (c: ChainClients, fn: string, args: unknown[]) => c.wallet.writeContract({ address: escrow, abi: escrowAbi(), functionName: fn, args });
  const order = (s: string): Hex => keccak256(toHex(`order:${s}`));
  const deposit = async (id: string, amount: bigint, timeout = 3600n) => {
    await mined(buyer(), await buyer().wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'approve', args: [escrow, amount] }));
    return mined(buyer(), await call(buyer(), 'deposit', [order(id), merchant().account.address, amount, timeout]));
  };

  beforeAll(async () => {
    // The platform (admin account) mints; account 3 arbitrates.
    token = (await deployContract(admin, 'PlatformToken', ['Chainmall Yuan', 'CMY', admin.account.address, admin.account.address])).address;
    escrow = (await deployContract(admin, 'OrderEscrow', [token, admin.account.address, arbiter().account.address])).address;
  });

  it('mints and burns only for the platform role', async () => {
    await mined(admin, await admin.wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'mint', args: [buyer().account.address, 100_000n] }));
    expect(await balance(buyer().account.address)).toBe(100_000n);
    await expect(buyer().wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'mint', args: [buyer().account.address, 1n] })).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    // A withdrawal: the holder approves, the platform burns.
    await mined(buyer(), await buyer().wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'approve', args: [admin.account.address, 500n] }));
    await expect(merchant().wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'burnFrom', args: [buyer().account.address, 500n] })).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await mined(admin, await admin.wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'burnFrom', args: [buyer().account.address, 500n] }));
    expect(await balance(buyer().account.address)).toBe(99_500n);
    // The platform burns from its own custody only with its role.
    await mined(admin, await admin.wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'mint', args: [admin.account.address, 300n] }));
    await mined(admin, await admin.wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'burn', args: [300n] }));
    expect(await balance(admin.account.address)).toBe(0n);
    await expect(buyer().wallet.writeContract({ address: token, abi: tokenAbi(), functionName: 'burn', args: [1n] })).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    expect(await admin.public.readContract({ address: token, abi: tokenAbi(), functionName: 'decimals' })).toBe(2);
  });

  it('releases to the merchant only on the buyer’s confirmation', async () => {
    const m0 = await balance(merchant().account.address);
    const r = await deposit('release', 1_000n);
    expect(r.logs.length).toBeGreaterThan(0);
    expect(await balance(escrow)).toBe(1_000n);
    await expect(deposit('release', 1_000n)).rejects.toThrow(/AlreadyExists/);
    await expect(call(merchant(), 'confirm', [order('release')])).rejects.toThrow(/NotAllowed/);
    await expect(call(arbiter(), 'confirm', [order('release')])).rejects.toThrow(/NotAllowed/);
    await mined(buyer(), await call(buyer(), 'confirm', [order('release')]));
    expect(await balance(merchant().account.address)).toBe(m0 + 1_000n);
    expect(await balance(escrow)).toBe(0n);
    // Settled: nothing more can move it.
    await expect(call(buyer(), 'confirm', [order('release')])).rejects.toThrow(/WrongState/);
    await expect(call(merchant(), 'cancel', [order('release')])).rejects.toThrow(/WrongState/);
  });

  it('refunds on the merchant’s cancellation, and after the timeout', async () => {
    const b0 = await balance(buyer().account.address);
    await deposit('cancel', 700n);
    await expect(call(buyer(), 'cancel', [order('cancel')])).rejects.toThrow(/NotAllowed/);
    await mined(merchant(), await call(merchant(), 'cancel', [order('cancel')]));
    expect(await balance(buyer().account.address)).toBe(b0);

    await deposit('late', 300n, 60n);
    await expect(call(arbiter(), 'refundExpired', [order('late')])).rejects.toThrow(/NotExpired/);
    const test = createTestClient({ mode: 'hardhat', transport: http(node.rpcUrl) });
    await test.increaseTime({ seconds: 61 });
    await test.mine({ blocks: 1 });
    // Anyone may trigger it once expired; the money goes to the buyer.
    await mined(arbiter(), await call(arbiter(), 'refundExpired', [order('late')]));
    expect(await balance(buyer().account.address)).toBe(b0);
  });

  it('a dispute freezes the escrow until the arbiter resolves it', async () => {
    const m0 = await balance(merchant().account.address);
    await deposit('dispute', 2_000n, 1n);
    await expect(call(arbiter(), 'dispute', [order('dispute')])).rejects.toThrow(/NotAllowed/);
    await mined(buyer(), await call(buyer(), 'dispute', [order('dispute')]));
    await expect(call(buyer(), 'confirm', [order('dispute')])).rejects.toThrow(/WrongState/);
    // Past its deadline, yet a disputed escrow cannot be refunded by timeout.
    await expect(call(buyer(), 'refundExpired', [order('dispute')])).rejects.toThrow(/WrongState/);
    await expect(call(buyer(), 'resolve', [order('dispute'), false])).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await expect(call(admin, 'resolve', [order('dispute'), false])).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await mined(arbiter(), await call(arbiter(), 'resolve', [order('dispute'), true]));
    expect(await balance(merchant().account.address)).toBe(m0 + 2_000n);
    await expect(call(arbiter(), 'resolve', [order('dispute'), false])).rejects.toThrow(/WrongState/);
  });

  it('EscrowClient runs an order by its platform id and returns the tx hashes', async () => {
    const asBuyer = new EscrowClient(buyer(), escrow, token);
    const asMerchant = new EscrowClient(merchant(), escrow, token);
    const m0 = await balance(merchant().account.address);
    const { deposit: d } = await asBuyer.deposit('CM-2026-000042', merchant().account.address, 4_200n, 3600n);
    const onChain = (await admin.public.readContract({ address: escrow, abi: escrowAbi(), functionName: 'escrowOf', args: [chainOrderId('CM-2026-000042')] })) as { amount: bigint; state: number };
    expect(onChain.amount).toBe(4_200n);
    expect(onChain.state).toBe(1); // Deposited
    await expect(asMerchant.confirm('CM-2026-000042')).rejects.toThrow(/NotAllowed/);
    const c = await asBuyer.confirm('CM-2026-000042');
    expect(c.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(c.txHash).not.toBe(d.txHash);
    expect((await admin.public.getTransactionReceipt({ hash: c.txHash })).status).toBe('success');
    expect(await balance(merchant().account.address)).toBe(m0 + 4_200n);
  });
});
