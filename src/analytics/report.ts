// Merchant analytics as answered: order figures and funnel counts in, k-anonymity applied. Pure.
import type { DailySales, MerchantSales, ProductSales } from '../orders/index.ts';
import { averageMinor, daysOf, funnel, ratio, suppressed, type FunnelStep } from './rules.ts';

export const TOP_PRODUCTS = 10;

export interface CurrencyFigures {
  currency: string;
  totalMinor: string | null;
  orderCount: number | null;
  averageOrderMinor: string | null;
  suppressed: boolean;
}

export interface SalesFigures {
  orderCount: number | null;
  buyers: number | null;
  byCurrency: CurrencyFigures[];
  suppressed: boolean;
}

export interface TopProduct {
  sku: string;
  name: string;
  units: number | null;
  buyers: number | null;
  revenue: { currency: string; minor: string }[] | null;
  suppressed: boolean;
}

export interface RepeatBuyers {
  buyers: number | null;
  repeatBuyers: number | null;
  rate: string | null;
  suppressed: boolean;
}

export interface MerchantReport {
  merchantId: string;
  from: string;
  to: string;
  minGroup: number;
  sales: SalesFigures;
  funnel: FunnelStep[];
  topProducts: TopProduct[];
  repeatBuyers: RepeatBuyers;
}

export interface DayFigures {
  date: string;
  orderCount: number | null;
  buyers: number | null;
  sales: { currency: string; totalMinor: string }[] | null;
  suppressed: boolean;
}

export interface MerchantDaily {
  merchantId: string;
  from: string;
  to: string;
  minGroup: number;
  days: DayFigures[];
}

export function currencyFigures(c: MerchantSales['byCurrency'][number], minGroup: number, groupHidden: boolean): CurrencyFigures {
  const hidden = groupHidden || suppressed(c.buyers, minGroup);
  return hidden
    ? { currency: c.currency, totalMinor: null, orderCount: null, averageOrderMinor: null, suppressed: true }
    : { currency: c.currency, totalMinor: c.totalMinor.toString(), orderCount: c.orders, averageOrderMinor: averageMinor(c.totalMinor, c.orders), suppressed: false };
}

export function salesFigures(s: MerchantSales, minGroup: number): SalesFigures {
  const hidden = suppressed(s.buyers, minGroup);
  return {
    orderCount: hidden ? null : s.orders,
    buyers: hidden ? null : s.buyers,
    byCurrency: s.byCurrency.map((c) => currencyFigures(c, minGroup, hidden)),
    suppressed: hidden,
  };
}

export function repeatBuyers(s: MerchantSales, minGroup: number): RepeatBuyers {
  if (suppressed(s.buyers, minGroup)) return { buyers: null, repeatBuyers: null, rate: null, suppressed: true };
  return { buyers: s.buyers, repeatBuyers: s.repeatBuyers, rate: ratio(s.repeatBuyers, s.buyers), suppressed: false };
}

/**
 * The best sellers by units (then revenue, then SKU). A product bought by too few buyers shows no
 * figures and is listed after those shown, so its rank gives its volume away neither.
 */
export function topProducts(products: readonly ProductSales[], minGroup: number, max = TOP_PRODUCTS): TopProduct[] {
  const shown = products.filter((p) => !suppressed(p.buyers, minGroup));
  const hidden = products.filter((p) => suppressed(p.buyers, minGroup));
  const revenueOf = (p: ProductSales) => p.revenue.reduce((s, r) => s + r.minor, 0n);
  shown.sort((a, b) => b.units - a.units || (revenueOf(b) > revenueOf(a) ? 1 : revenueOf(b) < revenueOf(a) ? -1 : 0) || a.sku.localeCompare(b.sku));
  hidden.sort((a, b) => a.sku.localeCompare(b.sku));
  return [
    ...shown.map((p) => ({ sku: p.sku, name: p.name, units: p.units, buyers: p.buyers, revenue: p.revenue.map((r) => ({ currency: r.currency, minor: r.minor.toString() })), suppressed: false })),
    ...hidden.map((p) => ({ sku: p.sku, name: p.name, units: null, buyers: null, revenue: null, suppressed: true })),
  ].slice(0, max);
}

export function merchantReport(
  head: { merchantId: string; from: string; to: string; minGroup: number },
  sales: MerchantSales,
  products: readonly ProductSales[],
  funnelCounts: readonly [number, number, number],
): MerchantReport {
  return {
    ...head,
    sales: salesFigures(sales, head.minGroup),
    funnel: funnel(funnelCounts, head.minGroup),
    topProducts: topProducts(products, head.minGroup),
    repeatBuyers: repeatBuyers(sales, head.minGroup),
  };
}

/** Every UTC day of the period, days without orders as zeros; a day of 1..k−1 buyers withheld. */
export function merchantDaily(head: { merchantId: string; from: string; to: string; minGroup: number }, days: readonly DailySales[]): MerchantDaily {
  const byDay = new Map(days.map((d) => [d.day, d]));
  return {
    ...head,
    days: daysOf(head.from, head.to).map((date) => {
      const d = byDay.get(date);
      if (!d) return { date, orderCount: 0, buyers: 0, sales: [], suppressed: false };
      if (suppressed(d.buyers, head.minGroup)) return { date, orderCount: null, buyers: null, sales: null, suppressed: true };
      return { date, orderCount: d.orders, buyers: d.buyers, sales: d.byCurrency.map((c) => ({ currency: c.currency, totalMinor: c.totalMinor.toString() })), suppressed: false };
    }),
  };
}
