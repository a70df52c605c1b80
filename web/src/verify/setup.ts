// Installs the global Buffer the shared pure modules (src/ledger, src/orders) use. Imported first by
// the verifier (verifier.ts) and by the crypto shim, so it runs before those modules evaluate.
import { Buffer } from './buffer-shim.ts';

const g = globalThis as { Buffer?: unknown };
if (g.Buffer === undefined) g.Buffer = Buffer;
