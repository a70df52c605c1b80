// An order receipt: the order document and its salt, plus a ledger receipt for each of the order's
// steps. The buyer or the merchant can prove offline, with only the log's public key, that this
// document is the one the platform committed to and that every step is in the log. With the
// address and its salt it proves the shipping address too; without them (the buyer was erased) the
// rest still verifies. Pure.
// The pure files, not the module index: the web app runs this in the browser (web/src/verify).
import { parseEntry } from '../ledger/entry.ts';
import { verifyReceipt, type Receipt, type ReceiptCheck } from '../ledger/receipt.ts';
import { verifyAddressCommitment, verifyOrderCommitment, type OrderDocument, type ShippingAddress } from './document.ts';

export const ORDER_RECEIPT_FORMAT = 'chainmall-order-receipt/v2';

export interface OrderReceipt {
  format: typeof ORDER_RECEIPT_FORMAT;
  orderId: string;
  number: string;
  document: OrderDocument;
  salt: string;
  commitment: string;
  /** The address the document's shippingAddressCommitment commits to, and that commitment's salt; absent once erased. */
  shippingAddress?: ShippingAddress;
  addressSalt?: string;
  /** One per step of the order, oldest first; steps not yet integrated are left out. */
  steps: { seq: number; kind: string; receipt: Receipt }[];
}

export interface OrderReceiptCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface OrderReceiptVerdict {
  ok: boolean;
  checks: OrderReceiptCheck[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every check in order; never throws. ok only when all pass and the order.created step is present. */
export function verifyOrderReceipt(input: unknown, vkey: string, opts: { origin?: string } = {}): OrderReceiptVerdict {
  const checks: OrderReceiptCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => void checks.push({ name, ok, detail });
  let r: unknown = input;
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r);
    } catch {
      add('format', false, 'the receipt is not valid JSON');
      return { ok: false, checks };
    }
  }
  if (!isObject(r) || r['format'] !== ORDER_RECEIPT_FORMAT || !Array.isArray(r['steps']) || !isObject(r['document'])) {
    add('format', false, `not a ${ORDER_RECEIPT_FORMAT} object with a document and steps`);
    return { ok: false, checks };
  }
  const doc = r['document'];
  add('format', true, `order receipt for ${String(r['number'])} with ${r['steps'].length} step(s)`);

  const docOk = verifyOrderCommitment(doc, r['salt'], r['commitment']) && doc['orderId'] === r['orderId'] && doc['number'] === r['number'];
  add('document-commitment', docOk, docOk ? `the document and salt hash to ${String(r['commitment'])}` : 'the document and salt do not hash to the commitment (or name another order)');
  if (r['shippingAddress'] !== undefined || r['addressSalt'] !== undefined) {
    const addrOk = verifyAddressCommitment(r['shippingAddress'], r['addressSalt'], doc['shippingAddressCommitment']);
    add('address-commitment', addrOk, addrOk ? 'the shipping address and its salt hash to the document\'s address commitment' : 'the shipping address and its salt do not hash to the document\'s address commitment');
  }

  let created = false;
  r['steps'].forEach((s: unknown, i: number) => {
    const where = `step ${i + 1}`;
    if (!isObject(s)) return add(where, false, 'not an object');
    const verdict = verifyReceipt(s['receipt'], vkey, opts);
    const failed = verdict.checks.find((c: ReceiptCheck) => !c.ok);
    add(`${where}: ledger receipt`, verdict.ok, verdict.ok ? `${String(s['kind'])} is leaf ${(s['receipt'] as Receipt).leafIndex} of a signed tree` : `${failed?.name}: ${failed?.detail}`);
    if (!verdict.ok) return;
    let e;
    try {
      e = parseEntry(Buffer.from((s['receipt'] as Receipt).entry, 'base64'));
    } catch (err) {
      return add(`${where}: entry`, false, `the entry does not parse: ${(err as Error).message}`);
    }
    const about = e.subject['order'] === r['orderId'] && e.kind === s['kind'];
    add(`${where}: entry`, about, about ? `${e.kind} of order ${String(r['orderId'])} at ${e.at}` : `the entry is ${e.kind} of ${String(e.subject['order'])}, not this order's ${String(s['kind'])}`);
    if (about && e.kind === 'order.created') {
      created = true;
      const same = isObject(e.data) && e.data['commitment'] === r['commitment'] && e.data['totalMinor'] === (doc['totals'] as Record<string, unknown> | undefined)?.['totalMinor'];
      add(`${where}: commitment in the log`, same, same ? 'the logged order.created commits to this document and total' : 'the logged commitment or total differs from the document');
    }
  });
  if (!created) add('order.created', false, 'the receipt has no integrated order.created step');
  return { ok: checks.every((c) => c.ok), checks };
}
