// JSON Schemas of the settlement API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { LINE_KINDS, PAYOUT_STATES } from './rules.ts';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from './service.ts';

export { problems } from '../http/schema.ts';

const time = { type: 'string', format: 'date-time' } as const;
const signedAmount = { type: 'string', pattern: '^-?(0|[1-9][0-9]*)$', description: 'signed integer minor units as a decimal string' } as const;
const amount = { type: 'string', pattern: '^(0|[1-9][0-9]*)$', description: 'integer minor units as a decimal string' } as const;
const hex32 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const b64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
const uint = { type: 'integer', minimum: 0 } as const;
const batchId = { type: 'string', pattern: '^stl_[0-9a-f]{32}$' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT } as const;

export const SettleBody = {
  type: 'object',
  properties: { periodEnd: { ...time, description: 'End of the period (inclusive); now when absent' } },
  additionalProperties: false,
} as const;

export const PageQuery = {
  type: 'object',
  properties: { cursor, limit },
  additionalProperties: false,
} as const;

export const AdminPageQuery = {
  type: 'object',
  properties: { merchantId: { type: 'string', minLength: 1, maxLength: 128 }, cursor, limit },
  additionalProperties: false,
} as const;

export const BatchParams = {
  type: 'object',
  required: ['id'],
  properties: { id: batchId },
  additionalProperties: false,
} as const;

export const LineParams = {
  type: 'object',
  required: ['id', 'lineNo'],
  properties: { id: batchId, lineNo: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
} as const;

const batchProps = {
  id: batchId,
  merchantId: { type: 'string' },
  currency: { type: 'string' },
  number: { type: 'integer', minimum: 1, description: "The account's batches count from 1" },
  periodEnd: time,
  opening: { ...signedAmount, description: "The previous batch's closing" },
  total: { ...signedAmount, description: 'Σ line amounts' },
  closing: { ...signedAmount, description: "opening + total: the receivable's posted balance at the period end" },
  payoutMinor: { ...amount, description: 'Paid out for this batch: the closing less payouts still in flight, never below 0' },
  lineCount: uint,
  rootHash: { ...hex32, description: 'RFC 9162 root over the lines (leaf = RFC 8785 JSON of the line with merchantId and batchId)' },
  payoutState: { type: 'string', enum: PAYOUT_STATES },
  ledgerLeafIndex: { type: ['integer', 'null'], minimum: 0, description: 'The settlement.batch_closed entry, once integrated' },
  createdAt: time,
  paidAt: { type: ['string', 'null'], format: 'date-time' },
} as const;
const batchRequired = Object.keys(batchProps);

export const BatchView = { type: 'object', required: batchRequired, properties: batchProps, additionalProperties: false } as const;

const lineProps = {
  lineNo: { type: 'integer', minimum: 1 },
  transferId: { type: 'string' },
  kind: { type: 'string', enum: LINE_KINDS },
  orderId: { type: ['string', 'null'] },
  amountMinor: { ...signedAmount, description: 'Credits to the receivable +, debits −' },
  currency: { type: 'string' },
  at: time,
} as const;
export const LineView = { type: 'object', required: Object.keys(lineProps), properties: lineProps, additionalProperties: false } as const;

export const BatchWithLinesView = {
  type: 'object',
  required: [...batchRequired, 'lines'],
  properties: { ...batchProps, lines: { type: 'array', items: LineView } },
  additionalProperties: false,
} as const;

export const BatchList = pageOf(BatchView);
export const SettleResult = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: BatchView, description: 'The batches this call closed (none when the period was settled already)' } },
  additionalProperties: false,
} as const;

const receipt = {
  type: ['object', 'null'],
  required: ['v', 'entry', 'leafIndex', 'treeSize', 'inclusionProof', 'checkpoint'],
  properties: { v: { type: 'integer', const: 1 }, entry: b64, leafIndex: uint, treeSize: uint, inclusionProof: { type: 'array', items: b64 }, checkpoint: { type: 'string' } },
  additionalProperties: false,
  description: "The ledger receipt of the batch's closing entry, once integrated",
} as const;

export const LineProofView = {
  type: 'object',
  required: ['batchId', 'merchantId', 'line', 'leafHash', 'index', 'treeSize', 'proof', 'rootHash', 'ledgerEntry', 'ledgerLeafIndex', 'ledgerReceipt'],
  properties: {
    batchId,
    merchantId: { type: 'string' },
    line: LineView,
    leafHash: { ...b64, description: 'SHA-256(0x00 ‖ leaf bytes), base64' },
    index: uint,
    treeSize: uint,
    proof: { type: 'array', items: b64, description: 'RFC 9162 inclusion proof, leaf to root, base64' },
    rootHash: hex32,
    ledgerEntry: { ...b64, description: 'The settlement.batch_closed entry bytes' },
    ledgerLeafIndex: { type: ['integer', 'null'], minimum: 0 },
    ledgerReceipt: receipt,
  },
  additionalProperties: false,
} as const;
