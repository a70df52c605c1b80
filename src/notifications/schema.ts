// JSON Schemas of the notifications API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { WEBHOOK_URL_CHARS_MAX } from './address.ts';
import { ATTEMPTS_MAX, EVENTS_PER_ENDPOINT_MAX, KIND_CHARS_MAX, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT } as const;

export const NoticeView = {
  type: 'object',
  required: ['id', 'seq', 'kind', 'audience', 'data', 'createdAt', 'readAt'],
  properties: {
    id: { type: 'string', description: 'ntf_…' },
    seq: { type: 'integer', description: 'Order of writing; the id of the SSE event' },
    kind: { type: 'string', description: 'Dotted event type, e.g. order.created' },
    audience: { type: 'string', enum: ['user', 'merchant'], description: 'merchant: visible to every staff user of the merchant' },
    data: { type: 'object', additionalProperties: true, description: 'Ids, amounts (decimal strings) and times; no personal data' },
    createdAt: time,
    readAt: { ...nullableTime, description: 'For a merchant notice, when any of its staff marked it read' },
  },
  additionalProperties: false,
} as const;

export const NoticePage = pageOf(NoticeView);

export const NoticeListQuery = {
  type: 'object',
  properties: { cursor, limit, unread: { type: 'boolean', description: 'true: unread notices only' } },
  additionalProperties: false,
} as const;

export const IdParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  additionalProperties: false,
} as const;

export const StreamHeaders = {
  type: 'object',
  properties: { 'last-event-id': { type: 'string', maxLength: 32, description: 'The last event id received: the events after it are sent first' } },
} as const;

export const StreamResponse = {
  description:
    'A text/event-stream that stays open: one event per notice (`id:` its seq, `event:` its kind, `data:` the JSON of a NoticeView), ' +
    'a `: heartbeat` comment every 15 s. Reconnect with Last-Event-ID to receive what was missed.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

const endpointProperties = {
  id: { type: 'string', description: 'whe_…' },
  url: { type: 'string', format: 'uri' },
  events: { type: 'array', items: { type: 'string' } },
  enabled: { type: 'boolean', description: 'false once the receiver answered 410 Gone' },
  createdAt: time,
} as const;

export const EndpointView = {
  type: 'object',
  required: ['id', 'url', 'events', 'enabled', 'createdAt'],
  properties: endpointProperties,
  additionalProperties: false,
} as const;

export const NewEndpointView = {
  type: 'object',
  required: ['id', 'url', 'events', 'enabled', 'createdAt', 'secret'],
  properties: {
    ...endpointProperties,
    secret: { type: 'string', description: 'whsec_<base64>: the Standard Webhooks signing secret, shown in this answer only' },
  },
  additionalProperties: false,
} as const;

export const EndpointList = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: EndpointView } },
  additionalProperties: false,
} as const;

export const NewEndpointBody = {
  type: 'object',
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: WEBHOOK_URL_CHARS_MAX, description: 'http(s); no credentials; a public address in production' },
    events: {
      type: 'array',
      minItems: 1,
      maxItems: EVENTS_PER_ENDPOINT_MAX,
      items: { type: 'string', minLength: 1, maxLength: KIND_CHARS_MAX },
      description: 'Event kinds to receive: exact (order.created), a family (order.*) or everything (*)',
    },
  },
  additionalProperties: false,
} as const;

export const DeliveryView = {
  type: 'object',
  required: ['id', 'endpointId', 'kind', 'state', 'attempts', 'lastStatus', 'lastError', 'nextAttemptAt', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', description: 'msg_…: the webhook-id header, the same on every attempt' },
    endpointId: { type: 'string' },
    kind: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer', minimum: 0, maximum: ATTEMPTS_MAX },
    lastStatus: { type: ['integer', 'null'], description: 'HTTP status of the last attempt; null when it got no answer' },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: { ...nullableTime, description: 'pending only' },
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

export const DeliveryPage = pageOf(DeliveryView);

export const DeliveryListQuery = {
  type: 'object',
  properties: { cursor, limit },
  additionalProperties: false,
} as const;


export { problems } from '../http/schema.ts';
