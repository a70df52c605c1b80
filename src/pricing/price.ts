// Pricing: one pure function, cart + coupons + promotions → line prices, discounts and who funds each. No I/O.
//
// The rules, in the order they run:
//
// 1. Promotions first: automatic, every promotion valid at `now` applies. They run in phases, item-level
//    before order-level, and in the given order within a phase:
//      a. buy_x_get_y      per (merchant, variant, currency) group of eligible lines: for every buyX + getY
//                          units, getY units are free, the cheapest units of the group first (ties by lineId);
//                          a free unit is worth its list unit price.
//      b. category_discount percentBps off each eligible line's current net, floored per line.
//      c. spend_and_save   when the eligible lines' current net sum ≥ thresholdMinor (exactly at the threshold
//                          applies), saveMinor is spread over them. Skipped when its eligible lines span more
//                          than one currency (its amounts have no currency of their own).
//    A promotion that is out of its window, matches nothing or takes nothing off is simply not listed.
// 2. Then coupons, in the given order. A coupon is refused (see REFUSAL_REASONS; first failing check wins):
//    duplicate code → outside its window → no eligible lines → eligible lines in several currencies
//    (`mixed_currency`, for platform and merchant coupons alike) → minimum spend not met (measured on the
//    eligible lines' net after promotions, before any coupon) → a non-stackable coupon was already applied
//    (`blocked_by_non_stackable`) → it is itself non-stackable and another coupon was already applied
//    (`not_stackable`) → it would take nothing off (`nothing_to_discount`, so a useless non-stackable coupon
//    never blocks the ones after it).
//      fixed   amountMinor spread over the eligible lines.
//      percent percentBps off each eligible line's current net, floored per line; when the floored parts add
//              up to more than capMinor, capMinor is spread over the eligible lines instead.
//
// Amounts:
// - Every discount is computed on the line's current net (after the discounts applied before it), so stacked
//   percentages compound and can never pass 100 %.
// - A discount never makes a line negative: a per-line part is clamped to the line's net, and an order-level
//   amount to the eligible lines' net sum. The clamped remainder is dropped, never moved to other lines.
// - Order-level amounts (fixed coupons, spend_and_save, a capped percent coupon) are spread in proportion to
//   the lines' current net with the largest-remainder method (`spread`): the parts add up exactly to the amount;
//   equal remainders go to the smaller lineId first.
// - Percentages round down per line (`percentOf`). The buyer gets at most the advertised rate on every line and
//   the funder never pays a fraction of a minor unit more than it promised; in particular the platform never
//   rounds a merchant-funded discount against the merchant. (The floored fraction stays with the funder.)
// - Each part is recorded on its line with its funder and the line's merchant: settlement pays the
//   platform-funded parts to that merchant.
// - Validity windows are half-open: validFrom ≤ now < validUntil.
//
// Bad input (malformed lines or rules) is a DomainError; a broken invariant in the result is an assert (a bug).
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { AMOUNT_MAX, parseCurrency } from '../money/index.ts';
import type {
  Applied,
  Applies,
  CartLine,
  Coupon,
  Funder,
  MerchantTotals,
  PriceOptions,
  Priced,
  PricedLine,
  Promotion,
  RefusalReason,
} from './types.ts';

export const BPS_SCALE = 10_000;
export const PRICING_LINES_MAX = 1000;
export const PRICING_RULES_MAX = 1000;

/** percentBps of amount, rounded down (toward zero for a non-negative amount). */
export function percentOf(amount: bigint, bps: number): bigint {
  assert(amount >= 0n, 'pricing: percentOf a negative amount');
  assert(Number.isSafeInteger(bps) && bps >= 0 && bps <= BPS_SCALE, 'pricing: bps out of range');
  return (amount * BigInt(bps)) / BigInt(BPS_SCALE);
}

/**
 * Splits `amount` over `weights` in proportion, by the largest-remainder method: each part is the floor of its
 * exact share, and the units left over go one each to the largest remainders (equal remainders: smaller key
 * first, by code-unit order). The parts add up exactly to `amount`; a zero weight gets 0; when amount ≤ Σweights
 * no part exceeds its weight. Returns the parts in the order of `weights`.
 */
export function spread(amount: bigint, weights: readonly { key: string; weight: bigint }[]): bigint[] {
  assert(amount >= 0n, 'pricing: spread a negative amount');
  const total = weights.reduce((s, w) => {
    assert(w.weight >= 0n, 'pricing: negative weight');
    return s + w.weight;
  }, 0n);
  assert(new Set(weights.map((w) => w.key)).size === weights.length, 'pricing: spread keys must be unique');
  if (amount === 0n) return weights.map(() => 0n);
  assert(total > 0n, 'pricing: spread a positive amount over zero weight');
  const parts = weights.map((w) => (amount * w.weight) / total);
  let left = amount - parts.reduce((s, p) => s + p, 0n);
  const order = weights
    .map((w, i) => ({ i, key: w.key, rem: (amount * w.weight) % total }))
    .filter((r) => r.rem > 0n)
    .sort((a, b) => (a.rem > b.rem ? -1 : a.rem < b.rem ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  assert(left >= 0n && left <= BigInt(order.length), 'pricing: largest remainder leftover beyond the remainders');
  for (const r of order) {
    if (left === 0n) break;
    parts[r.i]! += 1n;
    left -= 1n;
  }
  assert(parts.reduce((s, p) => s + p, 0n) === amount, 'pricing: spread parts must add up to the amount');
  return parts;
}

// ---------------------------------------------------------------- the price function

interface Work {
  line: CartLine;
  list: bigint;
  net: bigint;
  discounts: Applied[];
}
type Part = readonly [Work, bigint];

const PHASE = { buy_x_get_y: 0, category_discount: 1, spend_and_save: 2 } as const;

export function price(cart: CartLine[], opts: PriceOptions): Priced {
  const now = opts.now;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw badRule('now must be a valid Date');
  const work = checkCart(cart);
  if (opts.promotions.length > PRICING_RULES_MAX || opts.coupons.length > PRICING_RULES_MAX) {
    throw badRule(`at most ${PRICING_RULES_MAX} promotions and ${PRICING_RULES_MAX} coupons`);
  }
  const promoIds = new Set<string>();
  for (const p of opts.promotions) {
    checkPromotion(p);
    if (promoIds.has(p.id)) throw badRule(`promotion ${p.id} given twice`);
    promoIds.add(p.id);
  }
  opts.coupons.forEach(checkCoupon);

  let ruleTotal = 0n; // Σ of every rule's total, kept apart from the lines to check them against it
  const apply = (parts: Part[], source: Applied['source'], id: string, funder: Funder): bigint => {
    let total = 0n;
    for (const [w, amount] of parts) {
      assert(amount >= 0n, 'pricing: negative discount part');
      assert(amount <= w.net, 'pricing: discount part beyond the line net');
      if (amount === 0n) continue;
      w.net -= amount;
      w.discounts.push({ source, id, funder, merchantId: w.line.merchantId, amountMinor: amount });
      total += amount;
    }
    ruleTotal += total;
    return total;
  };

  // 1. promotions: item-level phases before order-level, given order within a phase
  const appliedPromotions: string[] = [];
  const promotions = opts.promotions
    .map((p, i) => ({ p, i }))
    .sort((a, b) => PHASE[a.p.kind] - PHASE[b.p.kind] || a.i - b.i)
    .map((x) => x.p);
  for (const p of promotions) {
    if (windowProblem(p, now) !== null) continue;
    const eligible = work.filter((w) => inScope(p, w.line));
    if (eligible.length === 0) continue;
    if (apply(promotionParts(p, eligible), 'promotion', p.id, p.funder) > 0n) appliedPromotions.push(p.id);
  }

  // 2. coupons, in the given order
  const afterPromotions = new Map(work.map((w) => [w.line.lineId, w.net]));
  const appliedCoupons: string[] = [];
  const refused: Priced['refused'] = [];
  const seen = new Set<string>();
  let blocker: string | null = null;
  for (const c of opts.coupons) {
    const reason = ((): RefusalReason | null => {
      if (seen.has(c.code)) return 'duplicate';
      seen.add(c.code);
      const window = windowProblem(c, now);
      if (window !== null) return window;
      const eligible = work.filter((w) => inScope(c, w.line));
      if (eligible.length === 0) return 'no_eligible_lines';
      if (new Set(eligible.map((w) => w.line.currency)).size > 1) return 'mixed_currency';
      if (c.minSpendMinor !== undefined) {
        const spend = eligible.reduce((s, w) => s + afterPromotions.get(w.line.lineId)!, 0n);
        if (spend < c.minSpendMinor) return 'min_spend_not_met';
      }
      if (blocker !== null) return 'blocked_by_non_stackable';
      if (!c.stackable && appliedCoupons.length > 0) return 'not_stackable';
      const parts = couponParts(c, eligible);
      if (parts.every(([, a]) => a === 0n)) return 'nothing_to_discount';
      apply(parts, 'coupon', c.code, c.funder);
      appliedCoupons.push(c.code);
      if (!c.stackable) blocker = c.code;
      return null;
    })();
    if (reason !== null) refused.push({ code: c.code, reason });
  }

  // 3. results, with the invariants checked
  const lines: PricedLine[] = work.map((w) => ({
    lineId: w.line.lineId,
    listMinor: w.list,
    discountMinor: w.list - w.net,
    netMinor: w.net,
    discounts: w.discounts,
  }));
  let lineDiscounts = 0n;
  for (const l of lines) {
    assert(l.netMinor >= 0n, `pricing: line ${l.lineId} net is negative`);
    assert(l.netMinor === l.listMinor - l.discountMinor, `pricing: line ${l.lineId} net ≠ list − discount`);
    const parts = l.discounts.reduce((s, d) => {
      assert(d.amountMinor > 0n, `pricing: line ${l.lineId} has an empty discount record`);
      return s + d.amountMinor;
    }, 0n);
    assert(parts === l.discountMinor, `pricing: line ${l.lineId} discount ≠ Σ of its discount records`);
    lineDiscounts += l.discountMinor;
  }
  assert(lineDiscounts === ruleTotal, 'pricing: Σ line discounts ≠ Σ applied amounts');
  const perMerchant = merchantTotals(work, lines);
  return { lines, perMerchant, applied: { coupons: appliedCoupons, promotions: appliedPromotions }, refused };
}

// ---------------------------------------------------------------- rule amounts

function promotionParts(p: Promotion, eligible: Work[]): Part[] {
  switch (p.kind) {
    case 'category_discount':
      return eligible.map((w) => [w, percentOf(w.net, p.percentBps!)] as const);
    case 'buy_x_get_y':
      return buyXGetY(BigInt(p.buyX!), BigInt(p.getY!), eligible);
    case 'spend_and_save': {
      if (new Set(eligible.map((w) => w.line.currency)).size > 1) return [];
      const spend = eligible.reduce((s, w) => s + w.net, 0n);
      if (spend < p.thresholdMinor!) return [];
      return spreadOver(p.saveMinor!, eligible);
    }
  }
}

function couponParts(c: Coupon, eligible: Work[]): Part[] {
  if (c.kind === 'fixed') return spreadOver(c.amountMinor!, eligible);
  const parts = eligible.map((w) => [w, percentOf(w.net, c.percentBps!)] as const);
  const sum = parts.reduce((s, [, a]) => s + a, 0n);
  if (c.capMinor !== undefined && sum > c.capMinor) return spreadOver(c.capMinor, eligible);
  return parts;
}

/** An order-level amount, clamped to the lines' net sum, spread in proportion to their current net. */
function spreadOver(amount: bigint, eligible: Work[]): Part[] {
  const available = eligible.reduce((s, w) => s + w.net, 0n);
  const clamped = amount < available ? amount : available;
  const parts = spread(
    clamped,
    eligible.map((w) => ({ key: w.line.lineId, weight: w.net })),
  );
  return eligible.map((w, i) => [w, parts[i]!] as const);
}

/** Per (merchant, variant, currency): of every buyX + getY units, getY are free, cheapest units first. */
function buyXGetY(buyX: bigint, getY: bigint, eligible: Work[]): Part[] {
  const groups = new Map<string, Work[]>();
  for (const w of eligible) {
    const key = JSON.stringify([w.line.merchantId, w.line.variantId, w.line.currency]);
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const parts: Part[] = [];
  for (const group of groups.values()) {
    const units = group.reduce((s, w) => s + BigInt(w.line.qty), 0n);
    let free = (units / (buyX + getY)) * getY;
    const cheapestFirst = [...group].sort((a, b) =>
      a.line.unitPriceMinor < b.line.unitPriceMinor ? -1 : a.line.unitPriceMinor > b.line.unitPriceMinor ? 1 : byLineId(a, b),
    );
    for (const w of cheapestFirst) {
      if (free === 0n) break;
      const qty = BigInt(w.line.qty);
      const n = free < qty ? free : qty;
      free -= n;
      const value = n * w.line.unitPriceMinor;
      parts.push([w, value < w.net ? value : w.net]); // clamped: an earlier promotion may have taken some
    }
  }
  return parts;
}

const byLineId = (a: Work, b: Work) => (a.line.lineId < b.line.lineId ? -1 : a.line.lineId > b.line.lineId ? 1 : 0);

function inScope(rule: { merchantId?: string; applies?: Applies }, l: CartLine): boolean {
  if (rule.merchantId !== undefined && l.merchantId !== rule.merchantId) return false;
  const a = rule.applies;
  if (a === undefined) return true;
  if (a.productIds !== undefined && !a.productIds.includes(l.productId)) return false;
  if (a.categoryIds !== undefined && (l.categoryId === null || !a.categoryIds.includes(l.categoryId))) return false;
  if (a.merchantIds !== undefined && !a.merchantIds.includes(l.merchantId)) return false;
  return true;
}

/** Half-open window: validFrom ≤ now < validUntil. */
function windowProblem(rule: { validFrom?: string; validUntil?: string }, now: Date): 'not_yet_valid' | 'expired' | null {
  const t = now.getTime();
  if (rule.validFrom !== undefined && t < Date.parse(rule.validFrom)) return 'not_yet_valid';
  if (rule.validUntil !== undefined && t >= Date.parse(rule.validUntil)) return 'expired';
  return null;
}

function merchantTotals(work: Work[], lines: PricedLine[]): MerchantTotals[] {
  const rows = new Map<string, MerchantTotals>();
  work.forEach((w, i) => {
    const l = lines[i]!;
    const key = JSON.stringify([w.line.merchantId, w.line.currency]);
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        merchantId: w.line.merchantId,
        currency: w.line.currency,
        listMinor: 0n,
        discountMinor: 0n,
        netMinor: 0n,
        platformFundedMinor: 0n,
        merchantFundedMinor: 0n,
      };
      rows.set(key, row);
    }
    row.listMinor += l.listMinor;
    row.discountMinor += l.discountMinor;
    row.netMinor += l.netMinor;
    for (const d of l.discounts) {
      if (d.funder === 'platform') row.platformFundedMinor += d.amountMinor;
      else row.merchantFundedMinor += d.amountMinor;
    }
  });
  const out = [...rows.values()].sort((a, b) =>
    a.merchantId < b.merchantId ? -1 : a.merchantId > b.merchantId ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
  );
  const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
  for (const currency of new Set(work.map((w) => w.line.currency))) {
    const ls = lines.filter((_, i) => work[i]!.line.currency === currency);
    const ms = out.filter((m) => m.currency === currency);
    assert(sum(ms.map((m) => m.listMinor)) === sum(ls.map((l) => l.listMinor)), `pricing: ${currency} merchant list ≠ line list`);
    assert(sum(ms.map((m) => m.discountMinor)) === sum(ls.map((l) => l.discountMinor)), `pricing: ${currency} merchant discount ≠ line discount`);
    assert(sum(ms.map((m) => m.netMinor)) === sum(ls.map((l) => l.netMinor)), `pricing: ${currency} merchant net ≠ line net`);
  }
  for (const m of out) {
    assert(m.netMinor === m.listMinor - m.discountMinor, `pricing: merchant ${m.merchantId} net ≠ list − discount`);
    assert(m.platformFundedMinor + m.merchantFundedMinor === m.discountMinor, `pricing: merchant ${m.merchantId} funding ≠ discount`);
  }
  return out;
}

// ---------------------------------------------------------------- input checks (bad input → DomainError)

const badCart = (why: string) => new DomainError('pricing.bad_cart', why, 400);
const badRule = (why: string) => new DomainError('pricing.bad_rule', why, 400);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isAmount = (v: unknown, min: bigint): v is bigint => typeof v === 'bigint' && v >= min && v <= AMOUNT_MAX;

function checkCart(cart: CartLine[]): Work[] {
  if (cart.length > PRICING_LINES_MAX) throw badCart(`at most ${PRICING_LINES_MAX} lines`);
  const ids = new Set<string>();
  return cart.map((line) => {
    const id = line.lineId;
    if (!isId(id)) throw badCart('lineId must be a non-empty string');
    if (ids.has(id)) throw badCart(`line ${id} given twice`);
    ids.add(id);
    if (!isId(line.merchantId) || !isId(line.productId) || !isId(line.variantId)) {
      throw badCart(`line ${id}: merchantId, productId and variantId must be non-empty strings`);
    }
    if (line.categoryId !== null && !isId(line.categoryId)) throw badCart(`line ${id}: categoryId must be a non-empty string or null`);
    if (!Number.isSafeInteger(line.qty) || line.qty <= 0) throw badCart(`line ${id}: qty must be a positive integer`);
    if (!isAmount(line.unitPriceMinor, 0n)) throw badCart(`line ${id}: unitPriceMinor must be a bigint in 0..${AMOUNT_MAX}`);
    try {
      parseCurrency(line.currency);
    } catch {
      throw badCart(`line ${id}: currency must be an active ISO 4217 code`);
    }
    const list = BigInt(line.qty) * line.unitPriceMinor;
    if (list > AMOUNT_MAX) throw badCart(`line ${id}: qty × unit price is beyond ${AMOUNT_MAX}`);
    return { line, list, net: list, discounts: [] };
  });
}

function checkCommon(what: string, r: Coupon | Promotion): void {
  if (r.funder !== 'platform' && r.funder !== 'merchant') throw badRule(`${what}: funder must be platform or merchant`);
  if (r.merchantId !== undefined && !isId(r.merchantId)) throw badRule(`${what}: merchantId must be a non-empty string`);
  if (r.funder === 'merchant' && r.merchantId === undefined) throw badRule(`${what}: a merchant-funded rule needs its merchantId`);
  const from = r.validFrom === undefined ? undefined : Date.parse(r.validFrom);
  const until = r.validUntil === undefined ? undefined : Date.parse(r.validUntil);
  if (Number.isNaN(from) || Number.isNaN(until)) throw badRule(`${what}: validFrom / validUntil must be ISO 8601 times`);
  if (from !== undefined && until !== undefined && from >= until) throw badRule(`${what}: validFrom must be before validUntil`);
  for (const list of [r.applies?.productIds, r.applies?.categoryIds, r.applies?.merchantIds]) {
    if (list !== undefined && (!Array.isArray(list) || !list.every(isId))) throw badRule(`${what}: applies lists hold non-empty ids`);
  }
}

const isBps = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= BPS_SCALE;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

function checkCoupon(c: Coupon): void {
  if (!isId(c.code)) throw badRule('coupon code must be a non-empty string');
  const what = `coupon ${c.code}`;
  checkCommon(what, c);
  if (typeof c.stackable !== 'boolean') throw badRule(`${what}: stackable must be a boolean`);
  if (c.minSpendMinor !== undefined && !isAmount(c.minSpendMinor, 0n)) throw badRule(`${what}: minSpendMinor must be a bigint ≥ 0`);
  if (c.kind === 'fixed') {
    if (!isAmount(c.amountMinor, 1n)) throw badRule(`${what}: a fixed coupon needs amountMinor > 0`);
  } else if (c.kind === 'percent') {
    if (!isBps(c.percentBps)) throw badRule(`${what}: a percent coupon needs percentBps in 1..${BPS_SCALE}`);
    if (c.capMinor !== undefined && !isAmount(c.capMinor, 1n)) throw badRule(`${what}: capMinor must be a bigint > 0`);
  } else {
    throw badRule(`${what}: kind must be fixed or percent`);
  }
}

function checkPromotion(p: Promotion): void {
  if (!isId(p.id)) throw badRule('promotion id must be a non-empty string');
  const what = `promotion ${p.id}`;
  checkCommon(what, p);
  if (p.kind === 'category_discount') {
    if (!isBps(p.percentBps)) throw badRule(`${what}: a category discount needs percentBps in 1..${BPS_SCALE}`);
  } else if (p.kind === 'buy_x_get_y') {
    if (!isCount(p.buyX) || !isCount(p.getY)) throw badRule(`${what}: buy X get Y needs positive integers buyX and getY`);
  } else if (p.kind === 'spend_and_save') {
    if (!isAmount(p.thresholdMinor, 0n)) throw badRule(`${what}: spend and save needs thresholdMinor ≥ 0`);
    if (!isAmount(p.saveMinor, 1n)) throw badRule(`${what}: spend and save needs saveMinor > 0`);
  } else {
    throw badRule(`${what}: kind must be category_discount, buy_x_get_y or spend_and_save`);
  }
}
