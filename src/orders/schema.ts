// JSON Schemas of the cart, checkout and orders API: validation in, serialization out, OpenAPI.
import { pageOf } from '../http/schema.ts';
import { ORDER_FLOW, ORDER_STATES, PAYMENT_MODES, type InputKind, type TransitionName } from './flow.ts';
import { ORDER_QTY_MAX } from './document.ts';
import { CART_LINES_MAX } from './checkout.ts';
import { ORDERS_LIST_LIMIT_MAX } from './service.ts';

const time = { type: 'string', format: 'date-time' } as const;
const timeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const minor = { type: 'string', pattern: '^(0|[1-9][0-9]{0,17})$', description: 'integer minor units as a decimal string' } as const;
const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' } as const;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

export const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;
export const VariantParam = { type: 'object', required: ['variantId'], properties: { variantId: id }, additionalProperties: false } as const;

export const ShippingAddress = {
  type: 'object',
  required: ['recipient', 'phone', 'country', 'city', 'line1'],
  properties: {
    recipient: text(256),
    phone: text(64),
    country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' },
    region: text(256),
    city: text(256),
    line1: text(256),
    line2: text(256),
    postalCode: text(32),
  },
  additionalProperties: false,
} as const;

const Line = {
  type: 'object',
  required: ['variantId', 'qty'],
  properties: {
    variantId: id,
    qty: { type: 'integer', minimum: 1, maximum: ORDER_QTY_MAX },
    liveSessionId: { ...id, description: 'bought from this live session: the live price pinned there, taken from its quota (only while it is live)' },
  },
  additionalProperties: false,
} as const;

export const CheckoutBody = {
  type: 'object',
  required: ['shippingAddress'],
  properties: {
    items: { type: 'array', minItems: 1, maxItems: CART_LINES_MAX, items: Line, description: 'what to buy; without it, the cart (emptied by the checkout)' },
    shippingAddress: ShippingAddress,
    paymentMode: { type: 'string', enum: PAYMENT_MODES, default: 'prepaid', description: 'pay_on_receipt: the merchant ships first, you pay after confirming receipt' },
    pay: { type: 'string', enum: ['wallet', 'later'], default: 'wallet', description: 'prepaid only: hold the wallet funds in escrow now, or pay each order later (stock is reserved until then)' },
    coupons: { type: 'array', maxItems: 5, items: { type: 'string', minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' }, description: 'coupon codes, applied in this order' },
    redeemPoints: { type: 'integer', minimum: 100, maximum: 100_000_000, multipleOf: 100, description: 'points that pay part of it (whole hundreds, wallet payments only)' },
  },
  additionalProperties: false,
} as const;

export const CartLineBody = {
  type: 'object',
  required: ['qty'],
  properties: { qty: { type: 'integer', minimum: 0, maximum: ORDER_QTY_MAX, description: '0 removes the line' } },
  additionalProperties: false,
} as const;

export const CartView = {
  type: 'object',
  required: ['lines', 'merchants'],
  properties: {
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['variantId', 'qty', 'sku', 'name', 'merchantId', 'unitPriceMinor', 'currency', 'purchasable'],
        properties: { variantId: { type: 'string' }, qty: { type: 'integer' }, sku: { type: 'string' }, name: { type: 'string' }, merchantId: { type: 'string' }, unitPriceMinor: minor, currency: { type: 'string' }, purchasable: { type: 'boolean' } },
        additionalProperties: false,
      },
    },
    merchants: {
      type: 'array',
      description: 'one order per merchant at checkout',
      items: { type: 'object', required: ['merchantId', 'currency', 'itemsMinor'], properties: { merchantId: { type: 'string' }, currency: { type: 'string' }, itemsMinor: minor }, additionalProperties: false },
    },
  },
  additionalProperties: false,
} as const;

const TimelineStep = {
  type: 'object',
  required: ['seq', 'kind', 'from', 'to', 'at', 'actor', 'data', 'leafIndex'],
  properties: {
    seq: { type: 'integer' },
    kind: { type: 'string', description: 'the ledger entry kind, order.<transition>' },
    from: { type: ['string', 'null'] },
    to: { type: 'string' },
    at: time,
    actor: { type: 'string' },
    data: { type: 'object', additionalProperties: true, description: 'the ledger entry data: ids, amounts, carrier scans with location and time' },
    leafIndex: { type: ['integer', 'null'], description: 'the entry in the ledger (GET /api/ledger/entries/{leafIndex}); null until integrated' },
  },
  additionalProperties: false,
} as const;

export const OrderView = {
  type: 'object',
  required: ['id', 'number', 'checkoutId', 'buyerId', 'merchantId', 'mode', 'state', 'currency', 'totalMinor', 'paid', 'overdue', 'commitment', 'createdAt', 'updatedAt', 'items'],
  properties: {
    id: { type: 'string' },
    number: { type: 'string', description: 'human-readable, unique: CM-YYYYMMDD-XXXXXXXC (last character a check digit)' },
    checkoutId: { type: 'string' },
    buyerId: { type: 'string' },
    merchantId: { type: 'string' },
    mode: { type: 'string', enum: PAYMENT_MODES },
    state: { type: 'string', enum: ORDER_STATES },
    currency: { type: 'string' },
    totalMinor: minor,
    commissionMinor: { ...minor, description: 'merchant staff and platform only' },
    paid: { type: 'boolean' },
    paymentId: { type: ['string', 'null'] },
    overdue: { type: 'boolean' },
    locationId: { type: ['string', 'null'] },
    carrier: { type: ['string', 'null'] },
    trackingNumber: { type: ['string', 'null'] },
    refundMinor: { type: ['string', 'null'] },
    commitment: { type: 'string', description: 'salted SHA-256 commitment of the order document, as in the ledger' },
    createdAt: time,
    updatedAt: time,
    shippedAt: timeOrNull,
    deliveredAt: timeOrNull,
    receivedAt: timeOrNull,
    autoConfirmAt: timeOrNull,
    reviewEndsAt: timeOrNull,
    paymentDueAt: timeOrNull,
    items: {
      type: 'array',
      items: { type: 'object', required: ['sku', 'name', 'qty', 'unitPriceMinor'], properties: { sku: { type: 'string' }, name: { type: 'string' }, qty: { type: 'integer' }, unitPriceMinor: minor }, additionalProperties: false },
    },
    shippingAddress: { anyOf: [ShippingAddress, { type: 'null' }], description: 'single-order view for the buyer and the merchant only (a merchant\'s read is a pii.accessed ledger entry); null once the buyer\'s personal data was erased' },
    timeline: { type: 'array', items: TimelineStep },
  },
  additionalProperties: false,
} as const;

export const OrderList = pageOf(OrderView);

export const OrderListQuery = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ORDER_STATES },
    checkoutId: id,
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'integer', minimum: 1, maximum: ORDERS_LIST_LIMIT_MAX, default: 50 },
  },
  additionalProperties: false,
} as const;

export const CheckoutView = {
  type: 'object',
  required: ['id', 'buyerId', 'createdAt', 'orders'],
  properties: { id: { type: 'string' }, buyerId: { type: 'string' }, createdAt: time, orders: { type: 'array', items: OrderView } },
  additionalProperties: false,
} as const;

const receiptSchema = {
  type: 'object',
  required: ['v', 'entry', 'leafIndex', 'treeSize', 'inclusionProof', 'checkpoint'],
  properties: { v: { const: 1 }, entry: { type: 'string' }, leafIndex: { type: 'integer' }, treeSize: { type: 'integer' }, inclusionProof: { type: 'array', items: { type: 'string' } }, checkpoint: { type: 'string' } },
  additionalProperties: false,
} as const;

export const OrderReceiptView = {
  type: 'object',
  required: ['format', 'orderId', 'number', 'document', 'salt', 'commitment', 'steps'],
  description: 'Verify offline: `chainmall receipt verify FILE --key VKEY`, or in the browser',
  properties: {
    format: { const: 'chainmall-order-receipt/v2' },
    orderId: { type: 'string' },
    number: { type: 'string' },
    document: { type: 'object', additionalProperties: true, description: 'the order document (items, prices, the shipping address\'s commitment)' },
    shippingAddress: { ...ShippingAddress, description: 'with addressSalt, opens the document\'s shippingAddressCommitment; absent once the buyer\'s personal data was erased' },
    addressSalt: { type: 'string' },
    salt: { type: 'string' },
    commitment: { type: 'string' },
    steps: { type: 'array', items: { type: 'object', required: ['seq', 'kind', 'receipt'], properties: { seq: { type: 'integer' }, kind: { type: 'string' }, receipt: receiptSchema }, additionalProperties: false } },
  },
  additionalProperties: false,
} as const;

const INPUT_SCHEMA: Record<InputKind, object> = {
  id,
  code: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,47}$', description: 'a snake_case reason code' },
  text: { type: 'string', minLength: 1, maxLength: 128 },
  time: { type: 'string', format: 'date-time', description: 'RFC 3339 UTC, e.g. 2026-11-26T08:30:00Z' },
  amount: minor,
};

/** The body of a transition, generated from its input declaration in flow.ts. */
export function transitionBody(t: TransitionName) {
  const input = ORDER_FLOW[t].input as Readonly<Record<string, InputKind>>;
  const keys = Object.keys(input);
  return {
    type: 'object',
    required: keys,
    properties: Object.fromEntries(keys.map((k) => [k, INPUT_SCHEMA[input[k]!]])),
    additionalProperties: false,
  } as const;
}
