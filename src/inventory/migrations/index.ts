import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
// Variant and merchant ids come from the catalog module: no foreign keys to its tables.
export const inventoryMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-inventory-init': {
    async up(db: Kysely<any>) {
      const MAX = sql.lit(Number.MAX_SAFE_INTEGER);
      await db.schema
        .createTable('inventory_location')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('inventory_location_code', ['merchant_id', 'code'])
        .execute();

      await db.schema
        .createTable('inventory_item')
        .addColumn('variant_id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('inventory_level')
        .addColumn('variant_id', 'text', (c) => c.notNull().references('inventory_item.variant_id'))
        .addColumn('location_id', 'text', (c) => c.notNull().references('inventory_location.id'))
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('on_hand', t.bigint, (c) => c.notNull())
        .addColumn('reserved', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('low_stock_threshold', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inventory_level_pk', ['variant_id', 'location_id'])
        // The service refuses these first, with a precise error; the database is the last line.
        .addCheckConstraint('inventory_level_counts', sql`reserved >= 0 and reserved <= on_hand and on_hand <= ${MAX}`)
        .addCheckConstraint('inventory_level_threshold', sql`low_stock_threshold >= 0`)
        .execute();
      await db.schema.createIndex('inventory_level_merchant').on('inventory_level').columns(['merchant_id', 'variant_id', 'location_id']).execute();
      await db.schema.createIndex('inventory_level_location').on('inventory_level').columns(['location_id', 'variant_id']).execute();

      await db.schema
        .createTable('inventory_reservation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('reserved', 'committed', 'released', 'shipped')`))
        .addColumn('expires_at', 'text')
        .addColumn('location_id', 'text', (c) => c.references('inventory_location.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('inventory_reservation_expiry', sql`state = 'reserved' or state = 'released' or expires_at is null`)
        .execute();
      await db.schema
        .createIndex('inventory_reservation_open_expiry')
        .on('inventory_reservation')
        .column('expires_at')
        .where(sql.ref('state'), '=', 'reserved')
        .execute();

      await db.schema
        .createTable('inventory_reservation_line')
        .addColumn('reservation_id', 'text', (c) => c.notNull().references('inventory_reservation.id'))
        .addColumn('variant_id', 'text', (c) => c.notNull())
        .addColumn('location_id', 'text', (c) => c.notNull().references('inventory_location.id'))
        .addColumn('qty', t.bigint, (c) => c.notNull().check(sql`qty > 0 and qty <= ${MAX}`))
        .addPrimaryKeyConstraint('inventory_reservation_line_pk', ['reservation_id', 'variant_id', 'location_id'])
        .execute();
    },
  },
});
