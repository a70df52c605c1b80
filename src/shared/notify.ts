import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Json } from '../ledger/entry.ts';

/**
 * Something a user or a merchant's staff should hear about (new order, low stock, shipped, payment
 * due). Written in the caller's transaction like any other business row (an outbox): if the command
 * rolls back, nobody is told. The notifications module fans it out to the in-app list, the SSE
 * stream and the merchant's webhooks.
 */
export interface Notice {
  audience: { userId: string } | { merchantId: string };
  /** Dotted event type, e.g. 'order.created', 'stock.low', 'order.shipped', 'order.payment_due'. */
  kind: string;
  /** Ids, amounts and times only: no personal data (webhook payloads leave the platform). */
  data: Record<string, Json>;
}

export type Notify = (trx: Transaction<Database>, notice: Notice) => Promise<void>;

/** For modules and tests that run without the notifications module. */
export const notifyNobody: Notify = async () => {};
