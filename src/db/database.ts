import type { LedgerTables } from '../ledger/tables.ts';
import type { MoneyTables } from '../money/tables.ts';
import type { AccountsTables } from '../accounts/tables.ts';
import type { IdempotencyTables } from '../http/idempotency.ts';

/** The whole schema: each module contributes the tables it owns. */
export interface Database extends LedgerTables, MoneyTables, AccountsTables, IdempotencyTables /* modules: tables */ {}
