import type { Generated } from 'kysely';

/**
 * A merchant (a shop on the marketplace) and its terms. Flags are 0/1 (SQLite has no boolean).
 * seq orders lists (cursor pagination); id is what every other module knows the merchant by.
 */
export interface CatalogMerchantTable {
  seq: Generated<number>;
  /** 'mer_…' */
  id: string;
  name: string;
  slug: string;
  status: string;
  currency: string;
  pay_on_receipt: number;
  /** Most received-but-unpaid pay-on-receipt orders one buyer may hold with this merchant. */
  unpaid_limit: number;
  /** Default platform commission in basis points, when no rule in catalog_commission applies. */
  commission_bps: number;
  auto_confirm_days: number;
  review_days: number;
  payment_days: number;
  created_at: string;
}

/** A commission rule: per category (any merchant) or per merchant and category. */
export interface CatalogCommissionTable {
  seq: Generated<number>;
  /** 'com_…' */
  id: string;
  merchant_id: string | null;
  category_id: string;
  /** merchant_id or '*', then '|', then category_id: unique, so a rule is set, never duplicated. */
  scope: string;
  bps: number;
  created_at: string;
  updated_at: string;
}

export interface CatalogCategoryTable {
  seq: Generated<number>;
  /** 'cat_…' */
  id: string;
  parent_id: string | null;
  slug: string;
  name: string;
  created_at: string;
}

export interface CatalogProductTable {
  seq: Generated<number>;
  /** 'prd_…' */
  id: string;
  merchant_id: string;
  title: string;
  description: string;
  category_id: string | null;
  status: string;
  /**
   * The searchable words (title, description, active variants' SKUs), normalized by searchWords():
   * kept by the service on every write. SQLite indexes it with FTS5 (triggers), PostgreSQL with a
   * generated tsvector column `search` and a GIN index; neither is part of this interface.
   */
  search_text: string;
  created_at: string;
  updated_at: string;
}

export interface CatalogImageTable {
  seq: Generated<number>;
  /** 'img_…' */
  id: string;
  product_id: string;
  url: string;
  alt: string;
  position: number;
  created_at: string;
}

export interface CatalogVariantTable {
  seq: Generated<number>;
  /** 'var_…' */
  id: string;
  product_id: string;
  /** Copied from the product so that the SKU can be unique per merchant. */
  merchant_id: string;
  sku: string;
  title: string;
  /** JSON object of string → string, e.g. {"color":"red","size":"L"}. */
  options: string;
  /** Integer minor units. */
  price_minor: number;
  currency: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface CatalogTables {
  catalog_merchant: CatalogMerchantTable;
  catalog_commission: CatalogCommissionTable;
  catalog_category: CatalogCategoryTable;
  catalog_product: CatalogProductTable;
  catalog_image: CatalogImageTable;
  catalog_variant: CatalogVariantTable;
}
