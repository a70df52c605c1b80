// Pricing inputs and outputs. Amounts are bigint integer minor units of the line's ISO 4217 currency; never floats.

/** Who pays for a discount. Settlement pays platform-funded discounts to the merchant whose line carried them. */
export type Funder = 'platform' | 'merchant';

/**
 * Restricts a rule to some lines. Each list that is present must match (AND across lists, OR within one);
 * an absent list does not restrict; an empty list matches nothing (a restriction never widens by accident).
 * A line with no category never matches `categoryIds`.
 */
export interface Applies {
  productIds?: string[];
  categoryIds?: string[];
  merchantIds?: string[];
}

export interface CartLine {
  lineId: string;
  merchantId: string;
  productId: string;
  variantId: string;
  categoryId: string | null;
  /** Positive safe integer. */
  qty: number;
  /** Non-negative; qty × unit stays within AMOUNT_MAX. */
  unitPriceMinor: bigint;
  currency: string;
}

export interface Coupon {
  code: string;
  funder: Funder;
  /** Required when funder is 'merchant': a merchant coupon applies only to that merchant's lines. */
  merchantId?: string;
  kind: 'fixed' | 'percent';
  /** fixed: the amount off, spread over the eligible lines. */
  amountMinor?: bigint;
  /** percent: 1..10000 basis points off each eligible line (floored per line). */
  percentBps?: number;
  /** percent: at most this much in total. */
  capMinor?: bigint;
  /** Measured over the eligible lines' net amounts after promotions (before any coupon). */
  minSpendMinor?: bigint;
  /** ISO 8601; valid when validFrom ≤ now < validUntil. */
  validFrom?: string;
  validUntil?: string;
  applies?: Applies;
  /** false: cannot be combined with any other coupon. */
  stackable: boolean;
}

export type PromotionKind =
  /** percentBps off each eligible line (floored per line). */
  | 'category_discount'
  /** Per eligible variant: for every buyX + getY units, the getY cheapest are free. */
  | 'buy_x_get_y'
  /** Eligible spend ≥ thresholdMinor → saveMinor off, spread over the eligible lines. */
  | 'spend_and_save';

export interface Promotion {
  id: string;
  funder: Funder;
  /** Required when funder is 'merchant': applies only to that merchant's lines. */
  merchantId?: string;
  kind: PromotionKind;
  percentBps?: number;
  buyX?: number;
  getY?: number;
  thresholdMinor?: bigint;
  saveMinor?: bigint;
  applies?: Applies;
  validFrom?: string;
  validUntil?: string;
}

export interface PriceOptions {
  coupons: Coupon[];
  promotions: Promotion[];
  now: Date;
}

/** One discount's part on one line. */
export interface Applied {
  source: 'coupon' | 'promotion';
  /** The coupon code or the promotion id. */
  id: string;
  funder: Funder;
  /** The merchant whose line carries the discount (the one settlement pays when the platform funds it). */
  merchantId: string;
  /** Always > 0: a rule that gives a line nothing leaves no record on it. */
  amountMinor: bigint;
}

export interface PricedLine {
  lineId: string;
  /** qty × unit price. */
  listMinor: bigint;
  discountMinor: bigint;
  /** listMinor − discountMinor, never negative. */
  netMinor: bigint;
  /** In the order the discounts were applied. */
  discounts: Applied[];
}

export interface MerchantTotals {
  merchantId: string;
  currency: string;
  listMinor: bigint;
  discountMinor: bigint;
  netMinor: bigint;
  platformFundedMinor: bigint;
  merchantFundedMinor: bigint;
}

/** Why a coupon was not applied (stable codes, shown to the buyer by the caller). */
export const REFUSAL_REASONS = [
  'duplicate', // the same code was given twice; the first one counts
  'not_yet_valid', // now < validFrom
  'expired', // now ≥ validUntil
  'no_eligible_lines', // nothing in the cart matches its merchant / applies filters
  'mixed_currency', // its eligible lines span more than one currency
  'min_spend_not_met', // eligible net after promotions < minSpendMinor
  'blocked_by_non_stackable', // a non-stackable coupon was applied before it
  'not_stackable', // it is non-stackable and another coupon was applied before it
  'nothing_to_discount', // it would take 0 off (eligible lines already at 0, or a percent floors to 0)
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Priced {
  /** Same order as the cart. */
  lines: PricedLine[];
  /** One row per (merchant, currency), sorted by merchantId then currency. */
  perMerchant: MerchantTotals[];
  /** Codes / ids that took something off, in the order they were applied. */
  applied: { coupons: string[]; promotions: string[] };
  /** Coupons not applied, in the order given. */
  refused: { code: string; reason: RefusalReason }[];
}
