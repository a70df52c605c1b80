// JSON Schemas of the wallet API: validation in, serialization out, and the OpenAPI source.
import { pageOf } from '../http/schema.ts';
import { DESTINATION_CHARS_MAX, MEMO_CHARS_MAX, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, REASON_CHARS_MAX, WITHDRAWAL_STATES } from './rules.ts';

const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
/** Strings only: a JSON number is refused before validation (see routes.ts), floats and signs by the pattern. */
export const amountIn = {
  type: 'string',
  pattern: '^[1-9][0-9]{0,15}$',
  description: 'Amount in integer minor units as a decimal string ("4990" is 49.90 CNY)',
  examples: ['4990'],
} as const;
const amountOut = { type: 'string', pattern: '^-?[0-9]+$', description: 'integer minor units as a decimal string' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$', default: 'CNY', description: 'ISO 4217 code' } as const;
const cursor = { type: 'string', maxLength: 64, description: 'nextCursor of the previous page' } as const;
const limit = { type: 'integer', minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT } as const;

export const CurrencyQuery = {
  type: 'object',
  properties: { currency },
  additionalProperties: false,
} as const;

export const StatementQuery = {
  type: 'object',
  properties: { currency, cursor, limit },
  additionalProperties: false,
} as const;

export const PageQuery = {
  type: 'object',
  properties: { cursor, limit },
  additionalProperties: false,
} as const;

export const AdminWithdrawalQuery = {
  type: 'object',
  properties: { state: { type: 'string', enum: WITHDRAWAL_STATES }, cursor, limit },
  additionalProperties: false,
} as const;

export const WithdrawalIdParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^wdr_[0-9a-f]{32}$' } },
  additionalProperties: false,
} as const;

export const BalanceView = {
  type: 'object',
  required: ['account', 'currency', 'posted', 'pending', 'incoming', 'available'],
  properties: {
    account: { type: 'string', description: 'The money account id (as in the ledger)' },
    currency: { type: 'string' },
    posted: { ...amountOut, description: 'Posted balance' },
    pending: { ...amountOut, description: 'Held by pending transfers (checkout holds, withdrawals awaiting a decision)' },
    incoming: { ...amountOut, description: 'Pending transfers that will add to the balance when posted' },
    available: { ...amountOut, description: 'posted − pending: what can be spent now' },
  },
  additionalProperties: false,
} as const;

const LineView = {
  type: 'object',
  required: ['transfer', 'type', 'direction', 'counterparty', 'amount', 'currency', 'code', 'pendingId', 'pendingStatus', 'createdAt', 'balanceAfter', 'memo'],
  properties: {
    transfer: { type: 'string', description: 'The money transfer id (its ledger entry names it)' },
    type: { type: 'string', enum: ['single', 'pending', 'post', 'void'] },
    direction: { type: 'string', enum: ['in', 'out'], description: 'A pending "out" only holds funds; its void releases them' },
    counterparty: { type: 'string', description: 'The other money account' },
    amount: amountOut,
    currency: { type: 'string' },
    code: { type: 'string', description: 'dev_top_up, p2p_transfer, withdrawal, order_payment, …' },
    pendingId: { type: ['string', 'null'] },
    pendingStatus: { type: ['string', 'null'], enum: ['pending', 'posted', 'voided', null] },
    createdAt: time,
    balanceAfter: { ...amountOut, description: 'Posted balance right after this transfer' },
    memo: { type: ['string', 'null'], description: 'P2P transfers: the sender\'s memo' },
  },
  additionalProperties: false,
} as const;

export const StatementView = {
  type: 'object',
  required: ['account', 'currency', 'items', 'nextCursor'],
  properties: {
    account: { type: 'string' },
    currency: { type: 'string' },
    items: { type: 'array', items: LineView, description: 'Newest first' },
    nextCursor: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

export const TopUpBody = {
  type: 'object',
  required: ['amountMinor'],
  properties: { amountMinor: amountIn, currency },
  additionalProperties: false,
} as const;

export const TopUpView = {
  type: 'object',
  required: ['transfer', 'amount', 'currency', 'createdAt', 'balance'],
  properties: { transfer: { type: 'string' }, amount: amountOut, currency: { type: 'string' }, createdAt: time, balance: BalanceView },
  additionalProperties: false,
} as const;

export const TransferBody = {
  type: 'object',
  required: ['to', 'amountMinor'],
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 254, description: 'The recipient buyer\'s e-mail address or user id' },
    amountMinor: amountIn,
    currency,
    memo: { type: 'string', maxLength: MEMO_CHARS_MAX * 2, description: `Up to ${MEMO_CHARS_MAX} characters, shown to both parties; never written to the ledger` },
  },
  additionalProperties: false,
} as const;

export const TransferView = {
  type: 'object',
  required: ['transfer', 'from', 'to', 'amount', 'currency', 'memo', 'createdAt', 'balance'],
  properties: {
    transfer: { type: 'string' },
    from: { type: 'string', description: 'Sender user id' },
    to: { type: 'string', description: 'Recipient user id' },
    amount: amountOut,
    currency: { type: 'string' },
    memo: { type: ['string', 'null'] },
    createdAt: time,
    balance: { ...BalanceView, description: 'Your balance after the transfer' },
  },
  additionalProperties: false,
} as const;

export const WithdrawalBody = {
  type: 'object',
  required: ['amountMinor', 'destination'],
  properties: {
    amountMinor: amountIn,
    currency,
    destination: {
      type: 'string',
      minLength: 1,
      maxLength: DESTINATION_CHARS_MAX,
      description: 'A masked payout reference such as "ICBC ****1234" (a \'*\' and at most 8 digits): full account numbers are refused. Kept off the ledger.',
    },
  },
  additionalProperties: false,
} as const;

/** Approving takes no fields; an empty object or no body at all. */
export const ApproveBody = {
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const;

export const RejectBody = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: REASON_CHARS_MAX, description: 'Shown to the user; never written to the ledger' } },
  additionalProperties: false,
} as const;

const withdrawalProperties = {
  id: { type: 'string' },
  amount: amountOut,
  currency: { type: 'string' },
  state: { type: 'string', enum: WITHDRAWAL_STATES, description: 'requested → paid (approved: there is no bank API yet, approval pays out) or rejected' },
  destination: { type: 'string' },
  holdTransfer: { type: 'string', description: 'The pending money transfer holding the funds' },
  resolveTransfer: { type: ['string', 'null'], description: 'The post (paid) or void (rejected) of the hold' },
  reason: { type: ['string', 'null'], description: 'Rejections: why' },
  createdAt: time,
  decidedAt: nullableTime,
} as const;

const withdrawalRequired = ['id', 'amount', 'currency', 'state', 'destination', 'holdTransfer', 'resolveTransfer', 'reason', 'createdAt', 'decidedAt'];

/** The owner's view: no staff ids. */
export const WithdrawalView = {
  type: 'object',
  required: withdrawalRequired,
  properties: withdrawalProperties,
  additionalProperties: false,
} as const;

export const AdminWithdrawalView = {
  type: 'object',
  required: [...withdrawalRequired, 'userId', 'decidedBy'],
  properties: { ...withdrawalProperties, userId: { type: 'string' }, decidedBy: { type: ['string', 'null'], description: 'The deciding admin' } },
  additionalProperties: false,
} as const;

export const WithdrawalList = pageOf(WithdrawalView);

export const AdminWithdrawalList = pageOf(AdminWithdrawalView);


export { problems } from '../http/schema.ts';
