import { EVENT_TYPES, PAYMENT_STATUSES } from './flow.ts';
import { TAMPER_FIELDS } from './service.ts';

const tags = ['sandbox-gateway'];
export const ROUTE = { tags } as const;

const AmountMinor = { type: 'string', pattern: '^[1-9][0-9]{0,17}$', description: 'Positive integer amount in minor units, as a decimal string' } as const;
const SbxId = (prefix: string) => ({ type: 'string', pattern: `^${prefix}_[0-9a-f]{32}$` }) as const;
const MerchantRef = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } as const;
const Currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const Url = { type: 'string', minLength: 8, maxLength: 2048 } as const;
const Time = { type: 'string', format: 'date-time' } as const;

export const TestMode = {
  type: 'object',
  additionalProperties: false,
  properties: {
    duplicate: { type: 'integer', minimum: 1, maximum: 20 },
    delayMs: { type: 'integer', minimum: 0, maximum: 3_600_000 },
    reorder: { type: 'boolean' },
    failCallbacks: { type: 'integer', minimum: 0, maximum: 100 },
    outcome: { type: 'string', enum: ['succeeded', 'failed'] },
  },
} as const;

export const CreatePaymentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['paymentId', 'amountMinor', 'currency', 'description', 'notifyUrl'],
  properties: {
    paymentId: MerchantRef,
    amountMinor: AmountMinor,
    currency: Currency,
    description: { type: 'string', minLength: 1, maxLength: 256 },
    notifyUrl: Url,
    returnUrl: Url,
    expiresInS: { type: 'integer', minimum: 1, maximum: 7 * 86_400 },
    test: TestMode,
  },
} as const;

export const PaymentView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'paymentId', 'status', 'amountMinor', 'refundedMinor', 'currency', 'providerTxnId', 'description', 'payUrl', 'qrText', 'expiresAt', 'createdAt', 'updatedAt'],
  properties: {
    id: SbxId('sbx_pay'),
    paymentId: MerchantRef,
    status: { type: 'string', enum: PAYMENT_STATUSES },
    amountMinor: { type: 'string' },
    refundedMinor: { type: 'string' },
    currency: Currency,
    providerTxnId: { anyOf: [SbxId('sbx_txn'), { type: 'null' }] },
    description: { type: 'string' },
    payUrl: { type: 'string' },
    qrText: { type: 'string' },
    expiresAt: Time,
    createdAt: Time,
    updatedAt: Time,
  },
} as const;

export const IdParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
export const FindQuery = { type: 'object', additionalProperties: false, required: ['paymentId'], properties: { paymentId: MerchantRef } } as const;

export const RefundBody = {
  type: 'object',
  additionalProperties: false,
  required: ['amountMinor', 'refundId'],
  properties: { id: SbxId('sbx_pay'), paymentId: MerchantRef, amountMinor: AmountMinor, refundId: MerchantRef },
} as const;

export const RefundView = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'refundId', 'payment', 'paymentId', 'amountMinor', 'currency', 'status', 'refundedMinor', 'paymentStatus', 'createdAt'],
  properties: {
    id: SbxId('sbx_ref'),
    refundId: MerchantRef,
    payment: SbxId('sbx_pay'),
    paymentId: MerchantRef,
    amountMinor: { type: 'string' },
    currency: Currency,
    status: { type: 'string', enum: ['succeeded'] },
    refundedMinor: { type: 'string' },
    paymentStatus: { type: 'string', enum: PAYMENT_STATUSES },
    createdAt: Time,
  },
} as const;

export const CompleteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['outcome'],
  properties: {
    outcome: { type: 'string', enum: ['succeeded', 'failed'] },
    late: { type: 'boolean', description: 'Allow a success after the payment failed, expired or was canceled' },
  },
} as const;

export const TamperBody = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'value'],
  properties: { field: { type: 'string', enum: TAMPER_FIELDS }, value: { type: 'string', maxLength: 64 } },
} as const;

export const ReleasedView = { type: 'object', additionalProperties: false, required: ['released'], properties: { released: { type: 'integer' } } } as const;

export const EventsView = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type', 'state', 'body', 'nextAttemptAt', 'createdAt', 'attempts'],
        properties: {
          id: SbxId('evt'),
          type: { type: 'string', enum: EVENT_TYPES },
          state: { type: 'string', enum: ['held', 'pending', 'delivered', 'failed'] },
          body: { type: 'string', description: 'The exact bytes POSTed' },
          nextAttemptAt: { anyOf: [Time, { type: 'null' }] },
          createdAt: Time,
          attempts: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['attempt', 'copy', 'at', 'statusCode', 'error', 'durationMs'],
              properties: {
                attempt: { type: 'integer' },
                copy: { type: 'integer' },
                at: Time,
                statusCode: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
                error: { anyOf: [{ type: 'string' }, { type: 'null' }] },
                durationMs: { type: 'integer' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const problems = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'Problem#' }]));
