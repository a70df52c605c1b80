// Read-only figures over a merchant's orders for merchant analytics (the analytics module may not
// read orders tables itself). "Sold" = placed in [from, to), paid, and not cancelled, rejected or
// refunded. Amounts are exact: sums are taken as text by the database and read as bigint.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/index.ts';
import type { OrderDocument } from './document.ts';
import type { OrderState } from './flow.ts';

type Reader = Kysely<Database> | Transaction<Database>;

/** Paid orders in these states did not result in a sale (or were undone). */
export const UNSOLD_STATES: readonly OrderState[] = ['cancelled', 'rejected', 'refunded'];

export interface CurrencySales {
  currency: string;
  orders: number;
  /** Distinct buyers with a sold order in this currency. */
  buyers: number;
  totalMinor: bigint;
}

export interface MerchantSales {
  orders: number;
  buyers: number;
  /** Buyers with two or more sold orders in the period. */
  repeatBuyers: number;
  byCurrency: CurrencySales[];
}

export interface DailySales {
  /** UTC day, YYYY-MM-DD */
  day: string;
  orders: number;
  buyers: number;
  byCurrency: CurrencySales[];
}

export interface ProductSales {
  sku: string;
  /** The line's name in the newest order of the period. */
  name: string;
  units: number;
  buyers: number;
  /** Σ qty × unitPriceMinor per currency (before order-level discounts and shipping). */
  revenue: { currency: string; minor: bigint }[];
}

const PAGE = 1000;
const big = (v: unknown): bigint => BigInt(String(v ?? '0'));

/** Sold-order figures of one merchant; each method is a few aggregate queries. */
export class OrderAnalytics {
  constructor(private readonly db: Reader) {}

  private sold(merchantId: string, from: string, to: string) {
    return this.db
      .selectFrom('orders_order')
      .where('merchant_id', '=', merchantId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .where('paid', '=', 1)
      .where('state', 'not in', [...UNSOLD_STATES]);
  }

  async sales(merchantId: string, from: string, to: string): Promise<MerchantSales> {
    const rows = await this.sold(merchantId, from, to)
      .select((eb) => ['currency', eb.fn.countAll().as('orders'), eb.fn.count('buyer_id').distinct().as('buyers'), sql<string>`cast(sum(total_minor) as text)`.as('total')])
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    const perBuyer = this.sold(merchantId, from, to).select((eb) => ['buyer_id', eb.fn.countAll().as('n')]).groupBy('buyer_id');
    const b = await this.db
      .selectFrom(perBuyer.as('b'))
      .select((eb) => [eb.fn.countAll().as('buyers'), sql<number>`coalesce(sum(case when b.n >= 2 then 1 else 0 end), 0)`.as('repeat')])
      .executeTakeFirstOrThrow();
    const byCurrency = rows.map((r) => ({ currency: r.currency, orders: Number(r.orders), buyers: Number(r.buyers), totalMinor: big(r.total) }));
    const out = { orders: byCurrency.reduce((s, c) => s + c.orders, 0), buyers: Number(b.buyers), repeatBuyers: Number(b.repeat), byCurrency };
    assert(out.repeatBuyers <= out.buyers && out.buyers <= out.orders, 'orders analytics: buyer counts out of range');
    return out;
  }

  async daily(merchantId: string, from: string, to: string): Promise<DailySales[]> {
    const day = sql<string>`substr(created_at, 1, 10)`;
    const rows = await this.sold(merchantId, from, to)
      .select((eb) => [day.as('day'), 'currency', eb.fn.countAll().as('orders'), eb.fn.count('buyer_id').distinct().as('buyers'), sql<string>`cast(sum(total_minor) as text)`.as('total')])
      .groupBy([day, 'currency'])
      .execute();
    const buyers = await this.sold(merchantId, from, to)
      .select((eb) => [day.as('day'), eb.fn.count('buyer_id').distinct().as('buyers')])
      .groupBy(day)
      .execute();
    const days = new Map<string, DailySales>(buyers.map((r) => [r.day, { day: r.day, orders: 0, buyers: Number(r.buyers), byCurrency: [] }]));
    for (const r of rows) {
      const d = days.get(r.day);
      assert(d !== undefined, `orders analytics: day ${r.day} without buyers`);
      d.orders += Number(r.orders);
      d.byCurrency.push({ currency: r.currency, orders: Number(r.orders), buyers: Number(r.buyers), totalMinor: big(r.total) });
    }
    for (const d of days.values()) d.byCurrency.sort((a, b) => a.currency.localeCompare(b.currency));
    return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  }

  /** Per SKU: units, distinct buyers and revenue, from the sold orders' documents (read page by page). */
  async products(merchantId: string, from: string, to: string): Promise<ProductSales[]> {
    const acc = new Map<string, { sku: string; name: string; nameAt: string; units: number; buyers: Set<string>; revenue: Map<string, bigint> }>();
    let after = '';
    for (;;) {
      const page = await this.sold(merchantId, from, to)
        .select(['id', 'buyer_id', 'created_at', 'document'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute();
      for (const o of page) {
        const doc = JSON.parse(o.document) as Pick<OrderDocument, 'items'>;
        for (const line of doc.items) {
          let p = acc.get(line.sku);
          if (!p) acc.set(line.sku, (p = { sku: line.sku, name: line.name, nameAt: o.created_at, units: 0, buyers: new Set(), revenue: new Map() }));
          if (o.created_at > p.nameAt) Object.assign(p, { name: line.name, nameAt: o.created_at });
          assert(Number.isSafeInteger(line.qty) && line.qty > 0, `orders analytics: order ${o.id} has a line of ${line.qty} units`);
          p.units += line.qty;
          p.buyers.add(o.buyer_id);
          p.revenue.set(line.currency, (p.revenue.get(line.currency) ?? 0n) + BigInt(line.qty) * BigInt(line.unitPriceMinor));
        }
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    return [...acc.values()].map((p) => ({
      sku: p.sku,
      name: p.name,
      units: p.units,
      buyers: p.buyers.size,
      revenue: [...p.revenue].sort(([a], [b]) => a.localeCompare(b)).map(([currency, minor]) => ({ currency, minor })),
    }));
  }
}
