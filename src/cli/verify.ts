import fs from 'node:fs';
import path from 'node:path';
import { configFromEnv, resolvedSqlitePath } from '../config.ts';
import { connect, migrateToLatest } from '../db/index.ts';
import { LedgerStore, signerFromKey } from '../ledger/index.ts';
import type { AuditReport } from '../ledger/audit.ts';
import { verifyRemote, verifyStorage } from '../ledger/verify.ts';

export interface VerifyArgs {
  url?: string | undefined;
  key?: string | undefined;
  prev?: string | undefined;
  json?: boolean | undefined;
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

export async function verify(a: VerifyArgs): Promise<number> {
  const json = a.json === true;
  const prev = a.prev ? fs.readFileSync(a.prev, 'utf8') : undefined;
  if (a.url) {
    if (!a.key) throw new Error('--key <verifier key> is required with --url: the key is what you trust, not the server');
    const r = await verifyRemote({ url: a.url, vkey: a.key, prev, progress: progressPrinter(json) });
    return report(r, { url: a.url, origin: r.origin, rootHash: r.rootHash }, json);
  }
  if (prev) throw new Error('--prev needs --url (locally, every stored checkpoint is checked already)');
  const config = configFromEnv();
  const keyFile = config.signingKeyFile ?? path.join(config.dataDir, 'log-signing.key');
  let vkey = a.key;
  if (!vkey && fs.existsSync(keyFile)) vkey = signerFromKey(fs.readFileSync(keyFile, 'utf8').trim()).verifierKey;
  if (!vkey) throw new Error(`no --key given and no signing key at ${keyFile}`);
  if (!config.databaseUrl && !fs.existsSync(resolvedSqlitePath(config))) throw new Error(`no database at ${resolvedSqlitePath(config)}`);
  const db = connect({ databaseUrl: config.databaseUrl, sqlitePath: resolvedSqlitePath(config) });
  try {
    await migrateToLatest(db.kysely, db.dialect);
    const r = await verifyStorage(db.kysely, new LedgerStore(db.kysely, db.sqlite), vkey, config.origin, progressPrinter(json));
    return report(r, { blocks: r.blocks }, json);
  } finally {
    await db.close();
  }
}
