/**
 * On-chain settlement for merchants who opt in: their orders' escrow runs in OrderEscrow as well,
 * mirrored from the order state machine, and their payouts burn what the chain holds for them.
 *
 * The off-chain double-entry books stay the source of truth (the chain cannot take part in our
 * database transactions); each money step writes its chain operations to the outbox in the same
 * transaction, and the chain role's instance sends them (outbox.ts) and records each transaction
 * hash in a ledger entry about the order. A merchant opting in after an order was paid keeps that
 * order off chain to its end: an escrow is mirrored only when its deposit was.
 */
import type { Kysely, Transaction } from 'kysely';
import { parseEther, type Address, type Hex } from 'viem';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import type { OrderFacts, TransitionName } from '../orders/index.ts';
import { DomainError } from '../shared/index.ts';
import type { AppConfig } from '../config.ts';
import type { Job } from '../jobs/index.ts';
import { TOKEN_ABI } from './abi.ts';
import { chainClients, type ChainClients } from './connector.ts';
import { custodialAddress, custodialKey } from './custody.ts';
import { escrowOps, type ChainOpKind } from './escrow-plan.ts';
import { ChainOutbox, orderOps } from './outbox.ts';

export interface OnChainConfig {
  rpcUrl: string;
  chainId: number;
  platformKey: Hex;
  token: Address;
  escrow: Address;
  /** The wallet currency the token mirrors; orders in other currencies stay off chain. */
  currency: string;
  escrowTimeoutDays: number;
  /** Native currency sent to a merchant's custodial address at opt-in, for its own few transactions. */
  gasAllowanceWei: bigint;
}

export interface MerchantChainView {
  optedIn: boolean;
  address: string | null;
  optedInAt: string | null;
  currency: string;
  token: string;
  escrow: string;
  chainId: number;
  /** The merchant's token balance on chain (null when the node could not be reached). */
  tokenBalanceMinor: string | null;
  pendingOperations: number;
}

export interface ChainOpView {
  kind: string;
  status: string;
  amountMinor: string;
  currency: string;
  txHash: string | null;
  createdAt: string;
  doneAt: string | null;
  error: string | null;
}

/** The merchant's custodial key signs only its approval and cancellations; the platform the rest. */
const MERCHANT_SIGNED: readonly ChainOpKind[] = ['approve_platform', 'cancel'];

export class OnChainSettlement {
  readonly platform: ChainClients;
  readonly outbox: ChainOutbox;
  private readonly signers = new Map<string, ChainClients>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ledger: Ledger,
    readonly config: OnChainConfig,
    private readonly custodySeed: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.platform = chainClients({ rpcUrl: config.rpcUrl, chainId: config.chainId, privateKey: config.platformKey });
    this.outbox = new ChainOutbox({
      db,
      ledger,
      platform: this.platform,
      merchant: (id) => this.merchantSigner(id),
      token: config.token,
      escrow: config.escrow,
      escrowTimeoutSeconds: BigInt(config.escrowTimeoutDays) * 86_400n,
    });
  }

  private merchantSigner(merchantId: string): ChainClients {
    let c = this.signers.get(merchantId);
    if (!c) {
      c = chainClients({ rpcUrl: this.config.rpcUrl, chainId: this.config.chainId, privateKey: custodialKey(this.custodySeed, merchantId) });
      this.signers.set(merchantId, c);
    }
    return c;
  }

  /** Opts a merchant in (idempotent): its custodial address, gas for it, and the approvals the escrow flow needs. */
  async optIn(merchantId: string, actor: string): Promise<MerchantChainView> {
    const address = custodialAddress(this.custodySeed, merchantId);
    const at = this.now().toISOString();
    const tickets = await this.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('chain_merchant').values({ merchant_id: merchantId, address, opted_in_at: at }).onConflict((oc) => oc.column('merchant_id').doNothing()).returning('merchant_id').executeTakeFirst();
      if (!inserted) return [];
      await this.enqueue(trx, merchantId, null, [
        { key: `setup:approve_escrow:platform`, kind: 'approve_escrow', amountMinor: 0n },
        { key: `setup:fund_gas:${merchantId}`, kind: 'fund_gas', amountMinor: this.config.gasAllowanceWei },
        { key: `setup:approve_platform:${merchantId}`, kind: 'approve_platform', amountMinor: 0n },
      ]);
      return this.ledger.append(trx, [{ kind: 'chain.opted_in', actor, subject: { merchant: merchantId }, data: { account: address, chainId: this.config.chainId, token: this.config.token, escrow: this.config.escrow } }]);
    });
    if (tickets.length) await this.ledger.waitFor(tickets);
    return this.view(merchantId);
  }

  async view(merchantId: string): Promise<MerchantChainView> {
    const m = await this.db.selectFrom('chain_merchant').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
    const pending = await this.db.selectFrom('chain_op').select((eb) => eb.fn.countAll<number>().as('n')).where('merchant_id', '=', merchantId).where('status', 'in', ['pending', 'signed']).executeTakeFirstOrThrow();
    const balance = m ? await this.balanceOf(m.address as Address).catch(() => null) : null;
    return {
      optedIn: !!m,
      address: m?.address ?? null,
      optedInAt: m?.opted_in_at ?? null,
      currency: this.config.currency,
      token: this.config.token,
      escrow: this.config.escrow,
      chainId: this.config.chainId,
      tokenBalanceMinor: balance === null ? null : balance.toString(),
      pendingOperations: Number(pending.n),
    };
  }

  balanceOf(address: Address): Promise<bigint> {
    return this.platform.public.readContract({ address: this.config.token, abi: TOKEN_ABI, functionName: 'balanceOf', args: [address] });
  }

  /** Orders' port: the chain operations mirroring one order step, in the step's transaction. */
  async onStep(trx: Transaction<Database>, t: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, subsidy: bigint): Promise<void> {
    if (before.currency !== this.config.currency) return;
    const deposit = await trx.selectFrom('chain_op').select('id').where('key', '=', `pay:deposit:${before.id}`).executeTakeFirst();
    if (t === 'pay') {
      const opted = await trx.selectFrom('chain_merchant').select('merchant_id').where('merchant_id', '=', before.merchantId).executeTakeFirst();
      if (!opted || deposit) return;
    }
    const ops = escrowOps(t, before, after, commission, subsidy, !!deposit);
    if (ops.length) await this.enqueue(trx, before.merchantId, before.id, ops);
  }

  /** Settlement's port: a merchant's payout burns what the chain holds for it, up to the amount paid out. */
  async onPaidOut(trx: Transaction<Database>, p: { merchantId: string; batchId: string; amountMinor: bigint; currency: string }): Promise<void> {
    if (p.currency !== this.config.currency || p.amountMinor <= 0n) return;
    const opted = await trx.selectFrom('chain_merchant').select('merchant_id').where('merchant_id', '=', p.merchantId).executeTakeFirst();
    if (opted) await this.enqueue(trx, p.merchantId, null, [{ key: `payout:burn_from:${p.batchId}`, kind: 'burn_from', amountMinor: p.amountMinor }]);
  }

  private async enqueue(trx: Transaction<Database>, merchantId: string, orderId: string | null, ops: { key: string; kind: ChainOpKind; amountMinor: bigint }[]): Promise<void> {
    const at = this.now().toISOString();
    for (const op of ops) {
      await trx
        .insertInto('chain_op')
        .values({
          key: op.key, kind: op.kind, merchant_id: merchantId, order_id: orderId, amount: op.amountMinor.toString(), currency: this.config.currency,
          signer: MERCHANT_SIGNED.includes(op.kind) ? 'merchant' : 'platform', status: 'pending', nonce: null, raw_tx: null, tx_hash: null, moved: null, error: null, created_at: at, done_at: null,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
  }

  /** An order's chain operations, for whoever may see the order (the caller checks that). */
  async orderOperations(orderId: string): Promise<ChainOpView[]> {
    return (await orderOps(this.db, orderId)).map(opView);
  }

  /** Operators: operations by status, newest first (failed ones need a look). */
  async operations(status: 'pending' | 'signed' | 'done' | 'failed' | undefined, page: { cursor?: string | undefined; limit: number }): Promise<{ items: (ChainOpView & { id: number; merchantId: string; orderId: string | null })[]; nextCursor: string | null }> {
    let q = this.db.selectFrom('chain_op').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
    if (status) q = q.where('status', '=', status);
    if (page.cursor !== undefined) q = q.where('id', '<', Number(page.cursor));
    const rows = (await q.execute()).map((r) => ({ ...opView(r), id: Number(r.id), merchantId: r.merchant_id, orderId: r.order_id }));
    const items = rows.slice(0, page.limit);
    return { items, nextCursor: rows.length > page.limit ? String(items[items.length - 1]!.id) : null };
  }

  job(): Job {
    return { name: 'chain.outbox', tick: (now) => this.outbox.tick(now) };
  }
}

function opView(r: { kind: string; status: string; amount: string; moved: string | null; currency: string; tx_hash: string | null; created_at: string; done_at: string | null; error: string | null }): ChainOpView {
  return { kind: r.kind, status: r.status, amountMinor: r.moved ?? r.amount, currency: r.currency, txHash: r.tx_hash, createdAt: r.created_at, doneAt: r.done_at, error: r.error };
}

/** On-chain settlement when the chain, its key and both contracts are configured. */
export function onChainFromConfig(
  config: Pick<AppConfig, 'chainRpcUrl' | 'chainId' | 'chainPrivateKey' | 'tokenContract' | 'escrowContract' | 'chainCurrency' | 'escrowTimeoutDays' | 'chainGasAllowance'>,
  deps: { db: Kysely<Database>; ledger: Ledger; custodySeed: Buffer },
): OnChainSettlement | undefined {
  if (!config.chainRpcUrl || !config.chainPrivateKey || !config.tokenContract || !config.escrowContract) return undefined;
  return new OnChainSettlement(deps.db, deps.ledger, {
    rpcUrl: config.chainRpcUrl,
    chainId: config.chainId,
    platformKey: config.chainPrivateKey as Hex,
    token: config.tokenContract as Address,
    escrow: config.escrowContract as Address,
    currency: config.chainCurrency,
    escrowTimeoutDays: config.escrowTimeoutDays,
    gasAllowanceWei: parseEther(config.chainGasAllowance),
  }, deps.custodySeed);
}

/** 404 for merchants and routes when on-chain settlement is not configured on this deployment. */
export const chainOff = () => new DomainError('chain.not_configured', 'on-chain settlement is not configured on this deployment', 404);
