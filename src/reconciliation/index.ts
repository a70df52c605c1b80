// The platform reconciled against itself: the ledger's money entries vs the money tables, each
// account's counters vs its transfers, the books per currency, payments vs captures vs the ledger,
// settlement lines vs the transfers they claim. Zero discrepancies on a healthy system; each one is
// listed with the ids to look at. Read-only; for the CLI (`chainmall reconcile`) and the admin API.
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { problems } from '../http/schema.ts';
import { parseEntry, type Ledger, type LedgerEvent } from '../ledger/index.ts';
import { checkBalances, countersOf, replayMoney } from '../money/index.ts';
import type { PaymentsService } from '../payments/index.ts';

export interface Discrepancy {
  /** ledger_money | accounts | books | payments | settlement */
  area: string;
  /** The ids to look at: a transfer, an account, a payment, a batch and line. */
  ids: string[];
  problem: string;
}

export interface ReconciliationReport {
  at: string;
  treeSize: number;
  checked: { ledgerEntries: number; accounts: number; transfers: number; payments: number; settlementLines: number };
  discrepancies: Discrepancy[];
}

const CHUNK = 4096;

export async function reconcile(db: Kysely<Database>, ledger: Ledger, payments: PaymentsService): Promise<ReconciliationReport> {
  const out: Discrepancy[] = [];
  const last = await ledger.latest();
  const treeSize = last?.treeSize ?? 0;

  // 1. The ledger's money entries, replayed, against the money tables (transfers that the log has
  //    integrated; newer ones are judged at the next run).
  const events: LedgerEvent[] = [];
  const logged = new Map<string, LedgerEvent>();
  for (let start = 0; start < treeSize; start += CHUNK) {
    for (const e of await ledger.store.entries(start, Math.min(treeSize, start + CHUNK))) {
      const text = Buffer.from(e.body).toString('utf8');
      if (!text.includes('"kind":"money.')) continue;
      const ev = parseEntry(e.body);
      events.push(ev);
      if (ev.subject['transfer']) logged.set(ev.subject['transfer'], ev);
    }
  }
  const replay = replayMoney(events);
  for (const p of replay.problems) out.push({ area: 'ledger_money', ids: [p.split(':')[0] ?? ''], problem: p });
  const cutoff = last?.time ?? '';
  const transfers = await db.selectFrom('money_transfer').select(['id', 'amount', 'debit_account_id', 'credit_account_id', 'created_at']).execute();
  for (const t of transfers) {
    const e = logged.get(t.id);
    if (!e) {
      if (t.created_at <= cutoff) out.push({ area: 'ledger_money', ids: [t.id], problem: 'a transfer with no ledger entry' });
      continue;
    }
    if (String(e.data['amount']) !== String(t.amount) || e.subject['debit'] !== t.debit_account_id || e.subject['credit'] !== t.credit_account_id) {
      out.push({ area: 'ledger_money', ids: [t.id], problem: `the transfer says ${t.amount} ${t.debit_account_id} → ${t.credit_account_id}; its ledger entry says ${String(e.data['amount'])} ${String(e.subject['debit'])} → ${String(e.subject['credit'])}` });
    }
    logged.delete(t.id);
  }
  for (const id of logged.keys()) out.push({ area: 'ledger_money', ids: [id], problem: 'a ledger money entry with no transfer in the tables' });

  // 2. Each account's counters against the replayed log (for accounts whose every transfer is integrated).
  const accounts = await db.selectFrom('money_account').selectAll().execute();
  const newest = new Map<string, string>();
  for (const t of transfers) for (const a of [t.debit_account_id, t.credit_account_id]) if ((newest.get(a) ?? '') < t.created_at) newest.set(a, t.created_at);
  for (const a of accounts) {
    if ((newest.get(a.id) ?? '') > cutoff) continue;
    const stored = countersOf(a);
    const rebuilt = replay.accounts.get(a.id);
    if (!rebuilt) continue;
    for (const k of ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const) {
      if (stored[k] !== rebuilt[k]) out.push({ area: 'accounts', ids: [a.id], problem: `${k} is ${stored[k]} in the table, ${rebuilt[k]} from the ledger` });
    }
  }

  // 3. The books balance per currency.
  for (const i of await checkBalances(db)) out.push({ area: 'books', ids: [i.currency], problem: `balances sum to ${i.posted} posted, ${i.pending} pending` });

  // 4. Payments against captures and the ledger.
  for (const m of await payments.mismatches()) out.push({ area: 'payments', ids: [m.paymentId], problem: m.problem });

  // 5. Settlement lines against the transfers they claim.
  const lines = await db.selectFrom('settlement_line as l').leftJoin('money_transfer as t', 't.id', 'l.transfer_id')
    .select(['l.batch_id', 'l.line_no', 'l.transfer_id', 'l.amount as line_amount', 't.amount', 't.credit_account_id', 't.debit_account_id'])
    .execute();
  for (const l of lines) {
    const ids = [`${l.batch_id}#${l.line_no}`, l.transfer_id];
    if (l.amount === null) {
      out.push({ area: 'settlement', ids, problem: 'a statement line for a transfer that does not exist' });
      continue;
    }
    const line = BigInt(l.line_amount);
    if (line !== BigInt(l.amount) && line !== -BigInt(l.amount)) out.push({ area: 'settlement', ids, problem: `the line says ${line}, the transfer ${l.amount}` });
  }

  const payCount = await db.selectFrom('payments_payment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return {
    at: new Date().toISOString(),
    treeSize,
    checked: { ledgerEntries: treeSize, accounts: accounts.length, transfers: transfers.length, payments: Number(payCount.n), settlementLines: lines.length },
    discrepancies: out,
  };
}

const ReportView = {
  type: 'object',
  required: ['at', 'treeSize', 'checked', 'discrepancies'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    treeSize: { type: 'integer' },
    checked: {
      type: 'object', required: ['ledgerEntries', 'accounts', 'transfers', 'payments', 'settlementLines'], additionalProperties: false,
      properties: { ledgerEntries: { type: 'integer' }, accounts: { type: 'integer' }, transfers: { type: 'integer' }, payments: { type: 'integer' }, settlementLines: { type: 'integer' } },
    },
    discrepancies: { type: 'array', items: { type: 'object', required: ['area', 'ids', 'problem'], properties: { area: { type: 'string' }, ids: { type: 'array', items: { type: 'string' } }, problem: { type: 'string' } }, additionalProperties: false } },
  },
  additionalProperties: false,
} as const;

export const reconciliationRoutes: FastifyPluginAsync<{ db: Kysely<Database>; ledger: Ledger; payments: PaymentsService }> = async (app, deps) => {
  app.get('/admin/reconciliation', {
    schema: { tags: ['ledger'], security: SIGNED_IN, summary: 'Admin, auditor: ledger vs money vs payments vs settlement — every discrepancy with its ids (none on a healthy system)', response: { 200: ReportView, ...problems(401, 403) } },
  }, async (req) => {
    requireActor(req, 'admin', 'auditor');
    return reconcile(deps.db, deps.ledger, deps.payments);
  });
};
