import type { LedgerTables } from '../ledger/tables.ts';

/** The whole schema: each module contributes the tables it owns. */
export interface Database extends LedgerTables {}
