// Pure parts of analytics: client batch checks, time clamping, query scrubbing, the k-anonymity
// rule, funnel and report arithmetic, token buckets.
import { describe, expect, it } from 'vitest';
import type { MerchantSales, ProductSales } from '../src/orders/index.ts';
import {
  averageMinor, checkClientEvents, clampTime, daysOf, funnel, merchantDaily, parsePeriod, ratio, repeatBuyers, salesFigures, scrubQuery, suppressed, TokenBuckets, topProducts,
} from '../src/analytics/index.ts';

const NOW = new Date('2026-11-26T12:00:00.000Z');

describe('client events', () => {
  it('refuses purchases and events missing what their kind needs; keeps the first of repeated ids', () => {
    expect(() => checkClientEvents([{ id: 'evt-00000001', kind: 'purchase', productId: 'prd_1' }], NOW)).toThrow(/recorded by the server/);
    expect(() => checkClientEvents([{ id: 'evt-00000001', kind: 'view' }], NOW)).toThrow(/events\[0\]: a view event needs productId/);
    expect(() => checkClientEvents([{ id: 'evt-00000001', kind: 'search' }], NOW)).toThrow(/needs query/);
    expect(() => checkClientEvents([{ id: 'short', kind: 'view', productId: 'p' }], NOW)).toThrow(/id must be/);
    expect(() => checkClientEvents([{ id: 'evt-00000001', kind: 'rec_shown', productId: 'p', list: 'For You' }], NOW)).toThrow(/list/);
    const out = checkClientEvents([
      { id: 'evt-00000001', kind: 'view', productId: 'p1', query: 'ignored' },
      { id: 'evt-00000001', kind: 'cart_add', productId: 'p2' },
      { id: 'evt-00000002', kind: 'search', query: '  green   tea ' },
      { id: 'evt-00000003', kind: 'rec_clicked', productId: 'p3', list: 'bought_together' },
    ], NOW);
    expect(out).toEqual([
      { clientId: 'evt-00000001', kind: 'view', productId: 'p1', query: null, list: null, at: NOW.toISOString() },
      { clientId: 'evt-00000002', kind: 'search', productId: null, query: 'green tea', list: null, at: NOW.toISOString() },
      { clientId: 'evt-00000003', kind: 'rec_clicked', productId: 'p3', query: null, list: 'bought_together', at: NOW.toISOString() },
    ]);
  });

  it('clamps client times to the last 24 hours', () => {
    expect(clampTime('2026-11-26T11:00:00.000Z', NOW)).toBe('2026-11-26T11:00:00.000Z');
    expect(clampTime('2020-01-01T00:00:00.000Z', NOW)).toBe('2026-11-25T12:00:00.000Z');
    expect(clampTime('2030-01-01T00:00:00.000Z', NOW)).toBe(NOW.toISOString());
    expect(clampTime(undefined, NOW)).toBe(NOW.toISOString());
    expect(clampTime('not a time', NOW)).toBe(NOW.toISOString());
  });

  it('masks e-mail addresses and phone or card numbers in search queries', () => {
    expect(scrubQuery('mail me at li.lei@example.com please')).toBe('mail me at [email] please');
    expect(scrubQuery('call +86 139-0000-0000 now')).toBe('call [number] now');
    expect(scrubQuery('iphone 15 pro 256gb')).toBe('iphone 15 pro 256gb');
    expect(scrubQuery('\u0000\u200b ')).toBeNull();
    expect([...scrubQuery('茶'.repeat(150))!].length).toBe(100);
  });
});

describe('k-anonymity and arithmetic', () => {
  it('withholds groups of 1..k-1 people, never an empty group', () => {
    expect([0, 1, 4, 5, 6].map((n) => suppressed(n, 5))).toEqual([false, true, true, false, false]);
    expect(suppressed(1, 1)).toBe(false);
  });

  it('computes ratios and averages exactly, rounded half up', () => {
    expect(ratio(1, 6)).toBe('0.1667');
    expect(ratio(2, 3)).toBe('0.6667');
    expect(ratio(1, 8)).toBe('0.1250');
    expect(ratio(1, 20000)).toBe('0.0001'); // 0.00005 rounds up
    expect(ratio(7, 7)).toBe('1.0000');
    expect(ratio(0, 0)).toBeNull();
    expect(averageMinor(10n, 4)).toBe('3'); // 2.5 → 3
    expect(averageMinor(9n, 4)).toBe('2'); // 2.25 → 2
    expect(averageMinor(0n, 0)).toBeNull();
    expect(averageMinor(10n ** 20n + 1n, 2)).toBe('50000000000000000001');
  });

  it('builds the funnel with step rates, withholding small steps and rates over withheld bases', () => {
    expect(funnel([10, 6, 5], 5)).toEqual([
      { step: 'viewed', subjects: 10, rateFromPrevious: null, rateFromFirst: '1.0000', suppressed: false },
      { step: 'added_to_cart', subjects: 6, rateFromPrevious: '0.6000', rateFromFirst: '0.6000', suppressed: false },
      { step: 'purchased', subjects: 5, rateFromPrevious: '0.8333', rateFromFirst: '0.5000', suppressed: false },
    ]);
    const small = funnel([10, 4, 0], 5);
    expect(small[1]).toEqual({ step: 'added_to_cart', subjects: null, rateFromPrevious: null, rateFromFirst: null, suppressed: true });
    // An empty step is shown, but its rate from a withheld step is not.
    expect(small[2]).toEqual({ step: 'purchased', subjects: 0, rateFromPrevious: null, rateFromFirst: '0.0000', suppressed: false });
    expect(funnel([0, 0, 0], 5)[0]).toEqual({ step: 'viewed', subjects: 0, rateFromPrevious: null, rateFromFirst: null, suppressed: false });
    expect(() => funnel([3, 4, 0], 5)).toThrow();
  });

  it('withholds sales, repeat buyers, products and days about too few buyers', () => {
    const sales: MerchantSales = { orders: 7, buyers: 6, repeatBuyers: 1, byCurrency: [{ currency: 'CNY', orders: 6, buyers: 5, totalMinor: 18_001n }, { currency: 'USD', orders: 1, buyers: 1, totalMinor: 500n }] };
    expect(salesFigures(sales, 5)).toEqual({
      orderCount: 7, buyers: 6, suppressed: false,
      byCurrency: [
        { currency: 'CNY', totalMinor: '18001', orderCount: 6, averageOrderMinor: '3000', suppressed: false },
        { currency: 'USD', totalMinor: null, orderCount: null, averageOrderMinor: null, suppressed: true },
      ],
    });
    expect(repeatBuyers(sales, 5)).toEqual({ buyers: 6, repeatBuyers: 1, rate: '0.1667', suppressed: false });
    expect(repeatBuyers({ ...sales, buyers: 4 }, 5)).toEqual({ buyers: null, repeatBuyers: null, rate: null, suppressed: true });
    expect(salesFigures({ ...sales, buyers: 4 }, 5).byCurrency.every((c) => c.suppressed && c.totalMinor === null)).toBe(true);

    const p = (sku: string, units: number, buyers: number, minor: bigint): ProductSales => ({ sku, name: sku, units, buyers, revenue: [{ currency: 'CNY', minor }] });
    const top = topProducts([p('small', 50, 2, 100n), p('b', 10, 5, 1000n), p('a', 10, 6, 2000n), p('c', 30, 9, 10n)], 5);
    expect(top.map((t) => [t.sku, t.units, t.suppressed])).toEqual([['c', 30, false], ['a', 10, false], ['b', 10, false], ['small', null, true]]);
    expect(top[3]).toEqual({ sku: 'small', name: 'small', units: null, buyers: null, revenue: null, suppressed: true });
    expect(topProducts(Array.from({ length: 12 }, (_, i) => p(`s${i}`, i + 1, 5, 1n)), 5)).toHaveLength(10);

    const daily = merchantDaily({ merchantId: 'mer_1', from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z', minGroup: 5 }, [
      { day: '2026-11-01', orders: 3, buyers: 2, byCurrency: [{ currency: 'CNY', orders: 3, buyers: 2, totalMinor: 9000n }] },
      { day: '2026-11-03', orders: 6, buyers: 5, byCurrency: [{ currency: 'CNY', orders: 6, buyers: 5, totalMinor: 18000n }] },
    ]);
    expect(daily.days).toEqual([
      { date: '2026-11-01', orderCount: null, buyers: null, sales: null, suppressed: true },
      { date: '2026-11-02', orderCount: 0, buyers: 0, sales: [], suppressed: false },
      { date: '2026-11-03', orderCount: 6, buyers: 5, sales: [{ currency: 'CNY', totalMinor: '18000' }], suppressed: false },
    ]);
  });

  it('reads periods as dates or date-times, bounded', () => {
    expect(parsePeriod('2026-11-01', '2026-11-08', NOW)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' });
    expect(parsePeriod(undefined, undefined, NOW)).toEqual({ from: '2026-10-27T12:00:00.000Z', to: NOW.toISOString() });
    expect(() => parsePeriod('2026-11-08', '2026-11-01', NOW)).toThrow(/before/);
    expect(() => parsePeriod('2024-01-01', '2026-01-01', NOW)).toThrow(/366/);
    expect(() => parsePeriod('yesterday', undefined, NOW)).toThrow(/date/);
    expect(daysOf('2026-11-01T12:00:00.000Z', '2026-11-03T00:00:00.001Z')).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
  });
});

describe('token buckets', () => {
  it('grants a burst, refuses past it with the seconds to wait, refills with time', () => {
    const b = new TokenBuckets({ capacity: 10, perSecond: 2 });
    expect(b.take('a', 6, 0)).toBe(0);
    expect(b.take('a', 6, 0)).toBe(1); // 4 left, 2 more take 1 s
    expect(b.take('b', 10, 0)).toBe(0); // another key has its own bucket
    expect(b.take('a', 6, 1000)).toBe(0);
    expect(b.take('a', 1, 1000)).toBe(1);
    expect(b.take('a', 100, 10_000)).toBe(0); // a cost above capacity needs a full bucket
  });
});
