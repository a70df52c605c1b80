// Public surface of the ads module (sponsored listings): other modules import only from here.
export {
  AdsService,
  type AdsDeps,
  type Campaign,
  type CampaignInput,
  type CampaignStats,
  type ClickOutcome,
  type DayStats,
  type Slot,
  type AdBalance,
  type Viewer as AdViewer,
} from './service.ts';
export { runAuction, relevanceOf, keywordRelevance, tokens, DEFAULT_SLOTS, DEFAULT_RESERVE_MINOR, type Bidder, type Winner } from './auction.ts';
export { adsTokenKey, signImpression, verifyImpression, CAMPAIGN_STATUSES, DEDUPE_WINDOW_MS, TOKEN_TTL_MS, ATTRIBUTION_MS, type CampaignStatus, type Impression } from './rules.ts';
export { catalogPort as adsCatalogPort, type AdsCatalogPort, type AdProduct } from './ports.ts';
export { adsRoutes } from './routes.ts';
export { adsMigrations } from './migrations/index.ts';
export type { AdsTables } from './tables.ts';
