import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface WitnessedState {
  size: number;
  rootHash: Uint8Array;
}

/**
 * The witness's memory: per log origin, the latest checkpoint it cosigned. A SQLite file, so
 * that restarts keep it; losing it would let the witness cosign a fork, so it is never reset.
 */
export class WitnessStore {
  private readonly db: Database.Database;
  private readonly get: Database.Statement<[string], { size: number; root_hash: Buffer }>;
  private readonly put: Database.Statement<[string, number, Uint8Array, string, number]>;
  private readonly evidence: Database.Statement<[string, string, string, number]>;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      create table if not exists witness_log (
        origin text primary key, size integer not null, root_hash blob not null, checkpoint text not null, updated_at integer not null);
      create table if not exists witness_evidence (
        id integer primary key, origin text not null, reason text not null, request text not null, at integer not null);`);
    this.get = this.db.prepare('select size, root_hash from witness_log where origin = ?');
    this.put = this.db.prepare(
      'insert into witness_log (origin, size, root_hash, checkpoint, updated_at) values (?, ?, ?, ?, ?) on conflict (origin) do update set size = excluded.size, root_hash = excluded.root_hash, checkpoint = excluded.checkpoint, updated_at = excluded.updated_at',
    );
    this.evidence = this.db.prepare('insert into witness_evidence (origin, reason, request, at) values (?, ?, ?, ?)');
  }

  latest(origin: string): WitnessedState | undefined {
    const r = this.get.get(origin);
    return r && { size: r.size, rootHash: new Uint8Array(r.root_hash) };
  }

  /**
   * Runs `decide` on the stored state and persists what it returns, in one immediate
   * transaction: the check of the old size and the update are atomic (tlog-witness requires
   * it), across requests and across processes sharing the file.
   */
  update<T>(origin: string, decide: (cur: WitnessedState | undefined) => { next?: WitnessedState & { checkpoint: string }; result: T }): T {
    return this.db.transaction(() => {
      const { next, result } = decide(this.latest(origin));
      if (next) this.put.run(origin, next.size, next.rootHash, next.checkpoint, Math.floor(Date.now() / 1000));
      return result;
    }).immediate();
  }

  /** A signed request that failed the consistency check: possible proof of log misbehaviour. */
  recordEvidence(origin: string, reason: string, request: string): void {
    this.evidence.run(origin, reason, request, Math.floor(Date.now() / 1000));
  }

  evidenceCount(origin: string): number {
    return (this.db.prepare('select count(*) as n from witness_evidence where origin = ?').get(origin) as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
