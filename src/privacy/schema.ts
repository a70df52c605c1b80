// JSON Schemas of the privacy API: validation in, serialization out, and the OpenAPI source.
import { ACCESS_PURPOSES, HISTORY_LIMIT_MAX, PURPOSES } from './service.ts';
import { ADDRESSES_MAX } from './profile.ts';

const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const text = { type: 'string', minLength: 1, maxLength: 256 } as const;
const phone = { type: 'string', minLength: 4, maxLength: 32 } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;

const purposeState = { type: 'object', required: ['granted', 'updatedAt'], properties: { granted: { type: 'boolean' }, updatedAt: nullableTime }, additionalProperties: false } as const;
export const ConsentView = {
  type: 'object',
  required: ['choiceMade', 'purposes', 'pseudonym'],
  properties: {
    choiceMade: { type: 'boolean', description: 'false until a choice was made: show the banner, collect nothing' },
    purposes: { type: 'object', required: [...PURPOSES], properties: Object.fromEntries(PURPOSES.map((p) => [p, purposeState])), additionalProperties: false },
    pseudonym: { type: 'string', description: 'how your consent entries and behaviour events are keyed (HMAC of your id)' },
  },
  additionalProperties: false,
} as const;

export const ConsentBody = {
  type: 'object',
  minProperties: 1,
  properties: Object.fromEntries(PURPOSES.map((p) => [p, { type: 'boolean' }])),
  additionalProperties: false,
} as const;

export const HistoryQuery = {
  type: 'object',
  properties: { cursor: { type: 'string', maxLength: 32, description: 'nextCursor of the previous page' }, limit: { type: 'integer', minimum: 1, maximum: HISTORY_LIMIT_MAX, default: 50 } },
  additionalProperties: false,
} as const;

export const ConsentHistory = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    nextCursor: { type: ['string', 'null'] },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['purpose', 'granted', 'at', 'pseudonym', 'leafIndex'],
        properties: { purpose: { type: 'string', enum: [...PURPOSES] }, granted: { type: 'boolean' }, at: time, pseudonym: { type: 'string' }, leafIndex: { type: ['integer', 'null'], description: 'the consent.* entry: GET /api/ledger/receipts/{leafIndex} proves it' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

const address = {
  type: 'object',
  required: ['label', 'recipient', 'phone', 'country', 'city', 'line1'],
  properties: { label: text, recipient: text, phone, country: { type: 'string', pattern: '^[A-Z]{2}$' }, region: text, city: text, line1: text, line2: text, postalCode: text },
  additionalProperties: false,
} as const;

export const ProfileView = {
  type: 'object',
  required: ['name', 'phone', 'addresses'],
  properties: { name: { type: ['string', 'null'] }, phone: { type: ['string', 'null'] }, addresses: { type: 'array', items: address } },
  additionalProperties: false,
} as const;

export const ProfilePatchBody = {
  type: 'object',
  minProperties: 1,
  properties: { name: { ...text, type: ['string', 'null'] }, phone: { ...phone, type: ['string', 'null'] }, addresses: { type: 'array', maxItems: ADDRESSES_MAX, items: address } },
  additionalProperties: false,
} as const;

export const ErasureBody = {
  type: 'object',
  required: ['confirm'],
  properties: { confirm: { type: 'string', const: 'erase my personal data', description: 'the exact words, so no click erases by accident' } },
  additionalProperties: false,
} as const;

export const ErasureView = {
  type: 'object',
  required: ['userId', 'erasedAt'],
  properties: { userId: id, erasedAt: time },
  additionalProperties: false,
} as const;

export const UserParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const AccessQuery = {
  type: 'object',
  required: ['purpose'],
  properties: { purpose: { type: 'string', enum: [...ACCESS_PURPOSES], description: 'why you read it; recorded in the ledger' } },
  additionalProperties: false,
} as const;

export const RotationView = { type: 'object', required: ['version'], properties: { version: { type: 'integer' } }, additionalProperties: false } as const;
export const ExportView = { type: 'object', additionalProperties: true, description: 'chainmall-personal-data/v1: everything held about you, decrypted' } as const;

export { problems } from '../http/schema.ts';
