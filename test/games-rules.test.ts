// Pure rules of the games: check-in day arithmetic and streaks, and the draw derivation (no database).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addDays, currentStreak, dayOf, nextStreak, rewardFor, CHECKIN_REWARDS } from '../src/games/streak.ts';
import { DrawStream, drawWinners, entriesHash, seedCommitment, seedMatches, verifyDraw, bytesToHex } from '../src/games/draw.ts';

describe('check-in calendar', () => {
  it('takes the day in the configured time zone', () => {
    expect(dayOf(new Date('2026-11-26T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-11-26');
    expect(dayOf(new Date('2026-11-26T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-27');
    expect(dayOf(new Date('2026-11-26T16:00:00Z'), 'UTC')).toBe('2026-11-26');
    expect(dayOf(new Date('2026-11-27T03:00:00Z'), 'America/New_York')).toBe('2026-11-26');
  });
  it('does day arithmetic across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
  });
  it('continues a streak from yesterday, resets after a gap, refuses the same day', () => {
    expect(nextStreak(null, '2026-11-26')).toBe(1);
    expect(nextStreak({ day: '2026-11-25', streak: 3 }, '2026-11-26')).toBe(4);
    expect(nextStreak({ day: '2026-11-24', streak: 3 }, '2026-11-26')).toBe(1);
    expect(nextStreak({ day: '2026-11-26', streak: 3 }, '2026-11-26')).toBeNull();
    expect(nextStreak({ day: '2026-12-31', streak: 9 }, '2027-01-01')).toBe(10);
    expect(currentStreak({ day: '2026-11-25', streak: 3 }, '2026-11-26')).toBe(3);
    expect(currentStreak({ day: '2026-11-24', streak: 3 }, '2026-11-26')).toBe(0);
  });
  it('rewards by streak day, capped at the last step', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 30].map((d) => rewardFor(d))).toEqual([5, 5, 10, 10, 15, 20, 30, 30, 30]);
    expect(CHECKIN_REWARDS.length).toBe(7);
  });
});

/** The algorithm written again from its description, with node:crypto only. */
function independentWinners(seedHex: string, rootHex: string, drawId: string, n: number, prizes: number): number[] {
  const prefix = Buffer.concat([Buffer.from('chainmall-draw-v1'), Buffer.from([0]), Buffer.from(seedHex, 'hex'), Buffer.from(rootHex, 'hex'), Buffer.from(drawId)]);
  let counter = 0n;
  let words: number[] = [];
  const word = () => {
    if (words.length === 0) {
      const c = Buffer.alloc(8);
      c.writeBigUInt64BE(counter++);
      const h = createHash('sha256').update(prefix).update(c).digest();
      words = Array.from({ length: 8 }, (_, i) => h.readUInt32BE(i * 4));
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
  const k = Math.min(n, prizes);
  for (let i = 0; i < k; i++) {
    const j = i + uniform(n - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

describe('draw derivation', () => {
  const seed = createHash('sha256').update('seed').digest('hex');
  const root = createHash('sha256').update('root').digest('hex');

  it('commits to the seed with SHA-256', () => {
    expect(seedCommitment(Buffer.from(seed, 'hex'))).toBe(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'));
    expect(seedMatches(seed, seedCommitment(Buffer.from(seed, 'hex')))).toBe(true);
    expect(seedMatches(root, seedCommitment(Buffer.from(seed, 'hex')))).toBe(false);
  });

  it('matches an independent implementation for many sizes', () => {
    for (const n of [0, 1, 2, 3, 7, 10, 100, 1000]) {
      for (const k of [1, 3, 10]) {
        expect(drawWinners({ seedHex: seed, rootHex: root, drawId: `drw_${n}`, entries: n, prizes: k })).toEqual(independentWinners(seed, root, `drw_${n}`, n, k));
      }
    }
  });

  it('picks distinct entries in range, min(prizes, entries) of them, and depends on seed, root and draw id', () => {
    const w = drawWinners({ seedHex: seed, rootHex: root, drawId: 'd', entries: 50, prizes: 50 });
    expect(new Set(w).size).toBe(50);
    expect([...w].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(drawWinners({ seedHex: seed, rootHex: root, drawId: 'd', entries: 2, prizes: 5 })).toHaveLength(2);
    const base = drawWinners({ seedHex: seed, rootHex: root, drawId: 'd', entries: 1000, prizes: 5 });
    expect(drawWinners({ seedHex: root, rootHex: root, drawId: 'd', entries: 1000, prizes: 5 })).not.toEqual(base);
    expect(drawWinners({ seedHex: seed, rootHex: seed, drawId: 'd', entries: 1000, prizes: 5 })).not.toEqual(base);
    expect(drawWinners({ seedHex: seed, rootHex: root, drawId: 'e', entries: 1000, prizes: 5 })).not.toEqual(base);
  });

  it('rejects words at or above the largest multiple of n (no modulo bias)', () => {
    // n = 2^31 + 1: limit = 2^32 - (2^32 mod n) = n, so about half of all words are rejected.
    const s = new DrawStream(Buffer.from(seed, 'hex'), Buffer.from(root, 'hex'), 'bias');
    const n = 2 ** 31 + 1;
    for (let i = 0; i < 200; i++) expect(s.uniform(n)).toBeLessThan(n);
    expect(s.words).toBeGreaterThan(250);
    // n = 2^32: nothing is rejected; n = 1 always 0.
    const t = new DrawStream(Buffer.from(seed, 'hex'), Buffer.from(root, 'hex'), 'bias');
    for (let i = 0; i < 20; i++) t.uniform(2 ** 32);
    expect(t.words).toBe(20);
    expect(t.uniform(1)).toBe(0);
    // Roughly uniform over a small n.
    const counts = [0, 0, 0];
    const u = new DrawStream(Buffer.from(seed, 'hex'), Buffer.from(root, 'hex'), 'uniform');
    for (let i = 0; i < 3000; i++) counts[u.uniform(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('hashes the entry list and verifies a draw, failing on any change', () => {
    const entries = [1, 2, 3, 4].map((n) => ({ entryNo: n, entrant: `ent_${n}` }));
    expect(entriesHash(entries)).toBe(createHash('sha256').update('1 ent_1\n2 ent_2\n3 ent_3\n4 ent_4\n').digest('hex'));
    const winners = drawWinners({ seedHex: seed, rootHex: root, drawId: 'drw_x', entries: 4, prizes: 2 });
    const d = {
      id: 'drw_x', prizes: [{}, {}], commitment: { seedHash: seedCommitment(Buffer.from(seed, 'hex')) },
      closed: { rootHash: root, entryCount: 4, entriesHash: entriesHash(entries) },
      reveal: { seed, winners: winners.map((n, i) => ({ prize: i, entryNo: n, entrant: `ent_${n}` })) },
    };
    expect(verifyDraw(d, entries).ok).toBe(true);
    expect(verifyDraw({ ...d, reveal: { ...d.reveal, seed: root } }, entries).checks.find((c) => c.name === 'commitment')!.ok).toBe(false);
    const swapped = { ...d, reveal: { ...d.reveal, winners: [...d.reveal.winners].reverse() } };
    expect(verifyDraw(swapped, entries).checks.find((c) => c.name === 'winners')!.ok).toBe(false);
    expect(verifyDraw(d, entries.slice(0, 3)).ok).toBe(false);
    expect(verifyDraw(d, entries.map((e) => (e.entryNo === 2 ? { ...e, entrant: 'ent_x' } : e))).ok).toBe(false);
    expect(bytesToHex(new Uint8Array([0, 255]))).toBe('00ff');
  });
});
