import fs from 'node:fs';
import { verifyReceipt } from '../ledger/index.ts';
import { ORDER_RECEIPT_FORMAT, verifyOrderReceipt } from '../orders/index.ts';

const isOrderReceipt = (text: string): boolean => {
  try {
    return (JSON.parse(text) as { format?: unknown } | null)?.format === ORDER_RECEIPT_FORMAT;
  } catch {
    return false;
  }
};

/** Verifies a ledger receipt or an order receipt offline; prints every check and exits 1 on any failure. */
export function receiptVerify(file: string, vkey: string, json: boolean): number {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  const verdict = isOrderReceipt(text) ? verifyOrderReceipt(text, vkey) : verifyReceipt(text, vkey);
  if (json) console.log(JSON.stringify(verdict));
  else for (const c of verdict.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (!json) console.log(verdict.ok ? 'receipt is valid' : 'receipt is NOT valid');
  return verdict.ok ? 0 : 1;
}
