/** The C2SP tlog-witness add-checkpoint request body (https://c2sp.org/tlog-witness). */

export const MAX_PROOF_LINES = 63;
const SIZE = /^(?:0|[1-9][0-9]*)$/;
const HASH_B64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export interface AddCheckpoint {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, as sent. */
  checkpoint: string;
}

export function formatAddCheckpoint(req: AddCheckpoint): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) throw new RangeError('old size must be a non-negative integer');
  if (req.proof.length > MAX_PROOF_LINES) throw new RangeError(`at most ${MAX_PROOF_LINES} proof lines`);
  return `old ${req.oldSize}\n${req.proof.map((h) => Buffer.from(h).toString('base64') + '\n').join('')}\n${req.checkpoint}`;
}

/** Strict parse; returns an error message for a malformed body (answered 400). */
export function parseAddCheckpoint(body: string): AddCheckpoint | string {
  const blank = body.indexOf('\n\n');
  if (blank < 0) return 'missing the empty line before the checkpoint';
  const lines = body.slice(0, blank).split('\n');
  const old = lines.shift()!;
  if (!old.startsWith('old ') || !SIZE.test(old.slice(4))) return 'first line must be "old <size>"';
  const oldSize = Number(old.slice(4));
  if (!Number.isSafeInteger(oldSize)) return 'old size is too large';
  if (lines.length > MAX_PROOF_LINES) return `more than ${MAX_PROOF_LINES} consistency proof lines`;
  const proof: Uint8Array[] = [];
  for (const l of lines) {
    if (!HASH_B64.test(l)) return 'consistency proof lines must be base64 of 32-byte hashes';
    proof.push(new Uint8Array(Buffer.from(l, 'base64')));
  }
  return { oldSize, proof, checkpoint: body.slice(blank + 2) };
}
