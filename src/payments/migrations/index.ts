import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const paymentsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-payments-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('payments_payment')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('order', 'top_up')`))
        .addColumn('order_id', 'text')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount > 0`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('provider_ref', 'text')
        .addColumn('provider_txn_id', 'text')
        .addColumn('client_params', 'text')
        .addColumn('refunded', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failure', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('payments_payment_refunded', sql`refunded >= 0 and refunded <= amount`)
        .addCheckConstraint('payments_payment_order', sql`(purpose = 'order') = (order_id is not null)`)
        .execute();
      await db.schema.createIndex('payments_payment_order').on('payments_payment').columns(['order_id', 'created_at']).execute();
      await db.schema.createIndex('payments_payment_open').on('payments_payment').columns(['state', 'created_at']).execute();
      await db.schema.createIndex('payments_payment_user').on('payments_payment').columns(['user_id', 'created_at']).execute();

      // Every callback that reached us: accepted, duplicate, flagged or rejected, with its reason.
      await db.schema
        .createTable('payments_callback')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text')
        .addColumn('payment_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('accepted', 'duplicate', 'flagged', 'rejected')`))
        .addColumn('reason', 'text')
        .addColumn('body_sha256', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      // The provider's event id is processed once: the unique index is the dedupe, also across instances.
      await db.schema.createTable('payments_event')
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('payment_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('payments_event_pk', ['provider', 'event_id'])
        .execute();
      await db.schema.createIndex('payments_callback_payment').on('payments_callback').columns(['payment_id', 'seq']).execute();

      await db.schema
        .createTable('payments_refund')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('payment_id', 'text', (c) => c.notNull().references('payments_payment.id'))
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount > 0`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'succeeded', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payments_refund_due').on('payments_refund').columns(['state', 'next_attempt_at']).execute();
    },
  },
});
