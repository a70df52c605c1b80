// On-chain settlement against a real Hardhat 2 node, on SQLite and PostgreSQL: a merchant opts in;
// its orders' escrow runs in OrderEscrow, mirrored from the order state machine through the
// outbox; every transaction hash is in a ledger entry about the order; the merchant's tokens
// track its receivable through release, cancellation, refund and payout; a crash between signing
// and broadcasting, or between broadcasting and recording, never sends twice.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Address, Hex } from 'viem';
import { ChainOutbox, chainOrderId, deployPlatformContracts, ESCROW_ABI, ESCROW_STATE, escrowOps, TOKEN_ABI, type ChainClients, type PlatformContracts } from '../src/chain/index.ts';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { createOrder, DEFAULT_TERMS, randomOrderNumber, type OrderFacts } from '../src/orders/index.ts';
import { backends, type Backend } from './helpers/backends.ts';
import { DEV_KEYS, CHAIN_ID, startHardhatNode, type HardhatNode } from './helpers/hardhat.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

describe('escrowOps (pure)', () => {
  const facts = (over: Partial<OrderFacts> = {}): OrderFacts => ({
    ...createOrder({ id: 'o1', number: randomOrderNumber(new Date(0)), buyerId: 'b', merchantId: 'm', mode: 'prepaid', currency: 'CNY', totalMinor: 10_000n, commitment: 'a'.repeat(64), terms: DEFAULT_TERMS }, new Date(0)).next,
    ...over,
  });
  it('mirrors the escrow account: fund at payment, release less commission, refund back from the merchant', () => {
    const o = facts();
    expect(escrowOps('pay', o, { ...o, paid: true, escrowHeld: true }, 500n, 0n, false).map((p) => [p.kind, p.amountMinor])).toEqual([['mint', 10_000n], ['deposit', 10_000n]]);
    const held = facts({ paid: true, escrowHeld: true, state: 'delivered' });
    expect(escrowOps('confirm_receipt', held, { ...held, escrowHeld: false }, 500n, 0n, true).map((p) => [p.kind, p.amountMinor])).toEqual([['confirm', 10_000n], ['collect', 500n]]);
    // Off chain it stays off chain: no deposit, no release.
    expect(escrowOps('confirm_receipt', held, held, 500n, 0n, false)).toEqual([]);
    expect(escrowOps('cancel', held, held, 500n, 0n, true).map((p) => p.kind)).toEqual(['cancel', 'burn']);
    // A 4000 refund at 5%: 3800 from the merchant, the commission's 200 from the platform; 4000 leave the chain.
    const asked = facts({ paid: true, state: 'refund_requested', refundMinor: 4_000n });
    expect(escrowOps('refund', asked, asked, 500n, 0n, true).map((p) => [p.kind, p.amountMinor])).toEqual([['collect', 3_800n], ['burn', 4_000n]]);
    // Pay on receipt: funded and released at once.
    const por = facts({ mode: 'pay_on_receipt', state: 'received' });
    expect(escrowOps('pay', por, { ...por, paid: true }, 500n, 300n, false).map((p) => [p.kind, p.amountMinor])).toEqual([['mint', 10_300n], ['deposit', 10_300n], ['confirm', 10_300n], ['collect', 500n]]);
    // Keys are unique per step and kind, so a replayed step cannot enqueue twice.
    const keys = escrowOps('refund', asked, asked, 500n, 0n, true).map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

let node: HardhatNode;
beforeAll(async () => {
  node = await startHardhatNode();
}, 90_000);
afterAll(async () => {
  await node?.stop();
});

describe.each(backends())('on-chain settlement on $name', (backend: Backend) => {
  let w: World;
  let platform: ChainClients;
  let contracts: PlatformContracts;
  let admin: Caller;
  let staff: Caller;
  let merchantId: string;
  let locationId: string;
  let merchantAddress: Address;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());
  const step = async (c: Caller, orderId: string, t: string, body: Record<string, unknown> = {}) => expectOk(await post(c, `/api/orders/${orderId}/${t}`, body));
  const run = async () => {
    const done = await w.app.jobs.runOnce();
    expect(done['chain.role']).toBeGreaterThanOrEqual(0);
  };
  const tokenBalance = (a: Address) => platform.public.readContract({ address: contracts.token, abi: TOKEN_ABI, functionName: 'balanceOf', args: [a] });
  const escrowOf = (orderId: string) => platform.public.readContract({ address: contracts.escrow, abi: ESCROW_ABI, functionName: 'escrowOf', args: [chainOrderId(orderId)] });
  const posted = async (account: string) => (await w.app.money.balance(w.app.db.kysely, account)).posted;
  const receivable = () => ownedAccountId('merchant_receivable', merchantId, 'CNY');

  async function variant(price: number): Promise<string> {
    const p = await w.app.catalog.createProduct(merchantId, 'system', { title: `Teapot ${randomBytes(3).toString('hex')}`, status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }] });
    const v = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId: v, locationId, onHand: 50 });
    return v;
  }
  async function paidOrder(b: Caller, price: number): Promise<string> {
    const res = expectOk(await post(b, '/api/checkout', { items: [{ variantId: await variant(price), qty: 1 }], shippingAddress: ADDRESS }), 201);
    return res.orders[0].id as string;
  }
  async function received(b: Caller, orderId: string) {
    await step(staff, orderId, 'accept');
    await step(staff, orderId, 'allocate', { locationId });
    await step(staff, orderId, 'ship', { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    await step(staff, orderId, 'deliver');
    await step(b, orderId, 'confirm-receipt');
  }
  /** The order's ledger entries about the chain, oldest first. */
  async function chainEntries(orderId: string): Promise<{ kind: string; txHash: Hex; amountMinor: string }[]> {
    const page = expectOk(await w.anon('GET', `/api/ledger/orders/${orderId}/entries?limit=200`));
    return (page.items as { event: { kind: string; data: { txHash: Hex; amountMinor: string } } }[])
      .filter((i) => i.event.kind.startsWith('chain.'))
      .map((i) => ({ kind: i.event.kind, txHash: i.event.data.txHash, amountMinor: i.event.data.amountMinor }));
  }

  beforeAll(async () => {
    platform = node.clients(backend.name === 'sqlite' ? 1 : 2);
    contracts = await deployPlatformContracts(platform, { name: 'chainmall CNY', symbol: 'cmCNY' });
    w = await startWorld(backend, {
      chainRpcUrl: node.rpcUrl, chainId: CHAIN_ID, chainPrivateKey: DEV_KEYS[backend.name === 'sqlite' ? 1 : 2]!,
      tokenContract: contracts.token, escrowContract: contracts.escrow, anchorContract: contracts.anchor, anchorEveryEntries: 1,
    });
    admin = await w.user('admin');
    const m = await w.app.catalog.createMerchant('system', { name: 'Chain Tea', commissionBps: 500 });
    merchantId = m.id;
    staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
  }, 120_000);
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a merchant opts in: a custodial address with gas and approvals, recorded in the ledger', async () => {
    const before = expectOk(await staff.call('GET', '/api/merchant/chain'));
    expect(before).toMatchObject({ optedIn: false, address: null, token: contracts.token, escrow: contracts.escrow, chainId: CHAIN_ID });
    const buyer = await w.user('buyer');
    expectProblem(await post(buyer, '/api/merchant/chain/opt-in'), 403);
    const view = expectOk(await post(staff, '/api/merchant/chain/opt-in'));
    expect(view.optedIn).toBe(true);
    expect(view.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    merchantAddress = view.address;
    expect(expectOk(await post(staff, '/api/merchant/chain/opt-in')).address).toBe(merchantAddress); // idempotent
    await run();
    const after = expectOk(await staff.call('GET', '/api/merchant/chain'));
    expect(after).toMatchObject({ pendingOperations: 0, tokenBalanceMinor: '0' });
    expect(await platform.public.getBalance({ address: merchantAddress })).toBeGreaterThan(0n);
    const allowance = await platform.public.readContract({ address: contracts.token, abi: TOKEN_ABI, functionName: 'allowance', args: [merchantAddress, platform.account.address] });
    expect(allowance).toBeGreaterThan(10n ** 30n);
  });

  it('an order runs end to end with its escrow on chain, each transaction hash in the order\'s ledger entries', async () => {
    const b = await w.user('buyer');
    await w.fund(b.userId, 100_000n);
    const orderId = await paidOrder(b, 4_990);
    await run();
    const deposited = await escrowOf(orderId);
    expect(ESCROW_STATE[deposited.state]).toBe('Deposited');
    expect(deposited.amount).toBe(4_990n);
    expect(deposited.merchant).toBe(merchantAddress);
    // The buyer is the platform's custody address: nothing on chain points at a person.
    expect(deposited.buyer).toBe(platform.account.address);

    await received(b, orderId);
    await run();
    expect(ESCROW_STATE[(await escrowOf(orderId)).state]).toBe('Released');
    // 5% commission went to the platform; the merchant's tokens equal its receivable.
    expect(await tokenBalance(merchantAddress)).toBe(4_990n - 249n);
    expect(await tokenBalance(merchantAddress)).toBe(await posted(receivable()));
    expect(await tokenBalance(platform.account.address)).toBe(249n);

    const entries = await chainEntries(orderId);
    expect(entries.map((e) => e.kind)).toEqual(['chain.mint', 'chain.deposit', 'chain.confirm', 'chain.collect']);
    for (const e of entries) {
      const r = await platform.public.getTransactionReceipt({ hash: e.txHash });
      expect(r.status).toBe('success');
    }
    // The same hashes through the order's chain view, for its buyer; another buyer sees nothing.
    const view = expectOk(await b.call('GET', `/api/orders/${orderId}/chain`));
    expect(view.operations.map((o: { txHash: string }) => o.txHash)).toEqual(entries.map((e) => e.txHash));
    expect(view.operations.every((o: { status: string }) => o.status === 'done')).toBe(true);
    expectProblem(await (await w.user('buyer')).call('GET', `/api/orders/${orderId}/chain`), 404);
  });

  it('cancellation refunds the escrow and burns it; a refund after receipt comes back from the merchant; a payout burns the rest', async () => {
    const b = await w.user('buyer');
    await w.fund(b.userId, 100_000n);
    const cancelled = await paidOrder(b, 2_000);
    await run();
    await step(b, cancelled, 'cancel', { reason: 'changed_mind' });
    await run();
    expect(ESCROW_STATE[(await escrowOf(cancelled)).state]).toBe('Refunded');
    expect((await chainEntries(cancelled)).map((e) => e.kind)).toEqual(['chain.mint', 'chain.deposit', 'chain.cancel', 'chain.burn']);

    const refunded = await paidOrder(b, 10_000);
    await run();
    await received(b, refunded);
    await step(b, refunded, 'request-refund', { amountMinor: '4000', reason: 'damaged' });
    await step(staff, refunded, 'refund');
    await run();
    expect((await chainEntries(refunded)).map((e) => [e.kind, e.amountMinor])).toEqual([
      ['chain.mint', '10000'], ['chain.deposit', '10000'], ['chain.confirm', '10000'], ['chain.collect', '500'], ['chain.collect', '3800'], ['chain.burn', '4000'],
    ]);
    expect(await tokenBalance(merchantAddress)).toBe(await posted(receivable()));
    expect(await tokenBalance(platform.account.address)).toBe(await posted(systemAccountId('platform_revenue', 'CNY')));

    // Settlement pays the receivable out: what the chain held for the merchant is burnt.
    const batches = expectOk(await post(admin, '/api/admin/settlements', {}), 201).items as { merchantId: string; payoutMinor: string; payoutState: string }[];
    const mine = batches.find((x) => x.merchantId === merchantId)!;
    expect(mine.payoutState).toBe('paid_manually');
    await run();
    expect(await posted(receivable())).toBe(0n);
    expect(await tokenBalance(merchantAddress)).toBe(0n);
    const supply = await platform.public.readContract({ address: contracts.token, abi: TOKEN_ABI, functionName: 'totalSupply' });
    expect(supply).toBe(await tokenBalance(platform.account.address));
  });

  it('a crash after signing, or after broadcasting, never sends twice', async () => {
    const b = await w.user('buyer');
    await w.fund(b.userId, 100_000n);
    const orderId = await paidOrder(b, 3_000);
    const nonceBefore = await platform.public.getTransactionCount({ address: platform.account.address });
    const crashing = (what: 'broadcast' | 'receipt'): ChainClients => ({
      ...platform,
      public: {
        ...platform.public,
        ...(what === 'broadcast'
          ? { sendRawTransaction: async () => { throw new Error('socket hang up'); } }
          : { waitForTransactionReceipt: async () => { throw new Error('process killed'); } }),
      } as ChainClients['public'],
    });
    const outbox = (c: ChainClients) =>
      new ChainOutbox({ db: w.app.db.kysely, ledger: w.app.ledger, platform: c, merchant: () => { throw new Error('no merchant signer here'); }, token: contracts.token, escrow: contracts.escrow, escrowTimeoutSeconds: 86_400n });
    // Signed and stored, never broadcast.
    await expect(outbox(crashing('broadcast')).tick(new Date())).rejects.toThrow(/socket hang up/);
    const signed = await w.app.db.kysely.selectFrom('chain_op').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
    expect(signed.map((r) => r.status)).toEqual(['signed', 'pending']);
    expect(await platform.public.getTransactionCount({ address: platform.account.address })).toBe(nonceBefore);
    // The stored bytes are broadcast and mined, but the process dies before recording it.
    await expect(outbox(crashing('receipt')).tick(new Date())).resolves.toBe(0);
    await run();
    const rows = await w.app.db.kysely.selectFrom('chain_op').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
    expect(rows.map((r) => r.status)).toEqual(['done', 'done']);
    expect(await platform.public.getTransactionCount({ address: platform.account.address })).toBeLessThanOrEqual(nonceBefore + 3); // mint, deposit, and at most one anchor
    expect((await chainEntries(orderId)).map((e) => e.kind)).toEqual(['chain.mint', 'chain.deposit']);
    expect((await escrowOf(orderId)).amount).toBe(3_000n);
    const failed = expectOk(await admin.call('GET', '/api/admin/chain/operations?status=failed'));
    expect(failed.items).toEqual([]);
  });
});
