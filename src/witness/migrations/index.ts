import type { Kysely, Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const witnessMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-witness-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('witness_state')
        .addColumn('witness', 'text', (c) => c.primaryKey())
        .addColumn('size', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('witness_cosignature')
        .addColumn('witness', 'text', (c) => c.notNull())
        .addColumn('tree_size', t.bigint, (c) => c.notNull())
        .addColumn('checkpoint', 'text', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('cosigned_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('witness_cosignature_pk', ['witness', 'tree_size'])
        .execute();
      await db.schema.createIndex('witness_cosignature_size').on('witness_cosignature').columns(['tree_size']).execute();
    },
  },
});
