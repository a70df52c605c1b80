import { benchLedger } from './ledger.ts';
import { benchCheckout } from './checkout.ts';
import { benchCallbacks } from './callbacks.ts';
import { benchSettlement } from './settlement.ts';
import { benchRecs } from './recs.ts';
import { benchChain } from './chain.ts';

const SUITES: Record<string, (args: string[]) => Promise<number>> = { ledger: benchLedger, checkout: benchCheckout, callbacks: benchCallbacks, settlement: benchSettlement, recs: benchRecs, chain: benchChain };

/** `npm run bench [-- <suite>] [--json] [--quick]`: runs one suite, or all of them. */
export async function runBench(args: string[]): Promise<number> {
  const names = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length) {
    console.error(`bench: unknown suite ${unknown.join(', ')} (have: ${Object.keys(SUITES).join(', ')})`);
    return 2;
  }
  let code = 0;
  for (const name of names.length ? names : Object.keys(SUITES)) code ||= await SUITES[name]!(flags);
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await runBench(process.argv.slice(2)));
