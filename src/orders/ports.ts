// What orders needs from the modules around it, stated here so the dependency points one way
// (catalog and inventory know nothing of orders) and tests could substitute them.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Coupon, Promotion } from '../pricing/index.ts';
import type { Actor as HttpActor } from '../http/auth.ts';

export type Reader = Kysely<Database> | Transaction<Database>;

export interface MerchantTerms {
  id: string;
  status: 'active' | 'suspended';
  currency: string;
  payOnReceipt: boolean;
  unpaidLimit: number;
  terms: { autoConfirmDays: number; reviewDays: number; paymentDays: number };
}

export interface CheckoutVariant {
  variantId: string;
  productId: string;
  merchantId: string;
  sku: string;
  name: string;
  priceMinor: bigint;
  currency: string;
  categoryId: string | null;
  purchasable: boolean;
}

export interface CatalogPort {
  merchant(db: Reader, id: string): Promise<MerchantTerms>;
  variantsForCheckout(db: Reader, variantIds: string[]): Promise<CheckoutVariant[]>;
  commissionBps(db: Reader, merchantId: string, categoryId: string | null): Promise<number>;
}

export interface InventoryPort {
  reserve(trx: Transaction<Database>, input: { orderId: string; merchantId: string; lines: { variantId: string; qty: number }[]; expiresAt: string | null; actor: string; committed?: boolean }): Promise<unknown>;
  commit(trx: Transaction<Database>, orderId: string, actor: string): Promise<void>;
  allocate(trx: Transaction<Database>, orderId: string, locationId: string | null, actor: string): Promise<string>;
  ship(trx: Transaction<Database>, orderId: string, actor: string): Promise<void>;
  release(trx: Transaction<Database>, orderId: string, reason: string, actor: string): Promise<void>;
  expiredReservations(db: Reader, now: Date, limit: number, exceptOrders?: readonly string[]): Promise<{ reservationId: string; orderId: string }[]>;
}

/** The SMS one-time-code check wallet payments above a threshold must pass (src/sms). */
export interface SmsGate {
  verify(trx: Transaction<Database>, userId: string, purpose: string, context: string, code: string): Promise<void>;
}

/** Above this many minor units, a wallet payment needs an SMS code; with no gate nothing is asked. */
export interface WalletConfirmation {
  sms: SmsGate;
  thresholdMinor: bigint;
}

/** Loyalty points (src/points): earned at completion, redeemed at checkout, returned with refunds. */
export interface LoyaltyPort {
  earnForOrder(trx: Transaction<Database>, o: { id: string; buyerId: string; merchantId: string; currency: string; totalMinor: bigint; items: { sku: string; qty: number; unitPriceMinor: string }[] }, at: Date): Promise<bigint>;
  redeem(trx: Transaction<Database>, p: { orderId: string; userId: string; points: bigint; currency: string; totalMinor: bigint }): Promise<bigint>;
  returnForOrder(trx: Transaction<Database>, orderId: string, refundMinor: bigint, at: Date): Promise<bigint>;
  /** What `points` are worth against an order of `totalMinor`, or why they cannot pay for it. */
  rules(db: Transaction<Database>): Promise<{ valuePer100PointsMinor: number; redeemMaxPct: number }>;
}

/** Coupons (src/coupons): their rules for pricing, and one use consumed with the order. */
export interface CouponsPort {
  forPricing(db: Reader, codes: string[]): Promise<{ coupons: Coupon[]; unknown: string[] }>;
  use(trx: Transaction<Database>, code: string, userId: string): Promise<void>;
  /** Automatic promotions in force (pricing checks windows and scopes). */
  promotions(db: Reader): Promise<Promotion[]>;
}

/** The personal-data vault (privacy module): addresses are sealed per buyer, staff reads are recorded. */
export interface OrdersPrivacyPort {
  sealFor(trx: Transaction<Database>, userId: string, field: string, value: string): Promise<string>;
  openFor(db: Kysely<Database> | Transaction<Database>, userId: string, field: string, sealed: string): Promise<string | null>;
  recordAccess(trx: Transaction<Database>, actor: HttpActor, userId: string, fields: string[], purpose: 'fulfilment', ref?: string): Promise<void>;
}

/**
 * Live shopping (src/live): a checkout line naming a live session pays the price pinned there and
 * takes from its quota, in the checkout's transaction. Optional: without it such lines are refused.
 */
export interface LivePort {
  /** The live unit price of the variant pinned in the session; 409 live.not_live unless live now, live.not_pinned, 404 live.not_found. */
  livePrice(trx: Transaction<Database>, sessionId: string, variantId: string): Promise<{ priceMinor: bigint; currency: string }>;
  /** Takes qty from the pin's quota for this order (one conditional UPDATE); 409 live.quota_exhausted when it cannot. */
  claim(trx: Transaction<Database>, input: { sessionId: string; variantId: string; orderId: string; qty: number }): Promise<void>;
}
