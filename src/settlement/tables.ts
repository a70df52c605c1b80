import type { Generated } from 'kysely';

/**
 * One settlement batch: a merchant's receivable in one currency over one period. Amounts are signed
 * integer minor units (the opening may be negative in principle); number counts the account's batches
 * from 1, so two settlers racing cannot both close the next one.
 */
export interface SettlementBatchTable {
  seq: Generated<number>;
  id: string;
  merchant_id: string;
  account_id: string;
  currency: string;
  number: number;
  period_end: string;
  /** The receivable's transfers up to this seq are in this batch or an earlier one. */
  last_seq: number;
  opening: number;
  total: number;
  closing: number;
  payout_minor: number;
  line_count: number;
  root_hash: Uint8Array;
  /** The settlement.batch_closed entry's canonical bytes, as appended. */
  ledger_entry: Uint8Array;
  ledger_queue_id: number;
  /** Its leaf index once integrated. */
  ledger_leaf_index: number | null;
  payout_state: string;
  payout_transfer_id: string | null;
  actor: string;
  created_at: string;
  paid_at: string | null;
}

/** A statement line: one transfer on the receivable, in exactly one batch. */
export interface SettlementLineTable {
  batch_id: string;
  line_no: number;
  transfer_id: string;
  kind: string;
  order_id: string | null;
  amount: number;
  currency: string;
  at: string;
}

export interface SettlementTables {
  settlement_batch: SettlementBatchTable;
  settlement_line: SettlementLineTable;
}
