import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { isUniqueViolation, withSavepoint } from '../db/savepoint.ts';
import type { Ledger, LedgerEventInput } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import {
  accountEvent,
  addCounters,
  AMOUNT_MAX,
  balanceOf,
  DEFAULT_CURRENCY,
  differingField,
  fromDb,
  ID_CHARS_MAX,
  isResolution,
  limitProblem,
  moveFor,
  newFacts,
  parseAccountSpec,
  parseId,
  parseTransfer,
  resolveAgainst,
  resolveProblem,
  SYSTEM_KINDS,
  systemAccountId,
  toDb,
  transferEvent,
  TRANSFERS_BATCH_MAX,
  type AccountFlags,
  type AccountSpec,
  type NormalAccountSpec,
  type Counters,
  type ParsedTransfer,
  type PendingFacts,
  type PendingStatus,
  type TransferFacts,
  type TransferInput,
  type TransferType,
} from './rules.ts';
import {
  countersOf,
  factsOf,
  pendingFactsOf,
  toAccount,
  toTransfer,
  type Account,
  type AccountBalance,
  type Reader,
  type Statement,
  type StatementLine,
  type Transfer,
  type TransferOutcome,
} from './rows.ts';

export const STATEMENT_LIMIT_MAX = 500;
const STATEMENT_LIMIT_DEFAULT = 50;
const EXPIRE_BATCH_MAX = 256;



/** The stored account, if it is the one the spec describes; same id with another spec is refused. */
function sameAccount(got: Account, a: NormalAccountSpec): Account {
  const same = got.kind === a.kind && got.owner === a.owner && got.currency === a.currency &&
    got.flags.debitsMustNotExceedCredits === a.flags.debitsMustNotExceedCredits &&
    got.flags.creditsMustNotExceedDebits === a.flags.creditsMustNotExceedDebits;
  if (!same) throw new DomainError('money.account_exists_different', `account ${a.id} exists with another kind, owner, currency or flags`, 409);
  return got;
}

/** The conditional UPDATE's guard for one account: its limits and the 2^53 ceiling, after the move. */
function guardFor(flags: AccountFlags, d: Counters) {
  const parts = [];
  if (flags.debitsMustNotExceedCredits) {
    // (debits_posted + dp) + (debits_pending + dq) ≤ credits_posted + cp
    parts.push(sql<boolean>`credits_posted - debits_posted - debits_pending >= ${toDb(d.debitsPosted + d.debitsPending - d.creditsPosted)}`);
  }
  if (flags.creditsMustNotExceedDebits) {
    parts.push(sql<boolean>`debits_posted - credits_posted - credits_pending >= ${toDb(d.creditsPosted + d.creditsPending - d.debitsPosted)}`);
  }
  const debitsUp = d.debitsPosted + d.debitsPending;
  const creditsUp = d.creditsPosted + d.creditsPending;
  if (debitsUp > 0n) parts.push(sql<boolean>`debits_posted + debits_pending <= ${toDb(AMOUNT_MAX - debitsUp)}`);
  if (creditsUp > 0n) parts.push(sql<boolean>`credits_posted + credits_pending <= ${toDb(AMOUNT_MAX - creditsUp)}`);
  return parts;
}

function refusal(account: Account, delta: Counters): DomainError {
  const why = limitProblem(addCounters(account, delta), account.flags);
  const extra = { account: account.id };
  switch (why) {
    case 'exceeds_credits':
      return new DomainError('money.insufficient_funds', `account ${account.id} has insufficient funds`, 409, extra);
    case 'exceeds_debits':
      return new DomainError('money.exceeds_debits', `account ${account.id} would take in more than it gave`, 409, extra);
    case 'overflow':
      return new DomainError('money.overflow', `account ${account.id} would exceed ${AMOUNT_MAX} minor units`, 422, extra);
    default:
      // The row is locked (PostgreSQL) or the writer is alone (SQLite): the rules and the guard must agree.
      assert(false, `money: the update of ${account.id} was refused although the rules allow it (${why})`);
  }
}

/** What one transfer did, before its ledger entry is queued. */
interface Applied {
  outcome: TransferOutcome;
  event?: LedgerEventInput;
}

/**
 * Double-entry bookkeeping: accounts and immutable transfers, TigerBeetle style, in the caller's
 * transaction, with a ledger entry for every transfer. On PostgreSQL the account rows a command
 * touches are locked in one sorted order before anything changes, and every balance change is a
 * conditional UPDATE whose WHERE is the limit: concurrent spenders cannot overdraw, and never deadlock.
 */
export class MoneyService {
  /** SQLite runs one writer at a time and has no row locks; everything else locks with FOR UPDATE. */
  private readonly rowLocks: boolean;

  constructor(
    readonly db: Kysely<Database>,
    readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.rowLocks = !isSqlite(db);
  }

  // ------------------------------------------------------------------ accounts

  /** Opens the account if it is new (with a ledger entry); returns it as it is. Same id, other spec: refused. */
  async ensureAccount(trx: Transaction<Database>, spec: AccountSpec, actor = 'system'): Promise<Account> {
    const a = parseAccountSpec(spec);
    parseId(actor, 'actor');
    return withSavepoint(trx, 'money', async () => {
      const inserted = await trx
        .insertInto('money_account')
        .values({
          id: a.id,
          kind: a.kind,
          owner: a.owner,
          currency: a.currency,
          debits_must_not_exceed_credits: a.flags.debitsMustNotExceedCredits ? 1 : 0,
          credits_must_not_exceed_debits: a.flags.creditsMustNotExceedDebits ? 1 : 0,
          created_at: this.now().toISOString(),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) await this.ledger.append(trx, [accountEvent(a, actor)]);
      const row = await trx.selectFrom('money_account').selectAll().where('id', '=', a.id).executeTakeFirst();
      assert(row, `money: account ${a.id} vanished after its insert`);
      return sameAccount(toAccount(row), a);
    });
  }

  /**
   * Several accounts at once: one read finds those that exist (the usual case, so a hot path pays one
   * statement); only the missing ones are opened. With `systemCurrency`, the platform's accounts in
   * that currency too.
   */
  async ensureAccounts(trx: Transaction<Database>, specs: AccountSpec[], opts: { systemCurrency?: string; actor?: string } = {}): Promise<Map<string, Account>> {
    const all = [...(opts.systemCurrency ? SYSTEM_KINDS.map((kind) => ({ id: systemAccountId(kind, opts.systemCurrency), kind, currency: opts.systemCurrency })) : []), ...specs].map(parseAccountSpec);
    const rows = await trx.selectFrom('money_account').selectAll().where('id', 'in', all.map((a) => a.id)).execute();
    const out = new Map(rows.map((r) => [r.id, toAccount(r)]));
    for (const a of all) {
      const got = out.get(a.id);
      out.set(a.id, got ? sameAccount(got, a) : await this.ensureAccount(trx, a, opts.actor));
    }
    return out;
  }

  /** The platform's accounts in a currency: escrow, revenue, expense, points liability, gateway clearing, external. */
  async ensureSystemAccounts(trx: Transaction<Database>, currency = DEFAULT_CURRENCY): Promise<Record<(typeof SYSTEM_KINDS)[number], Account>> {
    const got = await this.ensureAccounts(trx, [], { systemCurrency: currency });
    return Object.fromEntries(SYSTEM_KINDS.map((kind) => [kind, got.get(systemAccountId(kind, currency))!])) as Record<(typeof SYSTEM_KINDS)[number], Account>;
  }

  async account(db: Reader, id: string): Promise<Account> {
    const row = await db.selectFrom('money_account').selectAll().where('id', '=', parseId(id, 'account id')).executeTakeFirst();
    if (!row) throw new DomainError('money.account_not_found', `account ${id} not found`, 404);
    return toAccount(row);
  }

  async balance(db: Reader, id: string): Promise<AccountBalance> {
    const a = await this.account(db, id);
    return { account: a.id, currency: a.currency, normal: a.normal, ...balanceOf(a, a.normal) };
  }

  /** The balances of every account an owner holds (optionally of one kind). */
  async balancesOwnedBy(db: Reader, owner: string, kind?: string): Promise<(AccountBalance & { kind: string })[]> {
    let q = db.selectFrom('money_account').selectAll().where('owner', '=', owner);
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return (await q.orderBy('id').execute()).map((row) => {
      const a = toAccount(row);
      return { account: a.id, currency: a.currency, normal: a.normal, kind: row.kind, ...balanceOf(a, a.normal) };
    });
  }

  // ------------------------------------------------------------------ transfers

  /** One transfer; see TransferInput. Refused transfers leave nothing written. */
  async transfer(trx: Transaction<Database>, input: TransferInput): Promise<TransferOutcome> {
    const [out] = await this.transferAll(trx, [input]);
    return out!;
  }

  /**
   * Linked transfers: all are made, in order (a later one may post a pending one made earlier), or none
   * is. A refusal names the failing transfer's index and id in its extra.
   */
  async transferAll(trx: Transaction<Database>, inputs: TransferInput[]): Promise<TransferOutcome[]> {
    if (!Array.isArray(inputs) || inputs.length === 0) throw new DomainError('money.bad_transfer', 'no transfers given', 400);
    if (inputs.length > TRANSFERS_BATCH_MAX) throw new DomainError('money.batch_too_large', `at most ${TRANSFERS_BATCH_MAX} transfers at once`, 400);
    const parsed = inputs.map((t, i) => withIndex(i, inputs.length, t, () => parseTransfer(t)));
    try {
      return await withSavepoint(trx, 'money', () => this.apply(trx, parsed));
    } catch (err) {
      // Another transaction committed one of these ids between our check and our insert: it made a
      // transfer with other accounts (a replay of ours would have waited for the same rows).
      if (!isUniqueViolation(err)) throw err;
      const taken = await trx.selectFrom('money_transfer').select('id').where('id', 'in', parsed.map((p) => p.id)).execute();
      if (taken.length === 0) throw err;
      throw new DomainError('money.transfer_exists_different', `transfer ${taken[0]!.id} exists with different fields`, 409, { transfer: taken[0]!.id });
    }
  }

  private async apply(trx: Transaction<Database>, parsed: ParsedTransfer[]): Promise<TransferOutcome[]> {
    const now = this.now();
    // Lock every account of the batch before changing any, in one order shared by all writers.
    const accountIds = new Set<string>();
    const pendingIds = parsed.flatMap((p) => (p.type === 'post' || p.type === 'void' ? [p.pendingId] : []));
    const stored = pendingIds.length
      ? await trx.selectFrom('money_transfer').select(['id', 'debit_account_id', 'credit_account_id']).where('id', 'in', pendingIds).execute()
      : [];
    for (const r of stored) accountIds.add(r.debit_account_id).add(r.credit_account_id);
    for (const p of parsed) {
      if (p.debit) accountIds.add(p.debit);
      if (p.credit) accountIds.add(p.credit);
    }
    const accounts = await this.lockAccounts(trx, [...accountIds]);

    const applied: Applied[] = [];
    for (const [i, p] of parsed.entries()) {
      applied.push(await withIndexAsync(i, parsed.length, p, () => this.applyOne(trx, p, accounts, now)));
    }
    const events = applied.flatMap((a) => (a.event ? [a.event] : []));
    const tickets = await this.ledger.append(trx, events);
    assert(tickets.length === events.length, 'money: one ticket per ledger entry');
    let t = 0;
    return applied.map((a) => (a.event ? { ...a.outcome, ticket: tickets[t++]! } : a.outcome));
  }

  private async lockAccounts(trx: Transaction<Database>, ids: string[]): Promise<Map<string, Account>> {
    const out = new Map<string, Account>();
    if (ids.length === 0) return out;
    let q = trx.selectFrom('money_account').selectAll().where('id', 'in', ids).orderBy('id');
    if (this.rowLocks) q = q.forUpdate();
    for (const r of await q.execute()) out.set(r.id, toAccount(r));
    return out;
  }

  private async applyOne(trx: Transaction<Database>, p: ParsedTransfer, accounts: Map<string, Account>, now: Date): Promise<Applied> {
    // 1. The transfer's full facts: a post or void takes its accounts and currency from the pending transfer.
    let pending: PendingFacts | undefined;
    let facts: TransferFacts;
    if (!isResolution(p)) {
      facts = newFacts(p);
    } else {
      const row = await trx.selectFrom('money_transfer').selectAll().where('id', '=', p.pendingId).executeTakeFirst();
      if (!row) throw new DomainError('money.pending_not_found', `pending transfer ${p.pendingId} not found`, 404);
      pending = pendingFactsOf(row);
      facts = resolveAgainst(p, pending);
    }

    // 2. Both accounts exist and share the transfer's currency.
    const debit = accounts.get(facts.debit);
    const credit = accounts.get(facts.credit);
    if (!debit) throw new DomainError('money.account_not_found', `account ${facts.debit} not found`, 404);
    if (!credit) throw new DomainError('money.account_not_found', `account ${facts.credit} not found`, 404);
    if (debit.currency !== facts.currency || credit.currency !== facts.currency) {
      throw new DomainError('money.currency_mismatch', `transfer in ${facts.currency} between accounts in ${debit.currency} and ${credit.currency}`, 400);
    }

    // 3. The id is the idempotency key. Checked under the account locks, so a concurrent replay has committed by now.
    const existing = await trx.selectFrom('money_transfer').selectAll().where('id', '=', facts.id).executeTakeFirst();
    if (existing) {
      const field = differingField(factsOf(existing), facts);
      if (field) throw new DomainError('money.transfer_exists_different', `transfer ${facts.id} exists with a different ${field}`, 409, { transfer: facts.id, field });
      return { outcome: { status: 'exists', transfer: toTransfer(existing) } };
    }

    // 4. A pending transfer is resolved once: its status changes under a guard, like a balance.
    if (pending) {
      const type = p.type === 'post' ? 'post' : 'void';
      const r = await trx
        .updateTable('money_transfer')
        .set({ pending_status: type === 'post' ? 'posted' : 'voided' })
        .where('id', '=', pending.id)
        .where('pending_status', '=', 'pending')
        .executeTakeFirst();
      if (r.numUpdatedRows !== 1n) {
        const fresh = await trx.selectFrom('money_transfer').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow();
        const problem = resolveProblem(pendingFactsOf(fresh), type, now);
        assert(problem, `money: pending transfer ${pending.id} refused a resolution it allows`);
        throw problem;
      }
      const problem = resolveProblem({ ...pending, status: 'pending' }, type, now);
      if (problem) throw problem;
    }

    // 5. Balances: one conditional UPDATE per account, in sorted order; the WHERE is the limit.
    const move = moveFor(facts.type, facts.amount, pending?.amount);
    const sides = [
      { account: debit, delta: move.debit },
      { account: credit, delta: move.credit },
    ].sort((a, b) => (a.account.id < b.account.id ? -1 : 1));
    const netAfter = new Map<string, bigint>();
    for (const { account, delta } of sides) {
      const guard = guardFor(account.flags, delta);
      let update = trx
        .updateTable('money_account')
        .set({
          debits_pending: sql`debits_pending + ${toDb(delta.debitsPending)}`,
          debits_posted: sql`debits_posted + ${toDb(delta.debitsPosted)}`,
          credits_pending: sql`credits_pending + ${toDb(delta.creditsPending)}`,
          credits_posted: sql`credits_posted + ${toDb(delta.creditsPosted)}`,
        })
        .where('id', '=', account.id);
      if (guard.length > 0) update = update.where((eb) => eb.and(guard));
      const row = await update.returning(['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted']).executeTakeFirst();
      if (!row) {
        const current = await trx.selectFrom('money_account').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow();
        throw refusal(toAccount(current), delta);
      }
      const after = countersOf(row);
      const why = limitProblem(after, account.flags);
      assert(why === null, `money: account ${account.id} is beyond its limits after a transfer (${why})`);
      netAfter.set(account.id, after.creditsPosted - after.debitsPosted);
      accounts.set(account.id, { ...account, ...after });
    }

    // 6. The transfer itself; its seq is drawn under the account locks.
    const inserted = await trx
      .insertInto('money_transfer')
      .values({
        id: facts.id,
        type: facts.type,
        debit_account_id: facts.debit,
        credit_account_id: facts.credit,
        amount: toDb(facts.amount),
        currency: facts.currency,
        code: facts.code,
        pending_id: facts.pendingId,
        pending_status: facts.type === 'pending' ? 'pending' : null,
        timeout_at: facts.timeoutAt,
        meta: facts.meta,
        debit_net_after: toDb(netAfter.get(facts.debit)!),
        credit_net_after: toDb(netAfter.get(facts.credit)!),
        created_at: now.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { outcome: { status: 'created', transfer: toTransfer(inserted) }, event: transferEvent(facts, p.actor) };
  }

  /**
   * Voids pending transfers whose timeout has passed (a sweep to run periodically); each void is its
   * own transfer with a deterministic id, so two sweepers racing make it once. Returns what it voided.
   */
  async expirePending(trx: Transaction<Database>, limit = 100): Promise<TransferOutcome[]> {
    const n = Math.min(Math.max(1, Math.floor(limit)), EXPIRE_BATCH_MAX);
    const due = await trx
      .selectFrom('money_transfer')
      .select('id')
      .where('pending_status', '=', 'pending')
      .where('timeout_at', '<=', this.now().toISOString())
      .orderBy('timeout_at')
      .limit(n)
      .execute();
    const out: TransferOutcome[] = [];
    for (const { id } of due) {
      try {
        out.push(await this.transfer(trx, { id: expiryId(id), pendingId: id, resolve: 'void', code: 'expired' }));
      } catch (err) {
        // Resolved meanwhile by its owner: nothing left to expire.
        if (err instanceof DomainError && err.code === 'money.pending_already_resolved') continue;
        throw err;
      }
    }
    return out;
  }

  async getTransfer(db: Reader, id: string): Promise<Transfer> {
    const row = await db.selectFrom('money_transfer').selectAll().where('id', '=', parseId(id, 'transfer id')).executeTakeFirst();
    if (!row) throw notFound(`transfer ${id}`);
    return toTransfer(row);
  }

  /** Transfers touching the account, newest first, each with the account's posted balance after it. */
  async statement(db: Reader, accountId: string, opts: { cursor?: string | null; limit?: number } = {}): Promise<Statement> {
    const limit = opts.limit ?? STATEMENT_LIMIT_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > STATEMENT_LIMIT_MAX) {
      throw new DomainError('money.bad_limit', `limit must be 1..${STATEMENT_LIMIT_MAX}`, 400);
    }
    let before: number | undefined;
    if (opts.cursor !== undefined && opts.cursor !== null) {
      if (!/^[1-9][0-9]{0,15}$/.test(opts.cursor) || !Number.isSafeInteger(Number(opts.cursor))) throw new DomainError('money.bad_cursor', 'cursor is not one this API returned', 400);
      before = Number(opts.cursor);
    }
    const account = await this.account(db, accountId);
    // Two index range scans merged here, rather than an OR the planners handle unevenly.
    const side = (column: 'debit_account_id' | 'credit_account_id') => {
      let q = db.selectFrom('money_transfer').selectAll().where(column, '=', account.id);
      if (before !== undefined) q = q.where('seq', '<', before);
      return q.orderBy('seq', 'desc').limit(limit + 1).execute();
    };
    const [debits, credits] = await Promise.all([side('debit_account_id'), side('credit_account_id')]);
    const rows = [...debits, ...credits].sort((a, b) => b.seq - a.seq);
    const page = rows.slice(0, limit);
    const sign = account.normal === 'credit' ? 1n : -1n;
    const lines = page.map((r): StatementLine => {
      const direction = r.debit_account_id === account.id ? 'debit' : 'credit';
      const net = fromDb(direction === 'debit' ? r.debit_net_after : r.credit_net_after, 'net_after');
      return {
        seq: r.seq,
        transfer: r.id,
        type: r.type as TransferType,
        direction,
        counterparty: direction === 'debit' ? r.credit_account_id : r.debit_account_id,
        amount: fromDb(r.amount, 'amount'),
        currency: r.currency,
        code: r.code,
        pendingId: r.pending_id,
        pendingStatus: r.pending_status as PendingStatus | null,
        createdAt: r.created_at,
        balanceAfter: sign * net,
      };
    });
    return { account, lines, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
  }
}

/** Deterministic and within the id limit, whatever the pending id's length. */
function expiryId(pendingId: string): string {
  const id = `expire:${pendingId}`;
  return id.length <= ID_CHARS_MAX ? id : `expire:${createHash('sha256').update(pendingId).digest('hex')}`;
}

function annotate(err: unknown, i: number, n: number, id: unknown): unknown {
  if (n === 1 || !(err instanceof DomainError)) return err;
  return new DomainError(err.code, `transfer ${i} (${String(id)}): ${err.message}`, err.status, { ...err.extra, index: i, transfer: id });
}

function withIndex<T>(i: number, n: number, t: { id?: unknown }, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw annotate(err, i, n, t?.id);
  }
}

async function withIndexAsync<T>(i: number, n: number, t: { id: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw annotate(err, i, n, t.id);
  }
}
