import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const pointsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-points-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('points_rules')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      // Earned points in lots, spent oldest-expiring first, so each lot can expire on its own date.
      await db.schema
        .createTable('points_lot')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('points', t.bigint, (c) => c.notNull().check(sql`points > 0`))
        .addColumn('remaining', t.bigint, (c) => c.notNull().check(sql`remaining >= 0 and remaining <= points`))
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('points_lot_user').on('points_lot').columns(['user_id', 'expires_at']).execute();
      await db.schema.createIndex('points_lot_expiry').on('points_lot').columns(['expires_at', 'remaining']).execute();
      await db.schema
        .createTable('points_redemption')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('points', t.bigint, (c) => c.notNull().check(sql`points > 0`))
        .addColumn('value_minor', t.bigint, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('total_minor', t.bigint, (c) => c.notNull())
        .addColumn('returned_points', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
