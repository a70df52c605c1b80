import type { Generated } from 'kysely';

/**
 * One verified-purchase review: one per (order, sku). The text and photos live here only; the ledger
 * holds their hash. hidden is 0/1 (SQLite has no boolean); a hidden review still counts in the totals.
 */
export interface ReviewsReviewTable {
  /** Orders lists: newest first = highest seq first. */
  seq: Generated<number>;
  /** 'rev_…' */
  id: string;
  product_id: string;
  variant_id: string;
  merchant_id: string;
  order_id: string;
  sku: string;
  buyer_id: string;
  /** 1..5 */
  rating: number;
  text: string;
  /** JSON array of URL strings. */
  photos: string;
  /** hex SHA-256 of the canonical {text, photos}: what review.created carries. */
  content_hash: string;
  hidden: number;
  hidden_reason: string | null;
  reply_text: string | null;
  reply_hash: string | null;
  reply_by: string | null;
  replied_at: string | null;
  reply_updated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReviewsTables {
  reviews_review: ReviewsReviewTable;
}
