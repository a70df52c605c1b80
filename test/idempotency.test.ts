import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../src/app.ts';
import { requireActor } from '../src/http/auth.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { DomainError } from '../src/shared/errors.ts';
import { expectLogVerifies } from './helpers/audit.ts';
import { backends, type Sandbox } from './helpers/backends.ts';

describe.each(backends())('Idempotency-Key on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  let alice: string; // session cookie
  let bob: string;
  let calls = 0; // handler executions of the test route
  let refuse = false; // the next run refuses with a state-dependent 409
  let crash = false; // the next run throws (500)
  // Gates hold handler runs before their transaction, in order: one gate per run that should wait.
  type Gate = { inside: Promise<void>; entered: () => void; release: () => void; released: Promise<void> };
  let gates: Gate[] = [];
  const newGate = (): Gate => {
    const g = {} as Gate;
    g.inside = new Promise<void>((r) => (g.entered = r));
    g.released = new Promise<void>((r) => (g.release = r));
    gates.push(g);
    return g;
  };
  let n = 0;
  const key = () => `k-${++n}-${Math.random().toString(36).slice(2)}`;

  const move = (k: string | undefined, payload: unknown, opts: Partial<InjectOptions> = {}, cookie = alice) =>
    app.http.inject({
      method: 'POST',
      url: '/test/moves',
      headers: { cookie, ...(k === undefined ? {} : { 'idempotency-key': k }), 'content-type': 'application/json', ...(opts.headers ?? {}) },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      ...(opts.url ? { url: opts.url } : {}),
    });
  const expectProblem = (res: LightMyRequestResponse, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe(code);
  };
  const movesInLog = async () => {
    await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: key() } }]);
    const size = (await app.ledger.latest())!.treeSize;
    return (await app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body)).filter((e) => e.kind === 'test.moved');
  };
  const row = (k: string) => app.db.kysely.selectFrom('http_idempotency').selectAll().where('key', '=', k).executeTakeFirst();

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10 });
    // A tiny route that "moves stock": counts its runs, commits a ledger entry fenced by the key.
    app.http.post<{ Body: { amount: number; fail?: 'bad' | 'after-commit' } }>(
      '/test/moves',
      {
        config: { idempotent: true },
        schema: {
          body: { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 }, fail: { type: 'string' } }, additionalProperties: false },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        calls++;
        if (refuse) throw new DomainError('test.out_of_stock', 'not enough stock right now', 409);
        if (crash) throw new Error('boom');
        if (req.body.fail === 'bad') throw new DomainError('test.bad_amount', 'amount is not allowed', 400);
        const g = gates.shift();
        if (g) {
          g.entered();
          await g.released;
        }
        const run = calls;
        await app.db.kysely.transaction().execute(async (trx) => {
          await req.idempotency!.fence(trx);
          await app.ledger.append(trx, [{ kind: 'test.moved', actor: actor.userId, subject: { move: `move-${run}` }, data: { amount: req.body.amount } }]);
        });
        if (req.body.fail === 'after-commit') throw new Error('crashed after the commit');
        reply.header('location', `/test/moves/${run}`).header('x-run', String(run));
        // Something that differs on every run: a replay must return the stored bytes, not recompute.
        return reply.code(201).send({ move: run, amount: req.body.amount, nonce: Math.random() });
      },
    );
    const reg = async (email: string) => {
      const res = await app.http.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'a-long-password' } });
      const raw = res.headers['set-cookie'];
      return (Array.isArray(raw) ? raw[0]! : raw!).split(';')[0]!;
    };
    alice = await reg('alice@example.test');
    bob = await reg('bob@example.test');
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('requires a well-formed key on an opted-in route, and runs nothing without one', async () => {
    const before = calls;
    expectProblem(await move(undefined, { amount: 1 }), 400, 'idempotency.key_required');
    expectProblem(await move('', { amount: 1 }), 400, 'idempotency.key_invalid');
    expectProblem(await move('x'.repeat(256), { amount: 1 }), 400, 'idempotency.key_invalid');
    expectProblem(await move('has space', { amount: 1 }), 400, 'idempotency.key_invalid');
    expect(calls).toBe(before);
    // Routes that did not opt in ignore the header.
    const other = await app.http.inject({ method: 'POST', url: '/api/auth/logout', headers: { 'idempotency-key': 'whatever' } });
    expect(other.statusCode).toBe(204);
  });

  it('replays the stored status, headers and body without running the handler again', async () => {
    const k = key();
    const before = calls;
    const first = await move(k, { amount: 5 });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await move(k, { amount: 5 });
    const third = await move(k, { amount: 5 });
    expect(calls).toBe(before + 1);
    for (const r of [again, third]) {
      expect(r.statusCode).toBe(201);
      expect(r.body).toBe(first.body);
      expect(r.headers['content-type']).toBe(first.headers['content-type']);
      expect(r.headers['location']).toBe(first.headers['location']);
      expect(r.headers['x-run']).toBe(first.headers['x-run']);
      expect(r.headers['idempotent-replayed']).toBe('true');
    }
    const run = first.json().move;
    expect((await movesInLog()).filter((e) => e.subject.move === `move-${run}`)).toHaveLength(1);
    expect(await row(k)).toMatchObject({ state: 'completed', status: 201, scope: expect.stringMatching(/^user:usr_/) });
  });

  it('refuses the same key for a different request with 422', async () => {
    const k = key();
    expect((await move(k, { amount: 5 })).statusCode).toBe(201);
    const before = calls;
    expectProblem(await move(k, { amount: 6 }), 422, 'idempotency.key_reused');
    expectProblem(await move(k, '{"amount": 5}'), 422, 'idempotency.key_reused'); // the raw bytes differ
    expectProblem(await move(k, { amount: 5 }, { url: '/test/moves?again=1' }), 422, 'idempotency.key_reused');
    expect(calls).toBe(before);
  });

  it('scopes keys per actor', async () => {
    const k = key();
    const a = await move(k, { amount: 1 });
    const b = await move(k, { amount: 2 }, {}, bob);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().amount).toBe(2);
    expect(b.json().move).not.toBe(a.json().move);
  });

  it('answers a concurrent duplicate with 409 while the first is still running', async () => {
    const k = key();
    const g = newGate();
    try {
      const first = move(k, { amount: 3 });
      await g.inside;
      const before = calls;
      expectProblem(await move(k, { amount: 3 }), 409, 'idempotency.in_flight');
      expect(calls).toBe(before);
      g.release();
      const done = await first;
      expect(done.statusCode).toBe(201);
      expect((await move(k, { amount: 3 })).body).toBe(done.body);
    } finally {
      gates = [];
    }
  });

  it('frees the key after a state-dependent refusal or a crash, so a retry runs', async () => {
    const k = key();
    refuse = true;
    expectProblem(await move(k, { amount: 4 }), 409, 'test.out_of_stock');
    refuse = false;
    expect(await row(k)).toBeUndefined();
    crash = true;
    expectProblem(await move(k, { amount: 4 }), 500, 'internal');
    crash = false;
    const before = calls;
    const ok = await move(k, { amount: 4 });
    expect(ok.statusCode).toBe(201);
    expect(calls).toBe(before + 1);
  });

  it('keeps a 400 from the handler (bad input stays bad), but not a schema refusal', async () => {
    const k = key();
    expectProblem(await move(k, { amount: 4, fail: 'bad' }), 400, 'test.bad_amount');
    const before = calls;
    const replayed = await move(k, { amount: 4, fail: 'bad' });
    expectProblem(replayed, 400, 'test.bad_amount');
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(before);

    const k2 = key();
    expectProblem(await move(k2, { amount: 'lots' }), 400, 'validation');
    expect(await row(k2)).toBeUndefined();
    expect((await move(k2, { amount: 7 })).statusCode).toBe(201); // the key was never taken
  });

  it('pins the key once the effects committed, even if the handler failed afterwards', async () => {
    const k = key();
    const before = calls;
    expectProblem(await move(k, { amount: 8, fail: 'after-commit' }), 500, 'internal');
    const again = await move(k, { amount: 8, fail: 'after-commit' });
    expectProblem(again, 500, 'internal');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(before + 1);
  });

  it('lets a retry take over a key whose request outlived its lease; the late one cannot commit', async () => {
    const k = key();
    const [g1, g2] = [newGate(), newGate()];
    const slow = move(k, { amount: 9 });
    await g1.inside;
    // The first request is "stuck" past its lease: a retry takes the key over and starts running.
    const expire = () => app.db.kysely.updateTable('http_idempotency').set({ locked_until: '2000-01-01T00:00:00.000Z' }).where('key', '=', k).execute();
    await expire();
    const retrying = move(k, { amount: 9 });
    await g2.inside;
    // The late first run wakes up before the retry commits: its fence must fail, the key is not its own.
    g1.release();
    expectProblem(await slow, 409, 'idempotency.superseded');
    g2.release();
    const retry = await retrying;
    expect(retry.statusCode).toBe(201);
    const replay = await move(k, { amount: 9 });
    expect(replay.body).toBe(retry.body);
    const moves = (await movesInLog()).filter((e) => e.data.amount === 9);
    expect(moves).toHaveLength(1); // exactly one of the two runs committed
  });

  it('says so when the effects committed but the response was lost', async () => {
    const k = key();
    expect((await move(k, { amount: 10 })).statusCode).toBe(201);
    // As if the process died between the commit and storing the response.
    await app.db.kysely
      .updateTable('http_idempotency')
      .set({ state: 'committed', status: null, headers: null, body: null, locked_until: '2000-01-01T00:00:00.000Z' })
      .where('key', '=', k)
      .execute();
    const before = calls;
    expectProblem(await move(k, { amount: 10 }), 409, 'idempotency.outcome_unknown');
    expect(calls).toBe(before);
  });

  it('forgets keys after 24 hours', async () => {
    const k = key();
    expect((await move(k, { amount: 11 })).statusCode).toBe(201);
    const r = (await row(k))!;
    expect(Date.parse(r.expires_at) - Date.parse(r.created_at)).toBe(24 * 3600_000);
    await app.db.kysely.updateTable('http_idempotency').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('key', '=', k).execute();
    const fresh = await move(k, { amount: 12 }); // a different body is no longer a conflict
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().amount).toBe(12);
  });

  it('documents the header in OpenAPI and the log still verifies', async () => {
    const doc = (await app.http.inject({ method: 'GET', url: '/docs/json' })).json();
    const params = doc.paths['/test/moves'].post.parameters as { in: string; name: string; required: boolean }[];
    expect(params).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true }));

    await movesInLog();
    await expectLogVerifies(app);
  });
});
