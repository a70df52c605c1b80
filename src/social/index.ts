// Public surface of the social module: other modules import only from here.
export {
  SocialService,
  newProductsSource,
  type FeedSource,
  type SocialDeps,
  type SocialCatalogPort,
  type Follow,
  type Wishlist,
  type WishlistSummary,
  type ReferralLink,
  type ReferralLinkStats,
  type Question,
  type Answer,
  type ProductCard,
} from './service.ts';
export {
  attribute,
  mergeFeed,
  isBefore,
  feedKey,
  parseText,
  referralUrl,
  REFERRAL_REWARD_POINTS_DEFAULT,
  REFERRAL_WINDOW_DAYS_DEFAULT,
  type FeedItem,
  type FeedCursor,
  type Visit,
} from './rules.ts';
export { socialRoutes } from './routes.ts';
export { socialMigrations } from './migrations/index.ts';
export type { SocialTables } from './tables.ts';
