import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Json, Ticket } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import {
  fromDb,
  limitProblem,
  NORMAL_SIDE,
  type AccountFlags,
  type AccountKind,
  type Balance,
  type Counters,
  type NormalAccountSpec,
  type PendingFacts,
  type PendingStatus,
  type TransferCore,
  type TransferFacts,
  type TransferType,
} from './rules.ts';

// Rows as stored, and the views the module hands out: counters become bigint here and nowhere else.
export type AccountRow = Selectable<Database['money_account']>;
export type TransferRow = Selectable<Database['money_transfer']>;
export type Reader = Kysely<Database>;

export interface Account extends NormalAccountSpec, Counters {
  normal: 'credit' | 'debit';
  createdAt: string;
}

export interface AccountBalance extends Balance {
  account: string;
  currency: string;
  normal: 'credit' | 'debit';
}

export interface Transfer {
  seq: number;
  id: string;
  type: TransferType;
  debit: string;
  credit: string;
  amount: bigint;
  currency: string;
  code: string;
  pendingId: string | null;
  /** Pending transfers only. */
  pendingStatus: PendingStatus | null;
  timeoutAt: string | null;
  meta: Record<string, Json> | null;
  createdAt: string;
}

export interface TransferOutcome {
  /** 'exists': the same transfer was already made under this id; nothing was written. */
  status: 'created' | 'exists';
  transfer: Transfer;
  /** The ledger entry's ticket, to await inclusion with (created transfers only). */
  ticket?: Ticket;
}

export interface StatementLine {
  seq: number;
  transfer: string;
  type: TransferType;
  direction: 'debit' | 'credit';
  counterparty: string;
  amount: bigint;
  currency: string;
  code: string;
  pendingId: string | null;
  pendingStatus: PendingStatus | null;
  createdAt: string;
  /** The account's posted balance, on its normal side, right after this transfer. */
  balanceAfter: bigint;
}

export interface Statement {
  account: Account;
  lines: StatementLine[];
  /** Pass back as cursor for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface Imbalance {
  currency: string;
  /** Σ(debits_posted − credits_posted) over the currency's accounts: must be 0. */
  posted: bigint;
  /** Σ(debits_pending − credits_pending): must be 0. */
  pending: bigint;
}

export const flagsOf = (r: AccountRow): AccountFlags => ({
  debitsMustNotExceedCredits: r.debits_must_not_exceed_credits === 1,
  creditsMustNotExceedDebits: r.credits_must_not_exceed_debits === 1,
});

export const countersOf = (r: Pick<AccountRow, 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted'>): Counters => ({
  debitsPending: fromDb(r.debits_pending, 'debits_pending'),
  debitsPosted: fromDb(r.debits_posted, 'debits_posted'),
  creditsPending: fromDb(r.credits_pending, 'credits_pending'),
  creditsPosted: fromDb(r.credits_posted, 'credits_posted'),
});

/** Every read checks the account against its own flags: a breach is a bug, never a state to show. */
export function toAccount(r: AccountRow): Account {
  const kind = r.kind as AccountKind;
  assert(kind in NORMAL_SIDE, `money: account ${r.id} has unknown kind ${r.kind}`);
  const counters = countersOf(r);
  const flags = flagsOf(r);
  const why = limitProblem(counters, flags);
  assert(why === null, `money: account ${r.id} is beyond its limits on read (${why})`);
  return { id: r.id, kind, owner: r.owner, currency: r.currency, flags, ...counters, normal: NORMAL_SIDE[kind], createdAt: r.created_at };
}

const coreOf = (r: TransferRow): TransferCore => ({
  id: r.id,
  type: r.type as TransferType,
  debit: r.debit_account_id,
  credit: r.credit_account_id,
  amount: fromDb(r.amount, 'amount'),
  currency: r.currency,
  code: r.code,
  timeoutAt: r.timeout_at,
});

export function toTransfer(r: TransferRow): Transfer {
  return {
    ...coreOf(r),
    seq: r.seq,
    pendingId: r.pending_id,
    pendingStatus: r.pending_status as PendingStatus | null,
    meta: r.meta === null ? null : (JSON.parse(r.meta) as Record<string, Json>),
    createdAt: r.created_at,
  };
}

export const factsOf = (r: TransferRow): TransferFacts => ({ ...coreOf(r), pendingId: r.pending_id, meta: r.meta });

export const pendingFactsOf = (r: TransferRow): PendingFacts => ({ ...coreOf(r), status: r.pending_status as PendingStatus | null });
