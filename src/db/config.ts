import path from 'node:path';

export type DialectName = 'sqlite' | 'postgres';

export interface DbConfig {
  /** postgres://… selects PostgreSQL; otherwise SQLite at sqlitePath. */
  databaseUrl?: string | undefined;
  sqlitePath: string;
  /** SQLite synchronous pragma: NORMAL survives process crashes in WAL mode; FULL also survives power loss. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  poolMax?: number;
}

export const dialectOf = (c: DbConfig): DialectName =>
  c.databaseUrl && /^postgres(ql)?:\/\//.test(c.databaseUrl) ? 'postgres' : 'sqlite';

export const defaultSqlitePath = (dataDir: string) => path.join(dataDir, 'chainmall.db');
