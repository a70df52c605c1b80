import { NoteError, openCheckpoint, verifyConsistency, type ParsedCheckpoint } from '../ledger/index.ts';
import type { Cosigner } from './cosignature.ts';
import { parseAddCheckpoint } from './protocol.ts';
import type { WitnessStore } from './store.ts';

export interface WitnessReply {
  status: number;
  contentType: string;
  body: string;
}

export interface WitnessOptions {
  cosigner: Cosigner;
  /** Log verifier keys (signed-note Ed25519 vkeys); each names its log by origin. */
  logs: { origin: string; vkey: string }[];
  store: WitnessStore;
  clock?: () => number;
}

const TEXT = 'text/plain; charset=utf-8';
const reply = (status: number, body: string, contentType = TEXT): WitnessReply => ({ status, contentType, body: body.endsWith('\n') || body === '' ? body : body + '\n' });

/** The tlog-witness add-checkpoint decision, independent of HTTP. */
export class Witness {
  private readonly logs = new Map<string, string[]>();

  constructor(private readonly opts: WitnessOptions) {
    for (const { origin, vkey } of opts.logs) this.logs.set(origin, [...(this.logs.get(origin) ?? []), vkey]);
  }

  get verifierKey(): string {
    return this.opts.cosigner.verifierKey;
  }

  addCheckpoint(raw: string): WitnessReply {
    const req = parseAddCheckpoint(raw);
    if (typeof req === 'string') return reply(400, req);
    const origin = req.checkpoint.slice(0, Math.max(0, req.checkpoint.indexOf('\n')));
    const vkeys = this.logs.get(origin);
    if (!vkeys) return reply(404, `unknown log origin ${JSON.stringify(origin)}`);
    // Signatures by unknown keys are ignored; one valid signature by a trusted key is enough.
    let cp: (ParsedCheckpoint & { body: string }) | undefined;
    let malformed: string | undefined;
    for (const vkey of vkeys) {
      try {
        cp = openCheckpoint(req.checkpoint, vkey, origin);
        break;
      } catch (err) {
        if (!(err instanceof NoteError) || err.reason === 'malformed') malformed = err instanceof Error ? err.message : String(err);
      }
    }
    if (!cp) return malformed ? reply(400, malformed) : reply(403, 'no valid signature by a trusted key for this log');
    if (req.oldSize > cp.size) return reply(400, `old size ${req.oldSize} exceeds the checkpoint size ${cp.size}`);
    const checked = cp;
    const { store, cosigner } = this.opts;
    const outcome = store.update(origin, (cur) => {
      const size = cur?.size ?? 0;
      if (req.oldSize !== size) return { result: reply(409, `${size}`, 'text/x.tlog.size') };
      if (req.oldSize === 0) {
        if (req.proof.length !== 0) return { result: reply(422, 'the consistency proof must be empty when the old size is 0') };
      } else if (req.oldSize === checked.size) {
        if (req.proof.length !== 0) return { result: reply(422, 'the consistency proof must be empty for equal sizes') };
        if (!Buffer.from(cur!.rootHash).equals(Buffer.from(checked.rootHash))) {
          store.recordEvidence(origin, 'same size, different root', raw);
          return { result: reply(409, 'the checkpoint has the size of the one cosigned last but a different root hash') };
        }
      } else if (!verifyConsistency(req.oldSize, checked.size, req.proof, cur!.rootHash, checked.rootHash)) {
        store.recordEvidence(origin, 'consistency proof does not verify', raw);
        return { result: reply(422, `the consistency proof from ${req.oldSize} to ${checked.size} does not verify`) };
      }
      const time = Math.floor((this.opts.clock ?? Date.now)() / 1000);
      return { next: { size: checked.size, rootHash: checked.rootHash, checkpoint: req.checkpoint }, result: reply(200, cosigner.cosign(checked.body, time)) };
    });
    return outcome;
  }
}
