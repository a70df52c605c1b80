// Games through the HTTP API on SQLite and PostgreSQL: the daily check-in (once per day, streaks,
// exactly one grant under concurrency) and provably fair lucky draws (commitment before entries,
// points spent on entries, close on a signed checkpoint, refused bad reveals, winners anyone can
// recompute from the public data, prizes awarded once, and the CLI verifier).
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEntry } from '../src/ledger/index.ts';
import { drawWinners } from '../src/games/index.ts';
import { drawVerify } from '../src/cli/draw.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const MIN = 60_000;

/** The winners from the public data only, written from the published algorithm with node:crypto. */
function independentWinners(seedHex: string, rootHex: string, drawId: string, n: number, prizes: number): number[] {
  const prefix = Buffer.concat([Buffer.from('chainmall-draw-v1'), Buffer.from([0]), Buffer.from(seedHex, 'hex'), Buffer.from(rootHex, 'hex'), Buffer.from(drawId)]);
  let counter = 0n;
  const words: number[] = [];
  const word = () => {
    if (words.length === 0) {
      const c = Buffer.alloc(8);
      c.writeBigUInt64BE(counter++);
      const h = createHash('sha256').update(prefix).update(c).digest();
      for (let i = 0; i < 8; i++) words.push(h.readUInt32BE(i * 4));
    }
    return words.shift()!;
  };
  const uniform = (m: number) => {
    const limit = 2 ** 32 - (2 ** 32 % m);
    for (;;) {
      const x = word();
      if (x < limit) return x % m;
    }
  };
  const a = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = 0; i < Math.min(n, prizes); i++) {
    const j = i + uniform(n - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, Math.min(n, prizes));
}

describe.each(backends())('games on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let now = Date.parse('2026-11-26T04:00:00Z');
  let url: string;

  beforeAll(async () => {
    w = await startWorld(backend, { port: 0, host: '127.0.0.1' });
    w.app.games.clock = () => new Date(now);
    admin = await w.user('admin');
    url = await w.app.listen();
  });
  afterAll(async () => w?.close());
  afterEach(async () => w.checkInvariants());

  const points = async (b: Caller) => BigInt(expectOk(await b.call('GET', '/api/me/points')).points);
  async function buyerWith(pts: number): Promise<Caller> {
    const b = await w.user('buyer');
    if (pts > 0) {
      await w.app.db.kysely.transaction().execute((trx) =>
        w.app.points.grant(trx, { userId: b.userId, points: BigInt(pts), ref: `test:${b.userId}`, code: 'test_grant', at: new Date(now) }));
    }
    return b;
  }
  const receiptEntry = async (idx: number) => {
    const r = expectOk(await w.anon('GET', `/api/ledger/entries/${idx}/receipt`));
    return parseEntry(new Uint8Array(Buffer.from(r.entry, 'base64')));
  };
  async function allEntries(id: string): Promise<{ entryNo: number; entrant: string; ledgerIndex: number | null }[]> {
    const out = [];
    let cursor: string | null = null;
    do {
      const page: { items: { entryNo: number; entrant: string; ledgerIndex: number | null }[]; nextCursor: string | null } =
        expectOk(await w.anon('GET', `/api/draws/${id}/entries?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
  const newDraw = async (over: Record<string, unknown> = {}) =>
    expectOk(await admin.call('POST', '/api/admin/draws', {
      title: 'Winter draw', entryCostPoints: 10, maxEntriesPerUser: 2,
      prizes: [{ kind: 'points', points: 100 }, { kind: 'coupon', couponKind: 'fixed', amountMinor: '500', validDays: 30 }, { kind: 'points', points: 50 }],
      opensAt: new Date(now - MIN).toISOString(), closesAt: new Date(now + 60 * MIN).toISOString(), ...over,
    }), 201);

  describe('daily check-in', () => {
    it('once per day in Asia/Shanghai; the streak grows on consecutive days and resets after a gap', async () => {
      const b = await buyerWith(0);
      now = Date.parse('2026-11-26T15:59:00Z'); // 23:59 in Shanghai, 26 Nov
      expect(expectOk(await b.call('POST', '/api/games/checkin', {}, key()), 201)).toEqual({ day: '2026-11-26', streak: 1, points: 5 });
      expectProblem(await b.call('POST', '/api/games/checkin', {}, key()), 409, 'games.already_checked_in');
      let s = expectOk(await b.call('GET', '/api/games/checkin'));
      expect(s).toMatchObject({ today: '2026-11-26', timeZone: 'Asia/Shanghai', checkedInToday: true, streak: 1, nextReward: 5 });
      expect(s.schedule).toEqual([5, 5, 10, 10, 15, 20, 30].map((p, i) => ({ day: i + 1, points: p })));
      now = Date.parse('2026-11-26T16:01:00Z'); // 00:01 in Shanghai, 27 Nov: a new day, though still 26 Nov in UTC
      expect(expectOk(await b.call('POST', '/api/games/checkin', {}, key()), 201)).toEqual({ day: '2026-11-27', streak: 2, points: 5 });
      now += 86_400_000;
      expect(expectOk(await b.call('POST', '/api/games/checkin', {}, key()), 201)).toMatchObject({ streak: 3, points: 10 });
      now += 2 * 86_400_000; // a day missed
      s = expectOk(await b.call('GET', '/api/games/checkin'));
      expect(s).toMatchObject({ checkedInToday: false, streak: 0, nextReward: 5 });
      expect(s.recent.map((r: { streak: number }) => r.streak)).toEqual([3, 2, 1]);
      expect(expectOk(await b.call('POST', '/api/games/checkin', {}, key()), 201)).toMatchObject({ day: '2026-11-30', streak: 1, points: 5 });
      expect(await points(b)).toBe(25n);
      expectProblem(await admin.call('POST', '/api/games/checkin', {}, key()), 403);
      expectProblem(await b.call('POST', '/api/games/checkin', {}), 400);
    });

    it('grants exactly once under concurrent check-ins', async () => {
      const b = await buyerWith(0);
      const res = await Promise.all(Array.from({ length: 12 }, () => b.call('POST', '/api/games/checkin', {}, key())));
      const codes = res.map((r) => r.statusCode).sort();
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      expect(codes.filter((c) => c === 409)).toHaveLength(11);
      expect(await points(b)).toBe(5n);
      const lots = await w.app.db.kysely.selectFrom('points_lot').select('id').where('user_id', '=', b.userId).execute();
      expect(lots).toHaveLength(1);
    });
  });

  describe('lucky draw', () => {
    it('commits, takes entries for points, closes on a checkpoint, refuses a bad reveal, and reveals verifiable winners', async () => {
      now = Date.parse('2026-12-01T04:00:00Z');
      const d = await newDraw();
      expect(d).toMatchObject({ state: 'open', entryCount: 0, closed: null, reveal: null });
      expect(d.commitment.seedHash).toMatch(/^[0-9a-f]{64}$/);
      expect(d.algorithm).toMatch(/rejection sampling/);
      // The commitment is in the ledger before any entry.
      const committed = await receiptEntry(d.commitment.ledgerIndex);
      expect(committed).toMatchObject({ kind: 'draw.committed', subject: { draw: d.id }, data: { seedHash: d.commitment.seedHash, entryCostPoints: 10, closesAt: d.closesAt } });
      expect((committed.data['prizes'] as unknown[]).length).toBe(3);
      expect(JSON.stringify(expectOk(await w.anon('GET', `/api/draws/${d.id}`)))).not.toMatch(/"seed"/);

      const [a, b, c, poor] = await Promise.all([buyerWith(100), buyerWith(100), buyerWith(100), buyerWith(5)]);
      const k = key();
      const e1 = expectOk(await a!.call('POST', `/api/draws/${d.id}/entries`, {}, k), 201);
      // A retry with the same key replays: one entry, one spend.
      expect(expectOk(await a!.call('POST', `/api/draws/${d.id}/entries`, {}, k), 201)).toEqual(e1);
      expect(e1).toMatchObject({ entryNo: 1, pointsSpent: 10 });
      expect(e1.entrant).not.toContain(a!.userId);
      expectOk(await a!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 201);
      expectProblem(await a!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 409, 'draw.max_entries');
      expectOk(await b!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 201);
      expectOk(await c!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 201);
      expectProblem(await poor!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 409, 'points.insufficient');
      expectProblem(await a!.call('POST', `/api/draws/${d.id}/entries`, {}), 400);
      expect(await points(a!)).toBe(80n);
      expect(await points(b!)).toBe(90n);
      expect(await points(poor!)).toBe(5n);
      const mine = expectOk(await a!.call('GET', `/api/draws/${d.id}/me`));
      expect(mine.entries.map((e: { entryNo: number }) => e.entryNo)).toEqual([1, 2]);
      const entered = await receiptEntry((await allEntries(d.id))[0]!.ledgerIndex!);
      expect(entered).toMatchObject({ kind: 'draw.entered', data: { entryNo: 1, entrant: e1.entrant } });
      expect(JSON.stringify(entered)).not.toContain(a!.userId);

      expectProblem(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key()), 409, 'draw.not_closed');
      expectProblem(await admin.call('POST', `/api/admin/draws/${d.id}/close`, {}), 409, 'draw.not_due');
      now += 61 * MIN;
      expectProblem(await c!.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 409, 'draw.closed');
      const closed = expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/close`, {}));
      expect(closed.state).toBe('closed');
      expect(closed.closed).toMatchObject({ entryCount: 4, early: false });
      const entries = await allEntries(d.id);
      expect(entries.map((e) => e.entryNo)).toEqual([1, 2, 3, 4]);
      // The close checkpoint includes every entry.
      for (const e of entries) expect(e.ledgerIndex!).toBeLessThan(closed.closed.treeSize);
      const closedEntry = await receiptEntry(closed.closed.ledgerIndex);
      expect(closedEntry).toMatchObject({ kind: 'draw.closed', data: { rootHash: closed.closed.rootHash, treeSize: closed.closed.treeSize, entryCount: 4 } });
      const listHash = createHash('sha256').update(entries.map((e) => `${e.entryNo} ${e.entrant}\n`).join('')).digest('hex');
      expect(closed.closed.entriesHash).toBe(listHash);

      // A reveal whose seed does not open the commitment is refused, and changes nothing.
      expectProblem(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, { seed: randomBytes(32).toString('hex') }, key()), 422, 'draw.bad_reveal');
      expect(expectOk(await w.anon('GET', `/api/draws/${d.id}`)).state).toBe('closed');

      const revealed = expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key()));
      expect(revealed.state).toBe('revealed');
      const pub = expectOk(await w.anon('GET', `/api/draws/${d.id}`));
      const seed = pub.reveal.seed as string;
      expect(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex')).toBe(pub.commitment.seedHash);
      const served = pub.reveal.winners.map((x: { entryNo: number }) => x.entryNo);
      expect(served).toHaveLength(3);
      expect(drawWinners({ seedHex: seed, rootHex: pub.closed.rootHash, drawId: pub.id, entries: pub.closed.entryCount, prizes: pub.prizes.length })).toEqual(served);
      expect(independentWinners(seed, pub.closed.rootHash, pub.id, entries.length, pub.prizes.length)).toEqual(served);
      const revealEntry = await receiptEntry(pub.reveal.ledgerIndex);
      expect(revealEntry).toMatchObject({ kind: 'draw.revealed', data: { seed, winners: pub.reveal.winners } });

      // Prizes: points for prizes 0 and 2, a single-use coupon for prize 1, to whoever holds those entries.
      const holder = new Map([[1, a!], [2, a!], [3, b!], [4, c!]]);
      const expected = new Map<Caller, bigint>([[a!, 80n], [b!, 90n], [c!, 90n]]);
      expected.set(holder.get(served[0])!, expected.get(holder.get(served[0])!)! + 100n);
      expected.set(holder.get(served[2])!, expected.get(holder.get(served[2])!)! + 50n);
      for (const [who, pts] of expected) expect(await points(who)).toBe(pts);
      const couponWinner = holder.get(served[1])!;
      const won = expectOk(await couponWinner.call('GET', `/api/draws/${d.id}/me`)).prizes.find((p: { prize: number }) => p.prize === 1);
      expect(won).toMatchObject({ kind: 'coupon', awarded: true, entryNo: served[1] });
      const coupon = expectOk(await w.anon('GET', `/api/coupons/${won.couponCode}`));
      expect(coupon).toMatchObject({ kind: 'fixed', amountMinor: '500' });
      // The code is public (the ledger names coupons by code), so only its winner may use it.
      const stranger = [a!, b!, c!].find((x) => x !== couponWinner)!;
      await expect(w.app.db.kysely.transaction().execute((trx) => w.app.coupons.use(trx, won.couponCode, stranger.userId))).rejects.toMatchObject({ code: 'coupon.not_yours' });
      await w.app.db.kysely.transaction().execute((trx) => w.app.coupons.use(trx, won.couponCode, couponWinner.userId));

      // A retried reveal (and the job) awards nothing twice.
      expect(expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key())).reveal.winners).toEqual(pub.reveal.winners);
      await w.app.games.tick(new Date(now));
      for (const [who, pts] of expected) expect(await points(who)).toBe(pts);
      const awards = await w.app.db.kysely.selectFrom('ledger_entry').select('body').execute();
      const kinds = awards.map((r) => parseEntry(new Uint8Array(r.body))).filter((e) => e.subject['draw'] === d.id).map((e) => e.kind);
      expect(kinds.filter((x) => x === 'draw.prize_awarded')).toHaveLength(3);
      expect(kinds.filter((x) => x === 'draw.revealed')).toHaveLength(1);
      expectProblem(await b!.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key()), 403);
    });

    it('numbers concurrent entries densely and keeps the per-user maximum under races', async () => {
      const d = await newDraw({ maxEntriesPerUser: 3, prizes: [{ kind: 'points', points: 7 }] });
      const buyers = await Promise.all(Array.from({ length: 6 }, () => buyerWith(50)));
      const res = await Promise.all(buyers.map((b) => b.call('POST', `/api/draws/${d.id}/entries`, {}, key())));
      expect(res.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
      const racer = buyers[0]!;
      const more = await Promise.all(Array.from({ length: 5 }, () => racer.call('POST', `/api/draws/${d.id}/entries`, {}, key())));
      expect(more.filter((r) => r.statusCode === 201)).toHaveLength(2);
      expect(more.filter((r) => r.statusCode === 409)).toHaveLength(3);
      expect(await points(racer)).toBe(20n);
      const entries = await allEntries(d.id);
      expect(entries.map((e) => e.entryNo)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // The job closes and reveals at closesAt.
      now += 61 * MIN;
      await w.app.games.tick(new Date(now));
      const pub = expectOk(await w.anon('GET', `/api/draws/${d.id}`));
      expect(pub.state).toBe('revealed');
      expect(independentWinners(pub.reveal.seed, pub.closed.rootHash, pub.id, 8, 1)).toEqual(pub.reveal.winners.map((x: { entryNo: number }) => x.entryNo));
    });

    it('a draw without entries closes early on request and reveals no winner', async () => {
      const d = await newDraw();
      const closed = expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/close`, { early: true }));
      expect(closed.closed).toMatchObject({ early: true, entryCount: 0 });
      const r = expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key()));
      expect(r.reveal.winners).toEqual([]);
      expectProblem(await w.anon('GET', '/api/draws/drw_nope'), 404);
      // Terms are checked; only admins create draws; a draw that has not opened takes no entry.
      expectProblem(await admin.call('POST', '/api/admin/draws', { title: 'Late', entryCostPoints: 1, maxEntriesPerUser: 1, prizes: [{ kind: 'points', points: 1 }], opensAt: new Date(now - 2 * MIN).toISOString(), closesAt: new Date(now - MIN).toISOString() }), 400, 'draw.bad_window');
      expectProblem(await admin.call('POST', '/api/admin/draws', { title: 'Bad coupon', entryCostPoints: 1, maxEntriesPerUser: 1, prizes: [{ kind: 'coupon', couponKind: 'percent' }], opensAt: new Date(now).toISOString(), closesAt: new Date(now + MIN).toISOString() }), 400);
      const buyer = await buyerWith(20);
      expectProblem(await buyer.call('POST', '/api/admin/draws', { title: 'Mine', entryCostPoints: 1, maxEntriesPerUser: 1, prizes: [{ kind: 'points', points: 1 }], opensAt: new Date(now).toISOString(), closesAt: new Date(now + MIN).toISOString() }), 403);
      const later = await newDraw({ opensAt: new Date(now + 10 * MIN).toISOString() });
      expect(later.state).toBe('upcoming');
      expectProblem(await buyer.call('POST', `/api/draws/${later.id}/entries`, {}, key()), 409, 'draw.not_open');
      expect(await points(buyer)).toBe(20n);
      const list = expectOk(await w.anon('GET', '/api/draws?limit=1'));
      expect(list.items).toHaveLength(1);
      expect(list.nextCursor).toEqual(expect.any(String));
    });

    it('the CLI verifies an honest draw (exit 0) and catches tampered data (exit 1)', async () => {
      const d = await newDraw({ prizes: [{ kind: 'points', points: 9 }, { kind: 'points', points: 8 }] });
      const bs = await Promise.all(Array.from({ length: 4 }, () => buyerWith(30)));
      for (const b of bs) expectOk(await b.call('POST', `/api/draws/${d.id}/entries`, {}, key()), 201);
      now += 61 * MIN;
      expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/close`, {}));
      expectOk(await admin.call('POST', `/api/admin/draws/${d.id}/reveal`, {}, key()));

      const run = async (base: string, withKey: boolean) => {
        const lines: string[] = [];
        const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
        try {
          const code = await drawVerify({ url: base, draw: d.id, ...(withKey ? { key: w.app.verifierKey } : {}) });
          return { code, out: lines.join('\n') };
        } finally {
          log.mockRestore();
        }
      };
      const honest = await run(url, true);
      expect(honest.code, honest.out).toBe(0);
      expect(honest.out).toMatch(/winners verified/);
      expect(honest.out).toMatch(/reveal-receipt/);

      // A proxy that serves the draw with another winner order / another entrant.
      const tamper = async (edit: (path: string, body: any) => any) => {
        const proxy = http.createServer(async (req, res) => {
          const upstream = await fetch(`${url}${req.url}`);
          let text = await upstream.text();
          if (upstream.ok) text = JSON.stringify(edit(req.url!.split('?')[0]!, JSON.parse(text)));
          res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
        });
        await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
        try {
          return await run(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, false);
        } finally {
          await new Promise((r) => proxy.close(r));
        }
      };
      const swapped = await tamper((p, b) => (p === `/api/draws/${d.id}` ? { ...b, reveal: { ...b.reveal, winners: [...b.reveal.winners].reverse() } } : b));
      expect(swapped.code, swapped.out).toBe(1);
      expect(swapped.out).toMatch(/FAIL winners/);
      const fakeEntry = await tamper((p, b) => (p === `/api/draws/${d.id}/entries` ? { ...b, items: b.items.map((e: any) => (e.entryNo === 1 ? { ...e, entrant: 'ent_fake' } : e)) } : b));
      expect(fakeEntry.code).toBe(1);
      expect(fakeEntry.out).toMatch(/FAIL entries-hash/);
      const otherSeed = await tamper((p, b) => (p === `/api/draws/${d.id}` ? { ...b, reveal: { ...b.reveal, seed: randomBytes(32).toString('hex') } } : b));
      expect(otherSeed.code).toBe(1);
      expect(otherSeed.out).toMatch(/FAIL commitment/);
    });
  });
});
