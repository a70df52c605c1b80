import { newId } from '../shared/ids.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import type { Actor, ActorResolver } from '../http/auth.ts';
import type { Ledger, Ticket } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { dummyHash, hashPassword, SCRYPT_PARAMS, verifyPassword, type ScryptParams } from './password.ts';
import { isRole, type Role } from './roles.ts';

export interface AccountsOptions {
  /** Absolute lifetime of a browser session. */
  sessionTtlMs?: number;
  /** Failed logins allowed per (account, IP) within the window; the next one is answered 429. */
  loginFailuresMax?: number;
  loginWindowMs?: number;
  scrypt?: ScryptParams;
  clock?: () => Date;
}

export interface User {
  id: string;
  /** null once the user's personal data was erased. */
  email: string | null;
  role: Role;
  merchantId: string | null;
  createdAt: string;
}

export interface NewUser {
  email: string;
  password: string;
  role: Role;
  merchantId?: string | undefined;
}

/**
 * Where the e-mail lives: sealed with the user's own data key (privacy module), found by a keyed
 * blind index, never stored in clear. Erasure destroys the key, so the address is gone everywhere.
 */
export interface PersonalDataVault {
  emailIndex(normalizedEmail: string): string;
  sealFor(trx: Transaction<Database>, userId: string, field: string, value: string): Promise<string>;
  openFor(db: Kysely<Database>, userId: string, field: string, sealed: string): Promise<string | null>;
}

export interface Session {
  /** The cookie value: returned once, stored only as its SHA-256. */
  token: string;
  expiresAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export const SESSION_TTL_MS = 7 * 24 * 3600_000;
export const LOGIN_FAILURES_MAX = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const PASSWORD_CHARS_MIN = 8;
export const PASSWORD_CHARS_MAX = 256;
export const EMAIL_CHARS_MAX = 254;
export const API_TOKENS_PER_USER_MAX = 50;
export const API_TOKEN_NAME_CHARS_MAX = 100;
export const API_TOKEN_DAYS_MAX = 365;
const PURGE_EVERY_MS = 60_000;
const LAST_USED_RESOLUTION_MS = 60_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MERCHANT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const API_TOKEN = /^cm_[A-Za-z0-9_-]{43}$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = () => randomBytes(32).toString('base64url'); // 256 bits: a plain SHA-256 is enough to store it
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
/** The e-mail column's value once the user was erased. */
const ERASED = 'erased:';


type UserRow = Selectable<Database['accounts_user']>;

function toUser(r: Pick<UserRow, 'id' | 'role' | 'merchant_id' | 'created_at'>, email: string | null): User {
  assert(isRole(r.role), `accounts: stored role ${r.role} is unknown`);
  assert((r.role === 'merchant_staff') === (r.merchant_id !== null), 'accounts: merchant_id must be set exactly for merchant_staff');
  return { id: r.id, email, role: r.role, merchantId: r.merchant_id, createdAt: r.created_at };
}

function toActor(r: { user_id: string; role: string; merchant_id: string | null }, via: Actor['via']): Actor {
  assert(isRole(r.role), `accounts: stored role ${r.role} is unknown`);
  return r.merchant_id === null ? { userId: r.user_id, role: r.role, via } : { userId: r.user_id, role: r.role, merchantId: r.merchant_id, via };
}

/**
 * Users, passwords, sessions and API tokens. The e-mail is sealed with the user's data key and found
 * by its blind index; the ledger sees a user id and a role, logs see neither e-mails nor secrets,
 * and secrets are stored hashed.
 */
export class AccountsService implements ActorResolver {
  private readonly sessionTtlMs: number;
  private readonly failuresMax: number;
  private readonly windowMs: number;
  private readonly scrypt: ScryptParams;
  private readonly now: () => Date;
  private lastPurge = 0;

  constructor(
    readonly db: Kysely<Database>,
    readonly ledger: Ledger,
    private readonly vault: PersonalDataVault,
    opts: AccountsOptions = {},
  ) {
    this.sessionTtlMs = opts.sessionTtlMs ?? SESSION_TTL_MS;
    this.failuresMax = opts.loginFailuresMax ?? LOGIN_FAILURES_MAX;
    this.windowMs = opts.loginWindowMs ?? LOGIN_WINDOW_MS;
    this.scrypt = opts.scrypt ?? SCRYPT_PARAMS;
    this.now = opts.clock ?? (() => new Date());
    assert(this.failuresMax >= 1, 'accounts: loginFailuresMax must be at least 1');
    assert(this.sessionTtlMs > 0 && this.windowMs > 0, 'accounts: durations must be positive');
    // Computed now, not on the first unknown e-mail: that one would otherwise be slower than the rest.
    dummyHash(this.scrypt).catch(() => {});
  }

  // ------------------------------------------------------------------ users

  /** A buyer signs themself up and is signed in: user row, ledger entry and session commit together. */
  async register(input: { email: string; password: string }): Promise<{ user: User; session: Session; ticket: Ticket }> {
    const id = newId('usr');
    const { user, ticket, extra } = await this.insertUser(id, id, { ...input, role: 'buyer' }, (trx) => this.openSession(trx, id));
    return { user, session: extra, ticket };
  }

  /**
   * Staff, admins and auditors (or anyone, from seed code). actor is the admin's user id, or
   * 'system' for seed code; it is what the ledger entry names as the actor.
   */
  async createUser(actor: string, input: NewUser): Promise<{ user: User; ticket: Ticket }> {
    const { user, ticket } = await this.insertUser(newId('usr'), actor, input, async () => null);
    return { user, ticket };
  }

  private async insertUser<T>(
    id: string,
    actor: string,
    input: NewUser,
    more: (trx: Transaction<Database>) => Promise<T>,
  ): Promise<{ user: User; ticket: Ticket; extra: T }> {
    const email = normalizeEmail(input.email);
    if (email.length > EMAIL_CHARS_MAX || !EMAIL.test(email)) throw new DomainError('accounts.bad_email', 'that is not an e-mail address', 400);
    checkPassword(input.password);
    if (!isRole(input.role)) throw new DomainError('accounts.bad_role', `role must be one of buyer, merchant_staff, admin, auditor`, 400);
    const merchantId = input.merchantId ?? null;
    if (input.role === 'merchant_staff' && merchantId === null) {
      throw new DomainError('accounts.merchant_required', 'merchant_staff needs the merchantId they act for', 400);
    }
    if (input.role !== 'merchant_staff' && merchantId !== null) {
      throw new DomainError('accounts.merchant_not_allowed', 'only merchant_staff belong to a merchant', 400);
    }
    if (merchantId !== null && !MERCHANT_ID.test(merchantId)) {
      throw new DomainError('accounts.bad_merchant', 'merchantId must be 1..128 characters of [A-Za-z0-9_.:-]', 400);
    }
    // Hash before the transaction: 0.1–0.5 s of scrypt must not hold a connection (SQLite has one).
    const passwordHash = await hashPassword(input.password, this.scrypt);
    const row = { id, email_index: this.vault.emailIndex(email), password_hash: passwordHash, role: input.role, merchant_id: merchantId, created_at: this.now().toISOString() };
    try {
      return await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts_user').values({ ...row, email: await this.vault.sealFor(trx, id, 'email', email) }).execute();
        // The log sees who and what, never the e-mail: the id and the role only.
        const [ticket] = await this.ledger.append(trx, [
          { kind: 'account.registered', actor, subject: { user: id }, data: { role: input.role } },
        ]);
        return { user: toUser(row, email), ticket: ticket!, extra: await more(trx) };
      });
    } catch (err) {
      // Saying so enumerates e-mails, as every sign-up form does; login itself never tells.
      if (isUniqueViolation(err)) throw new DomainError('accounts.email_taken', 'an account with this e-mail already exists', 409);
      throw err;
    }
  }

  async user(id: string): Promise<User> {
    const r = await this.db.selectFrom('accounts_user').select(['id', 'email', 'role', 'merchant_id', 'created_at']).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('user');
    return toUser(r, await this.openEmail(r));
  }

  private async openEmail(r: { id: string; email: string }): Promise<string | null> {
    return r.email.startsWith(ERASED) ? null : this.vault.openFor(this.db, r.id, 'email', r.email);
  }

  async exists(db: Kysely<Database> | Transaction<Database>, id: string): Promise<boolean> {
    return (await db.selectFrom('accounts_user').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** A user's id and role by e-mail (through the blind index), or undefined. */
  async findByEmail(emailInput: string): Promise<{ id: string; role: Role } | undefined> {
    const r = await this.db.selectFrom('accounts_user').select(['id', 'role']).where('email_index', '=', this.vault.emailIndex(normalizeEmail(emailInput))).executeTakeFirst();
    return r && isRole(r.role) ? { id: r.id, role: r.role } : undefined;
  }

  /**
   * This module's part of an erasure, inside the privacy transaction: the sealed e-mail and its
   * index are replaced by a marker, the password can never match again, every session and token goes.
   */
  async forget(trx: Transaction<Database>, userId: string): Promise<void> {
    await trx.updateTable('accounts_user').set({ email: `${ERASED}${userId}`, email_index: `${ERASED}${userId}`, password_hash: `${ERASED}` }).where('id', '=', userId).execute();
    await trx.deleteFrom('accounts_session').where('user_id', '=', userId).execute();
    await trx.deleteFrom('accounts_api_token').where('user_id', '=', userId).execute();
  }

  /**
   * Rows written before e-mails were sealed (databases from earlier versions): seal them now and
   * drop the clear text. Idempotent; runs at start.
   */
  async sealLegacyEmails(): Promise<number> {
    const rows = await this.db.selectFrom('accounts_user').select(['id', 'email']).where('email_index', 'is', null).execute();
    for (const r of rows) {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('accounts_user').set({ email: await this.vault.sealFor(trx, r.id, 'email', r.email), email_index: this.vault.emailIndex(r.email) }).where('id', '=', r.id).execute();
      });
    }
    return rows.length;
  }

  // ------------------------------------------------------------------ sessions

  /**
   * Checks the password and opens a session. Unknown e-mail and wrong password are the same 401
   * after the same scrypt work. Attempts per (e-mail, IP) are counted in the database: past
   * loginFailuresMax failures in the window, a 429 answers before any password is checked.
   */
  async login(emailInput: string, password: string, ip: string): Promise<{ user: User; session: Session }> {
    const email = normalizeEmail(emailInput);
    const now = this.now();
    await this.purge(now);
    // Keyed, so the bucket cannot be matched against guessed addresses.
    const bucket = this.vault.emailIndex(`${email}\u0000${ip}`);
    // Insert first, then count: of concurrent attempts, the one that pushes past the limit sees the others.
    const attempt = await this.db
      .insertInto('accounts_login_attempt')
      .values({ bucket, at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const since = new Date(now.getTime() - this.windowMs).toISOString();
    const earlier = await this.db
      .selectFrom('accounts_login_attempt')
      .select('at')
      .where('bucket', '=', bucket)
      .where('at', '>', since)
      .where('id', '<>', attempt.id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    if (earlier.length >= this.failuresMax) {
      // A refused attempt is not counted, so waiting Retry-After seconds is always enough.
      await this.db.deleteFrom('accounts_login_attempt').where('id', '=', attempt.id).execute();
      const freedAt = Date.parse(earlier[earlier.length - this.failuresMax]!.at) + this.windowMs;
      const retryAfterS = Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000));
      throw new DomainError('auth.rate_limited', 'too many failed logins; try again later', 429, { retryAfter: retryAfterS });
    }

    const row = await this.db.selectFrom('accounts_user').selectAll().where('email_index', '=', this.vault.emailIndex(email)).executeTakeFirst();
    const verdict = await verifyPassword(password, row?.password_hash ?? (await dummyHash(this.scrypt)), this.scrypt);
    if (!row || !verdict.ok) throw new DomainError('auth.invalid_credentials', 'e-mail or password is wrong', 401);

    await this.db.deleteFrom('accounts_login_attempt').where('bucket', '=', bucket).execute();
    if (verdict.rehash) {
      const fresh = await hashPassword(password, this.scrypt);
      await this.db.updateTable('accounts_user').set({ password_hash: fresh }).where('id', '=', row.id).where('password_hash', '=', row.password_hash).execute();
    }
    const session = await this.db.transaction().execute((trx) => this.openSession(trx, row.id));
    return { user: toUser(row, email), session };
  }

  private async openSession(trx: Transaction<Database>, userId: string): Promise<Session> {
    const token = secret();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs).toISOString();
    await trx.insertInto('accounts_session').values({ token_hash: sha256(token), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt }).execute();
    return { token, expiresAt };
  }

  async logout(token: string): Promise<void> {
    if (!SESSION_TOKEN.test(token)) return;
    await this.db.deleteFrom('accounts_session').where('token_hash', '=', sha256(token)).execute();
  }

  async actorForSession(token: string): Promise<Actor | null> {
    if (!SESSION_TOKEN.test(token)) return null;
    const r = await this.db
      .selectFrom('accounts_session as s')
      .innerJoin('accounts_user as u', 'u.id', 's.user_id')
      .select(['s.user_id', 'u.role', 'u.merchant_id'])
      .where('s.token_hash', '=', sha256(token))
      .where('s.expires_at', '>', this.now().toISOString())
      .executeTakeFirst();
    return r ? toActor(r, 'session') : null;
  }

  /** Expired sessions and attempts older than the window go, at most once a minute per instance. */
  private async purge(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    await this.db.deleteFrom('accounts_session').where('expires_at', '<=', now.toISOString()).execute();
    await this.db.deleteFrom('accounts_login_attempt').where('at', '<=', new Date(now.getTime() - this.windowMs).toISOString()).execute();
  }

  // ------------------------------------------------------------------ API tokens

  /** A new integration token acting as userId with userId's role. The secret is in the result only. */
  async createApiToken(userId: string, input: { name: string; expiresInDays?: number | undefined }): Promise<ApiToken & { token: string }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > API_TOKEN_NAME_CHARS_MAX) {
      throw new DomainError('accounts.bad_token_name', `name must be 1..${API_TOKEN_NAME_CHARS_MAX} characters`, 400);
    }
    const days = input.expiresInDays;
    if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= API_TOKEN_DAYS_MAX)) {
      throw new DomainError('accounts.bad_token_expiry', `expiresInDays must be an integer in 1..${API_TOKEN_DAYS_MAX}`, 400);
    }
    const token = `cm_${secret()}`;
    const now = this.now();
    const row = {
      id: newId('tok'),
      token_hash: sha256(token),
      user_id: userId,
      name,
      prefix: token.slice(0, 9),
      created_at: now.toISOString(),
      expires_at: days === undefined ? null : new Date(now.getTime() + days * 86_400_000).toISOString(),
      last_used_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      const { n } = await trx.selectFrom('accounts_api_token').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      if (Number(n) >= API_TOKENS_PER_USER_MAX) {
        throw new DomainError('accounts.too_many_tokens', `at most ${API_TOKENS_PER_USER_MAX} API tokens per user; revoke one first`, 409);
      }
      await trx.insertInto('accounts_api_token').values(row).execute();
    });
    return { ...tokenView(row), token };
  }

  async apiTokens(userId: string): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('accounts_api_token').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(tokenView);
  }

  /** Someone else's token is "not found", exactly like a missing one. */
  async revokeApiToken(userId: string, id: string): Promise<void> {
    const r = await this.db.deleteFrom('accounts_api_token').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound('API token');
  }

  async actorForApiToken(token: string): Promise<Actor | null> {
    if (!API_TOKEN.test(token)) return null;
    const now = this.now();
    const r = await this.db
      .selectFrom('accounts_api_token as t')
      .innerJoin('accounts_user as u', 'u.id', 't.user_id')
      .select(['t.id', 't.user_id', 't.last_used_at', 'u.role', 'u.merchant_id'])
      .where('t.token_hash', '=', sha256(token))
      .where((eb) => eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>', now.toISOString())]))
      .executeTakeFirst();
    if (!r) return null;
    // Last use to the minute: one write per token per minute, not one per request.
    if (r.last_used_at === null || Date.parse(r.last_used_at) < now.getTime() - LAST_USED_RESOLUTION_MS) {
      await this.db.updateTable('accounts_api_token').set({ last_used_at: now.toISOString() }).where('id', '=', r.id).execute();
    }
    return toActor(r, 'token');
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < PASSWORD_CHARS_MIN || password.length > PASSWORD_CHARS_MAX) {
    throw new DomainError('accounts.bad_password', `a password has ${PASSWORD_CHARS_MIN}..${PASSWORD_CHARS_MAX} characters`, 400);
  }
}

function tokenView(r: Selectable<Database['accounts_api_token']>): ApiToken {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at };
}
