import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const walletMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-wallet-init': {
    async up(db: Kysely<any>) {
      const MAX = sql.lit(Number.MAX_SAFE_INTEGER);
      await db.schema
        .createTable('wallet_transfer')
        .addColumn('transfer_id', 'text', (c) => c.primaryKey())
        .addColumn('from_user_id', 'text', (c) => c.notNull())
        .addColumn('to_user_id', 'text', (c) => c.notNull())
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount > 0 and amount <= ${MAX}`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('memo', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('wallet_transfer_two_users', sql`from_user_id <> to_user_id`)
        .execute();

      await db.schema
        .createTable('wallet_withdrawal')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount > 0 and amount <= ${MAX}`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('requested', 'approved', 'rejected', 'paid')`))
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('hold_transfer_id', 'text', (c) => c.notNull().unique())
        .addColumn('resolve_transfer_id', 'text', (c) => c.unique())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        // Decided exactly when it left 'requested'; a reason exactly for a rejection.
        .addCheckConstraint('wallet_withdrawal_decision', sql`(state = 'requested') = (decided_at is null)
          and (decided_at is null) = (decided_by is null) and (decided_at is null) = (resolve_transfer_id is null)
          and (state = 'rejected') = (reason is not null)`)
        .execute();
      await db.schema.createIndex('wallet_withdrawal_user').on('wallet_withdrawal').columns(['user_id', 'seq']).execute();
      await db.schema.createIndex('wallet_withdrawal_state').on('wallet_withdrawal').columns(['state', 'seq']).execute();
    },
  },
});
