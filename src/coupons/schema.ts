// JSON Schemas of the coupons API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { APPLIES_IDS_MAX, BPS_MAX, COUPON_CODE_ANY_CASE, COUPON_LIMIT_MAX, COUPONS_LIMIT_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const code = { type: 'string', pattern: COUPON_CODE_ANY_CASE, description: '3..32 of A-Z 0-9 _ - (compared case-insensitively, stored upper case)' } as const;
const amount = { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$', description: 'integer minor units, as a decimal string' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: COUPONS_LIMIT_MAX, default: 50 } as const;
const ids = { type: 'array', maxItems: APPLIES_IDS_MAX, items: id } as const;
const usesLimit = { type: ['integer', 'null'], minimum: 1, maximum: COUPON_LIMIT_MAX } as const;

const applies = {
  type: 'object',
  properties: { productIds: ids, categoryIds: ids, merchantIds: ids },
  additionalProperties: false,
  description: 'each list present must match (AND across lists, OR within one); an empty list matches nothing',
} as const;

export const CodeParam = { type: 'object', required: ['code'], properties: { code }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

export const NewCouponBody = {
  type: 'object',
  required: ['code', 'kind'],
  properties: {
    code,
    kind: { type: 'string', enum: ['fixed', 'percent'] },
    amountMinor: { ...amount, description: 'fixed: the amount off, minor units' },
    percentBps: { type: 'integer', minimum: 1, maximum: BPS_MAX, description: 'percent: basis points off each eligible line' },
    capMinor: { ...amount, description: 'percent: at most this much off in total' },
    minSpendMinor: { ...amount, description: 'eligible spend after promotions needed' },
    validFrom: time,
    validUntil: time,
    applies,
    stackable: { type: 'boolean', default: true },
    totalLimit: { ...usesLimit, description: 'uses in all; null or absent: unlimited' },
    perUserLimit: { ...usesLimit, description: 'uses per user; null or absent: unlimited' },
    merchantId: { ...id, description: 'merchant staff: your merchant (the default); others are refused' },
  },
  additionalProperties: false,
} as const;

const termsProps = {
  code: { type: 'string' },
  funder: { type: 'string', enum: ['platform', 'merchant'] },
  merchantId: { type: ['string', 'null'] },
  kind: { type: 'string', enum: ['fixed', 'percent'] },
  amountMinor: { type: ['string', 'null'] },
  percentBps: { type: ['integer', 'null'] },
  capMinor: { type: ['string', 'null'] },
  minSpendMinor: { type: ['string', 'null'] },
  validFrom: { type: ['string', 'null'] },
  validUntil: { type: ['string', 'null'] },
  applies: { ...applies, type: ['object', 'null'] },
  stackable: { type: 'boolean' },
} as const;
const termsRequired = Object.keys(termsProps) as (keyof typeof termsProps)[];

export const CouponTermsView = { type: 'object', required: termsRequired, properties: termsProps, additionalProperties: false } as const;

export const CouponView = {
  type: 'object',
  required: [...termsRequired, 'totalLimit', 'perUserLimit', 'usedCount', 'active', 'createdBy', 'createdAt'],
  properties: {
    ...termsProps,
    totalLimit: { type: ['integer', 'null'] },
    perUserLimit: { type: ['integer', 'null'] },
    usedCount: { type: 'integer', minimum: 0 },
    active: { type: 'boolean' },
    createdBy: { type: 'string' },
    createdAt: time,
  },
  additionalProperties: false,
} as const;

export const CouponPage = pageOf(CouponView);

export { problems } from '../http/schema.ts';
