import { sql, type RawBuilder } from 'kysely';
import { addCounters, fromDb, limitProblem, ZERO_COUNTERS, type Counters } from './rules.ts';
import { countersOf, flagsOf, type Imbalance, type Reader } from './rows.ts';

// Whole-book checks, for tests, audits and periodic reconciliation: they read every account.

/** A sum as exact decimal text on both engines: totals over many accounts can pass 2^53 where a number would round. */
const exactSum = (e: RawBuilder<unknown>) => sql<string>`cast(sum(${e}) as text)`;

/** Σ(debits − credits) per currency over all accounts, posted and pending: the currencies where it is not zero. */
export async function checkBalances(db: Reader): Promise<Imbalance[]> {
  const rows = await db
    .selectFrom('money_account')
    .select([
      'currency',
      exactSum(sql`debits_posted - credits_posted`).as('posted'),
      exactSum(sql`debits_pending - credits_pending`).as('pending'),
    ])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return rows
    .map((r) => ({ currency: r.currency, posted: fromDb(r.posted, 'sum'), pending: fromDb(r.pending, 'sum') }))
    .filter((r) => r.posted !== 0n || r.pending !== 0n);
}

/**
 * Recomputes every account's four counters from its transfers and reports each account whose stored
 * counters differ, or that breaks its limits: a reconciliation of the two tables against each other.
 */
export async function reconcileAccounts(db: Reader): Promise<string[]> {
  const sums = new Map<string, Counters>();
  const add = (id: string, d: Partial<Counters>) => sums.set(id, addCounters(sums.get(id) ?? ZERO_COUNTERS, { ...ZERO_COUNTERS, ...d }));
  for (const side of ['debit_account_id', 'credit_account_id'] as const) {
    const rows = await db
      .selectFrom('money_transfer')
      .select([sql.ref<string>(side).as('account'), 'type', 'pending_status', exactSum(sql.ref('amount')).as('total')])
      .groupBy([side, 'type', 'pending_status'])
      .execute();
    for (const r of rows) {
      const total = fromDb(r.total, 'sum');
      const posted = r.type === 'single' || r.type === 'post';
      const open = r.type === 'pending' && r.pending_status === 'pending';
      if (!posted && !open) continue;
      if (side === 'debit_account_id') add(r.account, posted ? { debitsPosted: total } : { debitsPending: total });
      else add(r.account, posted ? { creditsPosted: total } : { creditsPending: total });
    }
  }
  const problems: string[] = [];
  const rows = await db.selectFrom('money_account').selectAll().orderBy('id').execute();
  for (const r of rows) {
    const stored = countersOf(r);
    const why = limitProblem(stored, flagsOf(r));
    if (why) problems.push(`${r.id}: beyond its limits (${why})`);
    const want = sums.get(r.id) ?? ZERO_COUNTERS;
    for (const k of ['debitsPending', 'debitsPosted', 'creditsPending', 'creditsPosted'] as const) {
      if (stored[k] !== want[k]) problems.push(`${r.id}: ${k} is ${stored[k]}, its transfers say ${want[k]}`);
    }
    sums.delete(r.id);
  }
  for (const id of sums.keys()) problems.push(`${id}: transfers name an account that does not exist`);
  return problems;
}
