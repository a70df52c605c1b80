import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import type { AccountsService } from '../accounts/index.ts';
import {
  balanceOf,
  DEFAULT_CURRENCY,
  formatMinor,
  NORMAL_SIDE,
  ownedAccountId,
  parseAmount,
  parseCurrency,
  systemAccountId,
  type MoneyService,
  type PendingStatus,
  type TransferType,
} from '../money/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import {
  decisionProblem,
  decodeCursor,
  devTopUpMax,
  DECISION_RESOLVE,
  DECISION_TARGET,
  encodeCursor,
  holdTransferId,
  isWithdrawalState,
  newId,
  parseDestination,
  parseLimit,
  parseMemo,
  parseReason,
  parseRecipient,
  resolveTransferId,
  TRANSFER_CODES,
  type Decision,
  type WithdrawalState,
} from './rules.ts';

/** Runs inside the command's transaction before anything else: the HTTP layer's Idempotency-Key fence. */
export type Fence = (trx: Transaction<Database>) => Promise<void> | undefined;
export interface CommandOptions {
  fence?: Fence;
}

export interface WalletConfig {
  /** The development top-up (credits from gateway clearing, no payment): off in production. */
  devTopUp: boolean;
}

/** Sends a withdrawal's money to the user's bank through a payment gateway. Idempotent on payoutId. */
export interface PayoutPort {
  payout(p: { payoutId: string; amountMinor: bigint; currency: string; destination: string }): Promise<'paid' | 'failed' | 'pending'>;
}

export interface WalletBalance {
  account: string;
  currency: string;
  /** Posted balance. */
  posted: bigint;
  /** Held by pending transfers (checkout holds, withdrawals waiting for a decision). */
  pending: bigint;
  /** Pending transfers that will add to the balance when posted. */
  incoming: bigint;
  /** posted − pending: what can be spent now. */
  available: bigint;
}

export interface WalletLine {
  seq: number;
  transfer: string;
  type: TransferType;
  /** 'in' raises the account's balance, 'out' lowers it (a pending 'out' only holds; its void releases). */
  direction: 'in' | 'out';
  counterparty: string;
  amount: bigint;
  currency: string;
  code: string;
  pendingId: string | null;
  pendingStatus: PendingStatus | null;
  createdAt: string;
  /** Posted balance right after this transfer. */
  balanceAfter: bigint;
  /** P2P transfers only: the sender's memo (visible to both parties, never in the ledger). */
  memo: string | null;
}

export interface WalletStatement {
  account: string;
  currency: string;
  items: WalletLine[];
  nextCursor: string | null;
}

export interface PageOptions {
  cursor?: string | null | undefined;
  limit?: number | undefined;
}

export interface TopUpResult {
  transfer: string;
  amount: bigint;
  currency: string;
  createdAt: string;
  balance: WalletBalance;
}

export interface P2PResult {
  transfer: string;
  from: string;
  to: string;
  amount: bigint;
  currency: string;
  memo: string | null;
  createdAt: string;
  /** The sender's balance after the transfer. */
  balance: WalletBalance;
}

export interface Withdrawal {
  id: string;
  userId: string;
  amount: bigint;
  currency: string;
  state: WithdrawalState;
  destination: string;
  holdTransfer: string;
  resolveTransfer: string | null;
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

export interface WithdrawalPage {
  items: Withdrawal[];
  nextCursor: string | null;
}

type WithdrawalRow = Selectable<Database['wallet_withdrawal']>;

function toWithdrawal(r: WithdrawalRow): Withdrawal {
  assert(isWithdrawalState(r.state), `wallet: withdrawal ${r.id} has unknown state ${r.state}`);
  assert(Number.isSafeInteger(r.amount) && r.amount > 0, `wallet: withdrawal ${r.id} has a bad amount`);
  return {
    id: r.id,
    userId: r.user_id,
    amount: BigInt(r.amount),
    currency: r.currency,
    state: r.state,
    destination: r.destination,
    holdTransfer: r.hold_transfer_id,
    resolveTransfer: r.resolve_transfer_id,
    reason: r.reason,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
  };
}

const ZERO = { posted: 0n, pending: 0n, incoming: 0n, available: 0n };

/**
 * The user-facing wallet over the money engine: a buyer's wallet account per currency, a merchant's
 * receivable, development top-ups, person-to-person transfers and withdrawals held by a two-phase
 * transfer until an admin decides. Every balance change is a money transfer (and so a ledger entry)
 * in the same transaction as the wallet's own rows.
 */
export class WalletService {
  private readonly backoff = new ItemBackoff('wallet.payouts');

  constructor(
    readonly db: Kysely<Database>,
    readonly money: MoneyService,
    readonly accounts: AccountsService,
    readonly config: WalletConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ------------------------------------------------------------------ accounts

  walletId(userId: string, currency: string = DEFAULT_CURRENCY): string {
    return ownedAccountId('buyer_wallet', userId, currency);
  }

  merchantReceivableId(merchantId: string, currency: string = DEFAULT_CURRENCY): string {
    return ownedAccountId('merchant_receivable', merchantId, currency);
  }

  /** Opens the user's wallet in the currency if it is new, and the currency's system accounts; returns its id. */
  async ensureWallet(trx: Transaction<Database>, userId: string, currency: string = DEFAULT_CURRENCY): Promise<string> {
    const id = this.walletId(userId, currency);
    await this.money.ensureAccounts(trx, [{ id, kind: 'buyer_wallet', owner: userId, currency }], { systemCurrency: parseCurrency(currency) });
    return id;
  }

  /** Opens the merchant's receivable in the currency if it is new, and the currency's system accounts; returns its id. */
  async ensureReceivable(trx: Transaction<Database>, merchantId: string, currency: string = DEFAULT_CURRENCY): Promise<string> {
    const id = this.merchantReceivableId(merchantId, currency);
    await this.money.ensureAccounts(trx, [{ id, kind: 'merchant_receivable', owner: merchantId, currency }], { systemCurrency: currency });
    return id;
  }

  private async openWallet(trx: Transaction<Database>, userId: string, currency: string): Promise<string> {
    const id = this.walletId(userId, currency);
    await this.money.ensureAccount(trx, { id, kind: 'buyer_wallet', owner: userId, currency });
    return id;
  }

  // ------------------------------------------------------------------ reads

  /**
   * Erasure refuses while the user's wallets hold or await money: it would become unclaimable.
   * Called inside the privacy transaction; locks nothing more than the read.
   */
  async refuseErasureWithFunds(trx: Transaction<Database>, userId: string): Promise<void> {
    const held = (await this.money.balancesOwnedBy(trx, userId, 'buyer_wallet')).filter((b) => b.posted !== 0n || b.reserved !== 0n || b.incoming !== 0n);
    if (held.length > 0) {
      throw new DomainError('privacy.funds_held', `withdraw or spend your wallet balance first (${held.map((b) => `${b.posted} ${b.currency}`).join(', ')})`, 409);
    }
  }

  /** The user's wallets for their data export. */
  async exportFor(userId: string): Promise<{ currency: string; postedMinor: string }[]> {
    return (await this.money.balancesOwnedBy(this.db, userId, 'buyer_wallet')).map((b) => ({ currency: b.currency, postedMinor: b.posted.toString() }));
  }

  /** The user's wallet balance in a currency; zero when no wallet was opened yet. */
  async balance(userId: string, currency: string = DEFAULT_CURRENCY, db: Kysely<Database> = this.db): Promise<WalletBalance> {
    return this.accountBalance(db, this.walletId(userId, currency), currency);
  }

  async statement(userId: string, currency: string = DEFAULT_CURRENCY, page: PageOptions = {}): Promise<WalletStatement> {
    return this.accountStatement(this.walletId(userId, currency), currency, page);
  }

  async merchantBalance(merchantId: string, currency: string = DEFAULT_CURRENCY): Promise<WalletBalance> {
    return this.accountBalance(this.db, this.merchantReceivableId(merchantId, currency), currency);
  }

  async merchantStatement(merchantId: string, currency: string = DEFAULT_CURRENCY, page: PageOptions = {}): Promise<WalletStatement> {
    return this.accountStatement(this.merchantReceivableId(merchantId, currency), currency, page);
  }

  private async accountBalance(db: Kysely<Database>, id: string, currency: string): Promise<WalletBalance> {
    const exists = await db.selectFrom('money_account').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) return { account: id, currency, ...ZERO };
    const b = await this.money.balance(db, id);
    assert(b.normal === 'credit', `wallet: ${id} must be credit-normal`);
    assert(b.available >= 0n, `wallet: ${id} has a negative available balance`);
    return { account: id, currency: b.currency, posted: b.posted, pending: b.reserved, incoming: b.incoming, available: b.available };
  }

  private async accountStatement(id: string, currency: string, page: PageOptions): Promise<WalletStatement> {
    const limit = parseLimit(page.limit);
    const before = decodeCursor(page.cursor);
    const exists = await this.db.selectFrom('money_account').select('kind').where('id', '=', id).executeTakeFirst();
    if (!exists) return { account: id, currency, items: [], nextCursor: null };
    assert(NORMAL_SIDE[exists.kind as 'buyer_wallet'] === 'credit', `wallet: ${id} must be credit-normal`);
    const st = await this.money.statement(this.db, id, { cursor: before === undefined ? null : String(before), limit });
    const ids = st.lines.map((l) => l.transfer);
    const memos = new Map<string, string | null>();
    if (ids.length > 0) {
      const rows = await this.db.selectFrom('wallet_transfer').select(['transfer_id', 'memo']).where('transfer_id', 'in', ids).execute();
      for (const r of rows) memos.set(r.transfer_id, r.memo);
    }
    const items = st.lines.map((l): WalletLine => ({
      seq: l.seq,
      transfer: l.transfer,
      type: l.type,
      direction: l.direction === 'credit' ? 'in' : 'out',
      counterparty: l.counterparty,
      amount: l.amount,
      currency: l.currency,
      code: l.code,
      pendingId: l.pendingId,
      pendingStatus: l.pendingStatus,
      createdAt: l.createdAt,
      balanceAfter: l.balanceAfter,
      memo: memos.get(l.transfer) ?? null,
    }));
    for (const it of items) assert(it.balanceAfter >= 0n, `wallet: ${id} went below zero at ${it.transfer}`);
    const last = st.nextCursor === null ? undefined : items[items.length - 1];
    return { account: id, currency: st.account.currency, items, nextCursor: last ? encodeCursor(last.seq) : null };
  }

  // ------------------------------------------------------------------ commands

  /**
   * Development only: credits the wallet from gateway clearing as if a payment had arrived.
   * Answers 404 when the server runs without it (production), exactly like a missing route.
   */
  async devTopUp(userId: string, input: { amountMinor: string | bigint; currency?: string | undefined }, opts: CommandOptions = {}): Promise<TopUpResult> {
    if (!this.config.devTopUp) throw new DomainError('not_found', 'development top-up is not available on this server', 404);
    const currency = parseCurrency(input.currency ?? DEFAULT_CURRENCY);
    const amount = parseAmount(input.amountMinor, 'amountMinor');
    const max = devTopUpMax(currency);
    if (amount > max) {
      throw new DomainError('wallet.top_up_too_large', `a development top-up is at most ${formatMinor(max, currency)} ${currency}`, 400, { maxMinor: max.toString() });
    }
    return this.db.transaction().execute(async (trx) => {
      await opts.fence?.(trx);
      const wallet = await this.ensureWallet(trx, userId, currency);
      const out = await this.money.transfer(trx, {
        id: newId('top'),
        debit: systemAccountId('gateway_clearing', currency),
        credit: wallet,
        amount,
        currency,
        code: TRANSFER_CODES.devTopUp,
        actor: userId,
      });
      assert(out.status === 'created', 'wallet: a fresh top-up id was already used');
      return { transfer: out.transfer.id, amount, currency, createdAt: out.transfer.createdAt, balance: await this.balance(userId, currency, trx) };
    });
  }

  /**
   * Moves money from the sender's wallet to another buyer's. The recipient is named by e-mail or
   * user id; anyone who is not a buyer (or does not exist) is the same 404, so staff accounts cannot
   * be told apart from missing ones. Insufficient funds is money's 409 money.insufficient_funds.
   */
  async transfer(
    fromUserId: string,
    input: { to: string; amountMinor: string | bigint; currency?: string | undefined; memo?: string | null | undefined },
    opts: CommandOptions = {},
  ): Promise<P2PResult> {
    const currency = parseCurrency(input.currency ?? DEFAULT_CURRENCY);
    const amount = parseAmount(input.amountMinor, 'amountMinor');
    const memo = parseMemo(input.memo);
    const to = await this.findBuyer(input.to);
    if (to === fromUserId) throw new DomainError('wallet.self_transfer', 'you cannot send money to yourself', 400);
    return this.db.transaction().execute(async (trx) => {
      await opts.fence?.(trx);
      const debit = await this.openWallet(trx, fromUserId, currency);
      const credit = await this.openWallet(trx, to, currency);
      const id = newId('p2p');
      const out = await this.money.transfer(trx, { id, debit, credit, amount, currency, code: TRANSFER_CODES.p2p, actor: fromUserId });
      assert(out.status === 'created', 'wallet: a fresh transfer id was already used');
      const createdAt = out.transfer.createdAt;
      await trx
        .insertInto('wallet_transfer')
        .values({ transfer_id: id, from_user_id: fromUserId, to_user_id: to, amount: Number(amount), currency, memo, created_at: createdAt })
        .execute();
      return { transfer: id, from: fromUserId, to, amount, currency, memo, createdAt, balance: await this.balance(fromUserId, currency, trx) };
    });
  }

  /** A buyer's user id by e-mail or id; 404 for anyone else. */
  private async findBuyer(to: string): Promise<string> {
    const ref = parseRecipient(to);
    const row = 'email' in ref
      ? await this.accounts.findByEmail(ref.email)
      : await this.db.selectFrom('accounts_user').select(['id', 'role']).where('id', '=', ref.userId).executeTakeFirst();
    if (!row || row.role !== 'buyer') throw new DomainError('wallet.recipient_not_found', 'no buyer with that e-mail address or id', 404);
    return row.id;
  }

  /** Holds the amount (pending transfer wallet → external) until an admin approves or rejects. */
  async requestWithdrawal(
    userId: string,
    input: { amountMinor: string | bigint; currency?: string | undefined; destination: string },
    opts: CommandOptions = {},
  ): Promise<Withdrawal> {
    const currency = parseCurrency(input.currency ?? DEFAULT_CURRENCY);
    const amount = parseAmount(input.amountMinor, 'amountMinor');
    const destination = parseDestination(input.destination);
    return this.db.transaction().execute(async (trx) => {
      await opts.fence?.(trx);
      const wallet = await this.ensureWallet(trx, userId, currency);
      const id = newId('wdr');
      const hold = holdTransferId(id);
      // No timeout: the hold lasts until an admin decides; an expiry would free funds behind the row's back.
      const out = await this.money.transfer(trx, {
        id: hold,
        debit: wallet,
        credit: systemAccountId('external', currency),
        amount,
        currency,
        code: TRANSFER_CODES.withdrawal,
        pending: true,
        actor: userId,
      });
      assert(out.status === 'created', 'wallet: a fresh withdrawal id was already used');
      const row = await trx
        .insertInto('wallet_withdrawal')
        .values({
          id,
          user_id: userId,
          amount: Number(amount),
          currency,
          state: 'requested',
          destination,
          hold_transfer_id: hold,
          resolve_transfer_id: null,
          reason: null,
          created_at: out.transfer.createdAt,
          decided_at: null,
          decided_by: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWithdrawal(row);
    });
  }

  /** The user's own withdrawal; someone else's is 404 like a missing one. */
  async withdrawal(userId: string, id: string): Promise<Withdrawal> {
    const row = await this.db.selectFrom('wallet_withdrawal').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('withdrawal');
    return toWithdrawal(row);
  }

  /** The user's withdrawals, newest first. */
  async withdrawals(userId: string, page: PageOptions = {}): Promise<WithdrawalPage> {
    const limit = parseLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('wallet_withdrawal').selectAll().where('user_id', '=', userId);
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    return pageOf(rows, limit);
  }

  /** Admin and auditor: every withdrawal, oldest first (a queue), optionally in one state. */
  async listWithdrawals(filter: { state?: WithdrawalState | undefined } & PageOptions = {}): Promise<WithdrawalPage> {
    const limit = parseLimit(filter.limit);
    const after = decodeCursor(filter.cursor);
    let q = this.db.selectFrom('wallet_withdrawal').selectAll();
    if (filter.state !== undefined) {
      if (!isWithdrawalState(filter.state)) throw new DomainError('wallet.bad_state', 'unknown withdrawal state', 400);
      q = q.where('state', '=', filter.state);
    }
    if (after !== undefined) q = q.where('seq', '>', after);
    const rows = await q.orderBy('seq', 'asc').limit(limit + 1).execute();
    return pageOf(rows, limit);
  }

  /** Admin: pays the withdrawal out (there is no bank API yet: approving is paying). Posts the hold. */
  private payouts: PayoutPort | undefined;

  /** With a gateway, an approval sends the money (approved → paid, or rejected when the bank refuses). */
  usePayouts(port: PayoutPort): void {
    this.payouts = port;
  }

  async approveWithdrawal(adminId: string, id: string, opts: CommandOptions = {}): Promise<Withdrawal> {
    if (!this.payouts) return this.decide(adminId, id, 'approve', null, opts);
    // 1. Claim it (requested → approved), in the request's transaction; the funds stay held.
    const claimed = await this.db.transaction().execute(async (trx) => {
      await opts.fence?.(trx);
      const current = await trx.selectFrom('wallet_withdrawal').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('withdrawal');
      const w = toWithdrawal(current);
      if (w.state !== 'requested') throw decisionProblem(w.state, 'approve') ?? new DomainError('wallet.withdrawal_decided', `the withdrawal is already ${w.state}`, 409, { state: w.state });
      const updated = await trx.updateTable('wallet_withdrawal')
        .set({ state: 'approved', resolve_transfer_id: resolveTransferId(id, 'approve'), decided_at: this.now().toISOString(), decided_by: adminId })
        .where('id', '=', id).where('state', '=', 'requested').returningAll().executeTakeFirst();
      if (!updated) throw new DomainError('wallet.withdrawal_decided', 'the withdrawal was decided meanwhile', 409);
      return toWithdrawal(updated);
    });
    // 2. The gateway, outside any transaction; 3. the outcome settles the hold.
    return this.settlePayout(claimed);
  }

  /** Asks the gateway (again: payouts are idempotent) and settles: paid posts the hold, failed voids it. */
  private async settlePayout(w: Withdrawal): Promise<Withdrawal> {
    assert(this.payouts, 'wallet: payouts without a gateway');
    const status = await this.payouts.payout({ payoutId: w.id, amountMinor: w.amount, currency: w.currency, destination: w.destination }).catch(() => 'pending' as const);
    if (status === 'pending') return w; // the job asks again
    const decision: Decision = status === 'paid' ? 'approve' : 'reject';
    return this.db.transaction().execute(async (trx) => {
      const resolveId = resolveTransferId(w.id, decision);
      const updated = await trx.updateTable('wallet_withdrawal')
        .set({ state: status === 'paid' ? 'paid' : 'rejected', resolve_transfer_id: resolveId, ...(status === 'failed' ? { reason: 'payout_failed' } : {}) })
        .where('id', '=', w.id).where('state', '=', 'approved').returningAll().executeTakeFirst();
      if (!updated) return toWithdrawal(await trx.selectFrom('wallet_withdrawal').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow());
      await this.money.transfer(trx, { id: resolveId, pendingId: w.holdTransfer, resolve: DECISION_RESOLVE[decision], actor: 'system' });
      return toWithdrawal(updated);
    });
  }

  /** Background: approved withdrawals whose payout outcome is not known yet. One that fails is reported and held back. */
  async settlePayouts(limit = 50): Promise<number> {
    if (!this.payouts) return 0;
    const now = this.now();
    const held = this.backoff.held(now);
    const open = await this.db.selectFrom('wallet_withdrawal').selectAll().where('state', '=', 'approved')
      .$if(held.length > 0, (qb) => qb.where('id', 'not in', held)).orderBy('seq').limit(limit).execute();
    let done = 0;
    for (const r of open) done += await this.backoff.run(r.id, now, async () => ((await this.settlePayout(toWithdrawal(r))).state !== 'approved' ? 1 : 0));
    this.backoff.report();
    return done;
  }

  /** Admin: refuses the withdrawal with a reason for the user; voids the hold, so the funds are back. */
  async rejectWithdrawal(adminId: string, id: string, reason: string, opts: CommandOptions = {}): Promise<Withdrawal> {
    return this.decide(adminId, id, 'reject', parseReason(reason), opts);
  }

  private async decide(adminId: string, id: string, decision: Decision, reason: string | null, opts: CommandOptions): Promise<Withdrawal> {
    return this.db.transaction().execute(async (trx) => {
      await opts.fence?.(trx);
      const current = await trx.selectFrom('wallet_withdrawal').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('withdrawal');
      const w = toWithdrawal(current);
      const problem = decisionProblem(w.state, decision);
      if (problem) throw problem;
      const resolveId = resolveTransferId(id, decision);
      // The state changes under a guard, like a balance: of two racing deciders exactly one gets the row.
      const updated = await trx
        .updateTable('wallet_withdrawal')
        .set({ state: DECISION_TARGET[decision], resolve_transfer_id: resolveId, reason, decided_at: this.now().toISOString(), decided_by: adminId })
        .where('id', '=', id)
        .where('state', '=', w.state)
        .returningAll()
        .executeTakeFirst();
      if (!updated) {
        const fresh = await trx.selectFrom('wallet_withdrawal').select('state').where('id', '=', id).executeTakeFirstOrThrow();
        assert(isWithdrawalState(fresh.state), 'wallet: unknown withdrawal state');
        const again = decisionProblem(fresh.state, decision);
        assert(again, `wallet: withdrawal ${id} refused a decision it allows`);
        throw again;
      }
      const out = await this.money.transfer(trx, { id: resolveId, pendingId: w.holdTransfer, resolve: DECISION_RESOLVE[decision], actor: adminId });
      assert(out.status === 'created', `wallet: withdrawal ${id} was resolved before its decision`);
      assert(out.transfer.amount === w.amount, 'wallet: a decision resolves the whole hold');
      return toWithdrawal(updated);
    });
  }
}

function pageOf(rows: WithdrawalRow[], limit: number): WithdrawalPage {
  const page = rows.slice(0, limit);
  return { items: page.map(toWithdrawal), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null };
}
