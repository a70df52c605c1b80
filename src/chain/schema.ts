// JSON Schemas of the on-chain settlement API.
export { problems } from '../http/schema.ts';

const time = { type: 'string', format: 'date-time' } as const;
const address = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } as const;
const minor = { type: 'string', pattern: '^[0-9]+$', description: 'minor units, decimal string' } as const;
const nullable = <T extends object>(s: T) => ({ anyOf: [s, { type: 'null' }] }) as const;

export const MerchantChainView = {
  type: 'object',
  required: ['optedIn', 'address', 'optedInAt', 'currency', 'token', 'escrow', 'chainId', 'tokenBalanceMinor', 'pendingOperations'],
  properties: {
    optedIn: { type: 'boolean' },
    address: { ...nullable(address), description: 'the merchant\'s custodial address (the platform holds its key)' },
    optedInAt: nullable(time),
    currency: { type: 'string' },
    token: address,
    escrow: address,
    chainId: { type: 'integer' },
    tokenBalanceMinor: { ...nullable(minor), description: 'null when the chain could not be reached' },
    pendingOperations: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

const op = {
  kind: { type: 'string', description: 'mint, deposit, confirm, cancel, collect, burn, burn_from, fund_gas, approve_platform, approve_escrow' },
  status: { type: 'string', enum: ['pending', 'signed', 'done', 'failed'] },
  amountMinor: minor,
  currency: { type: 'string' },
  txHash: nullable({ type: 'string', pattern: '^0x[0-9a-f]{64}$' }),
  createdAt: time,
  doneAt: nullable(time),
  error: nullable({ type: 'string' }),
} as const;
export const ChainOpView = { type: 'object', required: Object.keys(op), properties: op, additionalProperties: false } as const;
export const OrderChainView = {
  type: 'object',
  required: ['orderId', 'escrow', 'operations'],
  properties: { orderId: { type: 'string' }, escrow: nullable(address), operations: { type: 'array', items: ChainOpView } },
  additionalProperties: false,
} as const;
export const AdminOpView = {
  type: 'object',
  required: ['id', 'merchantId', 'orderId', ...Object.keys(op)],
  properties: { id: { type: 'integer' }, merchantId: { type: 'string' }, orderId: nullable({ type: 'string' }), ...op },
  additionalProperties: false,
} as const;
export const AdminOpsQuery = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['pending', 'signed', 'done', 'failed'] }, cursor: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  additionalProperties: false,
} as const;
export const IdParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, additionalProperties: false } as const;
