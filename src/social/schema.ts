// JSON Schemas of the social API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { ANSWER_TEXT_CHARS_MAX, LIMIT_DEFAULT, LIMIT_MAX, QUESTION_TEXT_CHARS_MAX, WISHLIST_NAME_CHARS_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const cursor = { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIMIT_MAX, default: LIMIT_DEFAULT } as const;
const count = { type: 'integer', minimum: 0 } as const;
const minor = { type: ['string', 'null'], pattern: '^[0-9]+$', description: 'lowest active price in minor units' } as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const MerchantParam = { type: 'object', required: ['merchantId'], properties: { merchantId: id }, additionalProperties: false } as const;
export const ItemParam = { type: 'object', required: ['id', 'productId'], properties: { id, productId: id }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

export const FollowState = {
  type: 'object',
  required: ['merchantId', 'followers', 'following'],
  properties: { merchantId: id, followers: { ...count, description: 'buyers following the merchant' }, following: { type: 'boolean', description: 'whether the caller follows it' } },
  additionalProperties: false,
} as const;

export const FollowPage = pageOf({
  type: 'object',
  required: ['merchantId', 'merchantName', 'followedAt'],
  properties: { merchantId: id, merchantName: { type: 'string' }, followedAt: time },
  additionalProperties: false,
} as const);

export const FeedPage = pageOf({
  type: 'object',
  required: ['kind', 'id', 'at', 'merchantId', 'productId', 'title', 'href', 'priceMinor', 'currency'],
  properties: {
    kind: { type: 'string', description: "'product.new' (a followed merchant listed a product); other modules add kinds" },
    id,
    at: time,
    merchantId: id,
    productId: { type: ['string', 'null'] },
    title: { type: 'string' },
    href: { type: 'string', description: 'in-app path' },
    priceMinor: minor,
    currency: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const);

const name = { type: 'string', minLength: 1, maxLength: WISHLIST_NAME_CHARS_MAX, description: 'one line' } as const;
export const NewWishlistBody = { type: 'object', required: ['name'], properties: { name, public: { type: 'boolean', default: false } }, additionalProperties: false } as const;
export const WishlistPatchBody = { type: 'object', properties: { name, public: { type: 'boolean' } }, additionalProperties: false, minProperties: 1 } as const;

const summaryProps = { id, name: { type: 'string' }, public: { type: 'boolean' }, itemCount: count, createdAt: time, updatedAt: time } as const;
const summaryRequired = ['id', 'name', 'public', 'itemCount', 'createdAt', 'updatedAt'] as const;
export const WishlistPage = pageOf({ type: 'object', required: summaryRequired, properties: summaryProps, additionalProperties: false } as const);
export const WishlistView = {
  type: 'object',
  required: [...summaryRequired, 'mine', 'items'],
  properties: {
    ...summaryProps,
    mine: { type: 'boolean' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['productId', 'title', 'merchantId', 'available', 'priceMinor', 'currency', 'addedAt'],
        properties: { productId: id, title: { type: 'string' }, merchantId: { type: 'string' }, available: { type: 'boolean' }, priceMinor: minor, currency: { type: ['string', 'null'] }, addedAt: time },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const NewLinkBody = { type: 'object', required: ['productId'], properties: { productId: id }, additionalProperties: false } as const;
const linkProps = {
  id,
  code: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$', description: '128 random bits, base64url' },
  url: { type: 'string', description: '/p/<productId>?ref=<code>' },
  productId: id,
  createdAt: time,
} as const;
export const LinkView = { type: 'object', required: ['id', 'code', 'url', 'productId', 'createdAt'], properties: linkProps, additionalProperties: false } as const;
export const LinkStatsPage = pageOf({
  type: 'object',
  required: ['id', 'code', 'url', 'productId', 'createdAt', 'productTitle', 'visits', 'orders', 'pointsEarned', 'reversed'],
  properties: {
    ...linkProps,
    productTitle: { type: ['string', 'null'] },
    visits: { ...count, description: 'signed-in buyers who arrived through it' },
    orders: { ...count, description: 'paid orders attributed to it' },
    pointsEarned: { type: 'string', pattern: '^[0-9]+$', description: 'points granted and not reversed' },
    reversed: { ...count, description: 'rewards reversed by a refund, cancellation or rejection' },
  },
  additionalProperties: false,
} as const);
export const VisitBody = { type: 'object', required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 64 } }, additionalProperties: false } as const;
export const VisitView = { type: 'object', required: ['productId', 'visitedAt'], properties: { productId: id, visitedAt: time }, additionalProperties: false } as const;

export const QuestionBody = { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: QUESTION_TEXT_CHARS_MAX, description: 'one line' } }, additionalProperties: false } as const;
export const AnswerBody = { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: ANSWER_TEXT_CHARS_MAX, description: 'line breaks allowed' } }, additionalProperties: false } as const;
export const ModerationBody = { type: 'object', required: ['hidden'], properties: { hidden: { type: 'boolean' } }, additionalProperties: false } as const;

export const AnswerView = {
  type: 'object',
  required: ['id', 'questionId', 'badge', 'text', 'hidden', 'createdAt'],
  properties: { id, questionId: id, badge: { type: 'string', enum: ['seller', 'verified_buyer'] }, text: { type: 'string' }, hidden: { type: 'boolean' }, createdAt: time },
  additionalProperties: false,
} as const;
export const QuestionView = {
  type: 'object',
  required: ['id', 'productId', 'text', 'hidden', 'createdAt', 'answers'],
  properties: { id, productId: id, text: { type: 'string' }, hidden: { type: 'boolean' }, createdAt: time, answers: { type: 'array', items: AnswerView } },
  additionalProperties: false,
} as const;
export const QuestionPage = pageOf(QuestionView);

export { problems } from '../http/schema.ts';
