import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const reviewsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-reviews-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('reviews_review')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('variant_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('rating', 'integer', (c) => c.notNull().check(sql`rating between 1 and 5`))
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('photos', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0).check(sql`hidden in (0, 1)`))
        .addColumn('hidden_reason', 'text')
        .addColumn('reply_text', 'text')
        .addColumn('reply_hash', 'text')
        .addColumn('reply_by', 'text')
        .addColumn('replied_at', 'text')
        .addColumn('reply_updated_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        // Once per order line, whatever races.
        .addUniqueConstraint('reviews_review_order_line', ['order_id', 'sku'])
        .addCheckConstraint('reviews_review_hidden_reason', sql`(hidden = 1) = (hidden_reason is not null)`)
        .addCheckConstraint('reviews_review_reply_shape', sql`(reply_text is null) = (reply_hash is null) and (reply_text is null) = (replied_at is null)`)
        .execute();
      await db.schema.createIndex('reviews_review_product').on('reviews_review').columns(['product_id', 'hidden', 'seq']).execute();
      await db.schema.createIndex('reviews_review_buyer').on('reviews_review').columns(['buyer_id', 'seq']).execute();
      await db.schema.createIndex('reviews_review_merchant').on('reviews_review').columns(['merchant_id', 'seq']).execute();
    },
  },
});
