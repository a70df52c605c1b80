// JSON Schemas of the games API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { DRAW_COST_MAX, DRAW_PER_USER_MAX, DRAW_PRIZES_MAX, DRAW_TITLE_MAX, LIST_LIMIT_MAX, POINTS_PRIZE_MAX } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 / 32 bytes' } as const;
const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'calendar day in the check-in time zone' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const leaf = { type: ['integer', 'null'], minimum: 0, description: 'leaf index of the ledger entry (GET /api/ledger/entries/{index}/receipt); null until integrated' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: 50 } as const;
const minor = { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$', description: 'integer minor units' } as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const PageQuery = { type: 'object', properties: { cursor, limit }, additionalProperties: false } as const;

const PointsPrize = {
  type: 'object', required: ['kind', 'points'],
  properties: { kind: { const: 'points' }, points: { type: 'integer', minimum: 1, maximum: POINTS_PRIZE_MAX } },
  additionalProperties: false,
} as const;
const CouponPrize = {
  type: 'object', required: ['kind', 'couponKind'],
  description: 'a single-use platform coupon made for the winner at the reveal',
  properties: {
    kind: { const: 'coupon' }, couponKind: { type: 'string', enum: ['fixed', 'percent'] },
    amountMinor: minor, percentBps: { type: 'integer', minimum: 1, maximum: 10000 }, capMinor: minor, minSpendMinor: minor,
    validDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
  additionalProperties: false,
} as const;
const Prize = { oneOf: [PointsPrize, CouponPrize] } as const;

export const NewDrawBody = {
  type: 'object',
  required: ['title', 'entryCostPoints', 'maxEntriesPerUser', 'prizes', 'opensAt', 'closesAt'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: DRAW_TITLE_MAX },
    entryCostPoints: { type: 'integer', minimum: 1, maximum: DRAW_COST_MAX },
    maxEntriesPerUser: { type: 'integer', minimum: 1, maximum: DRAW_PER_USER_MAX },
    prizes: { type: 'array', minItems: 1, maxItems: DRAW_PRIZES_MAX, items: Prize, description: 'prize i goes to winner i' },
    opensAt: time,
    closesAt: time,
  },
  additionalProperties: false,
} as const;

export const CloseBody = {
  type: ['object', 'null'],
  properties: { early: { type: 'boolean', description: 'close before closesAt (recorded in draw.closed)' } },
  additionalProperties: false,
} as const;

export const RevealBody = {
  type: ['object', 'null'],
  properties: { seed: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'the seed, hex, if the operator holds it offline; absent: the stored one' } },
  additionalProperties: false,
} as const;

const state = { type: 'string', enum: ['upcoming', 'open', 'closing', 'closed', 'revealed'] } as const;
const summaryProps = {
  id, title: { type: 'string' }, entryCostPoints: count, maxEntriesPerUser: count, prizes: { type: 'array', items: Prize },
  opensAt: time, closesAt: time, state, entryCount: count, createdAt: time,
} as const;
const summaryRequired = ['id', 'title', 'entryCostPoints', 'maxEntriesPerUser', 'prizes', 'opensAt', 'closesAt', 'state', 'entryCount', 'createdAt'] as const;

export const DrawSummaryView = { type: 'object', required: summaryRequired, properties: summaryProps, additionalProperties: false } as const;
export const DrawPage = pageOf(DrawSummaryView);

export const DrawView = {
  type: 'object',
  required: [...summaryRequired, 'algorithm', 'algorithmId', 'commitment', 'closed', 'reveal'],
  properties: {
    ...summaryProps,
    algorithm: { type: 'string', description: 'how the winners follow from the seed and the close checkpoint, exactly' },
    algorithmId: { type: 'string' },
    commitment: {
      type: 'object', required: ['seedHash', 'ledgerIndex'], additionalProperties: false,
      properties: { seedHash: { ...hex64, description: 'hex SHA-256 of the secret seed, published in draw.committed before entries opened' }, ledgerIndex: leaf },
    },
    closed: {
      type: ['object', 'null'], additionalProperties: false,
      required: ['at', 'early', 'treeSize', 'rootHash', 'checkpoint', 'entryCount', 'entriesHash', 'ledgerIndex'],
      properties: {
        at: time, early: { type: 'boolean' }, treeSize: count, rootHash: hex64, checkpoint: { type: 'string', description: 'the signed checkpoint note' },
        entryCount: count, entriesHash: hex64, ledgerIndex: leaf,
      },
    },
    reveal: {
      type: ['object', 'null'], additionalProperties: false, required: ['at', 'seed', 'winners', 'ledgerIndex'],
      properties: {
        at: time, seed: hex64, ledgerIndex: leaf,
        winners: {
          type: 'array',
          items: { type: 'object', required: ['prize', 'entryNo', 'entrant'], properties: { prize: count, entryNo: count, entrant: { type: 'string' } }, additionalProperties: false },
        },
      },
    },
  },
  additionalProperties: false,
} as const;

export const EntryPage = pageOf({
  type: 'object', required: ['entryNo', 'entrant', 'ledgerIndex'], additionalProperties: false,
  properties: { entryNo: count, entrant: { type: 'string', description: 'pseudonymous: HMAC of the user id under a per-draw secret key' }, ledgerIndex: leaf },
});

export const EntryView = {
  type: 'object', required: ['drawId', 'entryNo', 'entrant', 'pointsSpent', 'createdAt'], additionalProperties: false,
  properties: { drawId: id, entryNo: count, entrant: { type: 'string' }, pointsSpent: count, createdAt: time },
} as const;

export const MyDrawView = {
  type: 'object', required: ['drawId', 'entrant', 'entries', 'prizes'], additionalProperties: false,
  properties: {
    drawId: id, entrant: { type: 'string' },
    entries: { type: 'array', items: { type: 'object', required: ['entryNo', 'createdAt'], properties: { entryNo: count, createdAt: time }, additionalProperties: false } },
    prizes: {
      type: 'array',
      items: {
        type: 'object', required: ['prize', 'entryNo', 'kind', 'points', 'couponCode', 'awarded'], additionalProperties: false,
        properties: {
          prize: count, entryNo: count, kind: { type: 'string', enum: ['points', 'coupon'] }, points: { type: ['integer', 'null'] },
          couponCode: { type: ['string', 'null'] }, awarded: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const checkin = { type: 'object', required: ['day', 'streak', 'points'], properties: { day, streak: count, points: count }, additionalProperties: false } as const;
export const CheckinView = checkin;
export const CheckinStatusView = {
  type: 'object', required: ['today', 'timeZone', 'checkedInToday', 'streak', 'nextReward', 'schedule', 'recent'], additionalProperties: false,
  properties: {
    today: day, timeZone: { type: 'string' }, checkedInToday: { type: 'boolean' }, streak: count, nextReward: count,
    schedule: {
      type: 'array', description: 'points by streak day; the last applies to every later day',
      items: { type: 'object', required: ['day', 'points'], properties: { day: count, points: count }, additionalProperties: false },
    },
    recent: { type: 'array', items: checkin, description: 'the last 30 days\' check-ins, newest first' },
  },
} as const;

export { problems } from '../http/schema.ts';
