// JSON Schemas of the catalog API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import {
  ALT_CHARS_MAX,
  BPS_MAX,
  DESCRIPTION_CHARS_MAX,
  IMAGES_PER_PRODUCT_MAX,
  LIMIT_MAX,
  NAME_CHARS_MAX,
  OPTION_VALUE_CHARS_MAX,
  OPTIONS_MAX,
  PRODUCT_STATUSES,
  SKU_CHARS_MAX,
  SLUG_CHARS_MAX,
  TERM_DAYS_MAX,
  TITLE_CHARS_MAX,
  UNPAID_LIMIT_MAX,
  URL_CHARS_MAX,
  VARIANT_STATUSES,
  VARIANTS_PER_PRODUCT_MAX,
  MERCHANT_STATUSES,
} from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const nullableId = { type: ['string', 'null'], minLength: 1, maxLength: 64 } as const;
const minor = { type: 'string', pattern: '^[0-9]{1,16}$', description: 'integer minor units as a decimal string, e.g. "4990" = 49.90 CNY' } as const;
const nullableMinor = { type: ['string', 'null'], pattern: '^[0-9]{1,16}$', description: 'integer minor units as a decimal string; null without active variants' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217' } as const;
const slug = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: SLUG_CHARS_MAX } as const;
const options = {
  type: 'object',
  maxProperties: OPTIONS_MAX,
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' },
  additionalProperties: { type: 'string', minLength: 1, maxLength: OPTION_VALUE_CHARS_MAX },
  description: 'e.g. {"color":"red","size":"L"}',
} as const;
const days = { type: 'integer', minimum: 1, maximum: TERM_DAYS_MAX } as const;
const bps = { type: 'integer', minimum: 0, maximum: BPS_MAX, description: 'basis points: 500 = 5%' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIMIT_MAX, default: 50 } as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;

export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

export const ProductQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200, description: 'words of the title, description or a SKU; all must match' },
    categoryId: { ...id, description: 'this category and its subcategories' },
    merchantId: id,
    cursor,
    limit,
  },
  additionalProperties: false,
} as const;

export const MerchantProductQuery = {
  type: 'object',
  properties: { status: { type: 'string', enum: PRODUCT_STATUSES }, cursor, limit },
  additionalProperties: false,
} as const;


// ---------------------------------------------------------------- merchants

const terms = {
  type: 'object',
  required: ['autoConfirmDays', 'reviewDays', 'paymentDays'],
  properties: {
    autoConfirmDays: { ...days, description: 'delivered → received without the buyer after this many days' },
    reviewDays: { ...days, description: 'received → completed after this many days' },
    paymentDays: { ...days, description: 'pay on receipt: payment due this many days after receipt' },
  },
  additionalProperties: false,
} as const;
const partialTerms = { ...terms, required: [] } as const;

export const MerchantView = {
  type: 'object',
  required: ['id', 'name', 'slug', 'status', 'currency', 'payOnReceipt', 'unpaidLimit', 'commissionBps', 'terms', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    slug: { type: 'string' },
    status: { type: 'string', enum: MERCHANT_STATUSES },
    currency,
    payOnReceipt: { type: 'boolean' },
    unpaidLimit: { type: 'integer', description: 'most received-but-unpaid pay-on-receipt orders per buyer' },
    commissionBps: { ...bps, description: 'default platform commission when no category rule applies' },
    terms,
    createdAt: time,
  },
  additionalProperties: false,
} as const;

export const MerchantPage = pageOf(MerchantView);

export const PublicMerchantView = {
  type: 'object',
  required: ['id', 'name', 'slug', 'currency', 'payOnReceipt'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, slug: { type: 'string' }, currency, payOnReceipt: { type: 'boolean' } },
  additionalProperties: false,
} as const;

export const NewMerchantBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: NAME_CHARS_MAX },
    slug: { ...slug, description: 'derived from the name when absent' },
    currency: { ...currency, description: 'ISO 4217; default CNY; fixed for the merchant\'s life' },
    payOnReceipt: { type: 'boolean' },
    unpaidLimit: { type: 'integer', minimum: 0, maximum: UNPAID_LIMIT_MAX },
    commissionBps: bps,
    terms: partialTerms,
  },
  additionalProperties: false,
} as const;

export const MerchantPatchBody = {
  type: 'object',
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: NAME_CHARS_MAX },
    status: { type: 'string', enum: MERCHANT_STATUSES },
    payOnReceipt: { type: 'boolean' },
    unpaidLimit: { type: 'integer', minimum: 0, maximum: UNPAID_LIMIT_MAX },
    commissionBps: bps,
    terms: partialTerms,
  },
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------- categories and commission

export const CategoryView = {
  type: 'object',
  required: ['id', 'parentId', 'slug', 'name', 'createdAt'],
  properties: { id: { type: 'string' }, parentId: { type: ['string', 'null'] }, slug: { type: 'string' }, name: { type: 'string' }, createdAt: time },
  additionalProperties: false,
} as const;

export const CategoryPage = pageOf(CategoryView);

export const NewCategoryBody = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: NAME_CHARS_MAX }, slug, parentId: nullableId },
  additionalProperties: false,
} as const;

export const CommissionRuleView = {
  type: 'object',
  required: ['id', 'merchantId', 'categoryId', 'bps', 'createdAt', 'updatedAt'],
  properties: { id: { type: 'string' }, merchantId: { type: ['string', 'null'] }, categoryId: { type: 'string' }, bps, createdAt: time, updatedAt: time },
  additionalProperties: false,
} as const;

export const CommissionRulePage = pageOf(CommissionRuleView);

export const NewCommissionRuleBody = {
  type: 'object',
  required: ['categoryId', 'bps'],
  properties: { categoryId: id, merchantId: { ...nullableId, description: 'omit or null for every merchant in the category' }, bps },
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------- products

export const ImageView = {
  type: 'object',
  required: ['id', 'url', 'alt', 'position'],
  properties: { id: { type: 'string' }, url: { type: 'string' }, alt: { type: 'string' }, position: { type: 'integer' } },
  additionalProperties: false,
} as const;

export const VariantView = {
  type: 'object',
  required: ['id', 'productId', 'sku', 'title', 'options', 'priceMinor', 'currency', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    productId: { type: 'string' },
    sku: { type: 'string' },
    title: { type: 'string' },
    options: { type: 'object', additionalProperties: { type: 'string' } },
    priceMinor: minor,
    currency,
    status: { type: 'string', enum: VARIANT_STATUSES },
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const ProductView = {
  type: 'object',
  required: ['id', 'merchantId', 'title', 'description', 'categoryId', 'status', 'currency', 'minPriceMinor', 'maxPriceMinor', 'variants', 'images', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    merchantId: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    categoryId: { type: ['string', 'null'] },
    status: { type: 'string', enum: PRODUCT_STATUSES },
    currency,
    minPriceMinor: nullableMinor,
    maxPriceMinor: nullableMinor,
    variants: { type: 'array', items: VariantView, description: 'active ones only, unless you are the merchant\'s staff or an admin' },
    images: { type: 'array', items: ImageView },
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const ProductSummaryView = {
  type: 'object',
  required: ['id', 'merchantId', 'title', 'categoryId', 'status', 'currency', 'minPriceMinor', 'maxPriceMinor', 'image', 'variants', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    merchantId: { type: 'string' },
    title: { type: 'string' },
    categoryId: { type: ['string', 'null'] },
    status: { type: 'string', enum: PRODUCT_STATUSES },
    currency,
    minPriceMinor: nullableMinor,
    maxPriceMinor: nullableMinor,
    image: {
      type: ['object', 'null'],
      required: ['url', 'alt'],
      properties: { url: { type: 'string' }, alt: { type: 'string' } },
      additionalProperties: false,
      description: 'the first image',
    },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'sku', 'title', 'options', 'priceMinor', 'status'],
        properties: {
          id: { type: 'string' },
          sku: { type: 'string' },
          title: { type: 'string' },
          options: { type: 'object', additionalProperties: { type: 'string' } },
          priceMinor: minor,
          status: { type: 'string', enum: VARIANT_STATUSES },
        },
        additionalProperties: false,
      },
    },
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const ProductPage = pageOf(ProductSummaryView);

const price = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,15}$',
  description: 'positive integer minor units as a decimal string, e.g. "4990" (a JSON integer is accepted too)',
} as const;

export const NewVariantBody = {
  type: 'object',
  required: ['sku', 'title', 'priceMinor'],
  properties: {
    sku: { type: 'string', minLength: 1, maxLength: SKU_CHARS_MAX, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', description: 'unique per merchant' },
    title: { type: 'string', minLength: 1, maxLength: NAME_CHARS_MAX, description: 'e.g. "Red / L"' },
    options,
    priceMinor: price,
    currency: { ...currency, description: 'must be the merchant\'s currency; defaults to it' },
    status: { type: 'string', enum: VARIANT_STATUSES },
  },
  additionalProperties: false,
} as const;

export const VariantPatchBody = {
  type: 'object',
  minProperties: 1,
  properties: {
    sku: NewVariantBody.properties.sku,
    title: NewVariantBody.properties.title,
    options,
    priceMinor: price,
    status: { type: 'string', enum: VARIANT_STATUSES },
  },
  additionalProperties: false,
} as const;

export const NewImageBody = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: URL_CHARS_MAX, description: 'absolute https or http URL' },
    alt: { type: 'string', maxLength: ALT_CHARS_MAX },
    position: { type: 'integer', minimum: 0, maximum: 1000, description: 'sort order; after the last image when absent' },
  },
  additionalProperties: false,
} as const;

export const NewProductBody = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: TITLE_CHARS_MAX },
    description: { type: 'string', maxLength: DESCRIPTION_CHARS_MAX },
    categoryId: nullableId,
    status: { type: 'string', enum: PRODUCT_STATUSES, description: 'default draft' },
    variants: { type: 'array', maxItems: VARIANTS_PER_PRODUCT_MAX, items: NewVariantBody },
    images: { type: 'array', maxItems: IMAGES_PER_PRODUCT_MAX, items: NewImageBody },
  },
  additionalProperties: false,
} as const;

export const ProductPatchBody = {
  type: 'object',
  minProperties: 1,
  properties: {
    title: NewProductBody.properties.title,
    description: NewProductBody.properties.description,
    categoryId: nullableId,
    status: { type: 'string', enum: PRODUCT_STATUSES },
  },
  additionalProperties: false,
} as const;

export { problems } from '../http/schema.ts';
