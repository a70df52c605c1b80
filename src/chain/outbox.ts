/**
 * Sends the chain operations of the `chain_op` outbox, one at a time in id order, and records each
 * mined one in the ledger (`chain.<kind>`, with the transaction hash) in the same transaction that
 * marks it done.
 *
 * Restart safety: an operation is signed and stored (nonce, raw bytes, hash) before it is
 * broadcast. After a crash the stored bytes are broadcast again, which is a no-op when they were
 * already mined or pending, so an operation is never sent twice under two nonces. Should its
 * nonce have been consumed by another transaction (someone used the key elsewhere), the stored
 * transaction can never be mined: the operation is signed afresh with the next nonce.
 *
 * Only one instance may send (the caller gates the job with the chain role's leadership), so the
 * per-account nonces are consecutive.
 */
import type { Kysely, Selectable } from 'kysely';
import { encodeFunctionData, keccak256, maxUint256, type Address, type Hex } from 'viem';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/index.ts';
import { ESCROW_ABI, TOKEN_ABI } from './abi.ts';
import type { ChainClients } from './connector.ts';
import { chainOrderId } from './escrow.ts';
import type { ChainOpTable } from './tables.ts';

export type OpRow = Selectable<ChainOpTable>;

export interface OutboxOptions {
  db: Kysely<Database>;
  ledger: Ledger;
  platform: ChainClients;
  /** The merchant's custodial signer. */
  merchant(merchantId: string): ChainClients;
  token: Address;
  escrow: Address;
  escrowTimeoutSeconds: bigint;
  /** How long one tick waits for a receipt before leaving the operation for the next tick. */
  receiptTimeoutMs?: number;
  /** Operations handled per tick at most. */
  batch?: number;
}

interface Call {
  to: Address;
  data?: Hex;
  value?: bigint;
  /** What the operation moves (may be less than asked for collect / burn). */
  moved: bigint;
}

const ALREADY_SENT = /already known|known transaction|already imported|nonce too low|nonce has already been used|replacement transaction underpriced/i;

export class ChainOutbox {
  constructor(private readonly o: OutboxOptions) {}

  async tick(now: Date): Promise<number> {
    let handled = 0;
    while (handled < (this.o.batch ?? 50)) {
      const row = await this.o.db.selectFrom('chain_op').selectAll().where('status', 'in', ['pending', 'signed']).orderBy('id').limit(1).executeTakeFirst();
      if (!row) break;
      const outcome = await this.process(norm(row), now);
      if (outcome === 'wait') break;
      handled++;
    }
    return handled;
  }

  private signerOf(row: OpRow): ChainClients {
    return row.signer === 'platform' ? this.o.platform : this.o.merchant(row.merchant_id);
  }

  private async merchantAddress(merchantId: string): Promise<Address> {
    const m = await this.o.db.selectFrom('chain_merchant').select('address').where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
    return m.address as Address;
  }

  private async balanceOf(who: Address): Promise<bigint> {
    return this.o.platform.public.readContract({ address: this.o.token, abi: TOKEN_ABI, functionName: 'balanceOf', args: [who] });
  }

  /** The transaction an operation sends, from its row and, for "up to" operations, the chain's balances now. */
  private async call(row: OpRow): Promise<Call> {
    const { token, escrow } = this.o;
    const amount = BigInt(row.amount);
    const platform = this.o.platform.account.address;
    const tokenCall = (functionName: 'approve' | 'transferFrom' | 'mint' | 'burn' | 'burnFrom', args: readonly unknown[], moved: bigint): Call => ({
      to: token,
      data: encodeFunctionData({ abi: TOKEN_ABI, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
      moved,
    });
    const escrowCall = (functionName: 'deposit' | 'confirm' | 'cancel', args: readonly unknown[]): Call => ({
      to: escrow,
      data: encodeFunctionData({ abi: ESCROW_ABI, functionName, args } as Parameters<typeof encodeFunctionData>[0]),
      moved: amount,
    });
    const orderId = () => {
      assert(row.order_id !== null, `chain: ${row.kind} without an order`);
      return chainOrderId(row.order_id);
    };
    switch (row.kind) {
      case 'fund_gas':
        return { to: await this.merchantAddress(row.merchant_id), value: amount, moved: amount };
      case 'approve_platform':
        return tokenCall('approve', [platform, maxUint256], 0n);
      case 'approve_escrow':
        return tokenCall('approve', [escrow, maxUint256], 0n);
      case 'mint':
        return tokenCall('mint', [platform, amount], amount);
      case 'deposit':
        return escrowCall('deposit', [orderId(), await this.merchantAddress(row.merchant_id), amount, this.o.escrowTimeoutSeconds]);
      case 'confirm':
        return escrowCall('confirm', [orderId()]);
      case 'cancel':
        return escrowCall('cancel', [orderId()]);
      case 'collect': {
        const from = await this.merchantAddress(row.merchant_id);
        const moved = min(amount, await this.balanceOf(from));
        return tokenCall('transferFrom', [from, platform, moved], moved);
      }
      case 'burn': {
        const moved = min(amount, await this.balanceOf(platform));
        return tokenCall('burn', [moved], moved);
      }
      case 'burn_from': {
        const from = await this.merchantAddress(row.merchant_id);
        const moved = min(amount, await this.balanceOf(from));
        return tokenCall('burnFrom', [from, moved], moved);
      }
      default:
        throw new Error(`chain: unknown operation ${row.kind}`);
    }
  }

  private async process(row: OpRow, now: Date): Promise<'done' | 'wait'> {
    const signer = this.signerOf(row);
    if (row.status === 'pending') {
      let call: Call;
      let raw: Hex;
      try {
        call = await this.call(row);
        if (call.moved === 0n && row.kind !== 'approve_platform' && row.kind !== 'approve_escrow') {
          // Nothing left to collect or burn: done without a transaction.
          await this.o.db.updateTable('chain_op').set({ status: 'done', moved: '0', done_at: now.toISOString() }).where('id', '=', row.id).where('status', '=', 'pending').execute();
          return 'done';
        }
        const nonce = await signer.public.getTransactionCount({ address: signer.account.address, blockTag: 'pending' });
        const request = await signer.wallet.prepareTransactionRequest({ to: call.to, data: call.data, value: call.value, nonce });
        raw = await signer.wallet.signTransaction(request);
        row = { ...row, nonce, raw_tx: raw, tx_hash: keccak256(raw), moved: call.moved.toString(), status: 'signed' };
      } catch (err) {
        // A call the chain would revert (estimated before signing) will not succeed on a retry.
        if (!/revert/i.test(String((err as Error).message))) throw err;
        await this.fail(row, (err as Error).message, now);
        return 'done';
      }
      await this.o.db.updateTable('chain_op').set({ status: 'signed', nonce: row.nonce, raw_tx: row.raw_tx, tx_hash: row.tx_hash, moved: row.moved }).where('id', '=', row.id).where('status', '=', 'pending').execute();
    }
    assert(row.raw_tx !== null && row.tx_hash !== null && row.nonce !== null, `chain: operation ${row.id} signed without its transaction`);
    const hash = row.tx_hash as Hex;
    let receipt = await signer.public.getTransactionReceipt({ hash }).catch(() => null);
    if (!receipt) {
      try {
        await signer.public.sendRawTransaction({ serializedTransaction: row.raw_tx as Hex });
      } catch (err) {
        if (!ALREADY_SENT.test(String((err as Error).message))) throw err;
      }
      receipt = await signer.public.waitForTransactionReceipt({ hash, timeout: this.o.receiptTimeoutMs ?? 30_000 }).catch(() => null);
    }
    if (!receipt) {
      const mined = await signer.public.getTransactionCount({ address: signer.account.address, blockTag: 'latest' });
      if (mined > row.nonce && !(await signer.public.getTransactionReceipt({ hash }).catch(() => null))) {
        // The nonce went to another transaction: ours can never be mined. Sign it again.
        await this.o.db.updateTable('chain_op').set({ status: 'pending', nonce: null, raw_tx: null, tx_hash: null, moved: null }).where('id', '=', row.id).where('status', '=', 'signed').execute();
        return 'done';
      }
      return 'wait';
    }
    if (receipt.status !== 'success') {
      await this.fail(row, `transaction ${hash} reverted`, now);
      return 'done';
    }
    await this.finish(row, hash, receipt.gasUsed, now);
    return 'done';
  }

  private async fail(row: OpRow, error: string, now: Date): Promise<void> {
    await this.o.db.updateTable('chain_op').set({ status: 'failed', error: error.slice(0, 2000), done_at: now.toISOString() }).where('id', '=', row.id).where('status', 'in', ['pending', 'signed']).execute();
  }

  /** Marks the operation done and appends its ledger entry, once. */
  private async finish(row: OpRow, txHash: Hex, gasUsed: bigint, now: Date): Promise<void> {
    const { db, ledger } = this.o;
    const to = row.kind === 'fund_gas' ? await this.merchantAddress(row.merchant_id) : ['deposit', 'confirm', 'cancel'].includes(row.kind) ? this.o.escrow : this.o.token;
    const tickets = await db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('chain_op').set({ status: 'done', done_at: now.toISOString() }).where('id', '=', row.id).where('status', '=', 'signed').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return [];
      return ledger.append(trx, [
        {
          kind: `chain.${row.kind}`,
          actor: 'system',
          subject: row.order_id ? { order: row.order_id, merchant: row.merchant_id } : { merchant: row.merchant_id },
          data: {
            chainId: this.o.platform.chain.id,
            txHash,
            to,
            amountMinor: row.moved ?? row.amount,
            currency: row.currency,
            gasUsed: gasUsed.toString(),
          },
        },
      ]);
    });
    if (tickets.length) await ledger.waitFor(tickets);
  }
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

function norm(r: Selectable<ChainOpTable>): OpRow {
  // PostgreSQL returns bigint columns as strings.
  return { ...r, id: Number(r.id), nonce: r.nonce === null ? null : Number(r.nonce) };
}

/** Rows of the outbox for one order, oldest first. */
export const orderOps = (db: Kysely<Database>, orderId: string) =>
  db.selectFrom('chain_op').selectAll().where('order_id', '=', orderId).orderBy('id').execute().then((rows) => rows.map(norm));
