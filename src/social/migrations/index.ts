import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const socialMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-social-init': {
    async up(db: Kysely<any>) {
      const serial = (c: any) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey());
      await db.schema
        .createTable('social_follow')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('social_follow_pk', ['user_id', 'merchant_id'])
        .execute();
      await db.schema.createIndex('social_follow_merchant').on('social_follow').columns(['merchant_id']).execute();

      await db.schema
        .createTable('social_wishlist')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0).check(sql`public in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('social_wishlist_owner').on('social_wishlist').columns(['owner_id', 'created_at']).execute();
      await db.schema
        .createTable('social_wishlist_item')
        .addColumn('wishlist_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('social_wishlist_item_pk', ['wishlist_id', 'product_id'])
        .execute();

      await db.schema
        .createTable('social_referral_link')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('referrer_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('social_referral_link_referrer').on('social_referral_link').columns(['referrer_id', 'created_at']).execute();
      await db.schema
        .createTable('social_referral_visit')
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('referrer_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('visited_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('social_referral_visit_pk', ['link_id', 'buyer_id'])
        .execute();
      await db.schema.createIndex('social_referral_visit_buyer').on('social_referral_visit').columns(['buyer_id', 'product_id', 'visited_at']).execute();
      await db.schema
        .createTable('social_referral_reward')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('link_id', 'text', (c) => c.notNull())
        .addColumn('referrer_id', 'text', (c) => c.notNull())
        .addColumn('buyer_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('points', t.bigint, (c) => c.notNull().check(sql`points > 0`))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('granted', 'reversed')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('reversed_at', 'text')
        .addCheckConstraint('social_referral_reward_not_self', sql`referrer_id <> buyer_id`)
        .execute();
      await db.schema.createIndex('social_referral_reward_link').on('social_referral_reward').columns(['link_id']).execute();

      await db.schema
        .createTable('social_question')
        .addColumn('seq', t.serial, serial)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0).check(sql`hidden in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('social_question_product').on('social_question').columns(['product_id', 'hidden', 'seq']).execute();
      await db.schema
        .createTable('social_answer')
        .addColumn('seq', t.serial, serial)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('question_id', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('badge', 'text', (c) => c.notNull().check(sql`badge in ('seller', 'verified_buyer')`))
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0).check(sql`hidden in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('social_answer_question').on('social_answer').columns(['question_id', 'seq']).execute();
    },
  },
});
