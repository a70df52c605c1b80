import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const adsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-ads-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ads_campaign')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('product_ids', 'text', (c) => c.notNull())
        .addColumn('keywords', 'text', (c) => c.notNull())
        .addColumn('category_ids', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('bid_minor', t.bigint, (c) => c.notNull().check(sql`bid_minor > 0`))
        .addColumn('daily_budget_minor', t.bigint, (c) => c.notNull().check(sql`daily_budget_minor > 0`))
        .addColumn('total_budget_minor', t.bigint, (c) => c.notNull().check(sql`total_budget_minor > 0`))
        .addColumn('spent_total', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('spent_today', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('day_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'paused', 'ended', 'exhausted')`))
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        // The service's conditional UPDATE refuses first; the database is the last line.
        .addCheckConstraint('ads_campaign_spend', sql`spent_total >= 0 and spent_today >= 0 and spent_total <= total_budget_minor and spent_today <= daily_budget_minor`)
        .execute();
      await db.schema.createIndex('ads_campaign_merchant').on('ads_campaign').columns(['merchant_id', 'seq']).execute();
      await db.schema.createIndex('ads_campaign_status').on('ads_campaign').columns(['status', 'starts_at']).execute();

      await db.schema
        .createTable('ads_impression_daily')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('impressions', t.bigint, (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('ads_impression_daily_pk', ['campaign_id', 'day'])
        .execute();

      await db.schema
        .createTable('ads_click')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('viewer_key', 'text')
        .addColumn('user_id', 'text')
        .addColumn('price_minor', t.bigint, (c) => c.notNull())
        .addColumn('charged', 'integer', (c) => c.notNull().check(sql`charged in (0, 1)`))
        .addColumn('reason', 'text')
        .addColumn('transfer_id', 'text')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('ads_click_shape', sql`(charged = 1) = (transfer_id is not null) and (charged = 1) = (reason is null)`)
        .execute();
      await db.schema.createIndex('ads_click_campaign').on('ads_click').columns(['campaign_id', 'day']).execute();
      await db.schema.createIndex('ads_click_user').on('ads_click').columns(['user_id', 'created_at']).execute();

      await db.schema
        .createTable('ads_click_guard')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('viewer_key', 'text', (c) => c.notNull())
        .addColumn('blocked_until', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ads_click_guard_pk', ['campaign_id', 'product_id', 'viewer_key'])
        .execute();
    },
  },
});
