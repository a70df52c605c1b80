// JSON Schemas of the ledger API: validation in, serialization out, and the OpenAPI source.
const hex32 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const b64 = { type: 'string', contentEncoding: 'base64' } as const;
const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export const BlockView = {
  $id: 'Block',
  type: 'object',
  required: ['height', 'prevBlockHash', 'blockHash', 'firstIndex', 'treeSize', 'entryCount', 'rootHash', 'time', 'checkpoint'],
  properties: {
    height: uint,
    prevBlockHash: hex32,
    blockHash: hex32,
    firstIndex: uint,
    treeSize: uint,
    entryCount: uint,
    rootHash: hex32,
    time: { type: 'string', format: 'date-time' },
    checkpoint: { type: 'string', description: 'C2SP signed note of the tlog-checkpoint at treeSize' },
  },
} as const;

export const ReceiptView = {
  $id: 'Receipt',
  type: 'object',
  description: 'Everything needed to check offline, with the log public key, that an entry is in the log',
  required: ['v', 'entry', 'leafIndex', 'treeSize', 'inclusionProof', 'checkpoint'],
  properties: {
    v: { type: 'integer', const: 1 },
    entry: { ...b64, description: 'RFC 8785 canonical entry bytes' },
    leafIndex: uint,
    treeSize: uint,
    inclusionProof: { type: 'array', items: b64, description: 'RFC 9162 inclusion proof, leaf to root' },
    checkpoint: { type: 'string' },
  },
} as const;

const EventView = {
  type: 'object',
  required: ['v', 'kind', 'at', 'actor', 'subject', 'data'],
  properties: {
    v: { type: 'integer' },
    kind: { type: 'string' },
    at: { type: 'string' },
    actor: { type: 'string' },
    subject: { type: 'object', additionalProperties: { type: 'string' } },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

export const EntryView = {
  $id: 'Entry',
  type: 'object',
  required: ['index', 'leafHash', 'event'],
  properties: { index: uint, leafHash: hex32, event: EventView },
} as const;

export const EntryWithReceipt = {
  type: 'object',
  required: ['index', 'leafHash', 'event', 'receipt'],
  properties: { index: uint, leafHash: hex32, event: EventView, receipt: { $ref: 'Receipt#' } },
} as const;

export const KeyView = {
  type: 'object',
  required: ['origin', 'verifierKey'],
  properties: { origin: { type: 'string' }, verifierKey: { type: 'string', description: 'signed-note verifier key <name>+<hex id>+<base64 key>' } },
} as const;

export const ConsistencyView = {
  type: 'object',
  required: ['from', 'to', 'proof'],
  properties: { from: uint, to: uint, proof: { type: 'array', items: b64 } },
} as const;

export const pageQuery = (cursorDescription: string) =>
  ({
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
      cursor: { type: 'string', pattern: '^[0-9]{1,16}$', description: cursorDescription },
    },
    additionalProperties: false,
  }) as const;

export const page = (item: object) =>
  ({
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
  }) as const;

export const indexParam = (name: string) =>
  ({ type: 'object', required: [name], properties: { [name]: { type: 'string', pattern: '^[0-9]{1,16}$' } } }) as const;

export const OrderEntriesParams = {
  type: 'object',
  required: ['ref'],
  properties: { ref: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'an order id, or an order number (CM-…)' } },
} as const;

// EntryView without its $id: one schema id may be registered once.
const { $id: _entryId, ...EntryShape } = EntryView;
export const OrderEntriesView = {
  type: 'object',
  required: ['orderId', 'items', 'nextCursor'],
  properties: { orderId: { type: ['string', 'null'] }, items: { type: 'array', items: EntryShape }, nextCursor: { type: ['string', 'null'] } },
} as const;
