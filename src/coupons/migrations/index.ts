import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const couponsMigrations = (_t: Ddl): Record<string, Migration> => ({
  '2026-11-26-coupons-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('coupons_coupon')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('funder', 'text', (c) => c.notNull().check(sql`funder in ('platform', 'merchant')`))
        .addColumn('merchant_id', 'text')
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('total_limit', 'integer', (c) => c.check(sql`total_limit is null or total_limit >= 1`))
        .addColumn('per_user_limit', 'integer', (c) => c.check(sql`per_user_limit is null or per_user_limit >= 1`))
        .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('coupons_coupon_merchant', sql`(funder = 'merchant') = (merchant_id is not null)`)
        // The conditional increment in use() keeps this; the check makes a bug loud.
        .addCheckConstraint('coupons_coupon_used', sql`used_count >= 0 and (total_limit is null or used_count <= total_limit)`)
        .execute();
      await db.schema.createIndex('coupons_coupon_merchant_code').on('coupons_coupon').columns(['merchant_id', 'code']).execute();
      await db.schema
        .createTable('coupons_use')
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull().check(sql`count >= 1`))
        .addPrimaryKeyConstraint('coupons_use_pk', ['code', 'user_id'])
        .execute();
    },
  },
  '2026-11-26-coupons-promotions': {
    // Automatic promotions: every active one in its window applies at checkout (src/pricing).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('coupons_promotion')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('funder', 'text', (c) => c.notNull().check(sql`funder in ('platform', 'merchant')`))
        .addColumn('merchant_id', 'text')
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('coupons_promotion_merchant', sql`(funder = 'merchant') = (merchant_id is not null)`)
        .execute();
    },
  },
  '2026-11-27-coupons-owner': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('coupons_coupon').addColumn('owner_id', 'text').execute();
    },
  },
});
