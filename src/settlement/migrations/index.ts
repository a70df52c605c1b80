import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const settlementMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-settlement-init': {
    async up(db: Kysely<any>) {
      const MAX = sql.lit(Number.MAX_SAFE_INTEGER);
      await db.schema
        .createTable('settlement_batch')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('number', 'integer', (c) => c.notNull().check(sql`number >= 1`))
        .addColumn('period_end', 'text', (c) => c.notNull())
        .addColumn('last_seq', t.bigint, (c) => c.notNull())
        .addColumn('opening', t.bigint, (c) => c.notNull())
        .addColumn('total', t.bigint, (c) => c.notNull())
        .addColumn('closing', t.bigint, (c) => c.notNull())
        .addColumn('payout_minor', t.bigint, (c) => c.notNull().check(sql`payout_minor >= 0 and payout_minor <= ${MAX}`))
        .addColumn('line_count', 'integer', (c) => c.notNull())
        .addColumn('root_hash', t.blob, (c) => c.notNull())
        .addColumn('ledger_entry', t.blob, (c) => c.notNull())
        .addColumn('ledger_queue_id', t.bigint, (c) => c.notNull())
        .addColumn('ledger_leaf_index', t.bigint)
        .addColumn('payout_state', 'text', (c) => c.notNull().check(sql`payout_state in ('none', 'pending', 'paid', 'paid_manually', 'failed')`))
        .addColumn('payout_transfer_id', 'text', (c) => c.unique())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('paid_at', 'text')
        .addCheckConstraint('settlement_batch_sums', sql`closing = opening + total`)
        .addCheckConstraint('settlement_batch_payout', sql`(payout_minor = 0) = (payout_state = 'none') and (payout_minor = 0) = (payout_transfer_id is null)`)
        .addUniqueConstraint('settlement_batch_account_number', ['account_id', 'number'])
        .execute();
      await db.schema.createIndex('settlement_batch_merchant').on('settlement_batch').columns(['merchant_id', 'seq']).execute();
      await db.schema.createIndex('settlement_batch_payout_state').on('settlement_batch').columns(['payout_state', 'seq']).execute();

      await db.schema
        .createTable('settlement_line')
        .addColumn('batch_id', 'text', (c) => c.notNull().references('settlement_batch.id'))
        .addColumn('line_no', 'integer', (c) => c.notNull().check(sql`line_no >= 1`))
        // A transfer is settled exactly once.
        .addColumn('transfer_id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('order', 'refund', 'adjustment', 'fee', 'payout')`))
        .addColumn('order_id', 'text')
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount <> 0`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_line_pk', ['batch_id', 'line_no'])
        .execute();
    },
  },
});
