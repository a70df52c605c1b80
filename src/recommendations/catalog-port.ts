// The catalog read recommendations need on every request: which of ~50 products the public may
// see, and their names, in one query. The catalog service has no bulk read yet (catalog.product is
// three queries per product), so this reads its tables, read-only, like reviews does; it belongs in
// CatalogService once it has one.
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { RecsCatalogPort } from './service.ts';

export function catalogProducts(db: Kysely<Database>): RecsCatalogPort {
  return {
    async publicProducts(productIds) {
      const ids = [...new Set(productIds)];
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('catalog_product as p')
        .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
        .select(['p.id', 'p.title'])
        .where('p.id', 'in', ids)
        .where('p.status', '=', 'active')
        .where('m.status', '=', 'active')
        .execute();
      return new Map(rows.map((r) => [r.id, { name: r.title }]));
    },
  };
}
