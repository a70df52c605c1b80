import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const catalogMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-catalog-init': {
    async up(db: Kysely<any>) {
      const seq = (name: string) => [name, t.serial, (c: any) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey())] as const;
      const MAX = sql.lit(Number.MAX_SAFE_INTEGER);

      await db.schema
        .createTable('catalog_merchant')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'suspended')`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('pay_on_receipt', 'integer', (c) => c.notNull().defaultTo(0).check(sql`pay_on_receipt in (0, 1)`))
        .addColumn('unpaid_limit', 'integer', (c) => c.notNull().defaultTo(3).check(sql`unpaid_limit >= 0`))
        .addColumn('commission_bps', 'integer', (c) => c.notNull().defaultTo(500).check(sql`commission_bps between 0 and 10000`))
        .addColumn('auto_confirm_days', 'integer', (c) => c.notNull().defaultTo(10).check(sql`auto_confirm_days >= 1`))
        .addColumn('review_days', 'integer', (c) => c.notNull().defaultTo(7).check(sql`review_days >= 1`))
        .addColumn('payment_days', 'integer', (c) => c.notNull().defaultTo(7).check(sql`payment_days >= 1`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('catalog_category')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('parent_id', 'text', (c) => c.references('catalog_category.id'))
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalog_category_parent').on('catalog_category').column('parent_id').execute();

      await db.schema
        .createTable('catalog_commission')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.references('catalog_merchant.id'))
        .addColumn('category_id', 'text', (c) => c.notNull().references('catalog_category.id'))
        .addColumn('scope', 'text', (c) => c.notNull().unique())
        .addColumn('bps', 'integer', (c) => c.notNull().check(sql`bps between 0 and 10000`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalog_commission_category').on('catalog_commission').columns(['category_id', 'merchant_id']).execute();

      await db.schema
        .createTable('catalog_product')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('catalog_merchant.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('category_id', 'text', (c) => c.references('catalog_category.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'active', 'archived')`))
        .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .$call((b) => (t.dialect === 'postgres' ? b.addColumn('search', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('simple'::regconfig, search_text)`).stored()) : b))
        .execute();
      await db.schema.createIndex('catalog_product_public').on('catalog_product').columns(['status', 'seq']).execute();
      await db.schema.createIndex('catalog_product_merchant').on('catalog_product').columns(['merchant_id', 'seq']).execute();
      await db.schema.createIndex('catalog_product_category').on('catalog_product').columns(['category_id', 'seq']).execute();
      if (t.dialect === 'postgres') {
        await db.schema.createIndex('catalog_product_search').on('catalog_product').using('gin').column('search').execute();
      } else {
        // External-content FTS5 index over search_text, kept in step by triggers on every write.
        await sql`create virtual table catalog_product_fts using fts5(search_text, content='catalog_product', content_rowid='seq', tokenize='unicode61 remove_diacritics 0')`.execute(db);
        await sql`create trigger catalog_product_fts_ai after insert on catalog_product begin
          insert into catalog_product_fts(rowid, search_text) values (new.seq, new.search_text);
        end`.execute(db);
        await sql`create trigger catalog_product_fts_ad after delete on catalog_product begin
          insert into catalog_product_fts(catalog_product_fts, rowid, search_text) values ('delete', old.seq, old.search_text);
        end`.execute(db);
        await sql`create trigger catalog_product_fts_au after update of search_text on catalog_product begin
          insert into catalog_product_fts(catalog_product_fts, rowid, search_text) values ('delete', old.seq, old.search_text);
          insert into catalog_product_fts(rowid, search_text) values (new.seq, new.search_text);
        end`.execute(db);
      }

      await db.schema
        .createTable('catalog_image')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('product_id', 'text', (c) => c.notNull().references('catalog_product.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('position', 'integer', (c) => c.notNull().check(sql`position >= 0`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('catalog_image_product').on('catalog_image').columns(['product_id', 'position', 'seq']).execute();

      await db.schema
        .createTable('catalog_variant')
        .addColumn(...seq('seq'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('product_id', 'text', (c) => c.notNull().references('catalog_product.id'))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('catalog_merchant.id'))
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('price_minor', t.bigint, (c) => c.notNull().check(sql`price_minor > 0 and price_minor <= ${MAX}`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'archived')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('catalog_variant_sku', ['merchant_id', 'sku'])
        .execute();
      await db.schema.createIndex('catalog_variant_product').on('catalog_variant').columns(['product_id', 'seq']).execute();
    },
  },
});
