import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { ItemBackoff } from '../jobs/index.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import { entryBytes, type Ledger, type LedgerEventInput, type Receipt, type Ticket } from '../ledger/index.ts';
import { type MoneyService, systemAccountId, STATEMENT_LIMIT_MAX } from '../money/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { toB64, toHex } from '../shared/bytes.ts';
import {
  BATCH_CLOSED,
  payoutDestination,
  payoutResolveId,
  payoutTransferId,
  PAYOUT_CODE,
  takeLines,
  totalsOf,
  treeOf,
  type BatchTree,
  type Line,
  type LineKind,
  type LineProof,
  type PayoutState,
  type TransferOnAccount,
} from './rules.ts';

/** Sends a batch's payout to the merchant through a payment gateway. Idempotent on payoutId (the batch id). */
export interface SettlementPayoutPort {
  payout(p: { payoutId: string; amountMinor: bigint; currency: string; destination: string }): Promise<'paid' | 'failed' | 'pending'>;
}

export interface Batch {
  id: string;
  merchantId: string;
  currency: string;
  /** The account's batches count from 1. */
  number: number;
  periodEnd: string;
  opening: bigint;
  total: bigint;
  closing: bigint;
  payoutMinor: bigint;
  lineCount: number;
  /** Hex RFC 9162 root over the lines' leaves. */
  rootHash: string;
  payoutState: PayoutState;
  ledgerLeafIndex: number | null;
  createdAt: string;
  paidAt: string | null;
}

export interface BatchWithLines extends Batch {
  lines: Line[];
}

export interface BatchPage {
  items: Batch[];
  nextCursor: string | null;
}

type BatchRow = Selectable<Database['settlement_batch']>;
type LineRow = Selectable<Database['settlement_line']>;

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;
const LINE_INSERT_CHUNK = 500;
const TREE_CACHE_MAX = 128;
const INTEGRATION_WAIT_MS = 10_000;

const big = (v: unknown): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    assert(Number.isSafeInteger(v), `settlement: ${v} is not a safe integer`);
    return BigInt(v);
  }
  assert(typeof v === 'string' && /^-?[0-9]+$/.test(v), `settlement: ${String(v)} is not an integer`);
  return BigInt(v);
};
const num = (n: bigint): number => {
  assert(n >= BigInt(-Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER), `settlement: ${n} is beyond a safe integer`);
  return Number(n);
};
const asBytes = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const encodeCursor = (seq: number): string => Buffer.from(`s1:${seq}`).toString('base64url');
export function decodeCursor(cursor: string | undefined | null): number | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const m = /^s1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new DomainError('settlement.bad_cursor', 'cursor is not one this API returned', 400);
  return Number(m[1]);
}
function parseLimit(limit: number | undefined): number {
  const n = limit ?? PAGE_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(n) || n < 1 || n > PAGE_LIMIT_MAX) throw new DomainError('settlement.bad_limit', `limit must be 1..${PAGE_LIMIT_MAX}`, 400);
  return n;
}

function toBatch(r: BatchRow): Batch {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    currency: r.currency,
    number: r.number,
    periodEnd: r.period_end,
    opening: big(r.opening),
    total: big(r.total),
    closing: big(r.closing),
    payoutMinor: big(r.payout_minor),
    lineCount: r.line_count,
    rootHash: toHex(asBytes(r.root_hash)),
    payoutState: r.payout_state as PayoutState,
    ledgerLeafIndex: r.ledger_leaf_index === null ? null : Number(r.ledger_leaf_index),
    createdAt: r.created_at,
    paidAt: r.paid_at,
  };
}

const toLine = (r: LineRow): Line => ({
  lineNo: r.line_no,
  transferId: r.transfer_id,
  kind: r.kind as LineKind,
  orderId: r.order_id,
  amountMinor: big(r.amount),
  currency: r.currency,
  at: r.at,
});

/**
 * Settlement: per merchant receivable and period, a statement (one line per transfer that moved the
 * receivable's posted balance: releases, refunds, payouts, adjustments) and a payout batch. The lines
 * form an RFC 9162 Merkle tree whose root goes to the ledger (settlement.batch_closed) in the same
 * transaction as the batch; each line has an inclusion proof. Batches chain per account: each
 * opens with the previous one's closing, and takes the account's transfers after the previous one's
 * last seq, so every transfer is settled exactly once.
 *
 * Negative balances: the receivable has debitsMustNotExceedCredits, so it never goes below zero and
 * a refund larger than the balance is refused by the money module (as before). What carries into
 * the next period is the refunds made after a batch closed: they are lines of the next batch and
 * reduce its payout (the payout itself, once posted, is a line of the next batch as well, so closing
 * always equals the account's posted balance at the cut-off).
 */
export type PaidOutListener = (trx: Transaction<Database>, p: { merchantId: string; batchId: string; amountMinor: bigint; currency: string }) => Promise<void>;

export class SettlementService {
  private trees = new Map<string, BatchTree>();
  private readonly paidOutListeners: PaidOutListener[] = [];
  private readonly backoff = new ItemBackoff('settlement.payouts');

  /** Called in the transaction that posts a payout (on-chain settlement burns the merchant's tokens from here). */
  onPaidOut(listener: PaidOutListener): void {
    this.paidOutListeners.push(listener);
  }

  constructor(
    readonly db: Kysely<Database>,
    readonly ledger: Ledger,
    readonly money: MoneyService,
    private readonly payouts?: SettlementPayoutPort,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ------------------------------------------------------------------ settling

  /**
   * Closes a batch for every merchant receivable with something to settle up to periodEnd, then pays
   * each out. Idempotent: a period already settled for an account (a batch with this or a later
   * period end) gives nothing new. Returns the batches this call closed.
   */
  async settle(periodEnd: Date, actor: string): Promise<Batch[]> {
    if (!(periodEnd instanceof Date) || Number.isNaN(periodEnd.getTime())) throw new DomainError('settlement.bad_period', 'periodEnd must be a date', 400);
    if (periodEnd.getTime() > this.now().getTime()) throw new DomainError('settlement.future_period', 'a period cannot end in the future', 400);
    const accounts = await this.receivables();
    const closed: Batch[] = [];
    for (const a of accounts) {
      const b = await this.settleAccount(a, periodEnd, actor);
      if (b) closed.push(b);
    }
    // The ledger leaves of the closing entries (one bounded wait, outside any transaction), then the payouts.
    await this.recordLeafIndices(closed.map((b) => b.id));
    const out: Batch[] = [];
    for (const b of closed) out.push(await this.payBatch(b.id));
    return out;
  }

  /**
   * The merchant receivable accounts. The money module has no "accounts of a kind" query yet, so this
   * one read of its account table stands in for it (read-only, by kind).
   */
  private async receivables(): Promise<{ id: string; merchantId: string; currency: string }[]> {
    const rows = await this.db.selectFrom('money_account').select(['id', 'owner', 'currency']).where('kind', '=', 'merchant_receivable').orderBy('id').execute();
    return rows.map((r) => {
      assert(r.owner !== null, `settlement: receivable ${r.id} has no owner`);
      return { id: r.id, merchantId: r.owner, currency: r.currency };
    });
  }

  /** The receivable's transfers after seq `afterSeq`, oldest first, from the money module's statement. */
  private async transfersAfter(accountId: string, afterSeq: number): Promise<TransferOnAccount[]> {
    const out: TransferOnAccount[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await this.money.statement(this.db, accountId, { cursor, limit: STATEMENT_LIMIT_MAX });
      let reached = false;
      for (const l of page.lines) {
        if (l.seq <= afterSeq) {
          reached = true;
          break;
        }
        out.push({ seq: l.seq, transferId: l.transfer, type: l.type, direction: l.direction, amount: l.amount, currency: l.currency, code: l.code, createdAt: l.createdAt, balanceAfter: l.balanceAfter });
      }
      if (reached || page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    return out.reverse();
  }

  private async settleAccount(a: { id: string; merchantId: string; currency: string }, periodEnd: Date, actor: string): Promise<Batch | null> {
    const prev = await this.db.selectFrom('settlement_batch').selectAll().where('account_id', '=', a.id).orderBy('number', 'desc').limit(1).executeTakeFirst();
    if (prev && Date.parse(prev.period_end) >= periodEnd.getTime()) return null; // settled already
    const afterSeq = prev ? Number(prev.last_seq) : 0;
    const opening = prev ? big(prev.closing) : 0n;
    const { lines, lastSeq, balanceAfter } = takeLines(await this.transfersAfter(a.id, afterSeq), afterSeq, periodEnd, opening);
    const inFlight = await this.inFlight(a.id);
    const balance = await this.money.balance(this.db, a.id);
    const totals = totalsOf(opening, lines, inFlight, balance.available);
    assert(totals.closing === balanceAfter, 'settlement: closing is the balance after the last line');
    // Nothing happened and nothing is owed: no batch (a batch with no lines only pays out what an earlier failed payout left).
    if (lines.length === 0 && totals.payoutMinor === 0n) return null;

    const id = `stl_${randomBytes(16).toString('hex')}`;
    const tree = treeOf(lines, a.merchantId, id);
    const root = tree.root();
    const at = this.now().toISOString();
    const event: LedgerEventInput = {
      kind: BATCH_CLOSED,
      actor,
      at,
      subject: { batch: id, merchant: a.merchantId, account: a.id },
      data: {
        currency: a.currency,
        number: (prev?.number ?? 0) + 1,
        periodEnd: periodEnd.toISOString(),
        lines: lines.length,
        opening: totals.opening.toString(),
        total: totals.total.toString(),
        closing: totals.closing.toString(),
        payoutMinor: totals.payoutMinor.toString(),
        rootHash: toHex(root),
      },
    };
    const body = entryBytes(event);
    const payoutId = totals.payoutMinor > 0n ? payoutTransferId(id) : null;
    try {
      const row = await this.db.transaction().execute(async (trx) => {
        const [ticket] = await this.ledger.append(trx, [event]);
        const inserted = await trx
          .insertInto('settlement_batch')
          .values({
            id,
            merchant_id: a.merchantId,
            account_id: a.id,
            currency: a.currency,
            number: (prev?.number ?? 0) + 1,
            period_end: periodEnd.toISOString(),
            last_seq: lastSeq,
            opening: num(totals.opening),
            total: num(totals.total),
            closing: num(totals.closing),
            payout_minor: num(totals.payoutMinor),
            line_count: lines.length,
            root_hash: root,
            ledger_entry: body,
            ledger_queue_id: ticket!.queueId,
            ledger_leaf_index: null,
            payout_state: payoutId ? 'pending' : 'none',
            payout_transfer_id: payoutId,
            actor,
            created_at: at,
            paid_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        for (let i = 0; i < lines.length; i += LINE_INSERT_CHUNK) {
          await trx
            .insertInto('settlement_line')
            .values(lines.slice(i, i + LINE_INSERT_CHUNK).map((l) => ({
              batch_id: id, line_no: l.lineNo, transfer_id: l.transferId, kind: l.kind, order_id: l.orderId, amount: num(l.amountMinor), currency: l.currency, at: l.at,
            })))
            .execute();
        }
        // The payout reserves its amount now (pending), and is posted or voided when the gateway answers.
        if (payoutId) {
          await this.money.ensureSystemAccounts(trx, a.currency);
          await this.money.transfer(trx, {
            id: payoutId, debit: a.id, credit: systemAccountId('external', a.currency), amount: totals.payoutMinor, currency: a.currency,
            code: PAYOUT_CODE, pending: true, meta: { batch: id }, actor,
          });
        }
        return inserted;
      });
      this.remember(id, tree);
      return toBatch(row);
    } catch (err) {
      // Another settler closed this account's next batch first (same number): theirs stands.
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** Payouts of this account's earlier batches still waiting for the gateway. */
  private async inFlight(accountId: string): Promise<bigint> {
    const rows = await this.db.selectFrom('settlement_batch').select('payout_minor').where('account_id', '=', accountId).where('payout_state', '=', 'pending').execute();
    return rows.reduce((s, r) => s + big(r.payout_minor), 0n);
  }

  private remember(id: string, tree: BatchTree) {
    if (this.trees.size >= TREE_CACHE_MAX) this.trees.delete(this.trees.keys().next().value!);
    this.trees.set(id, tree);
  }

  /**
   * Waits (bounded) for the batches' ledger entries to be integrated and records their leaf indices;
   * on timeout (no sequencer running) they stay null and are looked up again by lineProof.
   */
  private async recordLeafIndices(batchIds: string[], timeoutMs = INTEGRATION_WAIT_MS): Promise<(number | null)[]> {
    if (batchIds.length === 0) return [];
    const rows = await this.db.selectFrom('settlement_batch').select(['id', 'ledger_queue_id', 'ledger_leaf_index']).where('id', 'in', batchIds).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const open = batchIds.filter((id) => byId.get(id)!.ledger_leaf_index === null);
    const found = new Map<string, number>();
    if (open.length > 0) {
      const tickets: Ticket[] = open.map((id) => ({ queueId: Number(byId.get(id)!.ledger_queue_id) }));
      const indices = await this.ledger.waitFor(tickets, timeoutMs).catch(() => null);
      if (indices) {
        for (const [i, id] of open.entries()) {
          found.set(id, indices[i]!);
          await this.db.updateTable('settlement_batch').set({ ledger_leaf_index: indices[i]! }).where('id', '=', id).where('ledger_leaf_index', 'is', null).execute();
        }
      }
    }
    return batchIds.map((id) => {
      const known = byId.get(id)!.ledger_leaf_index;
      return known !== null ? Number(known) : found.get(id) ?? null;
    });
  }

  // ------------------------------------------------------------------ payouts

  /**
   * Pays a batch out: through the payout port when there is one (paid posts the pending transfer,
   * failed voids it and the money stays payable for the next batch, pending asks again later), or
   * posted at once and marked paid_manually when there is none. Idempotent.
   */
  async payBatch(batchId: string): Promise<Batch> {
    const row = await this.db.selectFrom('settlement_batch').selectAll().where('id', '=', batchId).executeTakeFirst();
    if (!row) throw notFound('settlement batch');
    const b = toBatch(row);
    if (b.payoutState !== 'pending') return b;
    let outcome: 'paid' | 'failed' | 'pending' | 'paid_manually';
    if (this.payouts) {
      outcome = await this.payouts
        .payout({ payoutId: b.id, amountMinor: b.payoutMinor, currency: b.currency, destination: payoutDestination(b.merchantId) })
        .catch(() => 'pending' as const);
    } else outcome = 'paid_manually';
    if (outcome === 'pending') return b;
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('settlement_batch')
        .set({ payout_state: outcome, paid_at: outcome === 'failed' ? null : this.now().toISOString() })
        .where('id', '=', b.id)
        .where('payout_state', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!updated) return toBatch(await trx.selectFrom('settlement_batch').selectAll().where('id', '=', b.id).executeTakeFirstOrThrow());
      const how = outcome === 'failed' ? 'void' : 'post';
      await this.money.transfer(trx, { id: payoutResolveId(b.id, how), pendingId: payoutTransferId(b.id), resolve: how, meta: { batch: b.id }, actor: 'system' });
      if (how === 'post') for (const l of this.paidOutListeners) await l(trx, { merchantId: b.merchantId, batchId: b.id, amountMinor: b.payoutMinor, currency: b.currency });
      return toBatch(updated);
    });
  }

  /** Background: batches whose payout outcome is not known yet. One that fails is reported and held back. */
  async settlePayouts(limit = 50): Promise<number> {
    const now = this.now();
    const held = this.backoff.held(now);
    const open = await this.db.selectFrom('settlement_batch').select('id').where('payout_state', '=', 'pending')
      .$if(held.length > 0, (qb) => qb.where('id', 'not in', held)).orderBy('seq').limit(limit).execute();
    let done = 0;
    for (const r of open) done += await this.backoff.run(r.id, now, async () => ((await this.payBatch(r.id)).payoutState !== 'pending' ? 1 : 0));
    this.backoff.report();
    return done;
  }

  // ------------------------------------------------------------------ reads

  /** A merchant's batches, newest first. */
  async merchantBatches(merchantId: string, page: { cursor?: string; limit?: number } = {}): Promise<BatchPage> {
    return this.page(merchantId, page);
  }

  /** Admin and auditor: every batch, newest first, optionally one merchant's. */
  async listBatches(filter: { merchantId?: string; cursor?: string; limit?: number } = {}): Promise<BatchPage> {
    return this.page(filter.merchantId, filter);
  }

  private async page(merchantId: string | undefined, page: { cursor?: string; limit?: number }): Promise<BatchPage> {
    const limit = parseLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('settlement_batch').selectAll();
    if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const items = rows.slice(0, limit);
    return { items: items.map(toBatch), nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.seq) : null };
  }

  /** One batch with its lines; another merchant's is not found (merchantId null: any, for admins). */
  async batch(merchantId: string | null, batchId: string): Promise<BatchWithLines> {
    const row = await this.batchRow(merchantId, batchId);
    const lines = await this.db.selectFrom('settlement_line').selectAll().where('batch_id', '=', row.id).orderBy('line_no').execute();
    assert(lines.length === row.line_count, `settlement: batch ${row.id} has ${lines.length} lines, not ${row.line_count}`);
    return { ...toBatch(row), lines: lines.map(toLine) };
  }

  private async batchRow(merchantId: string | null, batchId: string): Promise<BatchRow> {
    let q = this.db.selectFrom('settlement_batch').selectAll().where('id', '=', batchId);
    if (merchantId !== null) q = q.where('merchant_id', '=', merchantId);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('settlement batch');
    return row;
  }

  /**
   * A line's inclusion proof in its batch, with the ledger entry that closed the batch and, once
   * integrated, that entry's leaf index and ledger receipt: verifiable offline with verifyLineProof.
   */
  async lineProof(merchantId: string | null, batchId: string, lineNo: number): Promise<LineProof> {
    const row = await this.batchRow(merchantId, batchId);
    if (!Number.isSafeInteger(lineNo) || lineNo < 1 || lineNo > row.line_count) throw notFound('settlement line');
    const lineRow = await this.db.selectFrom('settlement_line').selectAll().where('batch_id', '=', row.id).where('line_no', '=', lineNo).executeTakeFirst();
    assert(lineRow, `settlement: line ${lineNo} of batch ${row.id} is missing`);
    const line = toLine(lineRow);
    let tree = this.trees.get(row.id);
    if (!tree) {
      const lines = await this.db.selectFrom('settlement_line').selectAll().where('batch_id', '=', row.id).orderBy('line_no').execute();
      tree = treeOf(lines.map(toLine), row.merchant_id, row.id);
      // What the lines hash to now must be what was written to the ledger.
      assert(toHex(tree.root()) === toHex(asBytes(row.root_hash)), `settlement: the lines of batch ${row.id} no longer hash to its root`);
      this.remember(row.id, tree);
    }
    assert(tree.size === row.line_count, 'settlement: tree size is the line count');
    const leafIndex = row.ledger_leaf_index !== null ? Number(row.ledger_leaf_index) : (await this.recordLeafIndices([row.id], 0))[0]!;
    let receipt: Receipt | null = null;
    if (leafIndex !== null) receipt = await this.ledger.receipt(leafIndex).catch(() => null);
    return {
      batchId: row.id,
      merchantId: row.merchant_id,
      line: { lineNo: line.lineNo, transferId: line.transferId, kind: line.kind, orderId: line.orderId, amountMinor: line.amountMinor.toString(), currency: line.currency, at: line.at },
      leafHash: toB64(tree.leaf(lineNo - 1)),
      index: lineNo - 1,
      treeSize: tree.size,
      proof: tree.proof(lineNo - 1).map(toB64),
      rootHash: toHex(asBytes(row.root_hash)),
      ledgerEntry: toB64(asBytes(row.ledger_entry)),
      ledgerLeafIndex: leafIndex,
      ledgerReceipt: receipt,
    };
  }
}
