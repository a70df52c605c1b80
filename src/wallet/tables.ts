import type { Generated } from 'kysely';

/**
 * A person-to-person wallet transfer as the wallet sees it: who sent it to whom, and the sender's
 * optional memo. The money itself is the money_transfer of the same id; the memo is free text and
 * therefore never goes to the ledger, only here.
 */
export interface WalletTransferTable {
  /** The money transfer's id ('p2p_…'). */
  transfer_id: string;
  from_user_id: string;
  to_user_id: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  memo: string | null;
  created_at: string;
}

/**
 * A payout request. Its funds are held by the pending money transfer `<id>:hold` (wallet →
 * sys:external:<cur>) from the request on, so they cannot be spent twice; a decision posts
 * (`<id>:post`) or voids (`<id>:void`) it in the same transaction as the state change.
 */
export interface WalletWithdrawalTable {
  /** Orders the lists (keyset cursor). */
  seq: Generated<number>;
  /** 'wdr_…' */
  id: string;
  user_id: string;
  amount: number;
  currency: string;
  /** requested → paid | rejected ('approved' is reserved for a bank flow that confirms later). */
  state: string;
  /** The payee reference the user gave (a masked bank account): kept here, never in the ledger. */
  destination: string;
  hold_transfer_id: string;
  /** The post or void that decided it. */
  resolve_transfer_id: string | null;
  /** Rejections only: the admin's reason, shown to the user; never in the ledger. */
  reason: string | null;
  created_at: string;
  decided_at: string | null;
  /** The admin's user id. */
  decided_by: string | null;
}

export interface WalletTables {
  wallet_transfer: WalletTransferTable;
  wallet_withdrawal: WalletWithdrawalTable;
}
