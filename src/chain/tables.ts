import type { Generated } from 'kysely';

/**
 * Anchors this instance meant to post. A row is written before the transaction is sent (with the
 * nonce it will use), so after a crash the job reconciles against the contract instead of sending
 * again: at most one transaction per nonce can be mined, and the contract refuses a repeated size.
 */
export interface ChainAnchorTable {
  id: Generated<number>;
  origin: string;
  tree_size: number;
  /** Hex, 0x-prefixed, 32 bytes. */
  root_hash: string;
  nonce: number;
  tx_hash: string | null;
  /** intended → posted, or abandoned (nonce used without the anchor landing) / superseded (a larger one landed). */
  status: 'intended' | 'posted' | 'abandoned' | 'superseded';
  created_at: string;
  posted_at: string | null;
}

export interface ChainTables {
  chain_anchor: ChainAnchorTable;
}
