import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const analyticsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-analytics-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('analytics_event')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text')
        .addColumn('merchant_id', 'text')
        .addColumn('query', 'text')
        .addColumn('list', 'text')
        .addColumn('basket_id', 'text')
        .addColumn('client_event_id', 'text')
        .addColumn('for_analytics', 'integer', (c) => c.notNull().check(sql`for_analytics in (0, 1)`))
        .addColumn('for_personalisation', 'integer', (c) => c.notNull().check(sql`for_personalisation in (0, 1)`))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        // A client retrying a batch stores each event once.
        .addUniqueConstraint('analytics_event_client_id', ['subject', 'client_event_id'])
        // Nothing is kept without a purpose the subject consented to.
        .addCheckConstraint('analytics_event_purpose', sql`for_analytics = 1 or for_personalisation = 1`)
        .addCheckConstraint('analytics_event_kind', sql`kind in ('view', 'search', 'cart_add', 'purchase', 'rec_shown', 'rec_clicked')`)
        .addCheckConstraint('analytics_event_subject', sql`subject like 'ps%'`)
        .execute();
      await db.schema.createIndex('analytics_event_subject_id').on('analytics_event').columns(['subject', 'id']).execute();
      await db.schema.createIndex('analytics_event_merchant').on('analytics_event').columns(['merchant_id', 'kind', 'at']).execute();
      await db.schema.createIndex('analytics_event_at').on('analytics_event').column('at').execute();
    },
  },
});
