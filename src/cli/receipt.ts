import fs from 'node:fs';
import { verifyReceipt } from '../ledger/index.ts';

/** Verifies a receipt file offline; prints every check and exits 1 on the first failure. */
export function receiptVerify(file: string, vkey: string, json: boolean): number {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  const verdict = verifyReceipt(text, vkey);
  if (json) console.log(JSON.stringify(verdict));
  else for (const c of verdict.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (!json) console.log(verdict.ok ? 'receipt is valid' : 'receipt is NOT valid');
  return verdict.ok ? 0 : 1;
}
