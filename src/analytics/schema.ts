// JSON Schemas of the analytics API: validation in, serialization out, and the OpenAPI source.
import { FUNNEL_STEPS } from './rules.ts';
import { BATCH_MAX, CLIENT_ID_MAX, CLIENT_ID_MIN, EVENT_KINDS, QUERY_CHARS_MAX } from './rules.ts';

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const minor = { type: 'string', pattern: '^[0-9]+$', description: 'integer minor units, as a decimal string' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const rate = { type: ['string', 'null'], pattern: '^[0-9]+\\.[0-9]{4}$', description: 'a fraction with 4 decimals, rounded half up; null when withheld or undefined' } as const;
const suppressedFlag = {
  type: 'boolean',
  description: 'true: this figure is about 1..minGroup−1 distinct people (k-anonymity), so its numbers are null',
} as const;
const K_RULE =
  'k-anonymity: every figure computed over a group of fewer than minGroup (ANALYTICS_MIN_GROUP, default 5) distinct people — buyers for order figures, '
  + 'subjects (pseudonyms) for the funnel — is null and its object says suppressed: true. An empty group is not withheld (a zero says nothing about anyone).';

export const EventsBody = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      maxItems: BATCH_MAX,
      items: {
        type: 'object',
        required: ['id', 'kind'],
        properties: {
          id: { type: 'string', minLength: CLIENT_ID_MIN, maxLength: CLIENT_ID_MAX, pattern: '^[A-Za-z0-9_.:-]+$', description: 'your id of this event (random): a retried batch is stored once' },
          kind: { type: 'string', enum: EVENT_KINDS, description: 'view, cart_add, rec_shown and rec_clicked need productId; search needs query; purchase is refused (the server records purchases)' },
          productId: id,
          query: { type: 'string', minLength: 1, maxLength: QUERY_CHARS_MAX, description: 'search only; e-mail addresses and long digit runs are masked before storing' },
          list: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$', description: 'rec_shown / rec_clicked: the recommendation list, e.g. bought_together, viewed_together, for_you, popular' },
          at: { type: 'string', format: 'date-time', description: 'when it happened on the client; clamped to the last 24 hours' },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export const IngestView = {
  type: 'object',
  required: ['accepted', 'duplicates', 'dropped'],
  properties: {
    accepted: { ...count, description: 'events stored' },
    duplicates: { ...count, description: 'events whose id was already stored for you' },
    dropped: { ...count, description: 'events not stored: unknown or unlisted products, or all of them without consent' },
    reason: { type: 'string', enum: ['no consent'], description: 'nothing was stored: no consent choice yet, or neither analytics nor personalisation consented' },
  },
  additionalProperties: false,
} as const;

export const PeriodQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', maxLength: 40, description: 'start (inclusive): YYYY-MM-DD (UTC) or a date-time; default to − 30 days' },
    to: { type: 'string', maxLength: 40, description: 'end (exclusive): YYYY-MM-DD (UTC) or a date-time; default now. At most 366 days after from' },
    merchantId: { ...id, description: 'admins and auditors: whose figures (required); staff: your own merchant, may be left out' },
  },
  additionalProperties: false,
} as const;

const head = {
  merchantId: id,
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  minGroup: { type: 'integer', minimum: 1, description: 'k of k-anonymity (ANALYTICS_MIN_GROUP)' },
} as const;

const nullableCount = { type: ['integer', 'null'], minimum: 0 } as const;
const nullableMinor = { type: ['string', 'null'], pattern: '^[0-9]+$', description: 'integer minor units as a decimal string; null when withheld' } as const;

const currencyFigures = {
  type: 'object',
  required: ['currency', 'totalMinor', 'orderCount', 'averageOrderMinor', 'suppressed'],
  properties: {
    currency,
    totalMinor: nullableMinor,
    orderCount: nullableCount,
    averageOrderMinor: { ...nullableMinor, description: 'totalMinor / orderCount, rounded half up' },
    suppressed: suppressedFlag,
  },
  additionalProperties: false,
} as const;

export const MerchantAnalyticsView = {
  type: 'object',
  description: `Figures over the period [from, to). Sales are orders placed in the period, paid and not cancelled, rejected or refunded. ${K_RULE}`,
  required: ['merchantId', 'from', 'to', 'minGroup', 'sales', 'funnel', 'topProducts', 'repeatBuyers'],
  properties: {
    ...head,
    sales: {
      type: 'object',
      description: 'withheld when fewer than minGroup distinct buyers (each currency also on its own buyers)',
      required: ['orderCount', 'buyers', 'byCurrency', 'suppressed'],
      properties: { orderCount: nullableCount, buyers: nullableCount, byCurrency: { type: 'array', items: currencyFigures }, suppressed: suppressedFlag },
      additionalProperties: false,
    },
    funnel: {
      type: 'array',
      description: 'distinct subjects among analytics-consented events of your products: viewed → also added to cart → also purchased. A step over fewer than minGroup subjects is withheld, and so is a rate whose base is withheld.',
      items: {
        type: 'object',
        required: ['step', 'subjects', 'rateFromPrevious', 'rateFromFirst', 'suppressed'],
        properties: { step: { type: 'string', enum: FUNNEL_STEPS }, subjects: nullableCount, rateFromPrevious: rate, rateFromFirst: rate, suppressed: suppressedFlag },
        additionalProperties: false,
      },
    },
    topProducts: {
      type: 'array',
      maxItems: 10,
      description: 'best sellers by units, from the sold orders\' lines; a product bought by fewer than minGroup buyers is listed after them, without figures',
      items: {
        type: 'object',
        required: ['sku', 'name', 'units', 'buyers', 'revenue', 'suppressed'],
        properties: {
          sku: { type: 'string' },
          name: { type: 'string' },
          units: nullableCount,
          buyers: nullableCount,
          revenue: {
            type: ['array', 'null'],
            description: 'Σ quantity × unit price per currency (before order discounts and shipping)',
            items: { type: 'object', required: ['currency', 'minor'], properties: { currency, minor }, additionalProperties: false },
          },
          suppressed: suppressedFlag,
        },
        additionalProperties: false,
      },
    },
    repeatBuyers: {
      type: 'object',
      description: 'buyers with two or more sold orders / buyers with at least one, in the period; withheld under minGroup buyers',
      required: ['buyers', 'repeatBuyers', 'rate', 'suppressed'],
      properties: { buyers: nullableCount, repeatBuyers: nullableCount, rate, suppressed: suppressedFlag },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const MerchantDailyView = {
  type: 'object',
  description: `Sold orders per UTC day of the period, every day listed. A day of 1..minGroup−1 distinct buyers is withheld. ${K_RULE}`,
  required: ['merchantId', 'from', 'to', 'minGroup', 'days'],
  properties: {
    ...head,
    days: {
      type: 'array',
      items: {
        type: 'object',
        required: ['date', 'orderCount', 'buyers', 'sales', 'suppressed'],
        properties: {
          date: { type: 'string', format: 'date' },
          orderCount: nullableCount,
          buyers: nullableCount,
          sales: {
            type: ['array', 'null'],
            items: { type: 'object', required: ['currency', 'totalMinor'], properties: { currency, totalMinor: minor }, additionalProperties: false },
          },
          suppressed: suppressedFlag,
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export { problems } from '../http/schema.ts';
