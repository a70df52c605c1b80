// Consent, pseudonyms, the personal-data vault, staff access records, export and erasure.
//
// Other modules keep personal fields only as values sealed here (sealFor/openFor), key their
// behaviour data by pseudonym, and ask here whether a purpose is consented. Erasure destroys the
// user's data key in one transaction with every module's own clean-up (onErase listeners), so all
// sealed copies become unreadable at once while orders, money and the ledger stay as they are.
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../http/auth.ts';
import type { Database } from '../db/database.ts';
import type { Json, Ledger } from '../ledger/index.ts';
import { assert, DomainError, newId, notFound } from '../shared/index.ts';
import { blindIndex, deriveKey, newKey, open, pseudonymOf, seal, unwrapKey, wrapKey } from './crypto.ts';
import { parseProfilePatch, type Profile, type ProfilePatch } from './profile.ts';

export const PURPOSES = ['analytics', 'personalisation', 'marketing'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const isPurpose = (v: unknown): v is Purpose => typeof v === 'string' && (PURPOSES as readonly string[]).includes(v);

/** Whom behaviour data is about: a signed-in user, or an anonymous visitor by their cookie's random id. */
export type Subject = { userId: string } | { visitorId: string };
export const subjectRef = (s: Subject): string => ('userId' in s ? `user:${s.userId}` : `visitor:${s.visitorId}`);

export interface ConsentState {
  /** false until the subject chose anything: the web app shows its banner and nothing is collected. */
  choiceMade: boolean;
  purposes: Record<Purpose, { granted: boolean; updatedAt: string | null }>;
  /** The subject's current pseudonym: how their consent entries and events are keyed. */
  pseudonym: string;
}

export interface ConsentChange {
  purpose: Purpose;
  granted: boolean;
  at: string;
  pseudonym: string;
  leafIndex: number | null;
}

/** Why staff read someone's personal data; recorded with each read. */
export const ACCESS_PURPOSES = ['fulfilment', 'support', 'fraud', 'legal'] as const;
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

type Db = Kysely<Database> | Transaction<Database>;
/** A module's part of an erasure, inside its transaction; throw a DomainError to refuse it (open orders, money). */
export type EraseListener = (trx: Transaction<Database>, userId: string, pseudonyms: string[]) => Promise<void>;
/** A module's part of withdrawn consent: forget what was kept for that purpose. */
export type WithdrawListener = (trx: Transaction<Database>, pseudonyms: string[], purpose: Purpose) => Promise<void>;
/** A module's section of a user's export. */
export type Exporter = (userId: string, pseudonyms: string[]) => Promise<Json>;

const PSEUDONYM_KEYS_TTL_MS = 30_000;
export const HISTORY_LIMIT_MAX = 200;

export class PrivacyService {
  private readonly kek: Buffer;
  private readonly emailKey: Buffer;
  /** Pseudonym keys by version, newest first; reloaded every 30 s so a rotation reaches every instance. */
  private pseudonymKeys: { keys: { version: number; key: Buffer; retired: boolean }[]; at: number } | undefined;
  private readonly eraseListeners: EraseListener[] = [];
  private readonly withdrawListeners: WithdrawListener[] = [];
  private readonly exporters = new Map<string, Exporter>();
  /** Whether a user id exists (accounts); set once at wiring, since accounts itself needs this vault. */
  private userExists: (db: Db, userId: string) => Promise<boolean> = async () => false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ledger: Ledger,
    masterKey: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.kek = deriveKey(masterKey, 'kek');
    this.emailKey = deriveKey(masterKey, 'email-index');
    this.idempotencyKey = deriveKey(masterKey, 'idempotency');
  }

  /** Seals stored idempotent responses (they can hold an address) with a platform key. */
  readonly idempotencyKey: Buffer;

  useDirectory(exists: (db: Db, userId: string) => Promise<boolean>): void {
    this.userExists = exists;
  }

  onErase(listener: EraseListener): void {
    this.eraseListeners.push(listener);
  }
  onWithdraw(listener: WithdrawListener): void {
    this.withdrawListeners.push(listener);
  }
  addExporter(section: string, exporter: Exporter): void {
    assert(!this.exporters.has(section), `export section ${section} registered twice`);
    this.exporters.set(section, exporter);
  }

  // ---- pseudonyms -------------------------------------------------------------------------

  private async keys(): Promise<{ version: number; key: Buffer; retired: boolean }[]> {
    if (this.pseudonymKeys && Date.now() - this.pseudonymKeys.at < PSEUDONYM_KEYS_TTL_MS) return this.pseudonymKeys.keys;
    let rows = await this.db.selectFrom('privacy_pseudonym_key').selectAll().orderBy('version', 'desc').execute();
    if (rows.length === 0) {
      await this.db.insertInto('privacy_pseudonym_key').values({ version: 1, wrapped: wrapKey(this.kek, newKey(), 'pseudonym:1'), created_at: this.now().toISOString(), retired_at: null })
        .onConflict((oc) => oc.column('version').doNothing()).execute();
      rows = await this.db.selectFrom('privacy_pseudonym_key').selectAll().orderBy('version', 'desc').execute();
    }
    const keys = rows.map((r) => ({ version: Number(r.version), key: unwrapKey(this.kek, r.wrapped, `pseudonym:${r.version}`), retired: r.retired_at !== null }));
    this.pseudonymKeys = { keys, at: Date.now() };
    return keys;
  }

  /** The subject's pseudonym under the current key: what events and consent entries are keyed by. */
  async pseudonym(subject: Subject): Promise<{ pseudonym: string; keyVersion: number }> {
    const current = (await this.keys())[0]!;
    return { pseudonym: pseudonymOf(current.key, current.version, subjectRef(subject)), keyVersion: current.version };
  }

  /** The subject's pseudonym under every key still held: all that can link stored data to them. */
  async pseudonyms(subject: Subject): Promise<string[]> {
    return (await this.keys()).map((k) => pseudonymOf(k.key, k.version, subjectRef(subject)));
  }

  /** Admin: start a new pseudonym key; new data is keyed by it, older data stays under the old one until purged. */
  async rotatePseudonymKey(actor: Actor): Promise<{ version: number }> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only an admin rotates the pseudonym key', 403);
    const version = await this.db.transaction().execute(async (trx) => {
      const top = await trx.selectFrom('privacy_pseudonym_key').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
      const version = Number(top?.v ?? 0) + 1;
      const at = this.now().toISOString();
      await trx.updateTable('privacy_pseudonym_key').set({ retired_at: at }).where('retired_at', 'is', null).execute();
      await trx.insertInto('privacy_pseudonym_key').values({ version, wrapped: wrapKey(this.kek, newKey(), `pseudonym:${version}`), created_at: at, retired_at: null }).execute();
      await this.ledger.append(trx, [{ kind: 'privacy.pseudonym_key_rotated', actor: actor.userId, subject: { pseudonymKey: String(version) }, data: { version }, at }]);
      return version;
    });
    this.pseudonymKeys = undefined;
    return { version };
  }

  /**
   * Deletes pseudonym keys retired longer ago than the retention: every event keyed under them has
   * been purged by then, and without the key nothing can link a leftover pseudonym to anyone.
   */
  async purgeRetiredKeys(now: Date, retentionDays: number): Promise<number> {
    const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
    const r = await this.db.deleteFrom('privacy_pseudonym_key').where('retired_at', 'is not', null).where('retired_at', '<', before).executeTakeFirst();
    const n = Number(r.numDeletedRows);
    if (n > 0) this.pseudonymKeys = undefined;
    return n;
  }

  // ---- consent ----------------------------------------------------------------------------

  async consent(subject: Subject): Promise<ConsentState> {
    const rows = await this.db.selectFrom('privacy_consent').select(['purpose', 'granted', 'updated_at']).where('subject', '=', subjectRef(subject)).execute();
    const { purposes } = noChoice();
    for (const r of rows) if (isPurpose(r.purpose)) purposes[r.purpose] = { granted: r.granted === 1, updatedAt: r.updated_at };
    return { choiceMade: rows.length > 0, purposes, pseudonym: (await this.pseudonym(subject)).pseudonym };
  }

  /** The purposes the subject consents to now: collection asks this before storing anything. */
  async granted(subject: Subject, db: Db = this.db): Promise<Set<Purpose>> {
    const rows = await db.selectFrom('privacy_consent').select('purpose').where('subject', '=', subjectRef(subject)).where('granted', '=', 1).execute();
    return new Set(rows.map((r) => r.purpose).filter(isPurpose));
  }

  /**
   * Records the subject's choice for each purpose given. Each actual change is a consent.granted or
   * consent.withdrawn entry keyed by pseudonym (never the user id), in the same transaction as the
   * row; a withdrawal also tells every module to forget what it kept for that purpose.
   */
  async setConsent(subject: Subject, choices: Partial<Record<Purpose, boolean>>): Promise<ConsentState> {
    const ref = subjectRef(subject);
    const { pseudonym, keyVersion } = await this.pseudonym(subject);
    const all = await this.pseudonyms(subject);
    await this.db.transaction().execute(async (trx) => {
      const at = this.now().toISOString();
      const current = new Map((await trx.selectFrom('privacy_consent').select(['purpose', 'granted']).where('subject', '=', ref).execute()).map((r) => [r.purpose, r.granted === 1]));
      for (const purpose of PURPOSES) {
        const want = choices[purpose];
        if (want === undefined) continue;
        // A first choice is recorded even when it is "no": it is what lets the banner go away.
        if (current.get(purpose) === want) continue;
        const [ticket] = await this.ledger.append(trx, [{
          kind: want ? 'consent.granted' : 'consent.withdrawn', actor: pseudonym, subject: { pseudonym }, data: { purpose, keyVersion }, at,
        }]);
        const row = { subject: ref, purpose, granted: want ? 1 : 0, updated_at: at, queue_id: ticket!.queueId };
        await trx.insertInto('privacy_consent').values(row)
          .onConflict((oc) => oc.columns(['subject', 'purpose']).doUpdateSet({ granted: row.granted, updated_at: at, queue_id: row.queue_id })).execute();
        await trx.insertInto('privacy_consent_log').values({ subject: ref, purpose, granted: row.granted, pseudonym, at, queue_id: row.queue_id }).execute();
        if (!want && current.get(purpose) === true) for (const l of this.withdrawListeners) await l(trx, all, purpose);
      }
    });
    return this.consent(subject);
  }

  /** Changes of the subject's consent, oldest first, with the leaf index of each ledger entry; a page after `cursor`. */
  async consentHistory(subject: Subject, page: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<{ items: ConsentChange[]; nextCursor: string | null }> {
    const limit = Math.min(page.limit ?? HISTORY_LIMIT_MAX, HISTORY_LIMIT_MAX);
    let q = this.db.selectFrom('privacy_consent_log').selectAll().where('subject', '=', subjectRef(subject));
    if (page.cursor !== undefined) {
      const after = Number(page.cursor);
      if (!Number.isSafeInteger(after) || after < 0) throw new DomainError('privacy.bad_cursor', 'cursor is not one this API gave out', 400);
      q = q.where('id', '>', after);
    }
    const rows = await q.orderBy('id').limit(limit + 1).execute();
    const shown = rows.slice(0, limit);
    const leaves = await this.ledger.leafIndices(shown.map((r) => Number(r.queue_id)));
    return {
      items: shown.map((r) => ({ purpose: r.purpose as Purpose, granted: r.granted === 1, at: r.at, pseudonym: r.pseudonym, leafIndex: leaves.get(Number(r.queue_id)) ?? null })),
      nextCursor: rows.length > limit ? String(shown.at(-1)!.id) : null,
    };
  }

  private async allConsentHistory(subject: Subject): Promise<ConsentChange[]> {
    const all: ConsentChange[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.consentHistory(subject, { cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  // ---- the vault --------------------------------------------------------------------------

  /** The blind index of a normalized e-mail address: how accounts finds a user without storing the address. */
  emailIndex(normalizedEmail: string): string {
    return blindIndex(this.emailKey, normalizedEmail);
  }

  private async dataKey(db: Db, userId: string, create: boolean): Promise<Buffer | null> {
    const row = await db.selectFrom('privacy_data_key').select('wrapped').where('user_id', '=', userId).executeTakeFirst();
    if (row) return unwrapKey(this.kek, row.wrapped, userId);
    if (!create) return null;
    const erased = await db.selectFrom('privacy_erasure').select('user_id').where('user_id', '=', userId).executeTakeFirst();
    if (erased) throw new DomainError('privacy.erased', 'this user\'s personal data was erased', 410);
    const key = newKey();
    await db.insertInto('privacy_data_key').values({ user_id: userId, wrapped: wrapKey(this.kek, key, userId), created_at: this.now().toISOString() })
      .onConflict((oc) => oc.column('user_id').doNothing()).execute();
    // Another transaction may have created it first (PostgreSQL): use whichever is stored.
    return this.dataKey(db, userId, false);
  }

  /** Seals `value` with the user's data key (created on first use), bound to `field`. Call inside the writer's transaction. */
  async sealFor(trx: Db, userId: string, field: string, value: string): Promise<string> {
    const key = await this.dataKey(trx, userId, true);
    assert(key !== null, 'a data key exists after creation');
    return seal(key, value, `${userId}:${field}`);
  }

  /** The plaintext of a value sealed for the user, or null when the user was erased (their key is gone). */
  async openFor(db: Db, userId: string, field: string, sealed: string): Promise<string | null> {
    const key = await this.dataKey(db, userId, false);
    return key === null ? null : open(key, sealed, `${userId}:${field}`).toString('utf8');
  }

  /**
   * Records that staff read a user's personal data: a pii.accessed entry (who, whose, which fields,
   * why) in the caller's transaction, so the read is not answered unless the record commits.
   */
  async recordAccess(trx: Transaction<Database>, actor: Actor, userId: string, fields: string[], purpose: AccessPurpose, ref?: string): Promise<void> {
    assert(fields.length > 0, 'an access names the fields read');
    const at = this.now().toISOString();
    const [ticket] = await this.ledger.append(trx, [{
      kind: 'pii.accessed', actor: actor.userId, subject: { user: userId, ...(ref ? { ref } : {}) }, data: { role: actor.role, fields, purpose }, at,
    }]);
    await trx.insertInto('privacy_access_log').values({ user_id: userId, actor: actor.userId, actor_role: actor.role, fields: fields.join(','), purpose, ref: ref ?? null, at, queue_id: ticket!.queueId }).execute();
  }

  // ---- profile ----------------------------------------------------------------------------

  async profile(userId: string, db: Db = this.db): Promise<Profile | null> {
    const row = await db.selectFrom('privacy_profile').select('sealed').where('user_id', '=', userId).executeTakeFirst();
    if (!row) return (await this.isErased(userId, db)) ? null : { name: null, phone: null, addresses: [] };
    const text = await this.openFor(db, userId, 'profile', row.sealed);
    return text === null ? null : (JSON.parse(text) as Profile);
  }

  async updateProfile(actor: Actor, patch: ProfilePatch): Promise<Profile> {
    const change = parseProfilePatch(patch);
    return this.db.transaction().execute(async (trx) => {
      const before = await this.profile(actor.userId, trx);
      if (before === null) throw new DomainError('privacy.erased', 'this user\'s personal data was erased', 410);
      const after: Profile = { ...before, ...change };
      const at = this.now().toISOString();
      const sealed = await this.sealFor(trx, actor.userId, 'profile', JSON.stringify(after));
      await trx.insertInto('privacy_profile').values({ user_id: actor.userId, sealed, updated_at: at })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ sealed, updated_at: at })).execute();
      return after;
    });
  }

  /** Support staff read a user's profile for a stated reason; the read is logged first. */
  async profileForStaff(actor: Actor, userId: string, purpose: AccessPurpose): Promise<Profile> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only platform support reads a user\'s profile', 403);
    return this.db.transaction().execute(async (trx) => {
      if (!(await this.userExists(trx, userId))) throw notFound('user');
      const profile = await this.profile(userId, trx);
      if (profile === null) throw new DomainError('privacy.erased', 'this user\'s personal data was erased', 410);
      await this.recordAccess(trx, actor, userId, ['name', 'phone', 'addresses'], purpose);
      return profile;
    });
  }

  // ---- erasure and export -----------------------------------------------------------------

  async isErased(userId: string, db: Db = this.db): Promise<boolean> {
    return (await db.selectFrom('privacy_erasure').select('user_id').where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }

  /**
   * The right to erasure by crypto-shredding: in one transaction every module does its part (or
   * refuses: open orders, money still held), the profile and consent rows go, the user's data key
   * is deleted, and a privacy.erased entry records it. Sealed copies anywhere are unreadable from then on.
   */
  async erase(actor: Actor, userId: string): Promise<{ userId: string; erasedAt: string }> {
    if (actor.userId !== userId && actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only the user or an admin erases an account', 403);
    const pseudonyms = await this.pseudonyms({ userId });
    return this.db.transaction().execute(async (trx) => {
      if (await this.isErased(userId, trx)) throw new DomainError('privacy.already_erased', 'this user was already erased', 409);
      if (!(await this.userExists(trx, userId))) throw notFound('user');
      for (const l of this.eraseListeners) await l(trx, userId, pseudonyms);
      const at = this.now().toISOString();
      await trx.deleteFrom('privacy_profile').where('user_id', '=', userId).execute();
      await trx.deleteFrom('privacy_consent').where('subject', '=', subjectRef({ userId })).execute();
      const shredded = await trx.deleteFrom('privacy_data_key').where('user_id', '=', userId).executeTakeFirst();
      await trx.insertInto('privacy_erasure').values({ user_id: userId, requested_by: actor.userId, erased_at: at }).execute();
      await this.ledger.append(trx, [{
        kind: 'privacy.erased', actor: actor.userId, subject: { user: userId }, data: { dataKeyDestroyed: Number(shredded.numDeletedRows) > 0, requestedBy: actor.userId === userId ? 'user' : 'admin' }, at,
      }]);
      return { userId, erasedAt: at };
    });
  }

  /** Everything the platform holds about the user, decrypted, as one JSON document (data portability). */
  async export(actor: Actor): Promise<Record<string, Json>> {
    const userId = actor.userId;
    const subject = { userId };
    const pseudonyms = await this.pseudonyms(subject);
    const access = await this.db.selectFrom('privacy_access_log').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    const leaves = await this.ledger.leafIndices(access.map((r) => Number(r.queue_id)));
    const out: Record<string, Json> = {
      format: 'chainmall-personal-data/v1',
      exportedAt: this.now().toISOString(),
      userId,
      pseudonyms,
      profile: (await this.profile(userId)) as unknown as Json,
      consent: (await this.allConsentHistory(subject)) as unknown as Json,
      accessedBy: access.map((r) => ({ at: r.at, actor: r.actor, role: r.actor_role, fields: r.fields.split(','), purpose: r.purpose, ref: r.ref, leafIndex: leaves.get(Number(r.queue_id)) ?? null })),
    };
    for (const [section, exporter] of this.exporters) out[section] = await exporter(userId, pseudonyms);
    // Amounts are bigint in the services and decimal strings in JSON.
    return JSON.parse(JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, Json>;
  }
}

/** The state of a visitor who has made no choice: nothing granted, no pseudonym (nothing is stored about them). */
export function noChoice(): ConsentState {
  return { choiceMade: false, purposes: Object.fromEntries(PURPOSES.map((p) => [p, { granted: false, updatedAt: null }])) as ConsentState['purposes'], pseudonym: '' };
}

/** A random visitor id for the anonymous consent cookie. */
export const newVisitorId = (): string => newId('vis');
