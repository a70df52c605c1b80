// Public surface of the reviews module: other modules import only from here.
export {
  ReviewsService,
  publicReview,
  type ReviewsDeps,
  type ReviewOrdersPort,
  type ReviewCatalogPort,
  type NewReview,
  type Review,
  type PublicReview,
  type ReviewReply,
  type ProductRating,
  type Page,
  type PageRequest,
} from './service.ts';
export {
  reviewContentHash,
  replyContentHash,
  summarize,
  averageOf,
  parseRating,
  parsePhotos,
  REVIEWABLE_STATES,
  HIDE_REASONS,
  UNHIDE_REASONS,
  RATING_MIN,
  RATING_MAX,
  REVIEW_TEXT_CHARS_MAX,
  REPLY_TEXT_CHARS_MAX,
  PHOTOS_MAX,
  type RatingSummary,
  type Distribution,
  type HideReason,
  type UnhideReason,
} from './rules.ts';
export { reviewsRoutes } from './routes.ts';
export { reviewsMigrations } from './migrations/index.ts';
export type { ReviewsTables } from './tables.ts';
