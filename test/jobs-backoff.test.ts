import { describe, expect, it } from 'vitest';
import { ItemBackoff } from '../src/jobs/index.ts';

const boom = () => Promise.reject(new Error('boom'));

describe('ItemBackoff: one failing item does not stop a job', () => {
  it('runs every item, reports the failures by id, and holds a failing item back for a doubling wait', async () => {
    const b = new ItemBackoff('demo', { firstMs: 1_000, maxMs: 3_000 });
    const t0 = 1_000_000;
    const at = (ms: number) => new Date(t0 + ms);
    const ran: string[] = [];
    for (const id of ['a', 'b', 'c']) await b.run(id, at(0), id === 'b' ? boom : async () => (ran.push(id), 1));
    expect(ran).toEqual(['a', 'c']);
    expect(() => b.report()).toThrow('demo: 1 item(s) failed and wait before the next try: b (first: boom)');
    expect(() => b.report()).not.toThrow(); // reported once

    // Waits 1 s, 2 s, then 3 s (the cap).
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 3; i++) {
      const from = now;
      while (b.held(at(now)).includes('b')) now += 100;
      waits.push(now - from);
      await b.run('b', at(now), boom);
    }
    expect(waits).toEqual([1_000, 2_000, 3_000]);
    while (b.held(at(now)).includes('b')) now += 100;
    expect(b.held(at(now - 100))).toEqual(['b']);
    expect(await b.run('b', at(now), async () => 1)).toBe(1);
    expect(b.held(at(now))).toEqual([]);
    expect(() => b.report()).toThrow('demo: 3 item(s) failed');
  });
});
