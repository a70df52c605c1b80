import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { decodeBundle, hashLeaf, openCheckpoint, verifyReceipt } from '../src/ledger/index.ts';
import { backends, type Sandbox } from './helpers/backends.ts';
import { testEvents } from './helpers/events.ts';

describe.each(backends())('HTTP API on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  const get = (url: string) => app.http.inject({ method: 'GET', url });
  const expectProblem = (res: Awaited<ReturnType<typeof get>>, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    return body as { code: string; detail: string };
  };

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10 });
    const events = testEvents(600, 'http');
    for (let i = 0; i < 600; i += 200) await app.ledger.appendNow(events.slice(i, i + 200)); // several blocks
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('publishes an OpenAPI 3.1 document at /docs', async () => {
    const res = await get('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/ledger/blocks', '/api/ledger/blocks/{height}', '/api/ledger/entries/{index}', '/api/ledger/entries/{index}/receipt', '/api/ledger/consistency', '/api/ledger/key']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect((await get('/docs')).statusCode).toBeLessThan(400);
  });

  it('serves the checkpoint uncached and full tiles immutable, consistent with each other', async () => {
    const cp = await get('/log/checkpoint');
    expect(cp.statusCode).toBe(200);
    expect(cp.headers['cache-control']).toBe('no-cache');
    const { size } = openCheckpoint(cp.body, app.verifierKey);
    expect(size).toBe(601);
    const tile = await get('/log/tile/0/001');
    expect(tile.statusCode).toBe(200);
    expect(tile.headers['cache-control']).toMatch(/immutable/);
    expect(tile.rawPayload.length).toBe(256 * 32);
    const bundle = decodeBundle(new Uint8Array((await get('/log/tile/entries/001')).rawPayload));
    expect(bundle).toHaveLength(256);
    expect(Buffer.from(hashLeaf(bundle[7]!)).equals(tile.rawPayload.subarray(7 * 32, 8 * 32))).toBe(true);
    const partial = await get('/log/tile/0/002.p/89');
    expect(partial.rawPayload.length).toBe(89 * 32);
  });

  it('answers bad tile paths and absent tiles with 404 problems, never 500', async () => {
    for (const p of ['/log/tile/0/abc', '/log/tile/0/1', '/log/tile/0/000.p/0', '/log/tile/0/000.p/256', '/log/tile/64/000', '/log/tile/0/x000/001', '/log/tile/0/002.p/200', '/log/tile/entries/009', '/log/tile/', '/log/tile/0/%00']) {
      expectProblem(await get(p), 404);
    }
  });

  it('pages blocks with a cursor and serves one block', async () => {
    const first = (await get('/api/ledger/blocks?limit=1')).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBe(String(first.items[0].height));
    const second = (await get(`/api/ledger/blocks?limit=1&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].height).toBe(first.items[0].height - 1);
    expect(second.items[0].blockHash).toBe(first.items[0].prevBlockHash);
    const one = (await get(`/api/ledger/blocks/${second.items[0].height}`)).json();
    expect(one).toEqual(second.items[0]);
    expectProblem(await get('/api/ledger/blocks/999999'), 404);
    expect(expectProblem(await get('/api/ledger/blocks/abc'), 400).code).toBe('validation');
    expectProblem(await get('/api/ledger/blocks?limit=0'), 400);
  });

  it('serves entries with receipts that verify with the published key', async () => {
    const { verifierKey } = (await get('/api/ledger/key')).json();
    expect(verifierKey).toBe(app.verifierKey);
    const res = (await get('/api/ledger/entries/300')).json();
    expect(res.event.subject.test).toBe('http-299');
    expect(verifyReceipt(res.receipt, verifierKey).ok).toBe(true);
    const receipt = (await get('/api/ledger/entries/0/receipt')).json();
    expect(verifyReceipt(receipt, verifierKey).ok).toBe(true);
    const list = (await get('/api/ledger/entries?limit=5&cursor=598')).json();
    expect(list.items.map((e: { index: number }) => e.index)).toEqual([598, 599, 600]);
    expect(list.nextCursor).toBeNull();
    expectProblem(await get('/api/ledger/entries/601'), 404);
    expectProblem(await get('/api/ledger/entries/-1'), 400);
  });

  it('gives consistency proofs and refuses impossible sizes', async () => {
    const ok = (await get('/api/ledger/consistency?from=10&to=601')).json();
    expect(ok.proof.length).toBeGreaterThan(0);
    expectProblem(await get('/api/ledger/consistency?from=0&to=5'), 400);
    expectProblem(await get('/api/ledger/consistency?from=9&to=5'), 400);
    expectProblem(await get('/api/ledger/consistency?from=1&to=100000'), 400);
    expectProblem(await get('/api/ledger/consistency?from=1.5&to=3'), 400);
    expectProblem(await get('/api/ledger/consistency'), 400);
  });

  it('answers unknown routes with a problem', async () => {
    expectProblem(await get('/api/nope'), 404);
  });
});
