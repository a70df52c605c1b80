import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const ordersMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-orders-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('orders_checkout')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('order_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('orders_checkout_buyer').on('orders_checkout').columns(['buyer_id', 'created_at']).execute();

      await db.schema
        .createTable('orders_order')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('number', 'text', (c) => c.notNull().unique())
        .addColumn('checkout_id', 'text', (c) => c.notNull().references('orders_checkout.id'))
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('prepaid', 'pay_on_receipt')`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('total_minor', t.bigint, (c) => c.notNull().check(sql`total_minor >= 0`))
        .addColumn('commission_minor', t.bigint, (c) => c.notNull().check(sql`commission_minor >= 0 and commission_minor <= total_minor`))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('paid', 'integer', (c) => c.notNull())
        .addColumn('overdue', 'integer', (c) => c.notNull())
        // The flow's facts as JSON (bigints as strings); the columns above and below are their indexed copies.
        .addColumn('facts', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        // The order document holds the shipping address: personal data, here and in receipts, never in the ledger.
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('commitment', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text') // the next deadline a background job acts on, if any
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('orders_order_buyer').on('orders_order').columns(['buyer_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('orders_order_merchant').on('orders_order').columns(['merchant_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('orders_order_checkout').on('orders_order').column('checkout_id').execute();
      await db.schema.createIndex('orders_order_due').on('orders_order').columns(['state', 'due_at']).execute();
      await db.schema.createIndex('orders_order_unpaid').on('orders_order').columns(['buyer_id', 'merchant_id', 'mode', 'paid']).execute();

      await db.schema
        .createTable('orders_event')
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders_order.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        // The ledger entry: its queue id until integrated (PostgreSQL), the leaf index itself on SQLite.
        .addColumn('queue_id', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('orders_event_pk', ['order_id', 'seq'])
        .execute();

      await db.schema
        .createTable('orders_cart_item')
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('variant_id', 'text', (c) => c.notNull())
        .addColumn('qty', 'integer', (c) => c.notNull().check(sql`qty > 0`))
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('orders_cart_item_pk', ['buyer_id', 'variant_id'])
        .execute();
    },
  },
  '2026-11-26-orders-subsidy': {
    // The part of an order's discounts the platform funds (platform coupons): paid into escrow by the
    // platform beside the buyer's payment, so the merchant is paid as if the buyer had paid it.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('orders_order').addColumn('platform_funded_minor', t.bigint, (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '2026-11-26-orders-sealed-address': {
    // The shipping address (with its commitment salt) sealed with the buyer's data key; the document
    // keeps only the address commitment, so erasing the buyer leaves every order verifiable.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('orders_order').addColumn('address_sealed', 'text').execute();
    },
  },
  '2026-11-26-orders-state-lists': {
    // "My orders" and the merchant's work queue filter by state: without the state in the index the
    // database walks every order of the buyer or merchant to find the few in that state (a soak showed
    // the query growing from 0.6 to 4 ms within three minutes).
    async up(db: Kysely<any>) {
      await db.schema.createIndex('orders_order_buyer_state').on('orders_order').columns(['buyer_id', 'state', 'created_at', 'id']).execute();
      await db.schema.createIndex('orders_order_merchant_state').on('orders_order').columns(['merchant_id', 'state', 'created_at', 'id']).execute();
    },
  },
});
