import fs from 'node:fs';
import path from 'node:path';
import { configFromEnv, resolvedSqlitePath, type AppConfig } from '../config.ts';
import { checkAnchors, type AnchorCheck } from '../chain/verify-anchor.ts';
import { connect, migrateToLatest } from '../db/index.ts';
import { LedgerStore, signerFromKey } from '../ledger/index.ts';
import type { AuditReport } from '../ledger/audit.ts';
import { verifyRemote, verifyStorage } from '../ledger/verify.ts';

export interface VerifyArgs {
  url?: string | undefined;
  key?: string | undefined;
  prev?: string | undefined;
  json?: boolean | undefined;
  /** Also check the log against the checkpoints anchored on chain (CHAIN_RPC_URL, ANCHOR_CONTRACT). */
  anchor?: boolean | undefined;
  /** With --url: witness verifier keys; the log's cosigned checkpoint must carry `quorum` of them and the log must extend it. */
  witness?: string[] | undefined;
  quorum?: string | undefined;
}

/** The log's checkpoint cosigned by k of the given witnesses; throws a one-line reason otherwise. */
async function witnessedCheckpoint(url: string, vkey: string, witnesses: string[], quorum: string | undefined): Promise<{ note: string; size: number; cosignatures: number }> {
  const k = quorum === undefined ? witnesses.length : Number(quorum);
  if (!Number.isSafeInteger(k) || k < 1 || k > witnesses.length) throw new Error(`--quorum must be a whole number from 1 to ${witnesses.length} (the --witness keys given)`);
  // --url is the log's base (…/log), where checkpoint and tiles are.
  const res = await fetch(new URL('checkpoint.cosigned', url.endsWith('/') ? url : `${url}/`));
  if (!res.ok) throw new Error(`the log serves no cosigned checkpoint (${res.status} from checkpoint.cosigned)`);
  const note = await res.text();
  const { verifyCosigned } = await import('../witness/index.ts');
  const cp = verifyCosigned(note, vkey, witnesses, k);
  return { note, size: cp.size, cosignatures: cp.cosignatures.length };
}

/** Prints progress on stderr at most once a second, so large logs show life. */
function progressPrinter(quiet: boolean) {
  let last = Date.now();
  return (done: number, total: number) => {
    if (quiet || Date.now() - last < 1000) return;
    last = Date.now();
    process.stderr.write(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} entries (${total ? Math.floor((100 * done) / total) : 100}%)\n`);
  };
}

function report(r: AuditReport, extra: Record<string, unknown>, json: boolean): number {
  if (json) console.log(JSON.stringify({ ...extra, ...r }));
  else if (r.ok) console.log(`OK: ${r.entries} entries, tree size ${r.treeSize}, ${r.milestones} checkpoint(s) verified${extra.rootHash ? `, root ${extra.rootHash}` : ''}`);
  else console.log(`FAIL at index ${r.problem!.index}: ${r.problem!.what}`);
  return r.ok ? 0 : 1;
}

/** The stored tree against every checkpoint anchored on chain (consistency proofs). */
async function verifyAnchors(store: LedgerStore, config: AppConfig): Promise<{ ok: boolean; anchor: AnchorCheck }> {
  const { createPublicClient, http } = await import('viem');
  const client = createPublicClient({ transport: http(config.chainRpcUrl!) });
  const anchor = await checkAnchors(store, config.origin, client, config.anchorContract as `0x${string}`);
  return { ok: anchor.ok, anchor };
}

export async function verify(a: VerifyArgs): Promise<number> {
  const json = a.json === true;
  const prev = a.prev ? fs.readFileSync(a.prev, 'utf8') : undefined;
  if (a.url) {
    if (!a.key) throw new Error('--key <verifier key> is required with --url: the key is what you trust, not the server');
    if (a.witness?.length && prev) throw new Error('--witness and --prev both name the checkpoint to extend: give one');
    let witnessed: Awaited<ReturnType<typeof witnessedCheckpoint>> | undefined;
    if (a.witness?.length) {
      try {
        witnessed = await witnessedCheckpoint(a.url, a.key, a.witness, a.quorum);
      } catch (err) {
        const what = (err as Error).message;
        if (json) console.log(JSON.stringify({ ok: false, url: a.url, witnesses: what }));
        else console.log(`FAIL: witnesses: ${what}`);
        return 1;
      }
    }
    // The log must extend the checkpoint the witnesses cosigned (a consistency proof), like --prev.
    const r = await verifyRemote({ url: a.url, vkey: a.key, prev: witnessed?.note ?? prev, progress: progressPrinter(json) });
    return report(r, { url: a.url, origin: r.origin, rootHash: r.rootHash, ...(witnessed ? { witnessedSize: witnessed.size, cosignatures: witnessed.cosignatures } : {}) }, json);
  }
  if (prev) throw new Error('--prev needs --url (locally, every stored checkpoint is checked already)');
  const config = configFromEnv();
  if (a.anchor && (!config.chainRpcUrl || !config.anchorContract)) throw new Error('--anchor needs CHAIN_RPC_URL and ANCHOR_CONTRACT');
  const keyFile = config.signingKeyFile ?? path.join(config.dataDir, 'log-signing.key');
  let vkey = a.key;
  if (!vkey && fs.existsSync(keyFile)) vkey = signerFromKey(fs.readFileSync(keyFile, 'utf8').trim()).verifierKey;
  if (!vkey) throw new Error(`no --key given and no signing key at ${keyFile}`);
  if (!config.databaseUrl && !fs.existsSync(resolvedSqlitePath(config))) throw new Error(`no database at ${resolvedSqlitePath(config)}`);
  const db = connect({ databaseUrl: config.databaseUrl, sqlitePath: resolvedSqlitePath(config) });
  try {
    await migrateToLatest(db.kysely, db.dialect);
    const store = new LedgerStore(db.kysely, db.sqlite);
    const r = await verifyStorage(db.kysely, store, vkey, config.origin, progressPrinter(json));
    if (!a.anchor || !r.ok) return report(r, { blocks: r.blocks }, json);
    const { anchor, ok } = await verifyAnchors(store, config);
    if (!ok) {
      if (json) console.log(JSON.stringify({ ...r, ok: false, anchor }));
      else console.log(anchor.fork!.message);
      return 1;
    }
    if (json) console.log(JSON.stringify({ ...r, blocks: r.blocks, anchor }));
    else console.log(`OK: ${r.entries} entries, tree size ${r.treeSize}, ${r.milestones} checkpoint(s) verified, consistent with ${anchor.anchors} anchored checkpoint(s)`);
    return 0;
  } finally {
    await db.close();
  }
}
