export { connect, type Db } from './connect.ts';
export { startCheckpointer, type Checkpointer } from './checkpoint.ts';
export { dialectOf, defaultSqlitePath, isSqlite, type DbConfig, type DialectName } from './config.ts';
export type { Database } from './database.ts';
export { migrateToLatest, ddlFor, type Ddl } from './migrate.ts';
