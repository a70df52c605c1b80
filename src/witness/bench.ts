import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consistencyProof, formatCheckpoint, generateSignerKey, hashLeaf, rootHash, signerFromKey, signNote } from '../ledger/index.ts';
import { cosignerFromKey, generateCosignerKey } from './cosignature.ts';
import { formatAddCheckpoint } from './protocol.ts';
import { WitnessStore } from './store.ts';
import { Witness } from './witness.ts';

/**
 * Witness throughput for `npm run bench -- chain`: add-checkpoint requests of a growing log
 * (log signature check, consistency proof check, durable SQLite update, Ed25519 cosignature),
 * without HTTP. Requests are prepared before the clock starts.
 */
export function cosignatureThroughput(count = 500): { cosignatures: number; seconds: number; cosignatures_per_s: number } {
  const origin = 'bench.test/log';
  const log = signerFromKey(generateSignerKey(origin));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-witness-bench-'));
  const store = new WitnessStore(path.join(dir, 'witness.db'));
  try {
    const witness = new Witness({ cosigner: cosignerFromKey(generateCosignerKey('bench.test/witness')), logs: [{ origin, vkey: log.verifierKey }], store });
    const leaves = Array.from({ length: count * 3 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
    const requests: string[] = [];
    let old = 0;
    for (let i = 1; i <= count; i++) {
      const size = i * 3;
      const note = signNote(formatCheckpoint({ origin, size, rootHash: rootHash(leaves.slice(0, size)) }), log);
      requests.push(formatAddCheckpoint({ oldSize: old, proof: old === 0 ? [] : consistencyProof(leaves, old, size), checkpoint: note }));
      old = size;
    }
    const t0 = process.hrtime.bigint();
    for (const r of requests) {
      const res = witness.addCheckpoint(r);
      if (res.status !== 200) throw new Error(`bench: witness answered ${res.status}: ${res.body}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { cosignatures: count, seconds, cosignatures_per_s: Math.round(count / seconds) };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
