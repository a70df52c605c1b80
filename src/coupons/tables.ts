/**
 * A coupon: its code (upper case) is its key. rule is the JSON of the pricing Coupon's terms, amounts as
 * decimal strings. active is 0/1 (SQLite has no boolean). used_count never exceeds total_limit.
 */
export interface CouponsCouponTable {
  code: string;
  funder: 'platform' | 'merchant';
  /** Set exactly for merchant coupons. */
  merchant_id: string | null;
  /** JSON StoredRule (see rules.ts). */
  rule: string;
  /** null: unlimited. */
  total_limit: number | null;
  /** null: unlimited. */
  per_user_limit: number | null;
  used_count: number;
  active: number;
  created_by: string;
  created_at: string;
  /** A prize coupon only its winner may use (its code is public in the ledger, so knowing it is not enough). */
  owner_id: string | null;
}

/** Uses of a coupon by one user. */
export interface CouponsUseTable {
  code: string;
  user_id: string;
  count: number;
}

/** An automatic promotion; rule is the JSON of pricing's Promotion fields (amounts as strings). */
export interface CouponsPromotionTable {
  id: string;
  funder: 'platform' | 'merchant';
  merchant_id: string | null;
  rule: string;
  active: number;
  created_by: string;
  created_at: string;
}

export interface CouponsTables {
  coupons_coupon: CouponsCouponTable;
  coupons_use: CouponsUseTable;
  coupons_promotion: CouponsPromotionTable;
}
