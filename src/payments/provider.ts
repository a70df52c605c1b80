// What a payment provider is to the payments module. Adapters (sandbox, Alipay, WeChat Pay, Stripe)
// implement it; everything that talks to a provider happens outside database transactions.
import type { Json } from '../ledger/index.ts';
import type { NotifiedStatus, RawCallback, VerifiedNotification } from './providers/types.ts';

export type ProviderName = 'sandbox' | 'alipay' | 'wechatpay' | 'stripe';

export interface CreateRequest {
  paymentId: string;
  amountMinor: bigint;
  currency: string;
  description: string;
  /** Where the provider sends its asynchronous notifications. */
  notifyUrl: string;
  expiresAt: string;
}

export interface Created {
  /** The provider's id of the payment, when it gives one at creation. */
  providerRef: string | null;
  /** What the buyer's client needs: a pay URL and QR text, Alipay's order_info, WeChat's code_url… */
  clientParams: Record<string, Json>;
}

export interface ProviderStatus {
  status: NotifiedStatus;
  providerTxnId: string | null;
  amountMinor: bigint | null;
  currency: string | null;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  create(req: CreateRequest): Promise<Created>;
  /** Verifies a callback over its raw bytes; throws CallbackRejected with a reason code. */
  verify(raw: RawCallback, now: Date): VerifiedNotification;
  /** The answer that tells the provider to stop retrying. */
  readonly ack: { status: number; body: string; contentType: string };
  /** The provider's view of a payment (reconciliation); null when it does not know it. */
  query(p: { paymentId: string; providerRef: string | null }): Promise<ProviderStatus | null>;
  refund(p: { paymentId: string; providerRef: string | null; refundId: string; amountMinor: bigint; totalMinor: bigint; currency: string }): Promise<'succeeded' | 'pending' | 'failed'>;
}
