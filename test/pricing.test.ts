import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  percentOf,
  price,
  spread,
  type CartLine,
  type Coupon,
  type Priced,
  type Promotion,
} from '../src/pricing/index.ts';
import { DomainError } from '../src/shared/errors.ts';

const NOW = new Date('2026-11-26T12:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

const line = (lineId: string, unit: bigint, more: Partial<CartLine> = {}): CartLine => ({
  lineId,
  merchantId: 'm1',
  productId: `p_${lineId}`,
  variantId: `v_${lineId}`,
  categoryId: 'shoes',
  qty: 1,
  unitPriceMinor: unit,
  currency: 'CNY',
  ...more,
});
const fixed = (code: string, amountMinor: bigint, more: Partial<Coupon> = {}): Coupon => ({
  code,
  funder: 'platform',
  kind: 'fixed',
  amountMinor,
  stackable: true,
  ...more,
});
const percent = (code: string, percentBps: number, more: Partial<Coupon> = {}): Coupon => ({
  code,
  funder: 'platform',
  kind: 'percent',
  percentBps,
  stackable: true,
  ...more,
});
const promo = (id: string, more: Partial<Promotion> & Pick<Promotion, 'kind'>): Promotion => ({ id, funder: 'platform', ...more });

const run = (cart: CartLine[], coupons: Coupon[] = [], promotions: Promotion[] = []) => price(cart, { coupons, promotions, now: NOW });
/** lineId → discount, for compact expectations. */
const off = (p: Priced) => Object.fromEntries(p.lines.map((l) => [l.lineId, l.discountMinor]));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).code;
  }
  throw new Error('expected a refusal');
};

describe('spread (largest remainder) and percentOf (floor)', () => {
  it('splits 1000 over three equal weights as 334/333/333, the tie going to the smallest key', () => {
    const w = [{ key: 'c', weight: 1000n }, { key: 'a', weight: 1000n }, { key: 'b', weight: 1000n }];
    expect(spread(1000n, w)).toEqual([333n, 334n, 333n]);
  });

  it('gives leftovers to the largest remainders, not the largest weights', () => {
    // 7 × (2/9, 3/9, 4/9) = 1.56, 2.33, 3.11 → floors 1, 2, 3, one unit left → to the largest remainder (.56)
    expect(spread(7n, [{ key: 'a', weight: 2n }, { key: 'b', weight: 3n }, { key: 'c', weight: 4n }])).toEqual([2n, 2n, 3n]);
    expect(spread(5n, [{ key: 'a', weight: 0n }, { key: 'b', weight: 10n }])).toEqual([0n, 5n]);
    expect(spread(0n, [])).toEqual([]);
  });

  it('rounds percentages down', () => {
    expect(percentOf(999n, 1000)).toBe(99n);
    expect(percentOf(5n, 1)).toBe(0n);
    expect(percentOf(12345n, 10_000)).toBe(12345n);
  });

  it('property: parts add up exactly, stay within one unit of the exact share and never exceed their weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 1_000_000n }), { minLength: 1, maxLength: 12 }),
        fc.bigInt({ min: 0n, max: 2_000_000n }),
        (ws, want) => {
          const total = ws.reduce((s, w) => s + w, 0n);
          fc.pre(total > 0n);
          const amount = want % (total + 1n); // ≤ Σ weights, as pricing always clamps first
          const weights = ws.map((weight, i) => ({ key: `k${String(i).padStart(2, '0')}`, weight }));
          const parts = spread(amount, weights);
          expect(parts.reduce((s, p) => s + p, 0n)).toBe(amount);
          parts.forEach((p, i) => {
            const w = ws[i]!;
            expect(p <= w).toBe(true);
            const floor = (amount * w) / total;
            expect(p === floor || p === floor + 1n).toBe(true);
          });
        },
      ),
    );
  });
});

describe('coupons', () => {
  it('fixed: spread over the eligible lines in proportion to their net, funded as recorded', () => {
    const p = run([line('a', 6000n), line('b', 4000n)], [fixed('TEN', 1000n)]);
    expect(off(p)).toEqual({ a: 600n, b: 400n });
    expect(p.lines[0]).toEqual({
      lineId: 'a',
      listMinor: 6000n,
      discountMinor: 600n,
      netMinor: 5400n,
      discounts: [{ source: 'coupon', id: 'TEN', funder: 'platform', merchantId: 'm1', amountMinor: 600n }],
    });
    expect(p.perMerchant).toEqual([
      { merchantId: 'm1', currency: 'CNY', listMinor: 10000n, discountMinor: 1000n, netMinor: 9000n, platformFundedMinor: 1000n, merchantFundedMinor: 0n },
    ]);
    expect(p.applied).toEqual({ coupons: ['TEN'], promotions: [] });
    expect(p.refused).toEqual([]);
  });

  it('fixed: 1000 over three equal lines is 334/333/333, the extra unit to the smallest lineId whatever the cart order', () => {
    const p = run([line('c', 1000n), line('a', 1000n), line('b', 1000n)], [fixed('K', 1000n)]);
    expect(off(p)).toEqual({ a: 334n, b: 333n, c: 333n });
    expect(p.lines.map((l) => l.lineId)).toEqual(['c', 'a', 'b']); // cart order kept
  });

  it('percent: 10 % of 999 is 99 (floored per line: 99 + 99, never 200 for 1998)', () => {
    expect(off(run([line('a', 999n)], [percent('P10', 1000)]))).toEqual({ a: 99n });
    expect(off(run([line('a', 999n), line('b', 999n)], [percent('P10', 1000)]))).toEqual({ a: 99n, b: 99n });
  });

  it('percent with cap: over the cap, the cap is spread instead; under it, the percent stands', () => {
    // 20 % of 3000 + 2000 = 600 + 400 = 1000 > 500 → 500 spread 3:2
    expect(off(run([line('a', 3000n), line('b', 2000n)], [percent('P20', 2000, { capMinor: 500n })]))).toEqual({ a: 300n, b: 200n });
    expect(off(run([line('a', 3000n), line('b', 2000n)], [percent('P20', 2000, { capMinor: 1000n })]))).toEqual({ a: 600n, b: 400n });
  });

  it('minimum spend: measured on the eligible lines after promotions; exactly the minimum is enough', () => {
    const cart = [line('a', 5000n), line('x', 9000n, { merchantId: 'm2', categoryId: 'hats' })];
    const tenOff = promo('CAT10', { kind: 'category_discount', percentBps: 1000, applies: { categoryIds: ['shoes'] } });
    const shoes = { applies: { categoryIds: ['shoes'] } };
    // a: 5000 − 500 = 4500 after the promotion; x is not eligible, so its 9000 does not count
    const refused = run(cart, [fixed('MIN5000', 100n, { ...shoes, minSpendMinor: 5000n })], [tenOff]);
    expect(refused.refused).toEqual([{ code: 'MIN5000', reason: 'min_spend_not_met' }]);
    expect(off(refused)).toEqual({ a: 500n, x: 0n });
    const ok = run(cart, [fixed('MIN4500', 100n, { ...shoes, minSpendMinor: 4500n })], [tenOff]);
    expect(ok.applied.coupons).toEqual(['MIN4500']);
    expect(off(ok)).toEqual({ a: 600n, x: 0n });
  });

  it('minimum spend ignores earlier coupons (after promotions, before any coupon)', () => {
    const p = run([line('a', 5000n)], [fixed('FIRST', 1000n), fixed('MIN5000', 100n, { minSpendMinor: 5000n })]);
    expect(p.applied.coupons).toEqual(['FIRST', 'MIN5000']);
    expect(off(p)).toEqual({ a: 1100n });
  });

  it('validity window is half-open: validFrom ≤ now < validUntil', () => {
    const cart = [line('a', 1000n)];
    expect(run(cart, [fixed('FROM_NOW', 1n, { validFrom: at(0) })]).applied.coupons).toEqual(['FROM_NOW']);
    expect(run(cart, [fixed('SOON', 1n, { validFrom: at(1) })]).refused).toEqual([{ code: 'SOON', reason: 'not_yet_valid' }]);
    expect(run(cart, [fixed('LAST_MS', 1n, { validUntil: at(1) })]).applied.coupons).toEqual(['LAST_MS']);
    expect(run(cart, [fixed('OVER', 1n, { validUntil: at(0) })]).refused).toEqual([{ code: 'OVER', reason: 'expired' }]);
    const old = promo('OLD', { kind: 'category_discount', percentBps: 5000, validFrom: at(-10_000), validUntil: at(-1) });
    const p = run(cart, [], [old]);
    expect(p.applied.promotions).toEqual([]);
    expect(off(p)).toEqual({ a: 0n });
  });

  it('applies-to filters: products, categories (a line without one never matches), merchants; an empty list matches nothing', () => {
    const cart = [
      line('a', 1000n, { productId: 'p1', categoryId: 'shoes' }),
      line('b', 1000n, { productId: 'p2', categoryId: null }),
      line('c', 1000n, { productId: 'p3', categoryId: 'hats', merchantId: 'm2' }),
    ];
    const tenPct = (code: string, applies: Coupon['applies']) => percent(code, 1000, { applies });
    expect(off(run(cart, [tenPct('PROD', { productIds: ['p2', 'p3'] })]))).toEqual({ a: 0n, b: 100n, c: 100n });
    expect(off(run(cart, [tenPct('CAT', { categoryIds: ['shoes', 'hats'] })]))).toEqual({ a: 100n, b: 0n, c: 100n });
    expect(off(run(cart, [tenPct('MER', { merchantIds: ['m1'] })]))).toEqual({ a: 100n, b: 100n, c: 0n });
    expect(off(run(cart, [tenPct('BOTH', { merchantIds: ['m1'], categoryIds: ['shoes', 'hats'] })]))).toEqual({ a: 100n, b: 0n, c: 0n });
    expect(run(cart, [tenPct('NONE', { productIds: [] })]).refused).toEqual([{ code: 'NONE', reason: 'no_eligible_lines' }]);
  });

  it("a merchant coupon applies only to that merchant's lines and is merchant-funded", () => {
    const cart = [line('a', 1000n), line('c', 3000n, { merchantId: 'm2' })];
    const p = run(cart, [fixed('M2', 300n, { funder: 'merchant', merchantId: 'm2' })]);
    expect(off(p)).toEqual({ a: 0n, c: 300n });
    expect(p.perMerchant.map((m) => [m.merchantId, m.platformFundedMinor, m.merchantFundedMinor])).toEqual([
      ['m1', 0n, 0n],
      ['m2', 0n, 300n],
    ]);
    expect(run([line('a', 1000n)], [fixed('M2', 300n, { funder: 'merchant', merchantId: 'm2' })]).refused).toEqual([
      { code: 'M2', reason: 'no_eligible_lines' },
    ]);
  });

  it('a platform coupon across merchants records, per line, the merchant the platform pays in settlement', () => {
    const p = run([line('a', 1000n), line('c', 3000n, { merchantId: 'm2' })], [fixed('ALL', 400n)]);
    expect(p.lines.map((l) => l.discounts)).toEqual([
      [{ source: 'coupon', id: 'ALL', funder: 'platform', merchantId: 'm1', amountMinor: 100n }],
      [{ source: 'coupon', id: 'ALL', funder: 'platform', merchantId: 'm2', amountMinor: 300n }],
    ]);
    expect(p.perMerchant.map((m) => [m.merchantId, m.platformFundedMinor, m.netMinor])).toEqual([
      ['m1', 100n, 900n],
      ['m2', 300n, 2700n],
    ]);
  });

  it('stacking: a non-stackable coupon is refused after another, and blocks every coupon after it', () => {
    const cart = [line('a', 10000n)];
    const solo = (code: string) => fixed(code, 500n, { stackable: false });
    expect(run(cart, [fixed('A', 100n), solo('SOLO')]).refused).toEqual([{ code: 'SOLO', reason: 'not_stackable' }]);
    const blocked = run(cart, [solo('SOLO'), fixed('A', 100n), solo('SOLO2')]);
    expect(blocked.applied.coupons).toEqual(['SOLO']);
    expect(blocked.refused).toEqual([
      { code: 'A', reason: 'blocked_by_non_stackable' },
      { code: 'SOLO2', reason: 'blocked_by_non_stackable' },
    ]);
    expect(off(blocked)).toEqual({ a: 500n });
    // a refused non-stackable coupon blocks nothing
    const expired = run(cart, [solo('OLD'), fixed('A', 100n)].map((c, i) => (i === 0 ? { ...c, validUntil: at(0) } : c)));
    expect(expired.applied.coupons).toEqual(['A']);
    // stackable coupons stack
    expect(off(run(cart, [fixed('A', 100n), percent('B', 1000)]))).toEqual({ a: 100n + 990n });
  });

  it('the same code twice counts once', () => {
    const p = run([line('a', 1000n)], [fixed('A', 100n), fixed('A', 100n)]);
    expect(p.refused).toEqual([{ code: 'A', reason: 'duplicate' }]);
    expect(off(p)).toEqual({ a: 100n });
  });

  it('clamping: a discount never takes a line below zero and its remainder goes nowhere else', () => {
    const cart = [line('a', 3000n), line('b', 2000n, { merchantId: 'm2' }), line('z', 0n)];
    const p = run(cart, [fixed('BIG', 5000n, { funder: 'merchant', merchantId: 'm1' })]);
    expect(p.lines.map((l) => [l.lineId, l.discountMinor, l.netMinor])).toEqual([
      ['a', 3000n, 0n],
      ['b', 0n, 2000n],
      ['z', 0n, 0n],
    ]);
    // a free line has nothing left: a later coupon on it takes nothing and is refused, blocking nothing
    const again = run([line('a', 3000n)], [fixed('BIG', 5000n), percent('P', 1000, { stackable: false }), fixed('C', 1n)]);
    expect(again.refused).toEqual([{ code: 'P', reason: 'not_stackable' }, { code: 'C', reason: 'nothing_to_discount' }]);
    expect(off(run([line('a', 5n)], [percent('TINY', 1)]))).toEqual({ a: 0n }); // 0.01 % of 5 floors to 0
  });

  it('mixed currencies: a platform coupon spanning currencies is refused; limited to one currency it applies', () => {
    const cart = [line('a', 1000n), line('u', 1000n, { merchantId: 'm2', currency: 'USD' })];
    expect(run(cart, [fixed('ALL', 100n)]).refused).toEqual([{ code: 'ALL', reason: 'mixed_currency' }]);
    expect(run(cart, [percent('PALL', 1000)]).refused).toEqual([{ code: 'PALL', reason: 'mixed_currency' }]);
    const usd = run(cart, [fixed('USD', 100n, { applies: { merchantIds: ['m2'] } })]);
    expect(off(usd)).toEqual({ a: 0n, u: 100n });
    expect(usd.perMerchant.map((m) => [m.merchantId, m.currency, m.netMinor])).toEqual([
      ['m1', 'CNY', 1000n],
      ['m2', 'USD', 900n],
    ]);
  });
});

describe('promotions', () => {
  it('category discount: percent off the eligible lines, floored per line, automatic', () => {
    const cart = [line('a', 999n), line('b', 1000n, { categoryId: 'hats' })];
    const p = run(cart, [], [promo('SHOES10', { kind: 'category_discount', percentBps: 1000, applies: { categoryIds: ['shoes'] } })]);
    expect(off(p)).toEqual({ a: 99n, b: 0n });
    expect(p.applied.promotions).toEqual(['SHOES10']);
  });

  it('buy 2 get 1: the cheapest unit of the variant is free, even when the variant is on lines at different prices', () => {
    const b2g1 = promo('B2G1', { kind: 'buy_x_get_y', buyX: 2, getY: 1, funder: 'merchant', merchantId: 'm1' });
    const cart = [line('a', 1000n, { variantId: 'v1', qty: 2 }), line('b', 800n, { variantId: 'v1' }), line('c', 100n, { variantId: 'v2' })];
    const p = run(cart, [], [b2g1]);
    expect(off(p)).toEqual({ a: 0n, b: 800n, c: 0n }); // v2 has one unit: nothing free
    expect(p.perMerchant[0]!.merchantFundedMinor).toBe(800n);
    // 7 units of one variant → 2 free; at 500 each → 1000
    expect(off(run([line('a', 500n, { qty: 7 })], [], [b2g1]))).toEqual({ a: 1000n });
    // 7 units at mixed prices: the two cheapest are free (300 + 400)
    const mixed = [line('a', 900n, { variantId: 'v', qty: 4 }), line('b', 400n, { variantId: 'v', qty: 2 }), line('c', 300n, { variantId: 'v' })];
    expect(off(run(mixed, [], [b2g1]))).toEqual({ a: 0n, b: 400n, c: 300n });
    // units of different variants are not pooled
    expect(off(run([line('a', 1000n, { qty: 2 }), line('b', 800n)], [], [b2g1]))).toEqual({ a: 0n, b: 0n });
  });

  it('spend and save: exactly at the threshold applies, one unit under does not', () => {
    const s = promo('S', { kind: 'spend_and_save', thresholdMinor: 10000n, saveMinor: 1500n });
    const at = run([line('a', 6000n), line('b', 4000n)], [], [s]);
    expect(off(at)).toEqual({ a: 900n, b: 600n });
    expect(at.applied.promotions).toEqual(['S']);
    const under = run([line('a', 6000n), line('b', 3999n)], [], [s]);
    expect(off(under)).toEqual({ a: 0n, b: 0n });
    expect(under.applied.promotions).toEqual([]);
  });

  it('promotions run item-level first (buy X get Y, category discount), then spend and save on what is left', () => {
    const cart = [line('a', 1000n, { qty: 3 }), line('b', 7000n, { categoryId: 'hats' })];
    // listed in the "wrong" order on purpose
    const p = run(cart, [fixed('C', 100n)], [
      promo('S', { kind: 'spend_and_save', thresholdMinor: 9000n, saveMinor: 900n }),
      promo('H10', { kind: 'category_discount', percentBps: 1000, applies: { categoryIds: ['hats'] } }),
      promo('B2G1', { kind: 'buy_x_get_y', buyX: 2, getY: 1 }),
    ]);
    // a: 3000 − 1000 (one free) = 2000; b: 7000 − 700 = 6300; Σ 8300 < 9000 → S does not apply; coupon C 100 → 2000:6300
    expect(p.applied.promotions).toEqual(['B2G1', 'H10']);
    // 100 × 2000/8300 = 24.09…, 100 × 6300/8300 = 75.90… → floors 24 + 75, the leftover to the larger remainder (b)
    expect(off(p)).toEqual({ a: 1000n + 24n, b: 700n + 76n });
  });

  it('promotions stack and compound on the current net; a spend-and-save across currencies is skipped', () => {
    const cart = [line('a', 1000n), line('u', 1000n, { merchantId: 'm2', currency: 'USD' })];
    const p = run(cart, [], [
      promo('HALF', { kind: 'category_discount', percentBps: 5000 }),
      promo('HALF_AGAIN', { kind: 'category_discount', percentBps: 5000 }),
      promo('S', { kind: 'spend_and_save', thresholdMinor: 0n, saveMinor: 10n }),
    ]);
    expect(off(p)).toEqual({ a: 750n, u: 750n });
    expect(p.applied.promotions).toEqual(['HALF', 'HALF_AGAIN']);
  });
});

describe('bad input', () => {
  it('refuses malformed carts and rules with pricing.bad_cart / pricing.bad_rule', () => {
    expect(codeOf(() => run([line('a', 1n), line('a', 1n)]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([line('a', 1n, { qty: 0 })]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([line('a', 1n, { qty: 1.5 })]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([line('a', -1n)]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([line('a', 1n, { currency: 'XYZ' })]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([line('a', 2n ** 52n, { qty: 3 })]))).toBe('pricing.bad_cart');
    expect(codeOf(() => run([], [percent('P', 0)]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [percent('P', 10_001)]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [fixed('F', 0n)]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [fixed('F', 1n, { funder: 'merchant' })]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [fixed('F', 1n, { validFrom: 'soon' })]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [fixed('F', 1n, { validFrom: at(1), validUntil: at(0) })]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [], [promo('B', { kind: 'buy_x_get_y', buyX: 2, getY: 0 })]))).toBe('pricing.bad_rule');
    expect(codeOf(() => run([], [], [promo('S', { kind: 'spend_and_save', thresholdMinor: 1n })]))).toBe('pricing.bad_rule');
    const c = promo('C', { kind: 'category_discount', percentBps: 1 });
    expect(codeOf(() => run([], [], [c, c]))).toBe('pricing.bad_rule');
  });
});

// ---------------------------------------------------------------- properties

const MERCHANTS = ['m1', 'm2', 'm3'];
const CURRENCY_OF: Record<string, string> = { m1: 'CNY', m2: 'CNY', m3: 'USD' };
const arbLines = fc
  .array(
    fc.record({
      merchantId: fc.constantFrom(...MERCHANTS),
      productId: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
      variantId: fc.constantFrom('v1', 'v2', 'v3'),
      categoryId: fc.constantFrom('shoes', 'hats', null),
      qty: fc.integer({ min: 1, max: 7 }),
      unitPriceMinor: fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.bigInt({ min: 0n, max: 100_000n })),
      oddCurrency: fc.boolean(),
    }),
    { minLength: 0, maxLength: 8 },
  )
  .map((ls) =>
    ls.map(({ oddCurrency, ...l }, i): CartLine => ({
      ...l,
      lineId: `l${i}`,
      // mostly one currency per merchant; sometimes a stray one to exercise mixed carts
      currency: oddCurrency && i % 3 === 0 ? 'EUR' : CURRENCY_OF[l.merchantId]!,
    })),
  );
const arbApplies = fc.option(
  fc.record(
    {
      productIds: fc.subarray(['p1', 'p2', 'p3', 'p4']),
      categoryIds: fc.subarray(['shoes', 'hats']),
      merchantIds: fc.subarray(MERCHANTS),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const arbWindow = fc.constantFrom(
  {},
  { validFrom: at(-1000) },
  { validUntil: at(1000) },
  { validFrom: at(-1000), validUntil: at(0) },
  { validFrom: at(1), validUntil: at(5000) },
);
const arbFunding = fc.oneof(
  fc.constant({ funder: 'platform' as const }),
  fc.record({ funder: fc.constant('platform' as const), merchantId: fc.constantFrom(...MERCHANTS) }),
  fc.record({ funder: fc.constant('merchant' as const), merchantId: fc.constantFrom(...MERCHANTS) }),
);
const arbAmount = fc.oneof(fc.bigInt({ min: 1n, max: 50n }), fc.bigInt({ min: 1n, max: 200_000n }));
const arbCoupons = fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D', 'E'), { maxLength: 5 }).chain((codes) =>
  fc.tuple(
    ...codes.map((code) =>
      fc
        .tuple(
          arbFunding,
          arbWindow,
          arbApplies,
          fc.boolean(),
          fc.option(arbAmount, { nil: undefined }),
          fc.oneof(
            fc.record({ kind: fc.constant('fixed' as const), amountMinor: arbAmount }),
            fc.record(
              { kind: fc.constant('percent' as const), percentBps: fc.integer({ min: 1, max: 10_000 }), capMinor: arbAmount },
              { requiredKeys: ['kind', 'percentBps'] },
            ),
          ),
        )
        .map(([funding, window, applies, stackable, minSpendMinor, kind]): Coupon => ({
          code,
          ...funding,
          ...window,
          ...(applies === undefined ? {} : { applies }),
          ...(minSpendMinor === undefined ? {} : { minSpendMinor }),
          stackable,
          ...kind,
        })),
    ),
  ),
);
const arbPromotions = fc.uniqueArray(fc.constantFrom('P1', 'P2', 'P3', 'P4'), { maxLength: 4 }).chain((ids) =>
  fc.tuple(
    ...ids.map((id) =>
      fc
        .tuple(
          arbFunding,
          arbWindow,
          arbApplies,
          fc.oneof(
            fc.record({ kind: fc.constant('category_discount' as const), percentBps: fc.integer({ min: 1, max: 10_000 }) }),
            fc.record({ kind: fc.constant('buy_x_get_y' as const), buyX: fc.integer({ min: 1, max: 3 }), getY: fc.integer({ min: 1, max: 2 }) }),
            fc.record({ kind: fc.constant('spend_and_save' as const), thresholdMinor: fc.bigInt({ min: 0n, max: 300_000n }), saveMinor: arbAmount }),
          ),
        )
        .map(([funding, window, applies, kind]): Promotion => ({ id, ...funding, ...window, ...(applies === undefined ? {} : { applies }), ...kind })),
    ),
  ),
);
const arbCase = fc.record({ cart: arbLines, coupons: arbCoupons, promotions: arbPromotions });
const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
const byId = (p: Priced) => Object.fromEntries(p.lines.map((l) => [l.lineId, l]));

describe('properties', () => {
  it('invariants: Σ line discounts = Σ applied parts, net = list − discount ≥ 0, merchant rows add up to the lines', () => {
    fc.assert(
      fc.property(arbCase, ({ cart, coupons, promotions }) => {
        const p = price(cart, { coupons, promotions, now: NOW });
        expect(p.lines.map((l) => l.lineId)).toEqual(cart.map((l) => l.lineId));
        for (const [i, l] of p.lines.entries()) {
          const c = cart[i]!;
          expect(l.listMinor).toBe(BigInt(c.qty) * c.unitPriceMinor);
          expect(l.netMinor >= 0n).toBe(true);
          expect(l.discountMinor <= l.listMinor).toBe(true);
          expect(l.netMinor).toBe(l.listMinor - l.discountMinor);
          expect(sum(l.discounts.map((d) => d.amountMinor))).toBe(l.discountMinor);
          for (const d of l.discounts) {
            expect(d.amountMinor > 0n).toBe(true);
            expect(d.merchantId).toBe(c.merchantId);
            const rule = d.source === 'coupon' ? coupons.find((x) => x.code === d.id) : promotions.find((x) => x.id === d.id);
            expect(rule?.funder).toBe(d.funder);
            if (rule?.funder === 'merchant') expect(rule.merchantId).toBe(c.merchantId); // merchants fund only their lines
            if (d.source === 'coupon') expect(p.applied.coupons).toContain(d.id);
            else expect(p.applied.promotions).toContain(d.id);
          }
        }
        // every coupon is either applied or refused, once
        expect([...p.applied.coupons, ...p.refused.map((r) => r.code)].sort()).toEqual(coupons.map((c) => c.code).sort());
        // a non-stackable applied coupon is the only applied coupon
        if (p.applied.coupons.some((code) => !coupons.find((c) => c.code === code)!.stackable)) expect(p.applied.coupons).toHaveLength(1);
        // each applied coupon's lines are in one currency
        for (const code of p.applied.coupons) {
          const currencies = new Set(cart.filter((_, i) => p.lines[i]!.discounts.some((d) => d.id === code && d.source === 'coupon')).map((l) => l.currency));
          expect(currencies.size).toBe(1);
        }
        for (const currency of new Set(cart.map((l) => l.currency))) {
          const ls = p.lines.filter((_, i) => cart[i]!.currency === currency);
          const ms = p.perMerchant.filter((m) => m.currency === currency);
          expect(sum(ms.map((m) => m.listMinor))).toBe(sum(ls.map((l) => l.listMinor)));
          expect(sum(ms.map((m) => m.discountMinor))).toBe(sum(ls.map((l) => l.discountMinor)));
          expect(sum(ms.map((m) => m.netMinor))).toBe(sum(ls.map((l) => l.netMinor)));
          expect(sum(ms.map((m) => m.platformFundedMinor + m.merchantFundedMinor))).toBe(sum(ls.map((l) => l.discountMinor)));
          const platform = sum(ls.flatMap((l) => l.discounts.filter((d) => d.funder === 'platform').map((d) => d.amountMinor)));
          expect(sum(ms.map((m) => m.platformFundedMinor))).toBe(platform);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the order of the cart lines does not change any per-line result, nor which rules apply', () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c.cart, { minLength: c.cart.length, maxLength: c.cart.length }))),
        ([{ cart, coupons, promotions }, shuffled]) => {
          const a = price(cart, { coupons, promotions, now: NOW });
          const b = price(shuffled, { coupons, promotions, now: NOW });
          expect(byId(b)).toEqual(byId(a));
          expect(b.perMerchant).toEqual(a.perMerchant);
          expect(b.applied).toEqual(a.applied);
          expect(b.refused).toEqual(a.refused);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('idempotent: the same input gives the same output, and the input is not modified', () => {
    fc.assert(
      fc.property(arbCase, ({ cart, coupons, promotions }) => {
        const before = structuredClone({ cart, coupons, promotions });
        const a = price(cart, { coupons, promotions, now: NOW });
        const b = price(cart, { coupons, promotions, now: NOW });
        expect(b).toEqual(a);
        expect({ cart, coupons, promotions }).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});
