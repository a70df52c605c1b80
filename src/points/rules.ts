// Loyalty points: how many an order earns, what a redemption is worth, when points expire. Pure.
// Points are whole numbers; money is integer minor units; nothing here uses floats.
import { assert, DomainError } from '../shared/index.ts';

export interface PointsPromotion {
  /** ISO times; the promotion multiplies points of orders completed in [from, until). */
  from: string;
  until: string;
  /** 200 = double points. */
  multiplierPct: number;
}

export interface PointsRules {
  /** Points per major currency unit spent (1 = one point per yuan). */
  pointsPerMajorUnit: number;
  /** Per category: percent of the base rate (150 = 1.5×; 0 = earns nothing). */
  categoryPct: Record<string, number>;
  promotions: PointsPromotion[];
  /** At most this many points per order (0: no cap). */
  capPerOrder: number;
  /** Earned points expire after this many days. */
  expiryDays: number;
  /** What 100 points are worth at checkout, in minor units of the order's currency. */
  valuePer100PointsMinor: number;
  /** At most this percent of an order's total may be paid with points. */
  redeemMaxPct: number;
}

export const DEFAULT_POINTS_RULES: Readonly<PointsRules> = Object.freeze({
  pointsPerMajorUnit: 1,
  categoryPct: {},
  promotions: [],
  capPerOrder: 10_000,
  expiryDays: 365,
  valuePer100PointsMinor: 100,
  redeemMaxPct: 50,
});

const int = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** The first thing wrong with a rules document, or null. */
export function rulesProblem(r: PointsRules): string | null {
  if (!int(r.pointsPerMajorUnit, 0, 1000)) return 'pointsPerMajorUnit must be a whole number 0..1000';
  if (!int(r.capPerOrder, 0, 10_000_000)) return 'capPerOrder must be a whole number 0..10000000';
  if (!int(r.expiryDays, 1, 3650)) return 'expiryDays must be a whole number 1..3650';
  if (!int(r.valuePer100PointsMinor, 1, 1_000_000)) return 'valuePer100PointsMinor must be a whole number 1..1000000';
  if (!int(r.redeemMaxPct, 0, 100)) return 'redeemMaxPct must be a whole number 0..100';
  if (typeof r.categoryPct !== 'object' || r.categoryPct === null) return 'categoryPct must be an object';
  for (const [k, v] of Object.entries(r.categoryPct)) if (!int(v, 0, 1000)) return `categoryPct.${k} must be a whole percent 0..1000`;
  if (!Array.isArray(r.promotions) || r.promotions.length > 100) return 'promotions must be a list of at most 100';
  for (const p of r.promotions) {
    if (!TIME.test(p.from) || !TIME.test(p.until) || Date.parse(p.from) >= Date.parse(p.until)) return 'a promotion needs from < until as ISO UTC times';
    if (!int(p.multiplierPct, 100, 1000)) return 'a promotion multiplierPct is a whole percent 100..1000';
  }
  return null;
}

export function parseRules(v: unknown): PointsRules {
  const r = { ...DEFAULT_POINTS_RULES, ...(v as object) } as PointsRules;
  const why = rulesProblem(r);
  if (why) throw new DomainError('points.bad_rules', why, 400);
  return r;
}

export interface EarnLine {
  categoryId: string | null;
  /** What the buyer paid for the line, in minor units. */
  paidMinor: bigint;
}

/**
 * Points for an order completed at `at`: per line floor(paid / 10^digits × rate × category%),
 * then the best running promotion multiplies the sum (floored), then the cap.
 */
export function pointsEarned(lines: EarnLine[], digits: number, rules: PointsRules, at: Date): bigint {
  assert(Number.isInteger(digits) && digits >= 0 && digits <= 4, 'points: currency digits out of range');
  const unit = 10n ** BigInt(digits);
  let sum = 0n;
  for (const l of lines) {
    assert(l.paidMinor >= 0n, 'points: negative line');
    const pct = BigInt(l.categoryId !== null && rules.categoryPct[l.categoryId] !== undefined ? rules.categoryPct[l.categoryId]! : 100);
    sum += (l.paidMinor * BigInt(rules.pointsPerMajorUnit) * pct) / (unit * 100n);
  }
  const t = at.getTime();
  const multiplier = rules.promotions.filter((p) => Date.parse(p.from) <= t && t < Date.parse(p.until)).reduce((m, p) => Math.max(m, p.multiplierPct), 100);
  sum = (sum * BigInt(multiplier)) / 100n;
  if (rules.capPerOrder > 0 && sum > BigInt(rules.capPerOrder)) sum = BigInt(rules.capPerOrder);
  return sum;
}

/** Minor units `points` are worth: floor(points × value / 100). */
export const pointsValueMinor = (points: bigint, rules: PointsRules): bigint => (points * BigInt(rules.valuePer100PointsMinor)) / 100n;

/** Why `points` cannot pay part of an order of `totalMinor`, or null. Only whole hundreds keep the value exact. */
export function redeemProblem(points: bigint, totalMinor: bigint, rules: PointsRules): string | null {
  if (points <= 0n) return 'redeem at least 100 points';
  if (points % 100n !== 0n) return 'points are redeemed in hundreds';
  const value = pointsValueMinor(points, rules);
  if (value * 100n > totalMinor * BigInt(rules.redeemMaxPct)) return `points may pay at most ${rules.redeemMaxPct}% of the order`;
  return null;
}

/** A share of redeemed points to give back for a refund of `refund` out of `total`, floored. */
export const pointsBack = (redeemed: bigint, refund: bigint, total: bigint): bigint => {
  assert(total > 0n && refund >= 0n && refund <= total, 'points: refund out of range');
  return (redeemed * refund) / total;
};
