import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const notificationsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-notifications-init': {
    async up(db: Kysely<any>) {
      const serial = (c: any) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey());
      await db.schema
        .createTable('notifications_notice')
        // seq orders the notices and is the SSE event id; id is the public name.
        .addColumn('seq', t.serial, serial)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('audience_user_id', 'text')
        .addColumn('audience_merchant_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('read_at', 'text')
        .addCheckConstraint('notifications_notice_one_audience', sql`(audience_user_id is null) <> (audience_merchant_id is null)`)
        .execute();
      await db.schema.createIndex('notifications_notice_user').on('notifications_notice').columns(['audience_user_id', 'seq']).execute();
      await db.schema.createIndex('notifications_notice_merchant').on('notifications_notice').columns(['audience_merchant_id', 'seq']).execute();

      await db.schema
        .createTable('notifications_webhook_endpoint')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notifications_webhook_endpoint_merchant').on('notifications_webhook_endpoint').columns(['merchant_id', 'created_at']).execute();

      await db.schema
        .createTable('notifications_webhook_delivery')
        .addColumn('seq', t.serial, serial)
        // The webhook-id header: the same on every attempt, the receiver's idempotency key.
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('notifications_webhook_endpoint.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'delivered', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('notifications_webhook_delivery_due', sql`(state = 'pending') = (next_attempt_at is not null)`)
        .execute();
      await db.schema.createIndex('notifications_webhook_delivery_endpoint').on('notifications_webhook_delivery').columns(['endpoint_id', 'seq']).execute();
      await db.schema
        .createIndex('notifications_webhook_delivery_due')
        .on('notifications_webhook_delivery')
        .column('next_attempt_at')
        .where(sql.ref('state'), '=', 'pending')
        .execute();
    },
  },
});
