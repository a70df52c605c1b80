// Receipt verification in the browser with the server's and CLI's own pure verifiers:
// src/ledger/receipt.ts (entry hash, RFC 9162 inclusion proof, signed-note checkpoint) and
// src/orders/receipt.ts (order document and address commitments, each step). node:crypto is the
// shim in crypto-shim.ts (aliased in web/vite.config.ts), Buffer comes from setup.ts.
import './setup.ts';
import { verifyReceipt } from '../../../src/ledger/receipt.ts';
import { ORDER_RECEIPT_FORMAT, verifyOrderReceipt } from '../../../src/orders/receipt.ts';

export type ReceiptKind = 'order' | 'entry' | 'unknown';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Outcome {
  kind: ReceiptKind;
  ok: boolean;
  checks: Check[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Verifies any receipt text: an order receipt (chainmall-order-receipt/v2), a ledger entry receipt
 * (v: 1), or the explorer's entry view that carries one under "receipt". Never throws.
 */
export function verifyText(text: string, vkey: string): Outcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unknown', ok: false, checks: [{ name: 'format', ok: false, detail: 'the receipt is not valid JSON' }] };
  }
  if (isObject(value) && value['format'] === ORDER_RECEIPT_FORMAT) {
    const v = verifyOrderReceipt(value, vkey);
    return { kind: 'order', ok: v.ok, checks: v.checks };
  }
  if (isObject(value) && value['format'] !== undefined) {
    return { kind: 'unknown', ok: false, checks: [{ name: 'format', ok: false, detail: `unknown receipt format ${JSON.stringify(value['format'])}` }] };
  }
  // The explorer's entry view ({ index, leafHash, event, receipt }) carries the receipt inside.
  const receipt = isObject(value) && value['entry'] === undefined && isObject(value['receipt']) ? value['receipt'] : value;
  const v = verifyReceipt(receipt, vkey);
  return { kind: 'entry', ok: v.ok, checks: v.checks };
}
