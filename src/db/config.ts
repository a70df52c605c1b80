import path from 'node:path';
import { SqliteAdapter, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface DbConfig {
  /** postgres://… selects PostgreSQL; otherwise SQLite at sqlitePath. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** SQLite synchronous pragma: NORMAL survives process crashes in WAL mode; FULL also survives power loss. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  poolMax?: number;
  /** SQLite: the background checkpointer failed and the writer checkpoints by itself again (default: stderr). */
  onCheckpointError?: (message: string) => void;
}

export const dialectOf = (c: DbConfig): DialectName =>
  c.databaseUrl && /^postgres(ql)?:\/\//.test(c.databaseUrl) ? 'postgres' : 'sqlite';

/** Whether a connection is SQLite: one writer, so no row locks (FOR UPDATE/SHARE is PostgreSQL's). */
export const isSqlite = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof SqliteAdapter;

export const defaultSqlitePath = (dataDir: string) => path.join(dataDir, 'chainmall.db');
