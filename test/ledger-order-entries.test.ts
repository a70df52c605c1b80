// GET /api/ledger/orders/:ref/entries: the explorer finds an order's signed entries by order id or
// by order number, on SQLite and on PostgreSQL; look-alikes and LIKE wildcards do not match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import type { LedgerEventInput } from '../src/ledger/index.ts';
import { backends, type Sandbox } from './helpers/backends.ts';

const NUMBER = 'CM-20261126-7K3QX9MB';
const order = (kind: string, id: string, data: Record<string, string> = {}): LedgerEventInput => ({
  kind,
  actor: 'system',
  subject: { order: id, buyer: 'usr_b', merchant: 'mer_m' },
  data: { orderId: id, ...data },
});

describe.each(backends())('order entries API on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  const get = (url: string) => app.http.inject({ method: 'GET', url });
  let mine: number[] = [];

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 20, validateResponses: true });
    mine = await app.ledger.appendNow([
      order('order.created', 'ord_a1', { number: NUMBER }),
      order('order.created', 'ord_a10', { number: 'CM-20261126-7K3QX9MC' }),
      { kind: 'test.event', actor: 'system', subject: { test: 'x' }, data: { note: 'ord_a1' } },
      order('order.paid', 'ord_a1'),
      order('order.created', 'ordXa1', { number: 'CM-20261126-AAAAAAAA' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('finds an order\'s entries by id, oldest first, with the entry view', async () => {
    const res = await get('/api/ledger/orders/ord_a1/entries');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.orderId).toBe('ord_a1');
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((e: { index: number }) => e.index)).toEqual([mine[0], mine[3]]);
    expect(body.items.map((e: { event: { kind: string } }) => e.event.kind)).toEqual(['order.created', 'order.paid']);
    expect(body.items[0].leafHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pages them with a cursor', async () => {
    const first = (await get('/api/ledger/orders/ord_a1/entries?limit=1')).json();
    expect(first.items.map((e: { index: number }) => e.index)).toEqual([mine[0]]);
    expect(first.nextCursor).toBe(String(mine[0]! + 1));
    const second = (await get(`/api/ledger/orders/${NUMBER}/entries?limit=1&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ orderId: 'ord_a1', nextCursor: null });
    expect(second.items.map((e: { index: number }) => e.index)).toEqual([mine[3]]);
  });

  it('finds them by order number too', async () => {
    const body = (await get(`/api/ledger/orders/${NUMBER}/entries`)).json();
    expect(body.orderId).toBe('ord_a1');
    expect(body.items).toHaveLength(2);
  });

  it('does not treat "_" as a wildcard, and answers an unknown order with no entries', async () => {
    const body = (await get('/api/ledger/orders/ord_a%5F1/entries')).json();
    expect(body.items).toEqual([]);
    const x = (await get('/api/ledger/orders/ordXa1/entries')).json();
    expect(x.items).toHaveLength(1);
    for (const ref of ['ord_zzz', 'CM-20261126-ZZZZZZZZ', 'ORD_A1']) {
      const res = await get(`/api/ledger/orders/${ref}/entries`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ orderId: null, items: [], nextCursor: null });
    }
  });

  it('rejects a reference that is neither an id nor an order number', async () => {
    for (const ref of ['a%25b', 'a%22b', 'x'.repeat(65)]) {
      const res = await get(`/api/ledger/orders/${ref}/entries`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});
