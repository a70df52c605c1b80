// JSON Schemas of the recommendations API: validation in, serialization out, and the OpenAPI source.
import { problems } from '../http/schema.ts';
import { REASON_KINDS, RECS_LIMIT_DEFAULT, RECS_LIMIT_MAX, STRATEGIES } from './rules.ts';

export { problems };

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const RecsQuery = {
  type: 'object',
  required: ['strategy'],
  properties: {
    strategy: { type: 'string', enum: [...STRATEGIES], description: 'bought_together and viewed_together need productId' },
    productId: id,
    limit: { type: 'integer', minimum: 1, maximum: RECS_LIMIT_MAX, default: RECS_LIMIT_DEFAULT },
  },
  additionalProperties: false,
} as const;

const Reason = {
  type: 'object',
  required: ['kind', 'text', 'anchors'],
  properties: {
    kind: { type: 'string', enum: [...REASON_KINDS] },
    text: { type: 'string' },
    anchors: { type: 'array', items: id, description: 'the products this recommendation comes from' },
    coCount: { type: 'integer', minimum: 1, description: 'item-to-item: baskets or sessions holding both products' },
  },
  additionalProperties: false,
} as const;

export const RecsView = {
  type: 'object',
  required: ['strategy', 'items'],
  properties: {
    strategy: { type: 'string', enum: [...STRATEGIES], description: 'the strategy actually used: popular when the one asked for had nothing (or no consent)' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['productId', 'name', 'score', 'reason'],
        properties: { productId: id, name: { type: 'string' }, score: { type: 'number', minimum: 0 }, reason: Reason },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;
