/**
 * OrderEscrow calls for one party (buyer, merchant or arbiter), each waiting for its receipt and
 * returning the tx hash that the order's ledger entries record. Order ids on chain are
 * keccak256 of the platform's order id, so no order number is published in clear.
 */
import { keccak256, toHex, type Address, type Hex } from 'viem';
import { compileContracts } from './compile.ts';
import type { ChainClients } from './connector.ts';

export interface Sent {
  txHash: Hex;
  gasUsed: bigint;
}

export const chainOrderId = (orderId: string): Hex => keccak256(toHex(`chainmall:order:${orderId}`));

export class EscrowClient {
  constructor(
    private readonly c: ChainClients,
    readonly escrow: Address,
    readonly token: Address,
  ) {}

  private async send(address: Address, abi: 'OrderEscrow' | 'PlatformToken', functionName: string, args: readonly unknown[]): Promise<Sent> {
    const hash = await this.c.wallet.writeContract({ address, abi: compileContracts()[abi].abi, functionName, args });
    const r = await this.c.public.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`${functionName} reverted (tx ${hash})`);
    return { txHash: hash, gasUsed: r.gasUsed };
  }

  /** Approves the escrow for the amount, then deposits it (buyer). */
  async deposit(orderId: string, merchant: Address, amount: bigint, timeoutSeconds: bigint): Promise<{ approve: Sent; deposit: Sent }> {
    const approve = await this.send(this.token, 'PlatformToken', 'approve', [this.escrow, amount]);
    const deposit = await this.send(this.escrow, 'OrderEscrow', 'deposit', [chainOrderId(orderId), merchant, amount, timeoutSeconds]);
    return { approve, deposit };
  }
  /** Buyer: received, pay the merchant. */
  confirm = (orderId: string) => this.send(this.escrow, 'OrderEscrow', 'confirm', [chainOrderId(orderId)]);
  /** Merchant: cancelled, refund the buyer. */
  cancel = (orderId: string) => this.send(this.escrow, 'OrderEscrow', 'cancel', [chainOrderId(orderId)]);
  refundExpired = (orderId: string) => this.send(this.escrow, 'OrderEscrow', 'refundExpired', [chainOrderId(orderId)]);
  dispute = (orderId: string) => this.send(this.escrow, 'OrderEscrow', 'dispute', [chainOrderId(orderId)]);
  /** Arbiter. */
  resolve = (orderId: string, toMerchant: boolean) => this.send(this.escrow, 'OrderEscrow', 'resolve', [chainOrderId(orderId), toMerchant]);
}
