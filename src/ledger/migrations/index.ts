import type { Kysely, Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const ledgerMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-25-ledger-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ledger_queue')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('body', t.blob, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ledger_entry')
        .addColumn('idx', t.bigint, (c) => c.primaryKey())
        .addColumn('queue_id', t.bigint, (c) => c.notNull().unique())
        .addColumn('body', t.blob, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ledger_tile')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', t.bigint, (c) => c.notNull())
        .addColumn('hashes', t.blob, (c) => c.notNull())
        .addColumn('inner', t.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_tile_pk', ['level', 'idx'])
        .execute();
      await db.schema
        .createTable('ledger_block')
        .addColumn('height', t.bigint, (c) => c.primaryKey())
        .addColumn('prev_hash', t.blob, (c) => c.notNull())
        .addColumn('first_index', t.bigint, (c) => c.notNull())
        .addColumn('tree_size', t.bigint, (c) => c.notNull().unique())
        .addColumn('root_hash', t.blob, (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('checkpoint', 'text', (c) => c.notNull())
        .addColumn('block_hash', t.blob, (c) => c.notNull())
        .execute();
    },
  },
});
