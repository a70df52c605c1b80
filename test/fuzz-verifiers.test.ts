// Fuzzing every verifier and parser with mutated VALID artifacts made by the real code. Two
// properties each: never a crash (a verdict, or only the error type the function documents) and
// never a false "valid" (a mutation that verifies must be semantically identical to the original,
// which each target checks by re-canonicalising the signed / hashed content).
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consistencyProof,
  decodeBundle,
  encodeBundle,
  formatCheckpoint,
  formatTilePath,
  generateSignerKey,
  hashLeaf,
  inclusionProof,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseReceipt,
  parseTilePath,
  parseVerifierKey,
  rootHash,
  signerFromKey,
  signNote,
  verifyConsistency,
  verifyInclusion,
  verifyReceipt,
} from '../src/ledger/index.ts';
import { verifyRemote } from '../src/ledger/verify.ts';
import { verifyOrderReceipt } from '../src/orders/index.ts';
import { cosignerFromKey, generateCosignerKey, verifyCosignatures, verifyCosigned } from '../src/witness/index.ts';
import {
  CallbackRejected,
  alipaySign,
  alipaySignContent,
  stripeSignature,
  verifyAlipayNotification,
  verifyStripeNotification,
  verifyWechatPayNotification,
  wechatEncryptResource,
  wechatResponseMessage,
  type RawCallback,
} from '../src/payments/providers/index.ts';
import { header as providerHeader } from '../src/payments/providers/common.ts';
import { parseAlipayForm } from '../src/payments/providers/alipay.ts';
import { sandboxProvider } from '../src/payments/providers/sandbox.ts';
import { SandboxSignatureError, sandboxSignatureHeader, verifySandboxSignature } from '../src/sandbox-gateway/signature.ts';
import { drawWinners, entriesHash, seedCommitment, bytesToHex, verifyDraw, type DrawPublicData } from '../src/games/draw.ts';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../src/notifications/signing.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, startWorld, type World } from './helpers/world.ts';

// Bounded: the whole file must stay well under a minute on a shared machine.
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const runs = (n = RUNS) => ({ numRuns: n });
/** Runs and acceptances per target; printed with FUZZ_STATS=1 (acceptances are the semantically identical mutations). */
const stats = new Map<string, { runs: number; accepted: number }>();
const tally = (target: string, accepted: boolean) => {
  const s = stats.get(target) ?? { runs: 0, accepted: 0 };
  s.runs++;
  if (accepted) s.accepted++;
  stats.set(target, s);
};
afterAll(() => {
  if (process.env.FUZZ_STATS) console.table(Object.fromEntries(stats));
});

// ---------------------------------------------------------------------------------------------
// mutators (each carries a description, so a counterexample reads as what was done)

type Fn<T> = ((x: T) => T) & { toString(): string };
const named = <T>(desc: unknown, f: (x: T) => T): Fn<T> => Object.assign(f, { toString: () => JSON.stringify(desc) });

/** Byte-level mutations: bit flips, insertions, deletions, truncation, duplication, appends. */
const byteMut: fc.Arbitrary<Fn<Uint8Array>> = fc.oneof(
  fc.record({ op: fc.constant('flip'), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }).map((m) =>
    named<Uint8Array>(m, (b: Uint8Array) => {
      if (b.length === 0) return Uint8Array.of(1 << m.bit);
      const o = Uint8Array.from(b);
      o[m.pos % b.length]! ^= 1 << m.bit;
      return o;
    }),
  ),
  fc.record({ op: fc.constant('insert'), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }).map((m) =>
    named<Uint8Array>(m, (b: Uint8Array) => {
      const p = m.pos % (b.length + 1);
      return Uint8Array.from([...b.subarray(0, p), ...m.bytes, ...b.subarray(p)]);
    }),
  ),
  fc.record({ op: fc.constant('replace'), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }).map((m) =>
    named<Uint8Array>(m, (b: Uint8Array) => {
      if (b.length === 0) return Uint8Array.of(m.byte);
      const o = Uint8Array.from(b);
      o[m.pos % b.length] = m.byte;
      return o;
    }),
  ),
  fc.record({ op: fc.constant('delete'), pos: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }).map((m) =>
    named<Uint8Array>(m, (b: Uint8Array) => {
      const p = m.pos % (b.length + 1);
      return Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + m.len)]);
    }),
  ),
  fc.record({ op: fc.constant('truncate'), keep: fc.nat() }).map((m) => named<Uint8Array>(m, (b: Uint8Array) => b.slice(0, m.keep % (b.length + 1)))),
  fc.record({ op: fc.constant('dup'), pos: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }).map((m) =>
    named<Uint8Array>(m, (b: Uint8Array) => {
      const p = m.pos % (b.length + 1);
      return Uint8Array.from([...b.subarray(0, p + m.len), ...b.subarray(p)]);
    }),
  ),
  fc.record({ op: fc.constant('append'), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }).map((m) => named<Uint8Array>(m, (b: Uint8Array) => Uint8Array.from([...b, ...m.bytes]))),
);

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const UNICODE = ['\u2014', '\u00a0', '\u200b', '\ufeff', '\u0000', '\r', '\t', ' ', '\n', '+', '=', '/', 'é', '😀', '\ud800', '\u2028', 'Ａ', '０'];

/** Text mutations: bytes (re-read as UTF-8), lines (swap, duplicate, drop), unicode, digits, case. */
const strMut: fc.Arbitrary<Fn<string>> = fc.oneof(
  { weight: 4, arbitrary: byteMut.map((f) => named(`bytes:${f}`, (s: string) => utf8(f(Buffer.from(s, 'utf8'))))) },
  fc.record({ op: fc.constant('swap-lines'), a: fc.nat(), b: fc.nat() }).map((m) =>
    named(m, (s: string) => {
      const l = s.split('\n');
      const [i, j] = [m.a % l.length, m.b % l.length];
      [l[i], l[j]] = [l[j]!, l[i]!];
      return l.join('\n');
    }),
  ),
  fc.record({ op: fc.constant('dup-line'), a: fc.nat() }).map((m) =>
    named(m, (s: string) => {
      const l = s.split('\n');
      l.splice(m.a % l.length, 0, l[m.a % l.length]!);
      return l.join('\n');
    }),
  ),
  fc.record({ op: fc.constant('drop-line'), a: fc.nat() }).map((m) =>
    named(m, (s: string) => {
      const l = s.split('\n');
      l.splice(m.a % l.length, 1);
      return l.join('\n');
    }),
  ),
  fc.record({ op: fc.constant('unicode'), pos: fc.nat(), ch: fc.oneof(fc.constantFrom(...UNICODE), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })) }).map((m) =>
    named(m, (s: string) => {
      const p = m.pos % (s.length + 1);
      return s.slice(0, p) + m.ch + s.slice(p);
    }),
  ),
  fc.record({ op: fc.constant('digit'), n: fc.nat(), d: fc.integer({ min: 0, max: 9 }) }).map((m) =>
    named(m, (s: string) => {
      const at = [...s.matchAll(/[0-9]/g)].map((x) => x.index!);
      if (at.length === 0) return s + String(m.d);
      const p = at[m.n % at.length]!;
      return s.slice(0, p) + String(m.d) + s.slice(p + 1);
    }),
  ),
  fc.record({ op: fc.constant('case'), pos: fc.nat() }).map((m) =>
    named(m, (s: string) => {
      if (s.length === 0) return 'A';
      const p = m.pos % s.length;
      const c = s[p]!;
      const t = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return s.slice(0, p) + (t === c ? 'x' : t) + s.slice(p + 1);
    }),
  ),
);

// JSON-tree mutations: pick any node by its path, then change, drop, duplicate, swap, rename.
type JsonPath = (string | number)[];
function jsonPaths(v: unknown, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) jsonPaths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}
const getAt = (v: unknown, p: JsonPath): unknown => p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);

const REPLACEMENTS: unknown[] = [null, true, false, 0, -1, 1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, '', '0', 'x', [], {}, [null], { v: 1 }, '\u0000', 'é😀'];

const jsonMut: fc.Arbitrary<Fn<unknown>> = fc
  .record({
    node: fc.nat(),
    op: fc.constantFrom('replace', 'delete', 'rename', 'add-key', 'number', 'string', 'dup-elem', 'swap-elem', 'reverse', 'stringify-number', 'swap-values'),
    pick: fc.nat(),
    other: fc.nat(),
    delta: fc.constantFrom(1, -1, 2, 256, 2 ** 32, 0.5),
    smut: strMut,
  })
  .map((m) =>
    named(m, (orig: unknown) => {
      const v = structuredClone(orig);
      const paths = jsonPaths(v);
      const path = paths[m.node % paths.length]!;
      const parentPath = path.slice(0, -1);
      const key = path[path.length - 1];
      const parent = path.length ? (getAt(v, parentPath) as Record<string | number, unknown>) : undefined;
      const cur = getAt(v, path);
      const set = (x: unknown): unknown => {
        if (!parent) return x;
        parent[key!] = x;
        return v;
      };
      switch (m.op) {
        case 'replace':
          return set(REPLACEMENTS[m.pick % REPLACEMENTS.length]);
        case 'delete':
          if (!parent) return undefined;
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key!];
          return v;
        case 'rename':
          if (!parent || Array.isArray(parent)) return set(cur);
          delete parent[key!];
          parent[`${String(key)}${['_', 'X', ' ', 'é'][m.pick % 4]}`] = cur;
          return v;
        case 'add-key':
          if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return set([cur, cur]);
          (cur as Record<string, unknown>)[['extra', '__proto__', 'constructor', 'v'][m.pick % 4]!] = REPLACEMENTS[m.other % REPLACEMENTS.length];
          return v;
        case 'number':
          return set(typeof cur === 'number' ? cur + m.delta : typeof cur === 'string' && /^-?\d+$/.test(cur) ? String(BigInt(cur) + 1n) : m.delta);
        case 'string':
          return set(typeof cur === 'string' ? m.smut(cur) : m.smut(JSON.stringify(cur) ?? ''));
        case 'dup-elem':
          if (!Array.isArray(cur) || cur.length === 0) return set([cur]);
          cur.splice(m.pick % cur.length, 0, structuredClone(cur[m.pick % cur.length]));
          return v;
        case 'swap-elem': {
          if (!Array.isArray(cur) || cur.length < 2) return set(cur === null ? 0 : null);
          const [i, j] = [m.pick % cur.length, m.other % cur.length];
          [cur[i], cur[j]] = [cur[j], cur[i]];
          return v;
        }
        case 'reverse':
          return set(Array.isArray(cur) ? [...cur].reverse() : typeof cur === 'string' ? [...cur].reverse().join('') : cur);
        case 'stringify-number':
          return set(typeof cur === 'number' ? String(cur) : typeof cur === 'string' && /^\d+$/.test(cur) ? Number(cur) : cur);
        case 'swap-values': {
          // Swap this node with another node's value (a field swap across the document).
          const other = paths[m.other % paths.length]!;
          if (other.length === 0 || path.length === 0) return v;
          const a = structuredClone(cur);
          const b = structuredClone(getAt(v, other));
          set(b);
          try {
            (getAt(v, other.slice(0, -1)) as Record<string | number, unknown>)[other[other.length - 1]!] = a;
          } catch {
            /* the other node was inside this one */
          }
          return v;
        }
      }
      return v;
    }),
  );

/** Object or its JSON text, with text-level mutations too (the verifiers accept text). */
const docMut: fc.Arbitrary<Fn<unknown>> = fc.oneof(
  { weight: 5, arbitrary: jsonMut },
  { weight: 1, arbitrary: strMut.map((f) => named<unknown>(`text:${f}`, (v: unknown) => f(JSON.stringify(v)))) },
  { weight: 1, arbitrary: fc.tuple(jsonMut, jsonMut).map(([a, b]) => named<unknown>(`${a} then ${b}`, (v: unknown) => b(a(v)))) },
);

/** Key order scrambled (semantically identical for JSON readers). */
function shuffleKeys(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, seed + 1));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v).sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7) || (seed % 2 ? a.localeCompare(b) : b.localeCompare(a)));
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys((v as Record<string, unknown>)[k], seed + 1)]));
}

/** The only errors a parser may throw: its own, never a TypeError/RangeError from a bad assumption. */
function expectedError(e: unknown, ...types: (new (...a: never[]) => Error)[]): void {
  if (types.length ? types.some((t) => e instanceof t) : e instanceof Error && !(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError)) return;
  throw new Error(`unexpected ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

const same = (a: unknown, b: unknown) => canonicalize(a as object) === canonicalize(b as object);

// ---------------------------------------------------------------------------------------------
// 1. ledger receipts and order receipts from a running world

const [sqlite] = backends();
describe('receipts from a running world', () => {
  let w: World;
  let vkey: string;
  let origin: string;
  const ledgerReceipts: unknown[] = [];
  let orderReceipt: Record<string, unknown>;
  const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });

  beforeAll(async () => {
    w = await startWorld(sqlite!);
    vkey = w.app.verifierKey;
    const m = await w.app.catalog.createMerchant('system', { name: 'Fuzz Tea', commissionBps: 500 });
    const staff = await w.user('merchant_staff', { merchantId: m.id });
    const loc = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId: m.id }, { name: 'WH', code: 'WH1' })).id;
    const p = await w.app.catalog.createProduct(m.id, 'system', { title: 'Fuzz teapot', description: 'clay', status: 'active', variants: [{ sku: 'FZ-1', title: 'Std', priceMinor: 4990 }] });
    const variantId = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId, locationId: loc, onHand: 5 });
    const b = await w.user('buyer');
    await w.fund(b.userId, 100_000n);
    const chk = expectOk(await b.call('POST', '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', city: 'Shanghai', line1: '1 Century Avenue' } }, key()), 201);
    const orderId = chk.orders[0].id as string;
    expect((await staff.call('POST', `/api/orders/${orderId}/accept`, {}, key())).statusCode).toBe(200);
    orderReceipt = expectOk(await b.call('GET', `/api/orders/${orderId}/receipt`));
    expect(verifyOrderReceipt(orderReceipt, vkey).ok).toBe(true);
    const steps = orderReceipt.steps as { receipt: { leafIndex: number; treeSize: number; checkpoint: string } }[];
    const size = steps[steps.length - 1]!.receipt.treeSize;
    for (const idx of [0, Math.floor(size / 2), size - 1]) {
      const r = expectOk(await w.anon('GET', `/api/ledger/entries/${idx}/receipt`));
      expect(verifyReceipt(r, vkey).ok).toBe(true);
      ledgerReceipts.push(r);
    }
    origin = openCheckpoint(steps[0]!.receipt.checkpoint, vkey).origin;
  });
  afterAll(async () => {
    await w?.checkInvariants();
    await w?.close();
  });

  /** What a ledger receipt commits to: entry, position, proof and the signed checkpoint body. */
  function receiptContent(r: unknown) {
    const p = parseReceipt(r);
    return { entry: p.entry, leafIndex: p.leafIndex, treeSize: p.treeSize, proof: p.inclusionProof, body: openNote(p.checkpoint, vkey).body };
  }

  it('verifyReceipt: never throws, never accepts a mutated receipt that commits to anything else', () => {
    const originals = ledgerReceipts.map(receiptContent);
    let accepted = 0;
    fc.assert(
      fc.property(fc.nat(), docMut, fc.boolean(), (which, mut, withOrigin) => {
        const orig = ledgerReceipts[which % ledgerReceipts.length]!;
        const m = mut(orig);
        const v = verifyReceipt(m, vkey, withOrigin ? { origin } : {});
        expect(v.checks.map((c) => c.name)).toEqual(['format', 'checkpoint-signature', 'checkpoint-format', 'tree-size', 'entry-hash', 'inclusion-proof']);
        expect(v.ok).toBe(v.checks.every((c) => c.ok));
        tally('verifyReceipt', v.ok);
        if (v.ok) {
          accepted++;
          expect(receiptContent(m)).toEqual(originals[which % ledgerReceipts.length]);
        }
      }),
      runs(RUNS * 2),
    );
    // Reordering keys and re-serialising is the same receipt.
    for (const r of ledgerReceipts) expect(verifyReceipt(JSON.stringify(shuffleKeys(r, 3)), vkey).ok).toBe(true);
    expect(accepted).toBeLessThan(RUNS * 2);
  });

  it('verifyReceipt: a receipt with the checkpoint note mutated verifies only if its signed body is unchanged', () => {
    fc.assert(
      fc.property(fc.nat(), strMut, (which, mut) => {
        const orig = ledgerReceipts[which % ledgerReceipts.length] as { checkpoint: string };
        const m = { ...orig, checkpoint: mut(orig.checkpoint) };
        const v = verifyReceipt(m, vkey, { origin });
        tally('verifyReceipt (checkpoint text)', v.ok);
        if (v.ok) expect(openNote(m.checkpoint, vkey).body).toBe(openNote(orig.checkpoint, vkey).body);
      }),
      runs(),
    );
  });

  /**
   * What an order receipt commits to; steps as a set (a receipt may leave steps out). A step's `seq`
   * is a database label that no entry holds, so it is not content: changing it still verifies.
   */
  function orderContent(r: unknown) {
    const o = (typeof r === 'string' ? JSON.parse(r) : r) as Record<string, unknown>;
    const steps = (o.steps as { kind: string; receipt: unknown }[]).map((s) => canonicalize({ kind: s.kind, r: receiptContent(s.receipt) })!);
    return {
      head: canonicalize({ orderId: o.orderId, number: o.number, commitment: o.commitment, salt: o.salt, document: o.document, address: o.shippingAddress ?? null, addressSalt: o.addressSalt ?? null }),
      steps,
    };
  }

  it('verifyOrderReceipt: never throws, never accepts a mutated document, commitment or step', () => {
    const orig = orderContent(orderReceipt);
    const erased = { ...orderReceipt };
    delete erased.shippingAddress;
    delete erased.addressSalt;
    const origErased = orderContent(erased);
    fc.assert(
      fc.property(docMut, (mut) => {
        const m = mut(orderReceipt);
        const v = verifyOrderReceipt(m, vkey, { origin });
        expect(v.ok).toBe(v.checks.every((c) => c.ok));
        tally('verifyOrderReceipt', v.ok);
        if (v.ok) {
          const got = orderContent(m);
          expect([orig.head, origErased.head]).toContain(got.head);
          for (const s of got.steps) expect(orig.steps).toContain(s);
        }
      }),
      runs(RUNS * 2),
    );
    expect(verifyOrderReceipt(JSON.stringify(shuffleKeys(orderReceipt, 5)), vkey).ok).toBe(true);
  });

  it('verifyRemote over tlog-tiles: a mutated checkpoint, tile or entry bundle never audits as ok', async () => {
    const served = new Map<string, Uint8Array>();
    const base = 'http://log.test/log/';
    const realFetch = async (url: string): Promise<{ status: number; body: Uint8Array }> => {
      const path = new URL(url).pathname;
      const res = await w.anon('GET', path);
      return { status: res.statusCode, body: new Uint8Array(res.rawPayload) };
    };
    const cp = await realFetch(`${base}checkpoint`);
    const size = parseCheckpoint(openNote(Buffer.from(cp.body).toString('utf8'), vkey).body).size;
    const paths = ['checkpoint', formatTilePath({ kind: 'hash', level: 0, index: 0, width: Math.min(256, size) }), formatTilePath({ kind: 'entries', index: 0, width: Math.min(256, size) })];
    for (const p of paths) served.set(p, (await realFetch(base + p)).body);
    const fakeFetch = (target: string, body: Uint8Array) =>
      (async (u: URL | string) => {
        const p = new URL(String(u)).pathname.replace(/^\/log\//, '');
        if (p === target) return new Response(new Uint8Array(body), { status: 200 });
        const hit = served.get(p);
        if (hit) return new Response(new Uint8Array(hit), { status: 200 });
        const r = await realFetch(String(u));
        return new Response(new Uint8Array(r.body), { status: r.status });
      }) as typeof fetch;
    const clean = await verifyRemote({ url: base, vkey, fetch: fakeFetch('none', new Uint8Array()) });
    expect(clean.ok).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), byteMut, async (target, mut) => {
        const orig = served.get(target)!;
        const body = mut(orig);
        let report;
        try {
          report = await verifyRemote({ url: base, vkey, fetch: fakeFetch(target, body) });
        } catch (e) {
          tally('verifyRemote', false);
          return expectedError(e);
        }
        tally('verifyRemote', report.ok);
        if (report.ok) {
          // Only what is not hashed may differ: the checkpoint's signature lines, bytes past the tree.
          if (target === 'checkpoint') expect(openNote(Buffer.from(body).toString('utf8'), vkey).body).toBe(openNote(Buffer.from(orig).toString('utf8'), vkey).body);
          else expect(Buffer.from(body.subarray(0, orig.length)).equals(Buffer.from(orig))).toBe(true);
        }
      }),
      runs(Math.ceil(RUNS / 3)),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. tiles, checkpoints, notes, Merkle proofs

describe('tiles, checkpoints and proofs', () => {
  const ORIGIN = 'fuzz.example/log';
  const log = signerFromKey(generateSignerKey(ORIGIN));
  const other = signerFromKey(generateSignerKey('fuzz.example/other'));
  const leaves = Array.from({ length: 41 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));

  it('parseTilePath: never throws; whatever it accepts is canonical (formats back to the same text)', () => {
    const valid = fc
      .oneof(
        fc.record({ kind: fc.constant('hash' as const), level: fc.integer({ min: 0, max: 63 }), index: fc.maxSafeNat(), width: fc.integer({ min: 1, max: 256 }) }),
        fc.record({ kind: fc.constant('entries' as const), index: fc.maxSafeNat(), width: fc.integer({ min: 1, max: 256 }) }),
      )
      .map((t) => formatTilePath(t));
    fc.assert(
      fc.property(valid, strMut, (path, mut) => {
        const m = mut(path);
        const t = parseTilePath(m);
        tally('parseTilePath', t !== null);
        if (t) expect(formatTilePath(t)).toBe(m);
      }),
      runs(RUNS * 2),
    );
  });

  it('decodeBundle: throws only Error on bad input, and decoding is one-to-one (no two byte strings decode alike)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), byteMut, (entries, mut) => {
        const m = mut(encodeBundle(entries));
        let out: Uint8Array[];
        try {
          out = decodeBundle(m);
        } catch (e) {
          tally('decodeBundle', false);
          return expectedError(e);
        }
        tally('decodeBundle', true);
        expect(Buffer.from(encodeBundle(out)).equals(Buffer.from(m))).toBe(true);
      }),
      runs(),
    );
  });

  const body = formatCheckpoint({ origin: ORIGIN, size: 41, rootHash: rootHash(leaves) });
  const note = signNote(body, log, other);

  it('openCheckpoint / openNote / parseCheckpoint: only their own errors, and only an unchanged body opens', () => {
    fc.assert(
      fc.property(strMut, fc.boolean(), (mut, asBytes) => {
        const m = mut(note);
        let cp;
        try {
          cp = openCheckpoint(asBytes ? Buffer.from(m, 'utf8') : m, log.verifierKey, ORIGIN);
        } catch (e) {
          tally('openCheckpoint', false);
          return expectedError(e);
        }
        tally('openCheckpoint', true);
        expect(cp.body).toBe(body);
        expect(formatCheckpoint(cp)).toBe(body);
      }),
      runs(RUNS * 2),
    );
    // The body parser alone: whatever it accepts formats back to the same text.
    fc.assert(
      fc.property(strMut, (mut) => {
        const m = mut(body);
        let cp;
        try {
          cp = parseCheckpoint(m);
        } catch (e) {
          tally('parseCheckpoint', false);
          return expectedError(e);
        }
        tally('parseCheckpoint', true);
        expect(formatCheckpoint(cp)).toBe(m);
      }),
      runs(),
    );
    // A mutated verifier key never opens the note (unless it is the same key).
    fc.assert(
      fc.property(strMut, (mut) => {
        const k = mut(log.verifierKey);
        try {
          openNote(note, k);
        } catch (e) {
          tally('openNote (mutated key)', false);
          return expectedError(e);
        }
        tally('openNote (mutated key)', true);
        expect(parseVerifierKey(k)).toEqual(parseVerifierKey(log.verifierKey)); // e.g. the key id's hex in upper case
      }),
      runs(),
    );
  });

  /** An independent tree: a mutation that also verifies there is the algorithm's shape, not a forgery. */
  const otherLeaves = Array.from({ length: 64 }, () => hashLeaf(randomBytes(8)));

  it('verifyInclusion: mutated proofs, leaves, roots, indexes and sizes never verify', () => {
    const flip = (h: Uint8Array, bit: number) => {
      const o = Uint8Array.from(h);
      o[bit >> 3]! ^= 1 << (bit & 7);
      return o;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        fc.oneof(
          fc.record({ op: fc.constantFrom('flip-proof', 'flip-leaf', 'flip-root'), i: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ op: fc.constantFrom('drop', 'dup', 'swap', 'reverse', 'truncate-hash', 'extend-hash', 'other-leaf'), i: fc.nat(), bit: fc.nat() }),
          fc.record({ op: fc.constantFrom('index', 'size'), i: fc.integer({ min: -70, max: 70 }), bit: fc.nat() }),
        ),
        ([size, index], m) => {
          const proof = inclusionProof(leaves, index, size);
          const root = rootHash(leaves.slice(0, size));
          let [leaf, idx, sz, pr, rt] = [leaves[index]!, index, size, proof.map((p) => p), root];
          const at = pr.length ? m.i % pr.length : 0;
          switch (m.op) {
            case 'flip-proof': if (pr.length) pr[at] = flip(pr[at]!, m.bit); else pr = [flip(leaf, m.bit)]; break;
            case 'flip-leaf': leaf = flip(leaf, m.bit); break;
            case 'flip-root': rt = flip(rt, m.bit); break;
            case 'drop': pr.splice(at, 1); if (!proof.length) pr = [leaf]; break;
            case 'dup': pr.splice(at, 0, pr[at] ?? leaf); break;
            case 'swap': if (pr.length > 1) [pr[0], pr[pr.length - 1]] = [pr[pr.length - 1]!, pr[0]!]; else pr = [root]; break;
            case 'reverse': pr.reverse(); if (pr.length < 2 || pr.every((p, i) => p === proof[i])) pr.push(root); break;
            case 'truncate-hash': if (pr.length) pr[at] = pr[at]!.slice(0, 31); else leaf = leaf.slice(0, 31); break;
            case 'extend-hash': if (pr.length) pr[at] = Uint8Array.from([...pr[at]!, 0]); else rt = Uint8Array.from([...rt, 0]); break;
            case 'other-leaf': leaf = leaves[(index + 1 + (m.i % 40)) % 41]!; if (leaf === leaves[index]) leaf = hashLeaf(Buffer.from('x')); break;
            case 'index': idx = index + (m.i || 1); break;
            case 'size': sz = size + (m.i || 1); break;
          }
          const ok = verifyInclusion(leaf, idx, sz, pr, rt);
          expect(typeof ok).toBe('boolean');
          tally('verifyInclusion', ok);
          if (ok) {
            // Only a change of index/size that the RFC 9162 algorithm cannot see (same left/right
            // path) may pass; that is bound by the signed checkpoint's size, and it passes for ANY tree.
            expect(['index', 'size']).toContain(m.op);
            const other = inclusionProof(otherLeaves, index, size);
            expect(verifyInclusion(otherLeaves[index]!, idx, sz, other, rootHash(otherLeaves.slice(0, size)))).toBe(true);
          }
        },
      ),
      runs(RUNS * 2),
    );
  });

  it('verifyConsistency: mutated proofs, roots and sizes never verify', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }).chain((s2) => fc.tuple(fc.integer({ min: 1, max: s2 }), fc.constant(s2))),
        fc.record({ op: fc.constantFrom('flip-proof', 'flip-root1', 'flip-root2', 'drop', 'dup', 'swap', 'size1', 'size2', 'swap-roots', 'append'), i: fc.integer({ min: -50, max: 50 }), bit: fc.integer({ min: 0, max: 255 }) }),
        ([s1, s2], m) => {
          const proof = consistencyProof(leaves, s1, s2);
          const r1 = rootHash(leaves.slice(0, s1));
          const r2 = rootHash(leaves.slice(0, s2));
          let [a, b, pr, x, y] = [s1, s2, proof.map((p) => p), r1, r2];
          const flip = (h: Uint8Array) => {
            const o = Uint8Array.from(h);
            o[m.bit >> 3]! ^= 1 << (m.bit & 7);
            return o;
          };
          const at = pr.length ? Math.abs(m.i) % pr.length : 0;
          switch (m.op) {
            case 'flip-proof': pr = pr.length ? pr.map((p, i) => (i === at ? flip(p) : p)) : [flip(r1)]; break;
            case 'flip-root1': x = flip(x); break;
            case 'flip-root2': y = flip(y); break;
            case 'drop': pr.length ? pr.splice(at, 1) : pr.push(r2); break;
            case 'dup': pr.splice(at, 0, pr[at] ?? r1); break;
            case 'swap': if (pr.length > 1) [pr[0], pr[pr.length - 1]] = [pr[pr.length - 1]!, pr[0]!]; else pr.push(r1); break;
            case 'append': pr.push(r2); break;
            case 'swap-roots': if (s1 !== s2) [x, y] = [y, x]; else y = flip(y); break;
            case 'size1': a = s1 + (m.i || 1); break;
            case 'size2': b = s2 + (m.i || 1); break;
          }
          const ok = verifyConsistency(a, b, pr, x, y);
          expect(typeof ok).toBe('boolean');
          tally('verifyConsistency', ok);
          if (ok) {
            expect(['size1', 'size2']).toContain(m.op);
            const op = consistencyProof(otherLeaves, s1, s2);
            expect(verifyConsistency(a, b, op, rootHash(otherLeaves.slice(0, s1)), rootHash(otherLeaves.slice(0, s2)))).toBe(true);
          }
        },
      ),
      runs(RUNS * 2),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. witness cosignatures

describe('witness cosignatures', () => {
  const ORIGIN = 'fuzz.example/log';
  const log = signerFromKey(generateSignerKey(ORIGIN));
  const w1 = cosignerFromKey(generateCosignerKey('witness.example/w1'));
  const w2 = cosignerFromKey(generateCosignerKey('witness.example/w2'));
  const w3 = cosignerFromKey(generateCosignerKey('witness.example/w3'));
  const body = formatCheckpoint({ origin: ORIGIN, size: 7, rootHash: new Uint8Array(32).fill(9) });
  const note = signNote(body, log) + w1.cosign(body, 1_700_000_000) + w2.cosign(body, 1_700_000_100);
  const keys = [w1.verifierKey, w2.verifierKey, w3.verifierKey];
  const original = verifyCosigned(note, log.verifierKey, keys, 2).cosignatures;
  const lines = note.split('\n');

  /** Cosignature-aware mutations: the timestamp inside a signature, names, duplicated / moved lines. */
  const noteMut: fc.Arbitrary<Fn<string>> = fc.oneof(
    { weight: 3, arbitrary: strMut },
    fc.record({ op: fc.constant('time'), line: fc.nat(), byte: fc.integer({ min: 4, max: 11 }), x: fc.integer({ min: 1, max: 255 }) }).map((m) =>
      named(m, (s: string) => {
        const l = s.split('\n');
        const sigs = l.map((x, i) => [x, i] as const).filter(([x]) => x.startsWith('\u2014 '));
        const [line, i] = sigs[m.line % sigs.length]!;
        const [dash, name, b64] = line.split(' ');
        const raw = Buffer.from(b64!, 'base64');
        if (raw.length > m.byte) raw[m.byte]! ^= m.x;
        l[i] = `${dash} ${name} ${raw.toString('base64')}`;
        return l.join('\n');
      }),
    ),
    fc.record({ op: fc.constant('rename'), line: fc.nat(), to: fc.constantFrom(ORIGIN, 'witness.example/w1', 'witness.example/w2', 'witness.example/w3') }).map((m) =>
      named(m, (s: string) => {
        const l = s.split('\n');
        const sigs = l.map((x, i) => [x, i] as const).filter(([x]) => x.startsWith('\u2014 '));
        const [line, i] = sigs[m.line % sigs.length]!;
        const [dash, , b64] = line.split(' ');
        l[i] = `${dash} ${m.to} ${b64}`;
        return l.join('\n');
      }),
    ),
    fc.record({ op: fc.constant('copy-sig'), from: fc.nat(), to: fc.nat() }).map((m) =>
      named(m, (s: string) => {
        const l = s.split('\n');
        const sigs = l.map((x, i) => [x, i] as const).filter(([x]) => x.startsWith('\u2014 '));
        const [line] = sigs[m.from % sigs.length]!;
        const [, i] = sigs[m.to % sigs.length]!;
        l.splice(i, 0, line);
        return l.join('\n');
      }),
    ),
    fc.record({ op: fc.constant('other-body-sig'), line: fc.nat() }).map((m) =>
      named(m, (s: string) => {
        // A valid cosignature of a different checkpoint, spliced in.
        const other = formatCheckpoint({ origin: ORIGIN, size: 8, rootHash: new Uint8Array(32).fill(9) });
        const l = s.split('\n');
        l.splice(lines.length - 1 - (m.line % 2), 0, w3.cosign(other, 1_700_000_000).trimEnd());
        return l.join('\n');
      }),
    ),
  );

  it('verifyCosigned / verifyCosignatures: only Error, and only genuine cosignatures of the unchanged body', () => {
    fc.assert(
      fc.property(noteMut, fc.integer({ min: 1, max: 3 }), (mut, k) => {
        const m = mut(note);
        let got;
        try {
          got = verifyCosigned(m, log.verifierKey, keys, k);
        } catch (e) {
          tally('verifyCosigned', false);
          return expectedError(e);
        }
        tally('verifyCosigned', true);
        expect(got.body).toBe(body);
        for (const c of got.cosignatures) expect(original).toContainEqual(c);
        expect(got.cosignatures.length).toBeGreaterThanOrEqual(k);
      }),
      runs(RUNS * 2),
    );
    fc.assert(
      fc.property(noteMut, strMut, (mut, bodyMut) => {
        // Checked against a mutated body: nothing verifies unless the body is unchanged.
        const b = bodyMut(body);
        try {
          const got = verifyCosignatures(mut(note), b, keys);
          tally('verifyCosignatures', got.length > 0);
          if (got.length) expect(b).toBe(body);
        } catch (e) {
          tally('verifyCosignatures', false);
          expectedError(e);
        }
      }),
      runs(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 4. payment callback verifiers

describe('payment callbacks', () => {
  const now = new Date('2026-11-26T02:00:00Z');
  const nowS = Math.floor(now.getTime() / 1000);
  const rsa = () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(), priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  };
  const alipayKeys = rsa();
  const wechatKeys = rsa();

  const headerMut: fc.Arbitrary<Fn<RawCallback['headers']>> = fc.oneof(
    fc.record({ op: fc.constant('value'), which: fc.nat(), smut: strMut }).map((m) =>
      named(m, (h: RawCallback['headers']) => {
        const ks = Object.keys(h);
        const k = ks[m.which % ks.length]!;
        return { ...h, [k]: m.smut(String(h[k])) };
      }),
    ),
    fc.record({ op: fc.constantFrom('drop', 'array', 'array2', 'upper', 'empty'), which: fc.nat() }).map((m) =>
      named(m, (h: RawCallback['headers']) => {
        const ks = Object.keys(h);
        const k = ks[m.which % ks.length]!;
        const o = { ...h };
        if (m.op === 'drop') delete o[k];
        if (m.op === 'array') o[k] = [String(h[k])];
        if (m.op === 'array2') o[k] = [String(h[k]), String(h[k])];
        if (m.op === 'empty') o[k] = '';
        if (m.op === 'upper') {
          delete o[k];
          o[k.toUpperCase()] = h[k];
        }
        return o;
      }),
    ),
    fc.record({ op: fc.constant('timestamp'), which: fc.nat(), delta: fc.constantFrom(-1, 1, -301, 301, 86_400, -nowS, 1e12) }).map((m) =>
      named(m, (h: RawCallback['headers']) => {
        const o = { ...h };
        for (const k of Object.keys(o)) {
          const v = String(o[k]);
          o[k] = v.replace(/(^|[=,\s])(\d{9,12})(?=$|[,\s])/, (_x, pre: string, t: string) => `${pre}${Math.max(0, Number(t) + m.delta)}`);
        }
        return o;
      }),
    ),
  );
  /** A mutation of the body, or of the headers, or both. */
  const callbackMut = fc.oneof(
    byteMut.map((f) => named(`body:${f}`, (r: RawCallback): RawCallback => ({ headers: r.headers, body: Buffer.from(f(r.body)) }))),
    headerMut.map((f) => named(`headers:${f}`, (r: RawCallback): RawCallback => ({ headers: f(r.headers), body: r.body }))),
    fc.tuple(byteMut, headerMut).map(([b, h]) => named(`both:${b};${h}`, (r: RawCallback): RawCallback => ({ headers: h(r.headers), body: Buffer.from(b(r.body)) }))),
  );

  /** Runs a verifier on mutated callbacks: CallbackRejected only; accepted only if `content` is unchanged. */
  function fuzz(name: string, make: () => RawCallback, verify: (r: RawCallback) => unknown, content: (r: RawCallback) => unknown, extra: fc.Arbitrary<Fn<RawCallback>>[] = [], reject: (new (...a: never[]) => Error)[] = [CallbackRejected]) {
    const orig = make();
    expect(verify(orig)).toBeTruthy();
    const want = content(orig);
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(callbackMut, ...extra), (mut) => {
        const m = mut(make());
        try {
          verify(m);
        } catch (e) {
          tally(name, false);
          return expectedError(e, ...reject);
        }
        tally(name, true);
        accepted++;
        expect(content(m)).toEqual(want);
      }),
      runs(RUNS * 2),
    );
    return accepted;
  }

  const stripeT = (h: RawCallback['headers']) => {
    const v = providerHeader({ headers: h, body: Buffer.alloc(0) }, 'stripe-signature')!;
    return Number(/(?:^|,)\s*t\s*=\s*(\d+)\s*(?:,|$)/.exec(v)![1]);
  };

  it('Stripe: mutated body, signature header or timestamp is never accepted', () => {
    const secret = 'whsec_fuzz_0123456789';
    const make = (): RawCallback => {
      const body = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded', livemode: false, created: nowS, data: { object: { id: 'pi_1', amount: 4990, amount_received: 4990, currency: 'cny', metadata: { payment_id: 'pay_1' } } } });
      return { headers: { 'stripe-signature': `t=${nowS},v1=${stripeSignature(secret, nowS, body)},v0=${'0'.repeat(64)}`, 'content-type': 'application/json' }, body: Buffer.from(body) };
    };
    fuzz('Stripe', make, (r) => verifyStripeNotification(r, { secrets: [secret, 'whsec_other'], now, livemode: false }), (r) => ({ body: r.body.toString('hex'), t: stripeT(r.headers) }));
  });

  it('Alipay RSA2: mutated form fields, values, encoding, sign or sign_type are never accepted', () => {
    const appId = '2021000000000001';
    const params: Record<string, string> = {
      app_id: appId, charset: 'utf-8', notify_id: 'nid-1', notify_time: '2026-11-26 10:00:00', notify_type: 'trade_status_sync',
      out_trade_no: 'pay_1', seller_id: '2088102119685838', subject: '茶壶 teapot', total_amount: '49.90', trade_no: '2026112622001', trade_status: 'TRADE_SUCCESS',
      gmt_payment: '2026-11-26 09:59:59', version: '1.0', sign_type: 'RSA2',
    };
    params.sign = alipaySign(params, alipayKeys.priv, 'notify');
    // A lone surrogate cannot be %-encoded: send it as raw (invalid) bytes instead.
    const enc = (x: string) => {
      try {
        return encodeURIComponent(x);
      } catch {
        return x;
      }
    };
    const form = (p: Record<string, string>, order = Object.keys(p)) => order.map((k) => `${enc(k)}=${enc(p[k]!)}`).join('&');
    const make = (): RawCallback => ({ headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(form(params)) });
    const paramMut = fc
      .record({ op: fc.constantFrom('value', 'drop', 'dup', 'rename', 'reorder', 'pct', 'empty-extra', 'sign_type', 'plus'), which: fc.nat(), smut: strMut })
      .map((m) =>
        named(m, (_r: RawCallback): RawCallback => {
          const p = { ...params };
          const ks = Object.keys(p);
          const k = ks[m.which % ks.length]!;
          let text: string;
          if (m.op === 'value') p[k] = m.smut(p[k]!);
          if (m.op === 'drop') delete p[k];
          if (m.op === 'rename') {
            p[`${k}_`] = p[k]!;
            delete p[k];
          }
          if (m.op === 'sign_type') p.sign_type = ['RSA', 'rsa2', 'RSA2 ', ''][m.which % 4]!;
          if (m.op === 'empty-extra') p.extra_field = '';
          if (m.op === 'dup') text = `${form(p)}&${enc(k)}=${enc(p[k] ?? '')}`;
          else if (m.op === 'reorder') text = form(p, [...ks].reverse());
          else if (m.op === 'pct') text = form(p).replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
          else if (m.op === 'plus') text = form(p).replace('%20', '+');
          else text = form(p);
          return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(text) };
        }),
      );
    const accepted = fuzz(
      'Alipay',
      make,
      (r) => verifyAlipayNotification(r, { alipayPublicKeyPem: alipayKeys.pub, appId }),
      (r) => alipaySignContent({ ...parseAlipayForm(r.body) }, 'notify'),
      [paramMut],
    );
    expect(accepted).toBeGreaterThan(0); // the semantically identical ones (reordered, %-encoded) do pass
  });

  it('WeChat Pay v3: mutated body, Wechatpay-* headers, ciphertext or timestamp are never accepted', () => {
    const apiV3Key = 'abcdefghijklmnopqrstuvwxyz012345';
    const serial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
    const resource = { mchid: '1230000109', appid: 'wxd678efh567hg6787', out_trade_no: 'pay_1', transaction_id: '4200001', trade_state: 'SUCCESS', success_time: '2026-11-26T10:00:09+08:00', amount: { total: 4990, currency: 'CNY' } };
    const signed = (body: string, ts = String(nowS), nonce = 'c5ac7061fccab6bf3e254dcf98995b8c'): RawCallback => ({
      headers: {
        'wechatpay-serial': serial, 'wechatpay-timestamp': ts, 'wechatpay-nonce': nonce,
        'wechatpay-signature': createSign('RSA-SHA256').update(wechatResponseMessage(ts, nonce, body)).sign(wechatKeys.priv, 'base64'),
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
      body: Buffer.from(body),
    });
    const bodyOf = (ct: string, nonce = 'fdasflkja484', aad = 'transaction') =>
      JSON.stringify({ id: 'EV-1', create_time: '2026-11-26T10:00:10+08:00', resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext: ct, associated_data: aad, nonce } });
    const ct = wechatEncryptResource(apiV3Key, 'fdasflkja484', 'transaction', JSON.stringify(resource));
    const make = () => signed(bodyOf(ct));
    // Re-signed by the platform but with the encrypted resource tampered: the AEAD must catch it.
    const resourceMut = fc.record({ op: fc.constantFrom('ct', 'nonce', 'aad'), b: byteMut, smut: strMut }).map((m) =>
      named(m, (_r: RawCallback): RawCallback => {
        if (m.op === 'ct') return signed(bodyOf(Buffer.from(m.b(Buffer.from(ct, 'base64'))).toString('base64')));
        if (m.op === 'nonce') return signed(bodyOf(ct, m.smut('fdasflkja484')));
        return signed(bodyOf(ct, undefined, m.smut('transaction')));
      }),
    );
    const cfg = { platformKeys: { [serial]: wechatKeys.pub, OTHER: alipayKeys.pub }, apiV3Key, now, mchId: '1230000109' };
    const content = (r: RawCallback) => {
      const h = (n: string) => providerHeader(r, n);
      return { body: r.body.toString('hex'), ts: h('wechatpay-timestamp'), nonce: h('wechatpay-nonce'), serial: h('wechatpay-serial') };
    };
    fuzz('WeChat Pay', make, (r) => verifyWechatPayNotification(r, cfg), content, [resourceMut]);
  });

  it('sandbox gateway: Sandbox-Signature mutations never verify (signature.ts and the provider adapter)', () => {
    const secret = 'sandbox-signing-secret';
    const make = (): RawCallback => {
      const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { paymentId: 'pay_1', providerTxnId: 'sbx_1', amountMinor: '4990', currency: 'CNY' } });
      return { headers: { 'sandbox-signature': sandboxSignatureHeader(secret, body, now), 'sandbox-event-id': 'evt_1' }, body: Buffer.from(body) };
    };
    const sigT = (h: RawCallback['headers']) => Number(/(?:^|,)\s*t\s*=\s*(\d+)\s*(?:,|$)/.exec(String(Array.isArray(h['sandbox-signature']) ? h['sandbox-signature'][0] : h['sandbox-signature']))![1]);
    const content = (r: RawCallback) => ({ body: r.body.toString('hex'), t: sigT(r.headers) });
    // As the adapter reads it: one value of the header (its first when repeated).
    const sig = (r: RawCallback) => [r.headers['sandbox-signature']].flat()[0];
    fuzz('verifySandboxSignature', make, (r) => (verifySandboxSignature(sig(r), r.body, secret, { now }), true), content, [], [SandboxSignatureError]);
    const provider = sandboxProvider({ baseUrl: 'http://127.0.0.1:9', keyId: 'k', secret: 's', signingSecret: secret });
    fuzz('sandbox provider', make, (r) => provider.verify(r, now), content);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. draws

describe('lucky draw verification', () => {
  const seed = randomBytes(32);
  const root = randomBytes(32);
  const N = 200;
  const entries = Array.from({ length: N }, (_, i) => ({ entryNo: i + 1, entrant: `usr-${i.toString(36)}` }));
  const id = 'drw-fuzz-1';
  const winners = drawWinners({ seedHex: seed.toString('hex'), rootHex: root.toString('hex'), drawId: id, entries: N, prizes: 3 });
  const d: DrawPublicData = {
    id,
    prizes: [{ title: 'Teapot' }, { title: 'Cup' }, { title: 'Tea' }],
    commitment: { seedHash: seedCommitment(seed) },
    closed: { rootHash: bytesToHex(root), entryCount: N, entriesHash: entriesHash(entries) },
    reveal: { seed: seed.toString('hex'), winners: winners.map((n, i) => ({ prize: i, entryNo: n, entrant: entries[n - 1]!.entrant })) },
  };
  /** What the draw's verdict stands for; prizes count by number only (their content is not committed). */
  const content = (x: { d: DrawPublicData; entries: { entryNo: number; entrant: string }[] }) => ({
    id: x.d.id,
    prizes: x.d.prizes.length,
    seedHash: x.d.commitment.seedHash,
    closed: { root: x.d.closed!.rootHash.toLowerCase(), n: x.d.closed!.entryCount, h: x.d.closed!.entriesHash },
    reveal: { seed: x.d.reveal!.seed, winners: x.d.reveal!.winners.map((w) => [w.prize, w.entryNo, w.entrant]) },
    entries: x.entries.map((e) => [e.entryNo, e.entrant]),
  });

  it('verifyDraw: never throws on mutated public data; a mutated seed, root, entry list or winner never matches', () => {
    expect(verifyDraw(d, entries).ok).toBe(true);
    const want = content({ d, entries });
    fc.assert(
      // The entry list has most of the nodes: aim at the draw record as often as at the whole.
      fc.property(fc.boolean(), jsonMut, (drawOnly, mut) => {
        const m = (drawOnly ? { d: mut(d), entries } : mut({ d, entries })) as { d: DrawPublicData; entries: { entryNo: number; entrant: string }[] };
        // Public data comes as JSON from a server that may lie: whatever its shape, a verdict.
        const v = verifyDraw(m?.d, m?.entries);
        expect(v.ok).toBe(v.checks.every((c) => c.ok));
        tally('verifyDraw', v.ok);
        if (v.ok) expect(same(content(m), want)).toBe(true);
      }),
      runs(RUNS * 3),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Standard Webhooks

describe('Standard Webhooks signatures', () => {
  const secret = newWebhookSecret();
  const now = new Date('2026-11-26T02:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ type: 'order.shipped', data: { orderId: 'ord_1' } });
  const headers = { 'webhook-id': 'msg_2Lh9', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${randomBytes(32).toString('base64')} ${signWebhook(secret, 'msg_2Lh9', ts, body)}` };

  it('verifyWebhook: never throws on hostile headers or bodies; a mutated id, timestamp, body or signature never verifies', () => {
    expect(verifyWebhook(secret, headers, body, 300, now)).toBe(true);
    const h = (x: Record<string, unknown>, n: string) => {
      const v = x[n] ?? Object.entries(x).find(([k]) => k.toLowerCase() === n)?.[1];
      return Array.isArray(v) ? v[0] : v;
    };
    const wantContent = { id: 'msg_2Lh9', t: ts, body };
    fc.assert(
      fc.property(
        fc.oneof(
          strMut.map((f) => named(`body:${f}`, (x: { h: Record<string, unknown>; b: string }) => ({ h: x.h, b: f(x.b) }))),
          fc.record({ k: fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature'), f: strMut }).map((m) =>
            named(m, (x: { h: Record<string, unknown>; b: string }) => ({ h: { ...x.h, [m.k]: m.f(String(x.h[m.k])) }, b: x.b })),
          ),
          fc.record({ k: fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature'), v: fc.constantFrom<unknown>(undefined, '', [], ['a', 'b'], 'v1,', 'v1,====', ' ', `${ts}.5`, '0'.repeat(12)) }).map((m) =>
            named(m, (x: { h: Record<string, unknown>; b: string }) => ({ h: { ...x.h, [m.k]: m.v }, b: x.b })),
          ),
          fc.boolean().map((bytes) => named({ bytes }, (x: { h: Record<string, unknown>; b: string }) => ({ h: x.h, b: bytes ? Buffer.from(x.b).subarray(0, -1).toString() : x.b }))),
        ),
        (mut) => {
          const m = mut({ h: headers, b: body });
          const ok = verifyWebhook(secret, m.h as Record<string, string>, m.b, 300, now);
          expect(typeof ok).toBe('boolean');
          tally('verifyWebhook', ok);
          if (ok) expect({ id: h(m.h, 'webhook-id'), t: Number(h(m.h, 'webhook-timestamp')), body: m.b }).toEqual(wantContent);
        },
      ),
      runs(RUNS * 2),
    );
  });
});
