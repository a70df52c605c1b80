import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const moneyMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-25-money-init': {
    async up(db: Kysely<any>) {
      const MAX = sql.lit(Number.MAX_SAFE_INTEGER);
      await db.schema
        .createTable('money_account')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('debits_must_not_exceed_credits', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('credits_must_not_exceed_debits', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('debits_pending', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('debits_posted', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('credits_pending', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('credits_posted', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        // The service refuses these first, with a precise error; the database is the last line.
        .addCheckConstraint('money_account_counters', sql`debits_pending >= 0 and debits_posted >= 0 and credits_pending >= 0 and credits_posted >= 0
          and debits_pending + debits_posted <= ${MAX} and credits_pending + credits_posted <= ${MAX}`)
        .addCheckConstraint('money_account_debit_limit', sql`debits_must_not_exceed_credits = 0 or debits_pending + debits_posted <= credits_posted`)
        .addCheckConstraint('money_account_credit_limit', sql`credits_must_not_exceed_debits = 0 or credits_pending + credits_posted <= debits_posted`)
        .execute();
      await db.schema.createIndex('money_account_owner').on('money_account').columns(['owner', 'kind']).execute();

      await db.schema
        .createTable('money_transfer')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('single', 'pending', 'post', 'void')`))
        .addColumn('debit_account_id', 'text', (c) => c.notNull().references('money_account.id'))
        .addColumn('credit_account_id', 'text', (c) => c.notNull().references('money_account.id'))
        .addColumn('amount', t.bigint, (c) => c.notNull().check(sql`amount > 0 and amount <= ${MAX}`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        // A pending transfer is resolved by at most one transfer.
        .addColumn('pending_id', 'text', (c) => c.unique().references('money_transfer.id'))
        .addColumn('pending_status', 'text', (c) => c.check(sql`pending_status in ('pending', 'posted', 'voided')`))
        .addColumn('timeout_at', 'text')
        .addColumn('meta', 'text')
        .addColumn('debit_net_after', t.bigint, (c) => c.notNull())
        .addColumn('credit_net_after', t.bigint, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('money_transfer_two_accounts', sql`debit_account_id <> credit_account_id`)
        .addCheckConstraint('money_transfer_pending_shape', sql`(type = 'pending') = (pending_status is not null)
          and (type in ('post', 'void')) = (pending_id is not null)`)
        .execute();
      await db.schema.createIndex('money_transfer_debit').on('money_transfer').columns(['debit_account_id', 'seq']).execute();
      await db.schema.createIndex('money_transfer_credit').on('money_transfer').columns(['credit_account_id', 'seq']).execute();
      await db.schema
        .createIndex('money_transfer_open_timeout')
        .on('money_transfer')
        .column('timeout_at')
        .where(sql.ref('pending_status'), '=', 'pending')
        .execute();
    },
  },
});
