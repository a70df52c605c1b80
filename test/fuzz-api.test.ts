// Schema-driven fuzzing of the whole HTTP API, on SQLite and PostgreSQL. For every operation of
// the OpenAPI document, fast-check builds requests from the operation's own JSON schemas (path,
// query, body), valid-looking and mutated (wrong types, missing/extra fields, nulls, huge and
// hostile strings, deep nesting, bad amounts), sends them as every role and anonymously, and
// checks three properties:
//  1. no answer is a 5xx;
//  2. every error answer is application/problem+json;
//  3. a refused request (4xx) changes no state: a fingerprint of the database (row counts of every
//     table, ledger entries queued + integrated, sums of posted money) is the same before and after,
//     except tables that legitimately record refusals (listed in VOLATILE with the reason).
// Reproduce a failure with FUZZ_SEED=<seed printed in the failure>; FUZZ_RUNS sets runs per operation.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallbackRejected, type PaymentProvider } from '../src/payments/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

type Schema = Record<string, any>;
type Param = { in: string; name: string; required?: boolean; schema?: Schema };
type Operation = { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type Op = { method: string; path: string; op: Operation };

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);

// Server-sent event streams never end, so an inject() on them would hang: they are exercised by
// their own module tests (notifications, live), not here.
const STREAMS = new Set(['GET /api/notifications/stream', 'GET /api/live/{id}/events']);
// These end a caller's session or identity (logout, token revocation, erasure): fuzzed last so
// that the other operations still meet live users.
const DESTRUCTIVE = [/^POST \/api\/auth\/logout$/, /^DELETE \/api\/me\/tokens\//, /erasure$/];

/**
 * Tables whose rows may change on a refused request, by design:
 * - accounts_login_attempt: a failed sign-in (401) is recorded, that is what the sign-in throttle
 *   counts (AccountsService.login inserts the attempt before checking the password; old ones are purged).
 * - payments_callback: the audit trail of every provider callback received, refused ones included
 *   (unknown provider, bad signature, unknown payment): recording them is its purpose.
 * - http_idempotency: a handler's 400 is stored as the key's answer (replayed on retry) and a
 *   released key is deleted; neither is business state.
 * - ledger_queue/ledger_entry/ledger_block/ledger_tile: the sequencer integrates entries queued by
 *   earlier (successful) requests at any time; the fingerprint keeps queue + entries instead.
 */
const VOLATILE = new Set(['accounts_login_attempt', 'payments_callback', 'http_idempotency', 'ledger_queue', 'ledger_entry', 'ledger_block', 'ledger_tile']);

// ---------------------------------------------------------------------------------------------
// Hostile values.

const deep = (n: number): unknown => { let v: unknown = 1; for (let i = 0; i < n; i++) v = i % 2 ? { a: v } : [v]; return v; };
const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\u202eevil\u202c', '\u200f\u200e', '\ufeff', 'e\u0301\u0301\u0301', '😀👩‍👩‍👧', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '../../etc/passwd', '..%2f..%2f', "'; drop table accounts_user; --", '<script>alert(1)</script>', '%00', '${7*7}', '{{7*7}}',
  'a'.repeat(5000), 'é'.repeat(20_000), '-1', '0', '1.5', '0x10', '1e30', 'NaN', 'Infinity', '9'.repeat(40), '-9223372036854775808', '9223372036854775808',
  '2026-02-30T25:61:00Z', '0000-00-00', 'null', 'true', '[]', '{}',
];
const HOSTILE_NUMBERS = [-1, 0, 1.5, -0.5, 1e30, -1e30, 2 ** 53, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, 1e-300, 123456789012345680000];
const hostileScalar = fc.oneof(
  fc.constantFrom<unknown>(...HOSTILE_STRINGS),
  fc.constantFrom<unknown>(...HOSTILE_NUMBERS),
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': null }, { __proto__: 1 }, { constructor: { prototype: 1 } }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 0, max: 4 }).map((i) => deep([3, 20, 64, 200, 1000][i]!)),
);

// ---------------------------------------------------------------------------------------------
// JSON schema → arbitrary (valid-looking), and its mutations.

interface Ctx { ids: string[]; emails: string[]; resolve(s: Schema): Schema }

function regexArb(pattern: string): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern)).filter((s) => s.length <= 300);
  } catch {
    return fc.string();
  }
}

/** Values the handlers' own rules want (beyond what the schemas say), by property name. */
const HINTS: Record<string, string[]> = {
  currency: ['CNY'],
  destination: ['ICBC ****1234'],
  email: ['fuzz-new@example.test', 'someone@example.test'],
  password: ['correct horse battery'],
  url: ['https://example.test/img.png'],
  streamUrl: ['https://example.test/live.m3u8'],
  provider: ['sandbox'],
  country: ['CN'],
  role: ['buyer', 'merchant_staff', 'admin', 'auditor'],
};

function stringArb(s: Schema, ctx: Ctx, key = ''): fc.Arbitrary<string> {
  if (Array.isArray(s['enum'])) return fc.constantFrom(...(s['enum'] as string[]));
  if (s['format'] === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s['format'] === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (s['format'] === 'uri' || /url$/i.test(key)) return fc.oneof(fc.webUrl(), fc.constant('https://example.test/a.m3u8'));
  if (s['format'] === 'byte') return fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64'));
  const hint = HINTS[key];
  if (hint) return fc.oneof({ arbitrary: fc.constantFrom(...hint), weight: 3 }, { arbitrary: stringArb({ ...s }, ctx, `${key}.`), weight: 1 });
  const min = s['minLength'] ?? 0;
  const max = Math.min(s['maxLength'] ?? 64, 300);
  let re: RegExp | undefined;
  try { re = s['pattern'] ? new RegExp(s['pattern']) : undefined; } catch { re = undefined; }
  const plain = re ? regexArb(s['pattern']).filter((v) => v.length >= min && v.length <= (s['maxLength'] ?? Infinity)) : fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
  // Real ids (and e-mails) wherever they fit the schema: that is what gets past validation to the handlers.
  const fits = (v: string) => v.length >= min && v.length <= (s['maxLength'] ?? Infinity) && (!re || re.test(v));
  const pool = [...ctx.ids, ...(/email|^to$/i.test(key) ? ctx.emails : [])].filter(fits);
  if (!pool.length) return plain;
  const idish = /(^id$|Id$|Ids$|^to$|^code$|^ref$|email)/i.test(key);
  return fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: idish ? 4 : 1 }, { arbitrary: plain, weight: idish ? 1 : 3 });
}

function valid(schema: Schema | undefined, ctx: Ctx, key = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  const s = ctx.resolve(schema);
  if ('const' in s) return fc.constant(s['const']);
  const alts = (s['oneOf'] ?? s['anyOf']) as Schema[] | undefined;
  if (alts?.length) return fc.oneof(...alts.map((a) => valid(a, ctx, key, depth + 1)));
  if (Array.isArray(s['allOf'])) return valid(Object.assign({}, ...s['allOf'].map((x: Schema) => ctx.resolve(x))), ctx, key, depth);
  const types = Array.isArray(s['type']) ? (s['type'] as string[]) : s['type'] ? [s['type'] as string] : s['properties'] ? ['object'] : ['string'];
  if (Array.isArray(s['enum'])) return fc.constantFrom(...(s['enum'] as unknown[]));
  return fc.oneof(...types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': {
        const lo = Math.max(s['minimum'] ?? (s['exclusiveMinimum'] !== undefined ? s['exclusiveMinimum'] + 1 : -1000), -(2 ** 31));
        const hi = Math.min(s['maximum'] ?? 1_000_000, 2 ** 31);
        const step = s['multipleOf'] ?? 1;
        // Mostly small values (a quantity of 3 gets further than 700 000), sometimes the whole range.
        const n = fc.oneof({ arbitrary: fc.integer({ min: lo, max: Math.min(hi, Math.max(lo, 0) + 10) }), weight: 3 }, { arbitrary: fc.integer({ min: lo, max: hi }), weight: 1 });
        return step === 1 ? n : n.map((v) => Math.min(hi, Math.max(lo, Math.ceil(v / step) * step)));
      }
      case 'number': return fc.double({ min: s['minimum'] ?? -1e6, max: s['maximum'] ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'array': {
        if (depth > 6) return fc.constant([]);
        return fc.array(valid(s['items'], ctx, key, depth + 1), { minLength: s['minItems'] ?? 0, maxLength: Math.min(s['maxItems'] ?? 4, 4) });
      }
      case 'object': {
        if (depth > 6) return fc.constant({});
        const props = (s['properties'] ?? {}) as Record<string, Schema>;
        const required = (s['required'] ?? []) as string[];
        const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v, ctx, k, depth + 1)]));
        if (!Object.keys(model).length && s['additionalProperties'] && typeof s['additionalProperties'] === 'object') {
          return fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/), valid(s['additionalProperties'], ctx, key, depth + 1), { maxKeys: 3 });
        }
        return fc.record(model, { requiredKeys: required.filter((k) => k in model) });
      }
      default: return stringArb(s, ctx, key);
    }
  }));
}

/** A valid-looking value with one or more mutations somewhere inside. */
function hostile(schema: Schema | undefined, ctx: Ctx, key = '', depth = 0): fc.Arbitrary<unknown> {
  const s = schema ? ctx.resolve(schema) : undefined;
  const props = (s?.['properties'] ?? undefined) as Record<string, Schema> | undefined;
  if (props && Object.keys(props).length && depth < 4) {
    const base = valid(s, ctx, key, depth).map((v) => (v && typeof v === 'object' ? v : {})) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(props);
    return fc.oneof(
      // one property mutated (recursively)
      fc.tuple(base, fc.constantFrom(...keys)).chain(([obj, k]) => hostile(props[k], ctx, k, depth + 1).map((v) => ({ ...obj, [k]: v }))),
      // a required property missing
      fc.tuple(base, fc.constantFrom(...keys)).map(([obj, k]) => { const o = { ...obj }; delete o[k]; return o; }),
      // extra properties, including prototype-polluting names
      fc.tuple(base, fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'userId', 'merchantId', 'role', 'state', 'amountMinor'), hostileScalar).map(([obj, k, v]) => JSON.parse(JSON.stringify({ ...obj }).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}${Object.keys(obj).length ? ',' : ''}`))),
      // every property hostile
      fc.record(Object.fromEntries(keys.map((k) => [k, hostileScalar]))),
      hostileScalar,
    );
  }
  if (s?.['type'] === 'array' && depth < 4) {
    return fc.oneof(fc.array(hostile(s['items'], ctx, key, depth + 1), { minLength: 1, maxLength: 3 }), fc.constant(Array.from({ length: 1000 }, () => 1)), hostileScalar);
  }
  return fc.oneof(hostileScalar, valid(s, ctx, key, depth).map((v) => (typeof v === 'string' ? v + '\u0000' : typeof v === 'number' ? -v - 0.5 : JSON.stringify(v) ?? 'null')));
}

const body = (schema: Schema | undefined, ctx: Ctx) => fc.oneof(valid(schema, ctx), hostile(schema, ctx));

/** Percent-encodes, keeping lone surrogates as raw invalid UTF-8 escapes (encodeURIComponent throws on them). */
function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c >= 0xd800 && c <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}

/** An in-process provider: payments can be created (so their ids exist); every callback is refused. */
const fakeProvider: PaymentProvider = {
  name: 'sandbox',
  async create(req) { return { providerRef: `fake_${req.paymentId}`, clientParams: { url: 'https://pay.example.test/' } }; },
  verify() { throw new CallbackRejected('bad_signature', 'the fuzzer signs nothing'); },
  ack: { status: 200, body: 'ok', contentType: 'text/plain' },
  async query() { return null; },
  async refund() { return 'failed'; },
};

// ---------------------------------------------------------------------------------------------

describe.each(backends())('API fuzz on $name', (backend) => {
  let w: World;
  let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
  let roles: Record<string, Caller | null>;
  let ids: string[] = [];
  let emails: string[] = [];
  let buyer: Caller, buyer2: Caller, staffA: Caller, staffB: Caller, admin: Caller;
  let mine: { paymentId: string; orderId: string; withdrawalId: string; wishlistId: string; productB: string; variantA: string };

  const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
  const post = (c: Caller, url: string, b: unknown = {}) => c.call('POST', url, b, key());

  /** Row counts of every table, ledger queued + integrated, sums of posted money. One query. */
  async function fingerprint(): Promise<Record<string, string>> {
    const db = w.app.db.kysely;
    const tables = backend.name === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'`.execute(db)).rows.map((r) => r.name);
    const counted = tables.filter((t) => !VOLATILE.has(t)).sort();
    const parts = counted.map((t) => `select '${t}' as k, cast(count(*) as text) as v from "${t}"`);
    parts.push(`select 'ledger(queue+entries)' as k, cast((select count(*) from ledger_queue) + (select count(*) from ledger_entry) as text) as v`);
    parts.push(`select 'money(posted)' as k, cast(coalesce(sum(debits_posted), 0) as text) || '/' || cast(coalesce(sum(credits_posted), 0) as text) || '/' || cast(coalesce(sum(debits_pending), 0) as text) || '/' || cast(coalesce(sum(credits_pending), 0) as text) as v from money_account`);
    const rows = (await sql.raw<{ k: string; v: string }>(parts.join(' union all ')).execute(db)).rows;
    return Object.fromEntries(rows.map((r) => [r.k, String(r.v)]));
  }

  function diff(a: Record<string, string>, b: Record<string, string>) {
    return Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k]} → ${b[k]}`);
  }

  const resolve = (s: Schema): Schema => {
    let cur = s;
    for (let i = 0; i < 10 && cur?.['$ref']; i++) cur = doc.components?.schemas?.[String(cur['$ref']).split('/').pop()!] ?? {};
    return cur;
  };

  beforeAll(async () => {
    w = await startWorld(backend, {}, { paymentProviders: [fakeProvider] });
    doc = (await w.anon('GET', '/docs/json')).json();
    admin = await w.user('admin');
    const auditor = await w.user('auditor');
    const a = await w.app.catalog.createMerchant('system', { name: 'Fuzz A', payOnReceipt: true, commissionBps: 500 });
    const b = await w.app.catalog.createMerchant('system', { name: 'Fuzz B', commissionBps: 500 });
    staffA = await w.user('merchant_staff', { merchantId: a.id });
    staffB = await w.user('merchant_staff', { merchantId: b.id });
    buyer = await w.user('buyer');
    buyer2 = await w.user('buyer');
    await w.fund(buyer.userId, 1_000_000n);
    await w.fund(buyer2.userId, 1_000_000n);
    const locA = (await w.app.inventory.createLocation({ userId: staffA.userId, merchantId: a.id }, { name: 'A1', code: 'A1' })).id;
    const locB = (await w.app.inventory.createLocation({ userId: staffB.userId, merchantId: b.id }, { name: 'B1', code: 'B1' })).id;
    const product = async (m: string, loc: string, title: string) => {
      const p = await w.app.catalog.createProduct(m, 'system', { title, description: 'fuzz', status: 'active', variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Std', priceMinor: 1000 }] });
      await w.app.inventory.setStock({ userId: 'system', merchantId: m }, { variantId: p.variants[0]!.id, locationId: loc, onHand: 1000 });
      return p;
    };
    const pA = await product(a.id, locA, 'Teapot');
    const pB = await product(b.id, locB, 'Cup');
    const address = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' };
    const chk = expectOk(await post(buyer2, '/api/checkout', { items: [{ variantId: pB.variants[0]!.id, qty: 1 }], shippingAddress: address }), 201);
    const o1 = expectOk(await post(buyer, '/api/checkout', { items: [{ variantId: pA.variants[0]!.id, qty: 1 }], shippingAddress: address }), 201);
    const wd = expectOk(await post(buyer2, '/api/wallet/withdrawals', { amountMinor: '100', destination: 'ICBC ****1234' }), 201);
    const wl = expectOk(await buyer2.call('POST', '/api/me/wishlists', { name: 'private list' }), 201);
    const pay = await post(buyer2, '/api/wallet/top-ups', { amountMinor: '500', provider: 'sandbox' });
    expect(pay.statusCode, pay.body).toBeLessThan(300);
    mine = { paymentId: pay.json().id ?? pay.json().payment?.id, orderId: chk.orders[0].id, withdrawalId: wd.id, wishlistId: wl.id, productB: pB.id, variantA: pA.variants[0]!.id };
    ids = [a.id, b.id, locA, locB, pA.id, pB.id, pA.variants[0]!.id, pB.variants[0]!.id, chk.orders[0].id, o1.orders[0].id, wd.id, wl.id, mine.paymentId,
      admin.userId, auditor.userId, staffA.userId, staffB.userId, buyer.userId, buyer2.userId, 'CNY', '1', '0', 'nope', ...(chk.id ? [chk.id] : [])];
    emails = [buyer.email, buyer2.email, staffA.email, admin.email];
    roles = { anonymous: null, buyer, buyer2, staffA, staffB, admin, auditor };
  }, 120_000);
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  function operations(): Op[] {
    const all = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })))
      .filter((o) => o.path.startsWith('/api/') && !STREAMS.has(`${o.method.toUpperCase()} ${o.path}`));
    const last = (o: Op) => DESTRUCTIVE.some((re) => re.test(`${o.method.toUpperCase()} ${o.path}`));
    return [...all.filter((o) => !last(o)), ...all.filter(last)];
  }

  function requestArb(o: Op, ctx: Ctx) {
    const params = o.op.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, fc.oneof(
      { arbitrary: fc.constantFrom(...ctx.ids).map(enc), weight: 4 },
      { arbitrary: valid(p.schema, ctx, p.name).map((v) => enc(String(v))), weight: 2 },
      { arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 300)).map(enc), weight: 2 },
      { arbitrary: fc.constantFrom('..', '../..', '%2e%2e%2f', '%00', '%ED%A0%80', '%C0%AF', '%', '%zz', '.', '~', 'a/b', 'x'.repeat(3000)), weight: 1 },
    )])));
    const queryParams = params.filter((p) => p.in === 'query');
    const queryArb = fc.array(fc.oneof(
      ...(queryParams.length ? [fc.constantFrom(...queryParams).chain((p) => fc.oneof(valid(p.schema, ctx, p.name), hostileScalar).map((v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v) ?? ''] as const))] : []),
      fc.tuple(fc.constantFrom('cursor', 'limit', 'x', '__proto__', 'q[]'), fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 300))).map(([k, v]) => [k, v] as const),
    ), { maxLength: 4 });
    const bodySchema = o.op.requestBody?.content?.['application/json']?.schema;
    const bodyArb = bodySchema ? body(bodySchema, ctx) : fc.oneof(fc.constant(undefined), fc.constant(undefined), hostileScalar);
    const needsKey = params.some((p) => p.in === 'header' && p.name === 'idempotency-key');
    const keyArb = needsKey
      ? fc.oneof({ arbitrary: fc.constant('fresh'), weight: 6 }, { arbitrary: fc.constantFrom('fixed-key-1', '', ' ', 'ü', 'x'.repeat(300)), weight: 1 })
      : fc.constantFrom(undefined, undefined, undefined, 'fresh');
    const names = Object.keys(roles);
    const favoured = o.path.startsWith('/api/admin/') ? ['admin', 'auditor'] : o.path.startsWith('/api/merchant/') || /^\/api\/(orders|live)\//.test(o.path) ? ['staffA', 'staffB', 'buyer'] : ['buyer', 'buyer2'];
    const roleArb = fc.oneof({ arbitrary: fc.constantFrom(...favoured), weight: 2 }, { arbitrary: fc.constantFrom(...names), weight: 1 });
    return fc.record({ role: roleArb, path: pathArb, query: queryArb, body: bodyArb, key: keyArb });
  }

  it('hostile hand-written cases: limits, malformed input, bad amounts, other tenants', async () => {
    const problemish = (res: LightMyRequestResponse, where: string) => {
      expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${where}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
    };
    const before = await fingerprint();
    // Over the 1 MiB body limit.
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    expectProblem(await buyer.call('POST', '/api/me/wishlists', big, { 'content-type': 'application/json' }), 413);
    // 10k levels of nesting, as JSON text.
    const nested = '['.repeat(10_000) + ']'.repeat(10_000);
    problemish(await buyer.call('POST', '/api/me/wishlists', nested, { 'content-type': 'application/json' }), 'nested array');
    problemish(await post(buyer, '/api/checkout', '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 'nested object');
    // Wrong content type; invalid JSON; empty JSON body.
    problemish(await buyer.call('POST', '/api/me/wishlists', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 'form body');
    problemish(await buyer.call('POST', '/api/me/wishlists', '<x/>', { 'content-type': 'text/xml' }), 'xml body');
    problemish(await buyer.call('POST', '/api/me/wishlists', '{"name": "x",}', { 'content-type': 'application/json' }), 'invalid JSON');
    problemish(await buyer.call('POST', '/api/me/wishlists', '', { 'content-type': 'application/json' }), 'empty JSON');
    problemish(await buyer.call('POST', '/api/me/wishlists', '{"name":"\\ud800"', { 'content-type': 'application/json' }), 'truncated JSON');
    // NUL in a path parameter, a query string, a JSON key or value: 400 on both backends (PostgreSQL
    // cannot store it in text; this was a 500 there).
    expectProblem(await buyer.call('GET', '/api/reviews/%00'), 400, 'validation');
    expectProblem(await buyer.call('GET', '/api/products?q=a%00b'), 400, 'validation');
    expectProblem(await buyer.call('POST', '/api/me/wishlists', { name: 'a\u0000b' }), 400, 'validation');
    expectProblem(await buyer.call('POST', '/api/me/wishlists', '{"name":"x","\\u0000":1}', { 'content-type': 'application/json' }), 400, 'validation');
    // Infinity as a query integer: Ajv's coercion let it past minimum/maximum (a 500 in SQL).
    for (const limit of ['Infinity', '-Infinity', '1e400']) {
      expectProblem(await buyer.call('GET', `/api/ledger/blocks?limit=${limit}`), 400, 'validation');
      expectProblem(await buyer.call('GET', `/api/orders?limit=${limit}`), 400, 'validation');
    }
    // Malformed percent-encoding and an over-long path parameter: problem+json too.
    expectProblem(await buyer.call('GET', '/api/orders/%ED%A0%80'), 400);
    expectProblem(await admin.call('POST', `/api/admin/coupons/${'x'.repeat(3000)}/deactivate`), 414);
    // Amounts: negative, huge, fractional, hex, beyond 64 bits, as strings and as numbers.
    const amounts: unknown[] = [-1, '-1', 1e30, '1e30', '1.5', 1.5, '0x10', 2 ** 63, '9223372036854775808', '99999999999999999', 0, '0', '', null, true, [], { v: 1 }];
    for (const amountMinor of amounts) {
      const tag = JSON.stringify(amountMinor);
      problemish(await post(buyer, '/api/wallet/transfers', { to: buyer2.email, amountMinor }), `transfer ${tag}`);
      problemish(await post(buyer, '/api/wallet/dev-top-ups', { amountMinor }), `dev top-up ${tag}`);
      problemish(await post(buyer, '/api/wallet/top-ups', { amountMinor, provider: 'sandbox' }), `top-up ${tag}`);
      problemish(await post(buyer, '/api/wallet/withdrawals', { amountMinor, destination: 'ICBC ****1234' }), `withdrawal ${tag}`);
    }
    // (A numeric string such as "7" is coerced by the validator, as everywhere in the API — Fastify's
    // coerceTypes — so "0x10" is 16 and "1e3" is 1000, as JavaScript reads them: lenient, not a hole.)
    for (const qty of [-1, 0, '-1', 1e30, '1.5', 1.5, '0x10.8', '1e30', 2 ** 63, '9223372036854775808', null, '', [], { n: 1 }]) {
      problemish(await post(buyer, '/api/checkout', { items: [{ variantId: mine.variantA, qty }], shippingAddress: { recipient: 'A', phone: '1', country: 'CN', city: 'S', line1: 'L' } }), `checkout qty ${JSON.stringify(qty)}`);
    }
    // A transfer of more than the balance, and to oneself.
    problemish(await post(buyer, '/api/wallet/transfers', { to: buyer2.email, amountMinor: '9999999999999999' }), 'overdraft');
    // Another buyer's resources: 404, never 200 (and never 403, which would confirm they exist).
    expectProblem(await buyer.call('GET', `/api/orders/${mine.orderId}`), 404);
    expectProblem(await buyer.call('GET', `/api/orders/${mine.orderId}/receipt`), 404);
    expectProblem(await post(buyer, `/api/orders/${mine.orderId}/cancel`, { reason: 'changed_mind' }), 404);
    expectProblem(await post(buyer, `/api/orders/${mine.orderId}/payments`, { provider: 'sandbox' }), 404);
    expectProblem(await buyer.call('GET', `/api/payments/${mine.paymentId}`), 404);
    expect(expectOk(await buyer2.call('GET', `/api/payments/${mine.paymentId}`)).id).toBe(mine.paymentId);
    expectProblem(await buyer.call('GET', `/api/wallet/withdrawals/${mine.withdrawalId}`), 404);
    expectProblem(await buyer.call('PATCH', `/api/me/wishlists/${mine.wishlistId}`, { name: 'mine now' }), 404);
    expectProblem(await buyer.call('DELETE', `/api/me/wishlists/${mine.wishlistId}`), 404);
    expectProblem(await buyer.call('GET', `/api/wishlists/${mine.wishlistId}`), 404);
    // An admin route as a buyer: 403; a merchant editing another merchant's product: 404.
    expectProblem(await buyer.call('GET', '/api/admin/merchants'), 403);
    expectProblem(await buyer.call('POST', '/api/admin/merchants', { name: 'Mine' }), 403);
    expectProblem(await post(buyer, `/api/admin/withdrawals/${mine.withdrawalId}/approve`), 403);
    expectProblem(await staffA.call('PATCH', `/api/merchant/products/${mine.productB}`, { title: 'Hijacked' }), 404);
    expectProblem(await staffA.call('POST', `/api/merchant/products/${mine.productB}/variants`, { sku: 'X1', title: 'x', priceMinor: '1' }), 404);
    expect(diff(before, await fingerprint())).toEqual([]);
    // Still intact: the buyer2's order and wishlist.
    expect(expectOk(await buyer2.call('GET', `/api/orders/${mine.orderId}`)).id).toBe(mine.orderId);
    expect(expectOk(await buyer2.call('GET', `/api/wallet/withdrawals/${mine.withdrawalId}`)).id).toBe(mine.withdrawalId);
  }, 120_000);

  it('no 5xx, errors are problem+json, refusals change nothing — for every operation, every role', async () => {
    const ctx: Ctx = { ids, emails, resolve };
    const ops = operations();
    expect(ops.length).toBeGreaterThan(150);
    const failures: string[] = [];
    let requests = 0;
    const statuses: Record<number, number> = {};
    const reached = new Set<string>(); // operations with at least one answer past validation and auth (2xx, 404, 409, 422…)
    const succeeded = new Set<string>();
    const started = Date.now();
    for (const [i, o] of ops.entries()) {
      const label = `${o.method.toUpperCase()} ${o.path}`;
      let problem = '';
      try {
        await fc.assert(fc.asyncProperty(requestArb(o, ctx), async (r) => {
          let url = o.path.replace(/\{([^}]+)\}/g, (_, n: string) => r.path[n] ?? '');
          if (r.query.length) url += '?' + r.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
          const headers: Record<string, string> = {};
          if (r.key === 'fresh') headers['idempotency-key'] = randomBytes(12).toString('hex');
          else if (r.key !== undefined && /^[\x20-\x7e]*$/.test(r.key)) headers['idempotency-key'] = r.key;
          let payload: string | undefined;
          if (r.body !== undefined) {
            payload = JSON.stringify(r.body);
            headers['content-type'] = 'application/json';
          }
          const caller = roles[r.role];
          const before = await fingerprint();
          requests++;
          const res: LightMyRequestResponse = caller ? await caller.call(o.method.toUpperCase() as 'GET', url, payload, headers) : await w.anon(o.method.toUpperCase() as 'GET', url, payload, headers);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode < 300) succeeded.add(label);
          const code = res.statusCode >= 400 ? String(res.json().code ?? '') : '';
          if (![401, 403, 413, 414, 415].includes(res.statusCode) && !/^(validation|idempotency\.|fst_)/.test(code)) reached.add(label);
          const where = () => `${label} as ${r.role}: ${o.method.toUpperCase()} ${url.slice(0, 300)} body=${(payload ?? '').slice(0, 400)} → ${res.statusCode} ${res.body.slice(0, 400)}`;
          if (process.env.FUZZ_TRACE && label.includes(process.env.FUZZ_TRACE)) console.log(r.role, url.slice(0, 200), (payload ?? '').slice(0, 300), '→', res.statusCode, res.body.slice(0, 300));
          if (res.statusCode >= 500) problem = `5xx: ${where()}`;
          else if (res.statusCode >= 400) {
            if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) problem = `not problem+json: ${where()}`;
            const changed = diff(before, await fingerprint());
            if (changed.length) problem = `refused request changed state (${changed.join(', ')}): ${where()}`;
          }
          if (problem) throw new Error(problem);
        }), { numRuns: RUNS, seed: SEED + i, endOnFailure: !process.env.FUZZ_SHRINK });
      } catch (err) {
        failures.push(`${label} (FUZZ_SEED=${SEED}, op #${i}): ${problem || (err as Error).message.slice(0, 1500)}`);
      }
    }
    console.log(`fuzz ${backend.name}: ${ops.length} operations × ${RUNS} runs = ${requests} requests in ${Date.now() - started} ms (FUZZ_SEED=${SEED}); statuses ${JSON.stringify(statuses)}; ${succeeded.size} operations answered 2xx, ${reached.size} reached past validation/auth`);
    if (process.env.FUZZ_VERBOSE) console.log('never past validation/auth:', ops.map((o) => `${o.method.toUpperCase()} ${o.path}`).filter((l) => !reached.has(l)).join('\n'));
    expect(failures, `FUZZ_SEED=${SEED}`).toEqual([]);
  }, 300_000);
});
