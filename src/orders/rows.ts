// Orders as stored and as handed out. Facts live as JSON (bigints as decimal strings) next to
// indexed copies of the fields queries and jobs filter on; the two are written together only here.
import type { Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/index.ts';
import type { OrderDocument, ShippingAddress } from './document.ts';
import type { OrderFacts, OrderState } from './flow.ts';

export type OrderRow = Selectable<Database['orders_order']>;
export type EventRow = Selectable<Database['orders_event']>;

export function factsToJson(f: OrderFacts): string {
  return JSON.stringify({ ...f, totalMinor: f.totalMinor.toString(), refundMinor: f.refundMinor === null ? null : f.refundMinor.toString() });
}

export function factsOf(row: Pick<OrderRow, 'id' | 'facts' | 'state' | 'version'>): OrderFacts {
  const raw = JSON.parse(row.facts) as Record<string, unknown>;
  const f = Object.freeze({
    ...raw,
    totalMinor: BigInt(raw['totalMinor'] as string),
    refundMinor: raw['refundMinor'] === null ? null : BigInt(raw['refundMinor'] as string),
    terms: Object.freeze(raw['terms']),
  }) as unknown as OrderFacts;
  assert(f.id === row.id && f.state === row.state, `orders: row ${row.id} disagrees with its facts`);
  return f;
}

/** The next deadline a background job acts on: auto-confirm, overdue payment, end of the review window. */
export function dueAt(f: OrderFacts): string | null {
  if (f.state === 'delivered') return f.autoConfirmAt;
  if (f.state !== 'received') return null;
  if (f.paid) return f.reviewEndsAt;
  return f.overdue ? null : f.paymentDueAt;
}

/** The columns that mirror the facts. */
export const factColumns = (f: OrderFacts) => ({
  state: f.state,
  paid: f.paid ? 1 : 0,
  overdue: f.overdue ? 1 : 0,
  facts: factsToJson(f),
  due_at: dueAt(f),
  updated_at: f.updatedAt,
});

export interface TimelineStep {
  seq: number;
  kind: string;
  from: string | null;
  to: string;
  at: string;
  actor: string;
  data: Record<string, unknown>;
  /** The step's leaf in the ledger; null until the sequencer has integrated it. */
  leafIndex: number | null;
}

export interface OrderView {
  id: string;
  number: string;
  checkoutId: string;
  buyerId: string;
  merchantId: string;
  mode: string;
  state: OrderState;
  currency: string;
  totalMinor: string;
  commissionMinor?: string;
  paid: boolean;
  paymentId: string | null;
  overdue: boolean;
  locationId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  refundMinor: string | null;
  commitment: string;
  createdAt: string;
  updatedAt: string;
  shippedAt: string | null;
  deliveredAt: string | null;
  receivedAt: string | null;
  autoConfirmAt: string | null;
  reviewEndsAt: string | null;
  paymentDueAt: string | null;
  items: { sku: string; name: string; qty: number; unitPriceMinor: string }[];
  /** Only in views for the buyer and the shipping merchant; null once the buyer's personal data was erased. */
  shippingAddress?: ShippingAddress | null;
  timeline?: TimelineStep[];
}

/** The vault field an order's sealed address is bound to. */
export const addressField = (orderId: string) => `order.address:${orderId}`;

/** What address_sealed holds once opened: the address and the salt of its commitment in the document. */
export interface OpenedAddress {
  address: ShippingAddress;
  salt: string;
}

/** The order as its parties see it; `address` is passed only where the caller may see it (undefined: left out). */
export function orderView(row: OrderRow, opts: { commission: boolean }, address?: ShippingAddress | null): OrderView {
  const f = factsOf(row);
  const doc = JSON.parse(row.document) as OrderDocument;
  return {
    id: f.id, number: f.number, checkoutId: row.checkout_id, buyerId: f.buyerId, merchantId: f.merchantId, mode: f.mode,
    state: f.state, currency: f.currency, totalMinor: f.totalMinor.toString(),
    ...(opts.commission ? { commissionMinor: String(row.commission_minor) } : {}),
    paid: f.paid, paymentId: f.paymentId, overdue: f.overdue, locationId: f.locationId, carrier: f.carrier, trackingNumber: f.trackingNumber,
    refundMinor: f.refundMinor === null ? null : f.refundMinor.toString(), commitment: f.commitment,
    createdAt: f.createdAt, updatedAt: f.updatedAt, shippedAt: f.shippedAt, deliveredAt: f.deliveredAt, receivedAt: f.receivedAt,
    autoConfirmAt: f.autoConfirmAt, reviewEndsAt: f.reviewEndsAt, paymentDueAt: f.paymentDueAt,
    items: doc.items.map((i) => ({ sku: i.sku, name: i.name, qty: i.qty, unitPriceMinor: i.unitPriceMinor })),
    ...(address !== undefined ? { shippingAddress: address } : {}),
  };
}
