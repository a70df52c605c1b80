// JSON Schemas of the live shopping API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { CHAT_TEXT_CHARS_MAX, DESCRIPTION_CHARS_MAX, LIVE_LIMIT_MAX, LIVE_PRICE_MINOR_MAX, QUOTA_MAX, STREAM_URL_CHARS_MAX, TITLE_CHARS_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const timeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' } as const;
const minor = { type: 'string', pattern: '^(0|[1-9][0-9]{0,17})$', description: 'integer minor units as a decimal string' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIVE_LIMIT_MAX, default: 50 } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const PinParam = { type: 'object', required: ['id', 'pinId'], properties: { id, pinId: id }, additionalProperties: false } as const;
export const MessageParam = { type: 'object', required: ['id', 'messageId'], properties: { id, messageId: id }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

export const NewSessionBody = {
  type: 'object',
  required: ['title', 'scheduledAt', 'streamUrl'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: TITLE_CHARS_MAX },
    description: { type: 'string', maxLength: DESCRIPTION_CHARS_MAX },
    scheduledAt: time,
    streamUrl: {
      type: 'string', minLength: 1, maxLength: STREAM_URL_CHARS_MAX,
      description: 'the HLS playlist (.m3u8) of the stream on your streaming server: https (plain http only on localhost/127.0.0.1, for development)',
    },
  },
  additionalProperties: false,
} as const;

export const NewPinBody = {
  type: 'object',
  required: ['variantId', 'livePriceMinor', 'quota'],
  properties: {
    variantId: id,
    livePriceMinor: { type: 'integer', minimum: 1, maximum: LIVE_PRICE_MINOR_MAX, description: 'the unit price while the session is live, in minor units' },
    quota: { type: 'integer', minimum: 1, maximum: QUOTA_MAX, description: 'units sold at the live price at most' },
  },
  additionalProperties: false,
} as const;

export const ChatBody = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string', minLength: 1, maxLength: CHAT_TEXT_CHARS_MAX } },
  additionalProperties: false,
} as const;

export const MuteBody = {
  type: 'object',
  properties: { userId: id, messageId: { ...id, description: 'mute the author of this message' } },
  additionalProperties: false,
} as const;

export const PinView = {
  type: 'object',
  required: ['id', 'sessionId', 'variantId', 'productId', 'sku', 'name', 'listPriceMinor', 'livePriceMinor', 'currency', 'quota', 'sold', 'remaining', 'pinnedAt', 'unpinnedAt'],
  properties: {
    id, sessionId: id, variantId: id,
    productId: { type: ['string', 'null'] },
    sku: { type: ['string', 'null'] },
    name: { type: ['string', 'null'], description: 'null once the variant left the catalog' },
    listPriceMinor: { type: ['string', 'null'], pattern: '^(0|[1-9][0-9]{0,17})$' },
    livePriceMinor: minor,
    currency: { type: 'string' },
    quota: count,
    sold: count,
    remaining: count,
    pinnedAt: time,
    unpinnedAt: timeOrNull,
  },
  additionalProperties: false,
} as const;

export const SessionView = {
  type: 'object',
  required: ['id', 'merchantId', 'title', 'description', 'streamUrl', 'state', 'scheduledAt', 'startedAt', 'endedAt', 'createdAt', 'pins', 'viewers'],
  properties: {
    id, merchantId: id,
    title: { type: 'string' },
    description: { type: 'string' },
    streamUrl: { type: 'string' },
    state: { type: 'string', enum: ['scheduled', 'live', 'ended'] },
    scheduledAt: time, startedAt: timeOrNull, endedAt: timeOrNull, createdAt: time,
    pins: { type: 'array', items: PinView, description: 'pinned now' },
    viewers: { ...count, description: 'open event streams on the answering instance' },
  },
  additionalProperties: false,
} as const;

export const SessionPage = pageOf(SessionView);

export const MessageView = {
  type: 'object',
  required: ['id', 'sessionId', 'author', 'userId', 'text', 'createdAt'],
  properties: {
    id, sessionId: id,
    author: { type: 'string', description: 'a per-session pseudonym of the author' },
    userId: { type: ['string', 'null'], description: 'the author, for the session\'s moderators only' },
    text: { type: 'string' },
    createdAt: time,
  },
  additionalProperties: false,
} as const;

export const MuteView = {
  type: 'object',
  required: ['sessionId', 'userId', 'muted'],
  properties: { sessionId: id, userId: id, muted: { type: 'boolean' } },
  additionalProperties: false,
} as const;

export const ReplayView = {
  type: 'object',
  required: ['session', 'pins', 'items', 'nextCursor'],
  properties: {
    session: SessionView,
    pins: { type: 'array', items: PinView, description: 'every pin the session had, in pin order: when, at which live price, how many sold' },
    items: { type: 'array', items: MessageView, description: 'the chat, oldest first, without deleted messages' },
    nextCursor: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const StreamResponse = {
  description:
    'A text/event-stream that stays open. Events: `chat` (a MessageView), `chat.deleted` ({id}), `pins` (the pinned products with live price and remaining quota), '
    + '`state` ({state}), `viewers` ({count}); a `: heartbeat` comment every 15 s. On connect: the recent chat, then state, pins and viewer count.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

export { problems } from '../http/schema.ts';
