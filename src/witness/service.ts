import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import { formatAddCheckpoint } from './protocol.ts';

export interface WitnessEndpoint {
  /** Submission prefix: the request goes to `<url>/add-checkpoint`. */
  url: string;
  /** The witness's cosigner verifier key (`name+id+base64(0x04 ‖ key)`). */
  vkey: string;
}

/** WITNESSES: entries "<url> <vkey>", separated by commas or newlines. */
export function parseWitnessList(s: string | undefined): WitnessEndpoint[] {
  if (!s) return [];
  return s.split(/[,\n]/).map((e) => e.trim()).filter((e) => e !== '').map((e) => {
    const parts = e.split(/\s+/);
    if (parts.length !== 2) throw new Error(`WITNESSES entry must be "<url> <verifier key>", got ${JSON.stringify(e)}`);
    const [url, vkey] = parts as [string, string];
    new URL(url);
    parseCosignerKey(vkey);
    return { url: url.replace(/\/+$/, ''), vkey };
  });
}

export interface WitnessingOptions {
  witnesses: WitnessEndpoint[];
  /** Cosignatures a checkpoint needs before GET /log/checkpoint.cosigned serves it. */
  quorum: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  onError?: (witness: string, err: unknown) => void;
}

const nowIso = () => new Date().toISOString();

/**
 * The log's side of tlog-witness: submits each new checkpoint to every configured witness with a
 * consistency proof from the size that witness cosigned last, keeps the cosignatures, and serves
 * the newest checkpoint that reached the quorum. Safe on every instance: a witness answers a
 * stale or concurrent submission with 409 and its size, and the next submission starts there.
 */
export class WitnessingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ledger: Ledger,
    private readonly opts: WitnessingOptions,
  ) {
    assert(opts.witnesses.length === 0 || (opts.quorum >= 1 && opts.quorum <= opts.witnesses.length), 'witness quorum must be between 1 and the number of witnesses');
  }

  get witnesses(): WitnessEndpoint[] {
    return this.opts.witnesses;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * One round: the latest checkpoint to every witness that has not cosigned it. Returns
   * cosignatures gained. Rounds of one instance run one after another (job and sequencer hook).
   */
  tick(): Promise<number> {
    const run = this.queue.then(() => this.round());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async round(): Promise<number> {
    if (this.opts.witnesses.length === 0) return 0;
    const last = await this.ledger.latest();
    if (!last) return 0;
    let gained = 0;
    await Promise.all(
      this.opts.witnesses.map(async (w) => {
        try {
          if (await this.submit(w, last.treeSize, last.checkpoint)) gained++;
        } catch (err) {
          this.opts.onError?.(w.url, err);
        }
      }),
    );
    return gained;
  }

  private async knownSize(w: WitnessEndpoint): Promise<number> {
    const r = await this.db.selectFrom('witness_state').select('size').where('witness', '=', w.vkey).executeTakeFirst();
    return r?.size ?? 0;
  }

  private async setKnownSize(w: WitnessEndpoint, size: number): Promise<void> {
    await this.db
      .insertInto('witness_state')
      .values({ witness: w.vkey, size, updated_at: nowIso() })
      .onConflict((oc) => oc.column('witness').doUpdateSet({ size, updated_at: nowIso() }))
      .execute();
  }

  /** Submits one checkpoint to one witness; true when a new cosignature was stored. */
  async submit(w: WitnessEndpoint, treeSize: number, checkpoint: string): Promise<boolean> {
    let old = await this.knownSize(w);
    if (old >= treeSize) return false;
    // One retry per 409: the witness tells its size, and a proof from there is sent.
    for (let attempt = 0; attempt < 3; attempt++) {
      const proof = old === 0 || old === treeSize ? [] : await this.ledger.consistency(old, treeSize);
      const res = await (this.opts.fetch ?? fetch)(`${w.url}/add-checkpoint`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: formatAddCheckpoint({ oldSize: old, proof, checkpoint }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (res.status === 200) {
        const body = checkpoint.slice(0, checkpoint.lastIndexOf('\n\n') + 1);
        // As the spec suggests: the response lines appended to the checkpoint, verified with the witness key only.
        const lines = text.split('\n').filter((l) => l !== '').map((l) => `${l}\n`);
        const valid = verifyCosignatures(checkpoint + lines.join(''), body, [w.vkey]);
        if (valid.length === 0) throw new Error(`witness ${w.url} answered 200 without a cosignature by its key`);
        const key = parseCosignerKey(w.vkey);
        const line = lines.find((l) => l.startsWith(`\u2014 ${key.name} `) && verifyCosignatures(checkpoint + l, body, [w.vkey]).length === 1)!;
        await this.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('witness_cosignature')
            .values({ witness: w.vkey, tree_size: treeSize, checkpoint, line, cosigned_at: valid[0]!.time })
            .onConflict((oc) => oc.columns(['witness', 'tree_size']).doNothing())
            .execute();
          await trx
            .insertInto('witness_state')
            .values({ witness: w.vkey, size: treeSize, updated_at: nowIso() })
            .onConflict((oc) => oc.column('witness').doUpdateSet({ size: treeSize, updated_at: nowIso() }).where('witness_state.size', '<', treeSize))
            .execute();
        });
        return true;
      }
      if (res.status === 409 && (res.headers.get('content-type') ?? '').startsWith('text/x.tlog.size')) {
        const size = /^(0|[1-9][0-9]*)\n?$/.test(text) ? Number(text.trim()) : NaN;
        if (!Number.isSafeInteger(size)) throw new Error(`witness ${w.url} answered 409 with a malformed size`);
        if (size > treeSize) throw new Error(`witness ${w.url} has cosigned size ${size}, beyond this log's ${treeSize}: a fork or a rewritten log`);
        await this.setKnownSize(w, size);
        if (size === treeSize) return false;
        old = size;
        continue;
      }
      throw new Error(`witness ${w.url} refused the checkpoint of size ${treeSize}: ${res.status} ${text.trim().slice(0, 200)}`);
    }
    throw new Error(`witness ${w.url} kept answering 409`);
  }

  /** The cosignatures stored for one tree size, by configured witnesses. */
  async cosignaturesFor(treeSize: number): Promise<{ witness: string; line: string; checkpoint: string }[]> {
    const keys = this.opts.witnesses.map((w) => w.vkey);
    if (keys.length === 0) return [];
    return this.db.selectFrom('witness_cosignature').select(['witness', 'line', 'checkpoint']).where('tree_size', '=', treeSize).where('witness', 'in', keys).execute();
  }

  /** The newest checkpoint cosigned by at least `quorum` configured witnesses, with those cosignatures appended. */
  async cosignedCheckpoint(): Promise<{ treeSize: number; note: string }> {
    const keys = this.opts.witnesses.map((w) => w.vkey);
    const top = keys.length === 0 ? undefined : await this.db
      .selectFrom('witness_cosignature')
      .select('tree_size')
      .where('witness', 'in', keys)
      .groupBy('tree_size')
      .having((eb) => eb.fn.countAll(), '>=', this.opts.quorum)
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!top) throw new DomainError('witness.no_cosigned_checkpoint', `no checkpoint has cosignatures from ${this.opts.quorum} configured witness(es) yet`, 404);
    const rows = await this.cosignaturesFor(Number(top.tree_size));
    const checkpoint = rows[0]!.checkpoint;
    // Witness order as configured, so the same state always gives the same bytes.
    const lines = keys.map((k) => rows.find((r) => r.witness === k && r.checkpoint === checkpoint)?.line).filter((l) => l !== undefined);
    return { treeSize: Number(top.tree_size), note: checkpoint + lines.join('') };
  }
}
