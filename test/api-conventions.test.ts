// The API's conventions, checked over the whole OpenAPI document rather than route by route:
// every operation is described with a tag, a summary and a 2xx response schema; every list pages
// with a cursor; every POST that moves money or stock demands an Idempotency-Key; every error
// response is problem+json. (World-based tests also validate every answer against its schema.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startWorld, type World } from './helpers/world.ts';

type Operation = { tags?: string[]; summary?: string; parameters?: { in: string; name: string; required?: boolean }[]; responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> };

// Paths whose POST moves money or stock.
const MOVES = [
  /^\/api\/checkout$/, /^\/api\/orders\/\{id\}\/[a-z-]+$/, /^\/api\/wallet\/(dev-top-ups|transfers|withdrawals)$/,
  /^\/api\/admin\/withdrawals\/\{id\}\/(approve|reject)$/, /^\/api\/merchant\/stock\//,
];

describe.each(backends().slice(0, 1))('API conventions', (backend) => {
  let w: World;
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    w = await startWorld(backend);
    doc = (await w.anon('GET', '/docs/json')).json();
  });
  afterAll(async () => w?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  it('describes every operation: tag, summary, a JSON schema for its success answer', () => {
    const ops = operations().filter((o) => o.path.startsWith('/api/'));
    expect(ops.length).toBeGreaterThan(60);
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(op.summary, where).toBeTruthy();
      const ok = Object.entries(op.responses).find(([code]) => code.startsWith('2'));
      expect(ok, where).toBeDefined();
      if (ok![0] === '204' || path.endsWith('/stream')) continue;
      const schema = Object.values(ok![1].content ?? {})[0]?.schema;
      expect(schema, where).toBeDefined();
    }
  });

  it('pages every growing list with a cursor', () => {
    for (const { path, method, op } of operations()) {
      if (method !== 'get' || !path.startsWith('/api/')) continue;
      const schema = Object.values(op.responses['200']?.content ?? {})[0]?.schema as { properties?: Record<string, unknown> } | undefined;
      if (!schema?.properties?.['items'] || schema.properties['id'] || path === '/api/me/tokens' || path === '/api/merchant/webhooks' || path === '/api/stock/availability' || path === '/api/recommendations') continue;
      expect(schema.properties['nextCursor'], path).toBeDefined();
      expect(op.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'), path).toBe(true);
    }
  });

  it('demands an Idempotency-Key on every POST that moves money or stock', () => {
    const moving = operations().filter((o) => o.method === 'post' && MOVES.some((re) => re.test(o.path)));
    expect(moving.length).toBeGreaterThan(15);
    for (const { path, op } of moving) {
      expect(op.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key')?.required, path).toBe(true);
    }
  });

  it('answers errors as problem+json, including unknown routes and malformed JSON', async () => {
    for (const res of [
      await w.anon('GET', '/api/no-such-thing'),
      await w.anon('POST', '/api/auth/login', '{"email":', { 'content-type': 'application/json' }),
      await w.anon('GET', '/api/orders'),
    ]) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ type: expect.any(String), title: expect.any(String), status: res.statusCode, detail: expect.any(String) });
    }
  });
});
