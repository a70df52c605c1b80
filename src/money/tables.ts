import type { Generated } from 'kysely';

/**
 * One account. Counters are integer minor units (BIGINT / INTEGER), read back as JS numbers by both
 * drivers and turned into bigint at the module boundary; limit flags are 0/1 (SQLite has no boolean).
 */
export interface MoneyAccountTable {
  id: string;
  kind: string;
  owner: string | null;
  currency: string;
  debits_must_not_exceed_credits: number;
  credits_must_not_exceed_debits: number;
  debits_pending: Generated<number>;
  debits_posted: Generated<number>;
  credits_pending: Generated<number>;
  credits_posted: Generated<number>;
  created_at: string;
}

/**
 * Transfers are immutable facts, except that a pending one records once whether it was posted or voided.
 * seq orders them: it is drawn while the accounts' rows are locked, so per account it follows the
 * order in which balances changed, and the running balances below read in that order.
 */
export interface MoneyTransferTable {
  seq: Generated<number>;
  id: string;
  type: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: number;
  currency: string;
  code: string;
  pending_id: string | null;
  /** Pending transfers only: 'pending' until a post or void resolves it. */
  pending_status: string | null;
  timeout_at: string | null;
  meta: string | null;
  /** Posted credits − debits of each account right after this transfer. */
  debit_net_after: number;
  credit_net_after: number;
  created_at: string;
}

export interface MoneyTables {
  money_account: MoneyAccountTable;
  money_transfer: MoneyTransferTable;
}
