// The order document — items, totals, and a commitment to the shipping address — and its salted
// commitment. The ledger entry carries only ids, amounts and the commitment; the buyer's and the
// merchant's receipt carries the document and the salt, so either can prove the contents offline.
//
// commitment = hex SHA-256(salt ‖ 0x00 ‖ RFC 8785 canonical JSON of the document), with the salt
// as its base64url text: the ledger's `commitment(value, salt)` construction.
//
// The address is committed apart (v2): the document holds shippingAddressCommitment =
// commitment(canonical address, addressSalt), and the address with its own salt is stored sealed
// with the buyer's data key. Erasing the buyer shreds both, yet the document, its commitment and
// every receipt still verify; a receipt issued before erasure also proves the address.
import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DomainError } from '../shared/errors.ts';
import { PAYMENT_MODES, type OrderInit, type OrderTerms, type PaymentMode } from './flow.ts';
import { parseOrderNumber } from './numbers.ts';

export interface OrderLine {
  sku: string;
  name: string;
  /** A whole number of units, at least 1. */
  qty: number;
  /** Minor units as a decimal string, e.g. "4990" for 49.90. */
  unitPriceMinor: string;
  currency: string;
}

export interface OrderTotals {
  /** Σ qty × unitPriceMinor */
  itemsMinor: string;
  shippingMinor: string;
  discountMinor: string;
  /** itemsMinor + shippingMinor − discountMinor */
  totalMinor: string;
}

export interface ShippingAddress {
  recipient: string;
  phone: string;
  country: string; // ISO 3166-1 alpha-2
  region?: string;
  city: string;
  line1: string;
  line2?: string;
  postalCode?: string;
}

export interface OrderDocument {
  v: 2;
  orderId: string;
  number: string;
  buyerId: string;
  merchantId: string;
  /** RFC 3339 UTC */
  placedAt: string;
  paymentMode: PaymentMode;
  currency: string;
  items: OrderLine[];
  totals: OrderTotals;
  /** commitment(canonical shipping address, addressSalt): 64 lower-case hex digits. */
  shippingAddressCommitment: string;
}

export interface OrderCommitment {
  /** 32 random bytes, base64url without padding. Keep it with the receipt; it unlocks the proof. */
  salt: string;
  /** 64 lower-case hex digits. */
  commitment: string;
}

export const ORDER_ITEMS_MAX = 500;
export const ORDER_QTY_MAX = 1_000_000;
const SALT_BYTES = 32;
const TEXT_MAX = 256;
const AMOUNT = /^(0|[1-9]\d{0,17})$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const SALT = /^[A-Za-z0-9_-]{43}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= TEXT_MAX && v.trim() === v && !/\p{Cc}/u.test(v);
const isAmount = (v: unknown): v is string => typeof v === 'string' && AMOUNT.test(v);

function keysProblem(o: Record<string, unknown>, where: string, required: readonly string[], optional: readonly string[] = []): string | null {
  for (const k of required) if (o[k] === undefined) return `${where}.${k} is missing`;
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) return `${where}.${k} is not a document field`;
  return null;
}

/** Σ qty × unit price, and the total after shipping and discount. Amounts are decimal strings. */
export function computeTotals(items: readonly Pick<OrderLine, 'qty' | 'unitPriceMinor'>[], shippingMinor = '0', discountMinor = '0'): OrderTotals {
  const itemsMinor = items.reduce((sum, i) => sum + BigInt(i.qty) * BigInt(i.unitPriceMinor), 0n);
  const total = itemsMinor + BigInt(shippingMinor) - BigInt(discountMinor);
  if (total < 0n) throw new DomainError('order.invalid_document', 'the discount is more than the items and shipping', 400);
  return { itemsMinor: itemsMinor.toString(), shippingMinor: BigInt(shippingMinor).toString(), discountMinor: BigInt(discountMinor).toString(), totalMinor: total.toString() };
}

/** The first thing wrong with a document, or null. Exact: unknown fields are refused too. */
export function orderDocumentProblem(doc: unknown): string | null {
  if (!isObject(doc)) return 'the document is not an object';
  const d = doc;
  const top = keysProblem(d, 'doc', ['v', 'orderId', 'number', 'buyerId', 'merchantId', 'placedAt', 'paymentMode', 'currency', 'items', 'totals', 'shippingAddressCommitment']);
  if (top) return top;
  if (d['v'] !== 2) return 'doc.v must be 2';
  for (const k of ['orderId', 'buyerId', 'merchantId'] as const) if (typeof d[k] !== 'string' || !ID.test(d[k])) return `doc.${k} is not an id`;
  if (parseOrderNumber(d['number'])?.number !== d['number']) return 'doc.number is not a canonical order number';
  const placedAt = d['placedAt'];
  if (typeof placedAt !== 'string' || !TIME.test(placedAt) || !Number.isFinite(Date.parse(placedAt)) || new Date(placedAt).toISOString().slice(0, 19) !== placedAt.slice(0, 19)) {
    return 'doc.placedAt is not an RFC 3339 UTC time';
  }
  if (!(PAYMENT_MODES as readonly unknown[]).includes(d['paymentMode'])) return 'doc.paymentMode is not a payment mode';
  const currency = d['currency'];
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) return 'doc.currency is not an ISO 4217 code';

  const items = d['items'];
  if (!Array.isArray(items) || items.length === 0 || items.length > ORDER_ITEMS_MAX) return `doc.items must hold 1..${ORDER_ITEMS_MAX} lines`;
  for (const [n, item] of items.entries()) {
    const at = `doc.items[${n}]`;
    if (!isObject(item)) return `${at} is not an object`;
    const p = keysProblem(item, at, ['sku', 'name', 'qty', 'unitPriceMinor', 'currency']);
    if (p) return p;
    if (typeof item['sku'] !== 'string' || !ID.test(item['sku'])) return `${at}.sku is not an id`;
    if (!isText(item['name'])) return `${at}.name is not a single line of 1..${TEXT_MAX} characters`;
    if (!Number.isSafeInteger(item['qty']) || (item['qty'] as number) < 1 || (item['qty'] as number) > ORDER_QTY_MAX) return `${at}.qty is not a whole number in 1..${ORDER_QTY_MAX}`;
    if (!isAmount(item['unitPriceMinor'])) return `${at}.unitPriceMinor is not a decimal string of minor units`;
    if (item['currency'] !== currency) return `${at}.currency differs from doc.currency`;
  }

  const totals = d['totals'];
  if (!isObject(totals)) return 'doc.totals is not an object';
  const tp = keysProblem(totals, 'doc.totals', ['itemsMinor', 'shippingMinor', 'discountMinor', 'totalMinor']);
  if (tp) return tp;
  for (const k of ['itemsMinor', 'shippingMinor', 'discountMinor', 'totalMinor'] as const) {
    if (!isAmount(totals[k])) return `doc.totals.${k} is not a decimal string of minor units`;
  }
  const itemsMinor = (items as OrderLine[]).reduce((sum, i) => sum + BigInt(i.qty) * BigInt(i.unitPriceMinor), 0n);
  if (BigInt(totals['itemsMinor'] as string) !== itemsMinor) return `doc.totals.itemsMinor is not the sum of the lines (${itemsMinor})`;
  const total = itemsMinor + BigInt(totals['shippingMinor'] as string) - BigInt(totals['discountMinor'] as string);
  if (total < 0n || BigInt(totals['totalMinor'] as string) !== total) return 'doc.totals.totalMinor is not items + shipping − discount';
  if (!AMOUNT.test(total.toString())) return 'doc.totals.totalMinor is too large';

  if (typeof d['shippingAddressCommitment'] !== 'string' || !HEX64.test(d['shippingAddressCommitment'])) return 'doc.shippingAddressCommitment is not 64 lower-case hex digits';
  return null;
}

/** The first thing wrong with a shipping address, or null. Exact: unknown fields are refused too. */
export function addressProblem(addr: unknown): string | null {
  if (!isObject(addr)) return 'shippingAddress is not an object';
  const ap = keysProblem(addr, 'shippingAddress', ['recipient', 'phone', 'country', 'city', 'line1'], ['region', 'line2', 'postalCode']);
  if (ap) return ap;
  for (const k of ['recipient', 'phone', 'city', 'line1', 'region', 'line2', 'postalCode'] as const) {
    if (addr[k] !== undefined && !isText(addr[k])) return `shippingAddress.${k} is not a single line of 1..${TEXT_MAX} characters`;
  }
  if (typeof addr['country'] !== 'string' || !COUNTRY.test(addr['country'])) return 'shippingAddress.country is not an ISO 3166-1 alpha-2 code';
  return null;
}

/** The address's own commitment under its own salt. Throws DomainError on an invalid address or salt. */
export function addressCommitment(addr: ShippingAddress, addressSalt: string): string {
  const problem = addressProblem(addr);
  if (problem !== null) throw new DomainError('order.invalid_document', `shipping address rejected: ${problem}`, 400);
  if (!isSalt(addressSalt)) throw new DomainError('order.invalid_document', 'the address salt is not 32 bytes in base64url', 400);
  return hash(addressSalt, canonicalize(addr)!);
}

/** A fresh address salt and the address commitment under it. */
export function commitAddress(addr: ShippingAddress): { addressSalt: string; commitment: string } {
  const addressSalt = randomBytes(SALT_BYTES).toString('base64url');
  return { addressSalt, commitment: addressCommitment(addr, addressSalt) };
}

/** Whether `addr` under `addressSalt` is what the document committed to. Never throws. */
export function verifyAddressCommitment(addr: unknown, addressSalt: unknown, commitment: unknown): boolean {
  if (!isSalt(addressSalt) || typeof commitment !== 'string' || !HEX64.test(commitment) || addressProblem(addr) !== null) return false;
  try {
    return hash(addressSalt, canonicalize(addr)!) === commitment;
  } catch {
    return false;
  }
}

/** RFC 8785 canonical JSON of a valid document. Throws DomainError('order.invalid_document'). */
export function canonicalOrder(doc: OrderDocument): string {
  const problem = orderDocumentProblem(doc);
  if (problem !== null) throw new DomainError('order.invalid_document', `order document rejected: ${problem}`, 400);
  const text = canonicalize(doc);
  if (text === undefined) throw new DomainError('order.invalid_document', 'order document rejected: not serialisable', 400);
  return text;
}

const hash = (salt: string, canonical: string): string =>
  createHash('sha256').update(salt, 'utf8').update(Buffer.from([0])).update(canonical, 'utf8').digest('hex');

/** Deterministic: the commitment to `doc` under `salt`. Throws DomainError on an invalid document or salt. */
export function orderCommitment(doc: OrderDocument, salt: string): string {
  if (!isSalt(salt)) throw new DomainError('order.invalid_document', 'the salt is not 32 bytes in base64url', 400);
  return hash(salt, canonicalOrder(doc));
}

/** A fresh salt and the commitment to `doc` under it. Throws DomainError on an invalid document. */
export function commitOrder(doc: OrderDocument): OrderCommitment {
  const salt = randomBytes(SALT_BYTES).toString('base64url');
  return { salt, commitment: orderCommitment(doc, salt) };
}

function isSalt(salt: unknown): salt is string {
  // Exactly 32 bytes in canonical unpadded base64url: one byte string has one spelling.
  return typeof salt === 'string' && SALT.test(salt) && Buffer.from(salt, 'base64url').toString('base64url') === salt;
}

/** Whether `commitment` commits to `doc` under `salt`. Any malformed argument gives false; never throws. */
export function verifyOrderCommitment(doc: unknown, salt: unknown, commitment: unknown): boolean {
  if (!isSalt(salt) || typeof commitment !== 'string' || !HEX64.test(commitment)) return false;
  if (orderDocumentProblem(doc) !== null) return false;
  let text: string | undefined;
  try {
    text = canonicalize(doc);
  } catch {
    return false;
  }
  return text !== undefined && hash(salt, text) === commitment;
}

/** The facts createOrder needs, taken from the committed document so the two cannot disagree. */
export function orderInit(doc: OrderDocument, commitment: string, terms?: OrderTerms): OrderInit {
  const problem = orderDocumentProblem(doc);
  if (problem !== null) throw new DomainError('order.invalid_document', `order document rejected: ${problem}`, 400);
  return {
    id: doc.orderId, number: doc.number, buyerId: doc.buyerId, merchantId: doc.merchantId, mode: doc.paymentMode,
    currency: doc.currency, totalMinor: BigInt(doc.totals.totalMinor), commitment, ...(terms ? { terms } : {}),
  };
}
