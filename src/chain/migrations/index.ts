import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const chainMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-chain-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chain_anchor')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('tree_size', t.bigint, (c) => c.notNull())
        .addColumn('root_hash', 'text', (c) => c.notNull())
        .addColumn('nonce', t.bigint, (c) => c.notNull())
        .addColumn('tx_hash', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('intended', 'posted', 'abandoned', 'superseded')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('posted_at', 'text')
        .execute();
      await db.schema.createIndex('chain_anchor_status').on('chain_anchor').columns(['origin', 'status', 'tree_size']).execute();
      // One open intent per log, whatever the number of instances running the job: a second
      // instance's insert fails instead of racing the first to the same nonce.
      await db.schema.createIndex('chain_anchor_one_open').on('chain_anchor').column('origin').unique().where(sql.ref('status'), '=', 'intended').execute();
    },
  },
  '2026-11-27-chain-escrow': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chain_merchant')
        .addColumn('merchant_id', 'text', (c) => c.primaryKey())
        .addColumn('address', 'text', (c) => c.notNull().unique())
        .addColumn('opted_in_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('chain_op')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .addColumn('amount', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('signer', 'text', (c) => c.notNull().check(sql`signer in ('platform', 'merchant')`))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'signed', 'done', 'failed')`))
        .addColumn('nonce', t.bigint)
        .addColumn('raw_tx', 'text')
        .addColumn('tx_hash', 'text')
        .addColumn('moved', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('done_at', 'text')
        .execute();
      await db.schema.createIndex('chain_op_open').on('chain_op').columns(['status', 'id']).execute();
      await db.schema.createIndex('chain_op_order').on('chain_op').columns(['order_id', 'id']).execute();
    },
  },
});
