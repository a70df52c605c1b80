// JSON Schemas of the inventory API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { AVAILABILITY_IDS_MAX, LIST_LIMIT_MAX, QTY_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const variantId = { type: 'string', pattern: '^var_[0-9a-f]{32}$', description: 'a catalog variant id' } as const;
const locationId = { type: 'string', pattern: '^loc_[0-9a-f]{32}$' } as const;
const merchantId = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'admins and auditors name the merchant; staff act for their own' } as const;
const cursor = { type: 'string', maxLength: 1024, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: 50 } as const;
const qty = (minimum: number) => ({ type: 'integer', minimum, maximum: QTY_MAX }) as const;

export const LocationView = {
  type: 'object',
  required: ['id', 'merchantId', 'name', 'code', 'createdAt'],
  properties: { id: { type: 'string' }, merchantId: { type: 'string' }, name: { type: 'string' }, code: { type: 'string' }, createdAt: time },
  additionalProperties: false,
} as const;

export const LocationList = pageOf(LocationView);

export const NewLocationBody = {
  type: 'object',
  required: ['name', 'code'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    code: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,32}$', description: 'short and unique per merchant' },
    merchantId,
  },
  additionalProperties: false,
} as const;

export const LocationsQuery = {
  type: 'object',
  properties: { merchantId, cursor, limit },
  additionalProperties: false,
} as const;

export const StockLevelView = {
  type: 'object',
  required: ['variantId', 'locationId', 'merchantId', 'onHand', 'reserved', 'available', 'lowStockThreshold', 'updatedAt'],
  properties: {
    variantId: { type: 'string' },
    locationId: { type: 'string' },
    merchantId: { type: 'string' },
    onHand: { type: 'integer' },
    reserved: { type: 'integer', description: 'held for orders not yet shipped' },
    available: { type: 'integer', description: 'onHand − reserved' },
    lowStockThreshold: { type: 'integer' },
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const StockList = pageOf(StockLevelView);

export const StockQuery = {
  type: 'object',
  properties: { merchantId, variantId, locationId, cursor, limit },
  additionalProperties: false,
} as const;

export const LevelParams = {
  type: 'object',
  required: ['variantId', 'locationId'],
  properties: { variantId, locationId },
  additionalProperties: false,
} as const;

export const SetStockBody = {
  type: 'object',
  required: ['onHand'],
  properties: {
    onHand: { ...qty(0), description: 'the counted units at this location; refused below what is reserved there' },
    lowStockThreshold: { ...qty(0), description: 'notify (stock.low) when the variant\'s available units fall to this or below; default 5' },
  },
  additionalProperties: false,
} as const;

export const ReceiveBody = {
  type: 'object',
  required: ['qty'],
  properties: { qty: qty(1) },
  additionalProperties: false,
} as const;

export const AvailabilityQuery = {
  type: 'object',
  required: ['variantIds'],
  properties: {
    variantIds: {
      type: 'string',
      pattern: `^var_[0-9a-f]{32}(,var_[0-9a-f]{32}){0,${AVAILABILITY_IDS_MAX - 1}}$`,
      description: `comma-separated variant ids, at most ${AVAILABILITY_IDS_MAX}`,
    },
  },
  additionalProperties: false,
} as const;

export const AvailabilityView = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['variantId', 'available', 'inStock'],
        properties: { variantId: { type: 'string' }, available: { type: 'integer' }, inStock: { type: 'boolean' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;


export { problems } from '../http/schema.ts';
