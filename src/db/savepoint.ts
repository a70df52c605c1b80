import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import { assert } from '../shared/assert.ts';

let savepoints = 0;

/**
 * Runs fn inside a savepoint of the caller's transaction: a refused command leaves nothing behind
 * (no row, no counter, no ledger entry, no notice) even if the caller catches the error and commits
 * other work. PostgreSQL accepts the rollback even after a failed statement, so the transaction
 * stays usable.
 */
export async function withSavepoint<T>(trx: Transaction<Database>, module: string, fn: () => Promise<T>): Promise<T> {
  assert(trx.isTransaction, `${module}: commands need the caller's open transaction`);
  const name = `${module}_sp_${++savepoints}`;
  await sql.raw(`savepoint ${name}`).execute(trx);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await sql.raw(`rollback to savepoint ${name}`).execute(trx);
    await sql.raw(`release savepoint ${name}`).execute(trx);
    throw err;
  }
  await sql.raw(`release savepoint ${name}`).execute(trx);
  return result;
}

/** A unique or primary-key constraint refused the write (PostgreSQL 23505, SQLite's codes). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
