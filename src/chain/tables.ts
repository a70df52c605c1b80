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

/** A merchant settling on chain: its custodial address (the key is derived, never stored). */
export interface ChainMerchantTable {
  merchant_id: string;
  address: string;
  opted_in_at: string;
}

/**
 * The outbox of chain operations, written in the same transaction as the off-chain money step
 * they mirror and sent in id order by the chain role's instance. A row is signed and stored
 * (nonce, raw transaction, hash) before it is broadcast, so after a crash the same bytes are
 * broadcast again (a no-op if mined): a transaction is never sent twice with different nonces.
 */
export interface ChainOpTable {
  id: Generated<number>;
  /** Unique: `<step>:<kind>:<order>` or `<setup>:<merchant>`; a replayed step cannot enqueue twice. */
  key: string;
  kind: string;
  merchant_id: string;
  order_id: string | null;
  /** Decimal string of minor units (wei for fund_gas); collect/burn_from take at most what is there. */
  amount: string;
  currency: string;
  /** 'platform' or 'merchant' (the merchant's custodial key). */
  signer: 'platform' | 'merchant';
  status: 'pending' | 'signed' | 'done' | 'failed';
  nonce: number | null;
  raw_tx: string | null;
  tx_hash: string | null;
  /** What was actually moved, when less than asked (collect/burn_from up to the balance). */
  moved: string | null;
  error: string | null;
  created_at: string;
  done_at: string | null;
}

export interface ChainTables {
  chain_anchor: ChainAnchorTable;
  chain_merchant: ChainMerchantTable;
  chain_op: ChainOpTable;
}
