import { createHash, randomBytes, type Hash } from 'node:crypto';
import { Transform, pipeline } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Ddl } from '../db/migrate.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { isSealed, open, seal } from '../privacy/crypto.ts';

/**
 * `Idempotency-Key` for POSTs that move money or stock (draft-ietf-httpapi-idempotency-key-header).
 *
 * A route opts in with `config: { idempotent: true }`. There the header is required (400), and per
 * (actor, key) the first request runs; a retry with the same method, path and raw body (SHA-256)
 * gets the stored status, headers and body back without the handler running (marked
 * `Idempotent-Replayed: true`); the same key with a different request is 422; a retry while the
 * first is still running is 409. Keys are forgotten 24 h after first use.
 *
 * What is kept, what is released: 2xx/3xx responses are stored, and so is a 400 from the handler
 * (bad input: the same body will always be refused, so the refusal is the answer). Any other failure
 * (401/403/404/409/422/429/5xx) releases the key: nothing happened, the refusal may depend on state
 * that can change (a balance, a stock level, a sign-in), and the client retries with the same key.
 * Schema validation runs before the key is taken, so those 400s never touch the table.
 *
 * Committing the response with the effects: a handler that writes should call
 * `req.idempotency.fence(trx)` inside its own transaction. That marks the key "committed" in the
 * same commit as the business rows, and only if this request still holds the key, so:
 *  - if the response is then lost (crash before it is stored), the key is never run again: retries
 *    get 409 `idempotency.outcome_unknown` until it expires, instead of a second charge;
 *  - a handler that outlives its lease and was overtaken cannot commit: its fence fails (409);
 *  - a failure answered after the fence still pins the key, because the effects did commit.
 * Without a fence, the guarantees are the minimum: stored only after the handler answered, and a
 * request that died without answering frees its key after the lease, so a retry runs again.
 */

export interface IdempotencyTable {
  /**
   * Whose key: 'user:<id>', or 'anonymous' for callers without credentials (who share one scope:
   * keys are random, and routes that move money or stock require an actor anyway).
   */
  scope: string;
  key: string;
  /** SHA-256 over method, path with query, and the raw body. */
  fingerprint: string;
  /** pending → (committed →) completed. */
  state: string;
  /** Random, per execution: whoever holds it owns the key. */
  owner: string;
  status: number | null;
  /** JSON object of the response headers worth replaying. */
  headers: string | null;
  body: Uint8Array | null;
  created_at: string;
  /** Until then a pending key belongs to its running request; after that a retry may take it over. */
  locked_until: string;
  expires_at: string;
}

export interface IdempotencyTables {
  http_idempotency: IdempotencyTable;
}

// Frozen: never edit a migration that has shipped; add a new one.
export const idempotencyMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-25T23-http-idempotency': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('http_idempotency')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'committed', 'completed')`))
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('headers', 'text')
        .addColumn('body', t.blob)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('http_idempotency_pk', ['scope', 'key'])
        .addCheckConstraint('http_idempotency_response', sql`(state = 'completed') = (status is not null)`)
        .execute();
      await db.schema.createIndex('http_idempotency_expiry').on('http_idempotency').column('expires_at').execute();
    },
  },
});

/** What an idempotent route's handler sees as req.idempotency. */
export interface Idempotency {
  key: string;
  /** Call inside the handler's transaction: the key commits as used together with the effects. */
  fence(trx: Transaction<Database>): Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opt in to Idempotency-Key handling: for every POST that moves money or stock. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency: Idempotency | null;
  }
}

export interface IdempotencyOptions {
  ttlMs?: number;
  leaseMs?: number;
  clock?: () => Date;
  /** Seals stored responses at rest (AES-256-GCM, bound to scope and key): they can hold an address. */
  sealKey?: Buffer;
}

/** A user's stored responses go with their erasure. */
export async function forgetIdempotencyScope(trx: Transaction<Database>, scope: string): Promise<void> {
  await trx.deleteFrom('http_idempotency').where('scope', '=', scope).execute();
}

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
export const IDEMPOTENCY_LEASE_MS = 60_000;
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/; // visible ASCII, as the header draft's sf-string allows
const PURGE_EVERY_MS = 60_000;
// Not replayed: hop-by-hop, per-response, or credentials (a replay must not hand out a session).
const UNREPLAYED = new Set(['set-cookie', 'date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'idempotent-replayed']);

interface State {
  hash: Hash;
  scope?: string;
  key?: string;
  owner?: string;
}

const conflict = (code: string, message: string) => new DomainError(code, message, 409);

/** Installs the hooks on the root instance; routes opt in through their config. */
export function installIdempotency(app: FastifyInstance, db: Kysely<Database>, opts: IdempotencyOptions = {}): void {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const leaseMs = opts.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  const now = opts.clock ?? (() => new Date());
  const states = new WeakMap<FastifyRequest, State>();
  let lastPurge = 0;
  const sealKey = opts.sealKey;
  const sealBody = (body: Buffer, aad: string): Buffer => (sealKey ? Buffer.from(seal(sealKey, body, aad), 'utf8') : body);
  const openBody = (body: Uint8Array, aad: string): Uint8Array => {
    const text = Buffer.from(body).toString('utf8');
    return sealKey && isSealed(text) ? open(sealKey, text, aad) : body;
  };

  app.decorateRequest('idempotency', null);

  // Document (and validate) the header on every route that takes it.
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    assert(methods.every((m) => m === 'POST'), `idempotency: ${route.url} opts in but is not POST-only`);
    const schema = (route.schema ??= {});
    const headers = (schema.headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown>; required?: string[] };
    schema.headers = {
      ...headers,
      properties: {
        ...headers.properties,
        [IDEMPOTENCY_HEADER]: {
          type: 'string',
          pattern: KEY.source,
          description: 'A unique value per operation (a UUID): retrying with it never repeats the operation. Remembered for 24 h.',
        },
      },
      required: [...(headers.required ?? []), IDEMPOTENCY_HEADER],
    };
  });

  // Hash the raw body as it streams to the parser: the fingerprint is of the bytes the client sent.
  app.addHook('preParsing', async (req, _reply, payload) => {
    if (!req.routeOptions.config.idempotent) return payload;
    const hash = createHash('sha256');
    states.set(req, { hash });
    const tee = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    pipeline(payload, tee, () => {}); // an aborted request destroys tee, and the parser sees the error
    return tee;
  });

  // Before schema validation, so a missing key says so rather than "validation".
  app.addHook('preValidation', async (req) => {
    if (!req.routeOptions.config.idempotent) return;
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) throw new DomainError('idempotency.key_required', 'this request moves money or stock: send an Idempotency-Key header', 400);
    if (typeof key !== 'string' || !KEY.test(key)) throw new DomainError('idempotency.key_invalid', 'Idempotency-Key must be 1..255 visible ASCII characters', 400);
  });

  // After validation and authentication: take the key, or answer from it.
  app.addHook('preHandler', async (req, reply) => {
    if (!req.routeOptions.config.idempotent) return;
    const st = states.get(req);
    assert(st, 'idempotency: preParsing did not run');
    const key = req.headers[IDEMPOTENCY_HEADER] as string;
    const scope = req.actor ? `user:${req.actor.userId}` : 'anonymous';
    const fingerprint = createHash('sha256').update(`${req.method}\n${req.url}\n`).update(st.hash.digest()).digest('hex');
    const t = now();
    if (t.getTime() - lastPurge >= PURGE_EVERY_MS) {
      lastPurge = t.getTime();
      await db.deleteFrom('http_idempotency').where('expires_at', '<=', t.toISOString()).execute();
    }
    const claim = await take(db, { scope, key, fingerprint, now: t, ttlMs, leaseMs });
    if ('replay' in claim) return replay(reply, { ...claim.replay, body: claim.replay.body && openBody(claim.replay.body, `${scope}\u0000${key}`) });
    Object.assign(st, { scope, key, owner: claim.owner });
    req.idempotency = {
      key,
      async fence(trx) {
        assert(trx.isTransaction, 'idempotency: fence needs the handler\'s open transaction');
        const r = await trx
          .updateTable('http_idempotency')
          .set({ state: 'committed' })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .where('owner', '=', claim.owner)
          .where('state', '=', 'pending')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw conflict('idempotency.superseded', 'this request took too long and a retry with the same Idempotency-Key took over');
      },
    };
  });

  // The handler has answered (or failed): keep the answer, or free the key.
  app.addHook('onSend', async (req, reply, payload) => {
    const st = states.get(req);
    if (!st?.owner) return payload;
    const owner = st.owner;
    delete st.owner; // onSend runs again if this hook's own send fails; once is enough
    const mine = db.updateTable('http_idempotency').where('scope', '=', st.scope!).where('key', '=', st.key!).where('owner', '=', owner);
    const status = reply.statusCode;
    const storable = typeof payload === 'string' || Buffer.isBuffer(payload) || payload === null || payload === undefined;
    const store = () =>
      mine
        .set({
          state: 'completed',
          status,
          headers: JSON.stringify(replayableHeaders(reply)),
          body: payload === null || payload === undefined ? null : sealBody(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : (payload as Buffer), `${st.scope}\u0000${st.key}`),
        })
        .executeTakeFirst();
    try {
      if (status <= 400 && storable) {
        if (Number((await store()).numUpdatedRows) !== 1) req.log.warn('idempotency: the key was taken over before the response was stored');
        return payload;
      }
      // A failure, or a streamed body we cannot keep: free the key unless the effects already committed.
      const freed = await db
        .deleteFrom('http_idempotency')
        .where('scope', '=', st.scope!)
        .where('key', '=', st.key!)
        .where('owner', '=', owner)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(freed.numDeletedRows) === 0 && storable) await store();
    } catch (err) {
      // The effects (if any) are done; the client gets its answer. The key stays taken until its lease ends.
      req.log.error({ err }, 'idempotency: could not record the response');
    }
    return payload;
  });
}

interface Take {
  scope: string;
  key: string;
  fingerprint: string;
  now: Date;
  ttlMs: number;
  leaseMs: number;
}

type Stored = { status: number; headers: string | null; body: Uint8Array | null };

/** Takes the key for this request, or returns the response to replay; refuses with a problem otherwise. */
async function take(db: Kysely<Database>, t: Take): Promise<{ owner: string } | { replay: Stored }> {
  const nowIso = t.now.toISOString();
  const lockedUntil = new Date(t.now.getTime() + t.leaseMs).toISOString();
  for (let round = 0; round < 3; round++) {
    const owner = randomBytes(16).toString('hex');
    const ins = await db
      .insertInto('http_idempotency')
      .values({
        scope: t.scope,
        key: t.key,
        fingerprint: t.fingerprint,
        state: 'pending',
        owner,
        status: null,
        headers: null,
        body: null,
        created_at: nowIso,
        locked_until: lockedUntil,
        expires_at: new Date(t.now.getTime() + t.ttlMs).toISOString(),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0n) === 1) return { owner };

    const row = await db.selectFrom('http_idempotency').selectAll().where('scope', '=', t.scope).where('key', '=', t.key).executeTakeFirst();
    if (!row) continue; // expired and purged in between: insert again
    if (row.expires_at <= nowIso) {
      await db.deleteFrom('http_idempotency').where('scope', '=', t.scope).where('key', '=', t.key).where('expires_at', '<=', nowIso).execute();
      continue;
    }
    if (row.fingerprint !== t.fingerprint) {
      throw new DomainError('idempotency.key_reused', 'this Idempotency-Key was used for a different request (method, path or body)', 422);
    }
    if (row.state === 'completed') {
      assert(row.status !== null, 'idempotency: a completed key has a status');
      return { replay: { status: row.status, headers: row.headers, body: row.body } };
    }
    if (row.locked_until > nowIso) throw conflict('idempotency.in_flight', 'a request with this Idempotency-Key is still being processed; retry later');
    if (row.state === 'committed') {
      throw conflict('idempotency.outcome_unknown', 'the request with this Idempotency-Key took effect but its response was lost; look the result up');
    }
    // Pending past its lease: that request died before committing anything fenced. Take it over.
    const r = await db
      .updateTable('http_idempotency')
      .set({ owner, locked_until: lockedUntil })
      .where('scope', '=', t.scope)
      .where('key', '=', t.key)
      .where('owner', '=', row.owner)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return { owner };
    throw conflict('idempotency.in_flight', 'a request with this Idempotency-Key is still being processed; retry later');
  }
  throw conflict('idempotency.in_flight', 'a request with this Idempotency-Key is still being processed; retry later');
}

function replayableHeaders(reply: FastifyReply): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(reply.getHeaders())) {
    if (v === undefined || UNREPLAYED.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}

function replay(reply: FastifyReply, s: Stored) {
  reply.code(s.status);
  const headers = s.headers ? (JSON.parse(s.headers) as Record<string, string | string[]>) : {};
  for (const [name, v] of Object.entries(headers)) reply.header(name, v);
  reply.header('idempotent-replayed', 'true');
  return reply.send(s.body === null ? undefined : Buffer.from(s.body));
}
