import { randomBytes } from 'node:crypto';
import { type Kysely, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { codeHash, contextHash, isCodeShaped, isSmsContext, isSmsPurpose, newCode, sameHash, smsText, type SmsPurpose } from './code.ts';
import { noSmsSender, type SmsSender } from './sender.ts';

export interface SmsCodesOptions {
  clock?: () => Date;
  /** Lifetime of a code (5 minutes). */
  ttlMs?: number;
  /** Verification attempts per code, wrong or right (5); the code is dead after that. */
  attemptsMax?: number;
  /** Codes a user may request per purpose within windowMs (3). */
  sendsPerWindow?: number;
  windowMs?: number;
  /** How long to wait for the out-of-transaction attempt count on PostgreSQL before answering 503 (5 s). */
  attemptTimeoutMs?: number;
  /** An attempt count that failed to persist (SQLite, after the caller's transaction). */
  onError?: (err: unknown) => void;
}

export interface SmsCodeIssued {
  codeId: string;
  expiresAt: string;
}

/** Rows older than this (and never less than the rate window) are purged. */
export const SMS_RETENTION_MS = 24 * 3600_000;
const PURGE_BATCH_MAX = 500;

const refused = (code: string, message: string, extra: Record<string, unknown> = {}) => new DomainError(code, message, 403, extra);

/**
 * SMS one-time codes that authorize one action (a wallet payment) in one context.
 *
 * Attempt counting must survive the caller's transaction, which rolls back on a refused code. Every
 * verification first spends an attempt OUTSIDE that transaction, then compares:
 * - PostgreSQL: one autocommit conditional UPDATE (attempts < max) on another pool connection, so
 *   concurrent guesses can never exceed the limit, across instances too. It is bounded by
 *   attemptTimeoutMs (503 sms.busy) so an exhausted pool cannot deadlock against the caller's held
 *   connection; a late update still lands.
 * - SQLite: the single connection is held by the caller's transaction, and every transaction of the
 *   process runs one after another. The attempt is counted in memory at once (so the next
 *   verification sees it) and written by a statement queued behind the caller's transaction, which
 *   runs when that transaction ends, committed or rolled back. A crash in between can forget the
 *   in-flight attempts of that moment only.
 * Consuming a right code is a conditional UPDATE inside the caller's transaction: it commits with the
 * payment, and of two concurrent uses only one can match `used_at is null`.
 */
export class SmsCodes {
  private readonly clock: () => Date;
  readonly ttlMs: number;
  readonly attemptsMax: number;
  readonly sendsPerWindow: number;
  readonly windowMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly sqlite: boolean;
  /** SQLite only: attempts spent whose write is queued behind the caller's transaction. */
  private readonly pendingAttempts = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly sender: SmsSender,
    private readonly opts: SmsCodesOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.attemptsMax = opts.attemptsMax ?? 5;
    this.sendsPerWindow = opts.sendsPerWindow ?? 3;
    this.windowMs = opts.windowMs ?? 600_000;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 5000;
    assert(this.ttlMs > 0 && this.attemptsMax > 0 && this.sendsPerWindow > 0 && this.windowMs > 0, 'sms: limits must be positive');
    this.sqlite = isSqlite(db);
  }

  /** False when no SMS provider is configured: request() answers 503 sms.unavailable. */
  get available(): boolean {
    return this.sender !== noSmsSender;
  }

  /**
   * Creates and sends a code for (user, purpose) bound to context, superseding the user's open code
   * for that purpose. Rate-limited per user and purpose (429 sms.rate_limited, extra.retryAfter in
   * seconds). The code is sent after the row commits; if sending fails the code is withdrawn.
   */
  async request(userId: string, purpose: string, context: string): Promise<SmsCodeIssued> {
    const p = checkPurpose(purpose);
    checkContext(context);
    if (!this.available) throw new DomainError('sms.unavailable', 'no SMS provider is configured', 503);
    const now = this.clock();
    const id = `sms_${randomBytes(16).toString('hex')}`;
    const code = newCode();
    // Hash before the transaction: scrypt must not hold a connection (SQLite has one).
    const hash = await codeHash(code, id, context);
    const expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
    await this.db.transaction().execute(async (trx) => {
      // The user's limit row, locked by the update (PostgreSQL): requests of one user count in turn.
      await trx.insertInto('sms_limit').values({ user_id: userId, purpose: p, touched_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['user_id', 'purpose']).doNothing()).execute();
      await trx.updateTable('sms_limit').set({ touched_at: now.toISOString() }).where('user_id', '=', userId).where('purpose', '=', p).execute();
      const recent = await trx.selectFrom('sms_code').select('created_at')
        .where('user_id', '=', userId).where('purpose', '=', p)
        .where('created_at', '>', new Date(now.getTime() - this.windowMs).toISOString())
        .orderBy('created_at').execute();
      if (recent.length >= this.sendsPerWindow) {
        const freedAt = Date.parse(recent[recent.length - this.sendsPerWindow]!.created_at) + this.windowMs;
        const retryAfter = Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000));
        throw new DomainError('sms.rate_limited', `at most ${this.sendsPerWindow} codes per ${Math.round(this.windowMs / 60_000)} minutes; try again later`, 429, { retryAfter });
      }
      await trx.updateTable('sms_code').set({ superseded_at: now.toISOString() })
        .where('user_id', '=', userId).where('purpose', '=', p).where('used_at', 'is', null).where('superseded_at', 'is', null).execute();
      await trx.insertInto('sms_code').values({
        id, user_id: userId, purpose: p, context_hash: contextHash(context), code_hash: hash,
        created_at: now.toISOString(), expires_at: expiresAt, used_at: null, superseded_at: null,
      }).execute();
    });
    try {
      await this.sender.send({ userId }, smsText(p, code, this.ttlMs));
    } catch (err) {
      // A code nobody received must not verify; it still counts against the rate limit.
      await this.db.updateTable('sms_code').set({ superseded_at: this.clock().toISOString() }).where('id', '=', id).where('superseded_at', 'is', null).execute();
      if (err instanceof DomainError) throw err;
      throw new DomainError('sms.unavailable', 'the SMS could not be sent; try again later', 503);
    }
    return { codeId: id, expiresAt };
  }

  /**
   * Checks the user's open code for (purpose, context) and consumes it inside the caller's
   * transaction, so that it is used if and only if the caller commits. Refusals (all 403):
   * sms.code_required (no open code for this context, or it was used), sms.code_expired,
   * sms.code_locked (attemptsMax attempts spent), sms.code_invalid (wrong; extra.attemptsLeft).
   * A refusal must roll the caller's transaction back (throwing out of it does); attempts persist anyway.
   */
  async verify(trx: Transaction<Database>, userId: string, purpose: string, context: string, code: string): Promise<void> {
    assert(trx.isTransaction, 'sms.verify needs the caller\'s open transaction');
    const p = checkPurpose(purpose);
    checkContext(context);
    if (code === '') throw refused('sms.code_required', 'this payment needs an SMS code: request one first');
    const row = await trx.selectFrom('sms_code').select(['id', 'context_hash', 'code_hash', 'attempts', 'expires_at'])
      .where('user_id', '=', userId).where('purpose', '=', p).where('used_at', 'is', null).where('superseded_at', 'is', null)
      .executeTakeFirst();
    // Another user's code, a used one and one for another context are all "no code for this".
    if (!row || row.context_hash !== contextHash(context)) throw refused('sms.code_required', 'this payment needs an SMS code: request one for it');
    const now = this.clock();
    if (now.getTime() >= Date.parse(row.expires_at)) throw refused('sms.code_expired', 'the SMS code has expired: request a new one');
    if (!isCodeShaped(code)) throw refused('sms.code_invalid', 'an SMS code is 6 digits', { attemptsLeft: this.attemptsMax - this.seenAttempts(row.id, row.attempts) });
    const spent = await this.spendAttempt(row.id, row.attempts);
    if (spent === null) throw refused('sms.code_locked', 'too many wrong codes: request a new one');
    const ok = sameHash(await codeHash(code, row.id, context), toBytes(row.code_hash));
    if (!ok) {
      const attemptsLeft = this.attemptsMax - spent;
      if (attemptsLeft <= 0) throw refused('sms.code_locked', 'wrong code, and no attempts are left: request a new one');
      throw refused('sms.code_invalid', 'wrong SMS code', { attemptsLeft });
    }
    const used = await trx.updateTable('sms_code').set({ used_at: now.toISOString() })
      .where('id', '=', row.id).where('used_at', 'is', null).where('superseded_at', 'is', null).executeTakeFirst();
    if (used.numUpdatedRows !== 1n) throw refused('sms.code_required', 'this SMS code was just used or replaced: request a new one');
  }

  /** Deletes codes and limit rows older than the retention; one bounded batch per call. */
  async purge(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - Math.max(SMS_RETENTION_MS, this.windowMs, this.ttlMs)).toISOString();
    const codes = await this.db.deleteFrom('sms_code')
      .where('id', 'in', (eb) => eb.selectFrom('sms_code').select('id').where('created_at', '<', cutoff).limit(PURGE_BATCH_MAX))
      .executeTakeFirst();
    // One small row per user and purpose, idle past the cutoff: removed in one indexed statement.
    const limits = await this.db.deleteFrom('sms_limit').where('touched_at', '<', cutoff).executeTakeFirst();
    return Number(codes.numDeletedRows) + Number(limits.numDeletedRows);
  }

  private seenAttempts(id: string, stored: number): number {
    return stored + (this.pendingAttempts.get(id) ?? 0);
  }

  /** Spends one attempt outside the caller's transaction; the attempts now spent, or null when none was left. */
  private async spendAttempt(id: string, stored: number): Promise<number | null> {
    if (this.sqlite) {
      const seen = this.seenAttempts(id, stored);
      if (seen >= this.attemptsMax) return null;
      this.pendingAttempts.set(id, (this.pendingAttempts.get(id) ?? 0) + 1);
      // Not awaited: it runs on the one connection once the caller's transaction releases it.
      void this.db.updateTable('sms_code').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', id).execute()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => {
          const left = (this.pendingAttempts.get(id) ?? 1) - 1;
          if (left > 0) this.pendingAttempts.set(id, left);
          else this.pendingAttempts.delete(id);
        });
      return seen + 1;
    }
    const update = this.db.updateTable('sms_code').set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id).where('attempts', '<', this.attemptsMax).where('used_at', 'is', null).where('superseded_at', 'is', null)
      .returning('attempts').executeTakeFirst();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('sms.busy', 'the SMS code could not be checked in time; try again', 503)), this.attemptTimeoutMs);
    });
    try {
      const r = await Promise.race([update, timeout]);
      return r ? r.attempts : null;
    } finally {
      clearTimeout(timer);
      update.catch((err: unknown) => this.opts.onError?.(err));
    }
  }
}

function checkPurpose(purpose: string): SmsPurpose {
  if (!isSmsPurpose(purpose)) throw new DomainError('sms.unknown_purpose', `unknown SMS code purpose "${purpose}"`, 422);
  return purpose;
}

function checkContext(context: string): void {
  if (!isSmsContext(context)) throw new DomainError('sms.bad_context', 'context must be 1..256 printable ASCII characters without spaces', 422);
}

const toBytes = (v: Uint8Array): Uint8Array => (v instanceof Uint8Array ? v : Buffer.from(v as never));

/** The purge as a background job (not wired by this module). */
export const smsJob = (codes: SmsCodes) => ({ name: 'sms', tick: (now: Date) => codes.purge(now) });
