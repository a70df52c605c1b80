import type { Generated } from 'kysely';

/**
 * A merchant's sponsored-listing campaign. Lists (products, keywords, category ids) are JSON arrays of
 * strings. Spend counters move only by the conditional UPDATE of a charged click (see AdsService.click):
 * spent_total ≤ total_budget_minor and spent_today ≤ daily_budget_minor hold in the database too.
 * spent_today belongs to day_key (UTC yyyy-mm-dd); a click on another day starts it again from zero.
 */
export interface AdsCampaignTable {
  seq: Generated<number>;
  /** 'adc_…' */
  id: string;
  merchant_id: string;
  name: string;
  product_ids: string;
  keywords: string;
  category_ids: string;
  currency: string;
  bid_minor: number;
  daily_budget_minor: number;
  total_budget_minor: number;
  spent_total: number;
  spent_today: number;
  day_key: string;
  /** active | paused | ended | exhausted */
  status: string;
  starts_at: string;
  ends_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** Impressions per campaign per UTC day (served slots). */
export interface AdsImpressionDailyTable {
  campaign_id: string;
  day: string;
  impressions: number;
}

/** Every click, charged or not (with the reason). viewer_key is an HMAC of the viewer, never the raw id. */
export interface AdsClickTable {
  seq: Generated<number>;
  /** 'adk_…' */
  id: string;
  campaign_id: string;
  merchant_id: string;
  product_id: string;
  viewer_key: string | null;
  /** The signed-in clicker (attribution of later orders); null for visitors. Erased with the user. */
  user_id: string | null;
  price_minor: number;
  charged: number;
  reason: string | null;
  transfer_id: string | null;
  day: string;
  created_at: string;
}

/** One row per (campaign, product, viewer): a charged click holds it until blocked_until (the dedupe window). */
export interface AdsClickGuardTable {
  campaign_id: string;
  product_id: string;
  viewer_key: string;
  blocked_until: string;
}

export interface AdsTables {
  ads_campaign: AdsCampaignTable;
  ads_impression_daily: AdsImpressionDailyTable;
  ads_click: AdsClickTable;
  ads_click_guard: AdsClickGuardTable;
}
