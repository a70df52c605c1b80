import SQLite from 'better-sqlite3';
import type { PaymentStatus, SandboxEventType } from './flow.ts';

/**
 * The gateway's own storage: one small SQLite database (a file or ':memory:'). The gateway is a
 * separate company; it shares nothing with chainmall's database.
 */

export interface PaymentRow {
  id: string;
  key_id: string;
  payment_id: string;
  request_hash: string;
  amount_minor: string;
  refunded_minor: string;
  currency: string;
  description: string;
  notify_url: string;
  return_url: string | null;
  status: PaymentStatus;
  provider_txn_id: string | null;
  page_token: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
  /** JSON of TestSettings. */
  test: string;
  fail_callbacks: number;
  /** JSON {field, value}: applied once, to the next event. */
  tamper: string | null;
}

export interface RefundRow {
  id: string;
  key_id: string;
  refund_id: string;
  payment: string;
  amount_minor: string;
  request_hash: string;
  created_at: number;
}

export type EventState = 'held' | 'pending' | 'delivered' | 'failed';

export interface EventRow {
  seq: number;
  id: string;
  payment: string;
  type: SandboxEventType;
  body: string;
  notify_url: string;
  state: EventState;
  attempts: number;
  next_attempt_at: number | null;
  release_rank: number | null;
  created_at: number;
}

export interface AttemptRow {
  event: string;
  attempt: number;
  copy: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS payment (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  amount_minor TEXT NOT NULL,
  refunded_minor TEXT NOT NULL DEFAULT '0',
  currency TEXT NOT NULL,
  description TEXT NOT NULL,
  notify_url TEXT NOT NULL,
  return_url TEXT,
  status TEXT NOT NULL,
  provider_txn_id TEXT,
  page_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  test TEXT NOT NULL DEFAULT '{}',
  fail_callbacks INTEGER NOT NULL DEFAULT 0,
  tamper TEXT,
  UNIQUE (key_id, payment_id)
);
CREATE INDEX IF NOT EXISTS payment_open ON payment (status, expires_at);
CREATE TABLE IF NOT EXISTS refund (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  refund_id TEXT NOT NULL,
  payment TEXT NOT NULL REFERENCES payment (id),
  amount_minor TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (key_id, refund_id)
);
CREATE TABLE IF NOT EXISTS event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  payment TEXT NOT NULL REFERENCES payment (id),
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  notify_url TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  release_rank INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS event_due ON event (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS event_payment ON event (payment, seq);
CREATE TABLE IF NOT EXISTS attempt (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL REFERENCES event (id),
  attempt INTEGER NOT NULL,
  copy INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_event ON attempt (event, seq);
CREATE TABLE IF NOT EXISTS payout (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  payout_id TEXT NOT NULL,
  amount_minor TEXT NOT NULL,
  currency TEXT NOT NULL,
  destination TEXT NOT NULL,
  status TEXT NOT NULL,
  failure TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (key_id, payout_id)
);
`;

export interface PayoutRow {
  id: string;
  key_id: string;
  payout_id: string;
  amount_minor: string;
  currency: string;
  destination: string;
  status: 'paid' | 'failed';
  failure: string | null;
  created_at: number;
}

export const DUE_BATCH_MAX = 100;

export class SandboxStore {
  readonly db: SQLite.Database;

  constructor(file: string) {
    this.db = new SQLite(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  payment(id: string): PaymentRow | undefined {
    return this.db.prepare('SELECT * FROM payment WHERE id = ?').get(id) as PaymentRow | undefined;
  }

  paymentByMerchantId(keyId: string, paymentId: string): PaymentRow | undefined {
    return this.db.prepare('SELECT * FROM payment WHERE key_id = ? AND payment_id = ?').get(keyId, paymentId) as PaymentRow | undefined;
  }

  insertPayment(p: PaymentRow): void {
    this.db
      .prepare(
        `INSERT INTO payment (id, key_id, payment_id, request_hash, amount_minor, refunded_minor, currency, description, notify_url, return_url,
           status, provider_txn_id, page_token, expires_at, created_at, updated_at, test, fail_callbacks, tamper)
         VALUES (@id, @key_id, @payment_id, @request_hash, @amount_minor, @refunded_minor, @currency, @description, @notify_url, @return_url,
           @status, @provider_txn_id, @page_token, @expires_at, @created_at, @updated_at, @test, @fail_callbacks, @tamper)`,
      )
      .run(p);
  }

  /** Compare-and-set on the status, so a transition is applied once. */
  updatePayment(id: string, fromStatus: PaymentStatus, set: Partial<Pick<PaymentRow, 'status' | 'provider_txn_id' | 'refunded_minor' | 'updated_at'>>): boolean {
    const cols = Object.keys(set);
    const r = this.db
      .prepare(`UPDATE payment SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id AND status = @fromStatus`)
      .run({ ...set, id, fromStatus });
    return r.changes === 1;
  }

  setTest(id: string, test: string, failCallbacks: number): void {
    this.db.prepare('UPDATE payment SET test = ?, fail_callbacks = ? WHERE id = ?').run(test, failCallbacks, id);
  }

  setTamper(id: string, tamper: string | null): void {
    this.db.prepare('UPDATE payment SET tamper = ? WHERE id = ?').run(tamper, id);
  }

  /** Spends one simulated network failure if any is left. */
  takeFailCallback(id: string): boolean {
    return this.db.prepare('UPDATE payment SET fail_callbacks = fail_callbacks - 1 WHERE id = ? AND fail_callbacks > 0').run(id).changes === 1;
  }

  expiredPending(nowMs: number, limit: number): PaymentRow[] {
    return this.db.prepare("SELECT * FROM payment WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?").all(nowMs, limit) as PaymentRow[];
  }

  /** Pending payments whose test mode finishes them automatically. */
  autoOutcomePending(limit: number): PaymentRow[] {
    return this.db.prepare("SELECT * FROM payment WHERE status = 'pending' AND json_extract(test, '$.outcome') IS NOT NULL LIMIT ?").all(limit) as PaymentRow[];
  }

  payoutByMerchantId(keyId: string, payoutId: string): PayoutRow | undefined {
    return this.db.prepare('SELECT * FROM payout WHERE key_id = ? AND payout_id = ?').get(keyId, payoutId) as PayoutRow | undefined;
  }

  insertPayout(row: PayoutRow): void {
    this.db
      .prepare('INSERT INTO payout (id, key_id, payout_id, amount_minor, currency, destination, status, failure, created_at) VALUES (@id, @key_id, @payout_id, @amount_minor, @currency, @destination, @status, @failure, @created_at)')
      .run(row);
  }

  refundByMerchantId(keyId: string, refundId: string): RefundRow | undefined {
    return this.db.prepare('SELECT * FROM refund WHERE key_id = ? AND refund_id = ?').get(keyId, refundId) as RefundRow | undefined;
  }

  insertRefund(r: RefundRow): void {
    this.db
      .prepare('INSERT INTO refund (id, key_id, refund_id, payment, amount_minor, request_hash, created_at) VALUES (@id, @key_id, @refund_id, @payment, @amount_minor, @request_hash, @created_at)')
      .run(r);
  }

  insertEvent(e: Omit<EventRow, 'seq'>): void {
    this.db
      .prepare(
        `INSERT INTO event (id, payment, type, body, notify_url, state, attempts, next_attempt_at, release_rank, created_at)
         VALUES (@id, @payment, @type, @body, @notify_url, @state, @attempts, @next_attempt_at, @release_rank, @created_at)`,
      )
      .run(e);
  }

  events(payment: string): EventRow[] {
    return this.db.prepare('SELECT * FROM event WHERE payment = ? ORDER BY seq').all(payment) as EventRow[];
  }

  attempts(event: string): AttemptRow[] {
    return this.db.prepare('SELECT event, attempt, copy, at, status_code, error, duration_ms FROM attempt WHERE event = ? ORDER BY seq').all(event) as AttemptRow[];
  }

  /** Held events of a payment, released newest first: each waits for the one released before it. */
  releaseHeld(payment: string, nowMs: number): number {
    const held = this.db.prepare("SELECT seq FROM event WHERE payment = ? AND state = 'held' ORDER BY seq DESC").all(payment) as { seq: number }[];
    const base = (this.db.prepare('SELECT coalesce(max(release_rank), 0) AS r FROM event').get() as { r: number }).r;
    const upd = this.db.prepare("UPDATE event SET state = 'pending', next_attempt_at = ?, release_rank = ? WHERE seq = ?");
    held.forEach((h, i) => upd.run(nowMs, base + 1 + i, h.seq));
    return held.length;
  }

  /**
   * Events due now. A released (reordered) event waits while an event of the same payment released
   * before it is still undelivered.
   */
  dueEvents(nowMs: number): EventRow[] {
    return this.db
      .prepare(
        `SELECT e.* FROM event e
          WHERE e.state = 'pending' AND e.next_attempt_at <= ?
            AND (e.release_rank IS NULL OR NOT EXISTS (
              SELECT 1 FROM event o WHERE o.payment = e.payment AND o.release_rank < e.release_rank AND o.state = 'pending'))
          ORDER BY e.seq LIMIT ?`,
      )
      .all(nowMs, DUE_BATCH_MAX) as EventRow[];
  }

  recordAttempts(rows: AttemptRow[]): void {
    const ins = this.db.prepare('INSERT INTO attempt (event, attempt, copy, at, status_code, error, duration_ms) VALUES (@event, @attempt, @copy, @at, @status_code, @error, @duration_ms)');
    for (const r of rows) ins.run(r);
  }

  finishRound(event: string, attempts: number, state: EventState, nextAttemptAt: number | null): void {
    this.db.prepare('UPDATE event SET attempts = ?, state = ?, next_attempt_at = ? WHERE id = ?').run(attempts, state, nextAttemptAt, event);
  }
}
