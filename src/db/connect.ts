import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { assert } from '../shared/assert.ts';
import { startCheckpointer } from './checkpoint.ts';
import { dialectOf, type DbConfig, type DialectName } from './config.ts';
import type { Database } from './database.ts';

// int8 comes back as a string by default; our counters are far below 2^53, so read them as numbers and refuse anything else.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  assert(Number.isSafeInteger(n), `int8 value ${v} is beyond 2^53`);
  return n;
});

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Present on SQLite only: the raw handle, for hot paths and pragmas. */
  sqlite?: SQLite.Database;
  /** Present on PostgreSQL only. */
  pool?: pg.Pool;
  config: DbConfig;
  /** Statements sent through Kysely since connect (benchmarks report queries per operation). */
  stats: { queries: number };
  close(): Promise<void>;
}

const STATEMENT_CACHE_MAX = 2000;
/** SQLite's own default, for when the writer has to checkpoint by itself again. */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * Kysely prepares every query anew; compiling SQL costs more than running it on SQLite. The same
 * handle, with prepared statements kept by their SQL text (queries are parameterised, so the set is
 * small; bounded anyway). Safe: one connection, and better-sqlite3 runs each statement to completion.
 */
function cachingStatements(db: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          let stmt = cache.get(sql);
          if (!stmt) {
            if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
            stmt = target.prepare(sql);
            cache.set(sql, stmt);
          }
          return stmt;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function connect(config: DbConfig): Db {
  const dialect = dialectOf(config);
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolMax ?? 10 });
    // An idle client that errors (server restart) must not crash the process.
    pool.on('error', () => {});
    const stats = { queries: 0 };
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: () => void stats.queries++ });
    return { kysely, dialect, pool, config, stats, close: () => kysely.destroy() };
  }
  fs.mkdirSync(path.dirname(config.sqlitePath), { recursive: true });
  const sqlite = new SQLite(config.sqlitePath);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${config.sqliteSynchronous ?? 'NORMAL'}`);
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // Checkpoints off the event loop (see checkpoint.ts); the log file is cut back to 64 MiB when reset.
  sqlite.pragma('journal_size_limit = 67108864');
  sqlite.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(config.sqlitePath, {
    // Between transactions only: a checkpoint cannot run inside one (the next message tries again).
    finish: () => void (sqlite.open && !sqlite.inTransaction && sqlite.pragma('wal_checkpoint(PASSIVE)')),
    fallback: () => void (sqlite.open && sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)),
    onError: config.onCheckpointError ?? ((m) => console.error(m)),
  });
  const stats = { queries: 0 };
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), log: () => void stats.queries++ });
  return {
    kysely, dialect, sqlite, config, stats,
    close: async () => {
      // The worker's connection first: closing the last connection, SQLite copies the rest of the
      // log and removes it (with another process still connected, it leaves the log to that one).
      await checkpointer.stop();
      await kysely.destroy();
      if (sqlite.open) sqlite.close(); // Kysely closes it only if it ever ran a query
    },
  };
}
