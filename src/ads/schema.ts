// JSON Schemas of the ads API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { CAMPAIGN_STATUSES, CATEGORIES_MAX, KEYWORD_CHARS_MAX, KEYWORDS_MAX, LIMIT_MAX, NAME_CHARS_MAX, PRODUCTS_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const minorIn = { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'integer minor units as a decimal string ("30" is 0.30 CNY)' } as const;
const minorOut = { type: 'string', pattern: '^-?[0-9]+$', description: 'integer minor units as a decimal string' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIMIT_MAX, default: 50 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const ids = (max: number) => ({ type: 'array', maxItems: max, items: id }) as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

export const FundBody = {
  type: 'object',
  required: ['amountMinor'],
  properties: { amountMinor: minorIn },
  additionalProperties: false,
} as const;

const campaignProps = {
  name: { type: 'string', minLength: 1, maxLength: NAME_CHARS_MAX },
  productIds: { ...ids(PRODUCTS_MAX), minItems: 1, description: 'your own products to advertise' },
  keywords: { type: 'array', maxItems: KEYWORDS_MAX, items: { type: 'string', minLength: 1, maxLength: KEYWORD_CHARS_MAX }, description: 'search queries to appear on (exact, phrase or broad match)' },
  categoryIds: { ...ids(CATEGORIES_MAX), description: 'category pages to appear on' },
  bidMinor: { ...minorIn, description: 'the most you pay per click' },
  dailyBudgetMinor: { ...minorIn, description: 'the most spent per UTC day' },
  totalBudgetMinor: { ...minorIn, description: 'the most spent over the campaign\'s life' },
  startsAt: { ...time, description: 'default: now' },
  endsAt: { ...time, type: ['string', 'null'], description: 'null: no end' },
} as const;

export const NewCampaignBody = {
  type: 'object',
  required: ['name', 'productIds', 'bidMinor', 'dailyBudgetMinor', 'totalBudgetMinor'],
  properties: campaignProps,
  additionalProperties: false,
} as const;

export const CampaignPatchBody = { type: 'object', properties: campaignProps, additionalProperties: false } as const;

export const CampaignView = {
  type: 'object',
  required: ['id', 'merchantId', 'name', 'productIds', 'keywords', 'categoryIds', 'currency', 'bidMinor', 'dailyBudgetMinor', 'totalBudgetMinor', 'spentTotalMinor', 'spentTodayMinor', 'status', 'startsAt', 'endsAt', 'createdAt', 'updatedAt'],
  properties: {
    id,
    merchantId: id,
    name: { type: 'string' },
    productIds: { type: 'array', items: id },
    keywords: { type: 'array', items: { type: 'string' } },
    categoryIds: { type: 'array', items: id },
    currency,
    bidMinor: minorOut,
    dailyBudgetMinor: minorOut,
    totalBudgetMinor: minorOut,
    spentTotalMinor: minorOut,
    spentTodayMinor: minorOut,
    status: { type: 'string', enum: CAMPAIGN_STATUSES, description: 'exhausted: the total budget cannot pay another click; ended: past endsAt or ended by the merchant' },
    startsAt: time,
    endsAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const CampaignPage = pageOf(CampaignView);

export const BalanceView = {
  type: 'object',
  required: ['account', 'currency', 'availableMinor', 'receivableAvailableMinor'],
  properties: { account: { type: 'string' }, currency, availableMinor: minorOut, receivableAvailableMinor: minorOut, transfer: { type: 'string' } },
  additionalProperties: false,
} as const;

export const StatementView = {
  type: 'object',
  required: ['account', 'currency', 'items', 'nextCursor'],
  properties: {
    account: { type: 'string' },
    currency,
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['transfer', 'direction', 'amountMinor', 'code', 'balanceAfterMinor', 'createdAt'],
        properties: {
          transfer: { type: 'string' },
          direction: { type: 'string', enum: ['debit', 'credit'], description: 'credit: funding; debit: a charged click' },
          amountMinor: minorOut,
          code: { type: 'string', description: 'ads_funding or ad_click' },
          balanceAfterMinor: minorOut,
          createdAt: time,
        },
        additionalProperties: false,
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const StatementQuery = {
  type: 'object',
  properties: { cursor: { type: 'string', maxLength: 20, description: 'nextCursor of the previous page' }, limit },
  additionalProperties: false,
} as const;

export const SlotsQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200, description: 'the search query of the page' },
    categoryId: { ...id, description: 'the category of the page' },
  },
  additionalProperties: false,
} as const;

export const SlotsView = {
  type: 'object',
  required: ['slots'],
  properties: {
    slots: {
      type: 'array',
      items: {
        type: 'object',
        required: ['position', 'campaignId', 'productId', 'title', 'currency', 'minPriceMinor', 'image', 'url', 'token'],
        properties: {
          position: { type: 'integer', minimum: 1 },
          campaignId: id,
          productId: id,
          title: { type: 'string' },
          currency,
          minPriceMinor: { type: ['string', 'null'], pattern: '^[0-9]+$' },
          image: {
            type: ['object', 'null'],
            required: ['url', 'alt'],
            properties: { url: { type: 'string' }, alt: { type: 'string' } },
            additionalProperties: false,
          },
          url: { type: 'string', description: 'the product page' },
          token: { type: 'string', description: 'signed impression token: pass it to POST /api/ads/clicks' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const ClickBody = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 2048 } },
  additionalProperties: false,
} as const;

export const ClickView = {
  type: 'object',
  required: ['clickId', 'charged', 'reason', 'priceMinor', 'productId', 'url'],
  properties: {
    clickId: id,
    charged: { type: 'boolean' },
    reason: {
      type: ['string', 'null'],
      enum: ['duplicate', 'own_staff', 'no_viewer', 'viewer_mismatch', 'expired', 'inactive', 'budget', 'ad_balance', null],
      description: 'why the click was not charged; null when charged',
    },
    priceMinor: minorOut,
    productId: id,
    url: { type: 'string', description: 'where to send the visitor' },
  },
  additionalProperties: false,
} as const;

const dayProps = {
  impressions: count,
  clicks: count,
  chargedClicks: count,
  spendMinor: minorOut,
  attributedOrders: { ...count, description: 'orders with an advertised product by a signed-in buyer within 7 days after a charged click' },
  attributedSalesMinor: minorOut,
} as const;

export const StatsView = {
  type: 'object',
  required: ['campaign', 'totals', 'days'],
  properties: {
    campaign: CampaignView,
    totals: { type: 'object', required: Object.keys(dayProps), properties: dayProps, additionalProperties: false },
    days: {
      type: 'array',
      description: 'newest day first (UTC days)',
      items: { type: 'object', required: ['day', ...Object.keys(dayProps)], properties: { day: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }, ...dayProps }, additionalProperties: false },
    },
  },
  additionalProperties: false,
} as const;

export { problems } from '../http/schema.ts';
