// JSON Schemas of the reviews API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import {
  HIDE_REASONS,
  PHOTO_URL_CHARS_MAX,
  PHOTOS_MAX,
  RATING_MAX,
  RATING_MIN,
  REPLY_TEXT_CHARS_MAX,
  REVIEW_TEXT_CHARS_MAX,
  REVIEWS_LIMIT_MAX,
  UNHIDE_REASONS,
} from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const hash = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: REVIEWS_LIMIT_MAX, default: 50 } as const;
const rating = { type: 'integer', minimum: RATING_MIN, maximum: RATING_MAX } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;
export const MerchantReviewsQuery = {
  type: 'object',
  properties: { unanswered: { type: 'boolean', description: 'only reviews without a reply' }, cursor, limit },
  additionalProperties: false,
} as const;
export const AdminReviewsQuery = {
  type: 'object',
  properties: { hidden: { type: 'boolean', description: 'only hidden (true) or visible (false) reviews' }, cursor, limit },
  additionalProperties: false,
} as const;

export const NewReviewBody = {
  type: 'object',
  required: ['orderId', 'sku', 'rating', 'text'],
  properties: {
    orderId: id,
    sku: { type: 'string', minLength: 1, maxLength: 64, description: 'the order line reviewed' },
    rating: { ...rating, description: 'whole stars, 1..5' },
    text: { type: 'string', minLength: 1, maxLength: REVIEW_TEXT_CHARS_MAX },
    photos: {
      type: 'array',
      maxItems: PHOTOS_MAX,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: PHOTO_URL_CHARS_MAX, description: 'an http(s) URL' },
    },
  },
  additionalProperties: false,
} as const;

export const ReplyBody = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string', minLength: 1, maxLength: REPLY_TEXT_CHARS_MAX } },
  additionalProperties: false,
} as const;

export const HideBody = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', enum: HIDE_REASONS } },
  additionalProperties: false,
} as const;

export const UnhideBody = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', enum: UNHIDE_REASONS } },
  additionalProperties: false,
} as const;

const reply = {
  type: ['object', 'null'],
  required: ['text', 'repliedAt', 'updatedAt'],
  properties: { text: { type: 'string' }, repliedAt: time, updatedAt: time },
  additionalProperties: false,
  description: 'the merchant\'s answer; null until they answer',
} as const;

const publicProps = {
  id,
  productId: id,
  merchantId: id,
  sku: { type: 'string' },
  rating,
  text: { type: 'string' },
  photos: { type: 'array', items: { type: 'string' } },
  contentHash: { ...hash, description: 'hex SHA-256 of the RFC 8785 canonical {"photos":[…],"text":"…"}: what the ledger\'s review.created carries' },
  reply,
  createdAt: time,
  updatedAt: time,
} as const;
const publicRequired = ['id', 'productId', 'merchantId', 'sku', 'rating', 'text', 'photos', 'contentHash', 'reply', 'createdAt', 'updatedAt'] as const;

export const PublicReviewView = { type: 'object', required: publicRequired, properties: publicProps, additionalProperties: false } as const;

export const ReviewView = {
  type: 'object',
  required: [...publicRequired, 'orderId', 'buyerId', 'hidden', 'hiddenReason'],
  properties: { ...publicProps, orderId: id, buyerId: id, hidden: { type: 'boolean' }, hiddenReason: { type: ['string', 'null'] } },
  additionalProperties: false,
} as const;

export const PublicReviewPage = pageOf(PublicReviewView);
export const ReviewPage = pageOf(ReviewView);

export const RatingView = {
  type: 'object',
  required: ['productId', 'average', 'count', 'visibleCount', 'hiddenCount', 'distribution'],
  properties: {
    productId: id,
    average: { type: ['string', 'null'], pattern: '^[0-9]\\.[0-9]{2}$', description: 'mean rating over all reviews to 2 decimals (half up); null without reviews' },
    count: { ...count, description: 'all reviews, hidden ones included' },
    visibleCount: count,
    hiddenCount: { ...count, description: 'hidden by moderation: not listed, still counted' },
    distribution: {
      type: 'object',
      required: ['1', '2', '3', '4', '5'],
      properties: { '1': count, '2': count, '3': count, '4': count, '5': count },
      additionalProperties: false,
      description: 'reviews per star, over all reviews',
    },
  },
  additionalProperties: false,
} as const;

export { problems } from '../http/schema.ts';
