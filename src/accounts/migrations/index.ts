import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
// The name sorts after the 2026-11-25 init migrations, so databases that already ran those accept it.
export const accountsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-25T23-accounts-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts_user')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('buyer', 'merchant_staff', 'admin', 'auditor')`))
        .addColumn('merchant_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('accounts_user_merchant', sql`(role = 'merchant_staff') = (merchant_id is not null)`)
        .execute();
      await db.schema
        .createTable('accounts_session')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('accounts_user.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('accounts_session_user').on('accounts_session').column('user_id').execute();
      await db.schema.createIndex('accounts_session_expiry').on('accounts_session').column('expires_at').execute();
      await db.schema
        .createTable('accounts_api_token')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('accounts_user.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('accounts_api_token_user').on('accounts_api_token').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('accounts_login_attempt')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('accounts_login_attempt_bucket').on('accounts_login_attempt').columns(['bucket', 'at']).execute();
      await db.schema.createIndex('accounts_login_attempt_at').on('accounts_login_attempt').column('at').execute();
    },
  },
  // E-mails are sealed per user (privacy module) and found by a keyed blind index; old rows are sealed at start.
  '2026-11-26-accounts-sealed-email': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('accounts_user').addColumn('email_index', 'text').execute();
      await db.schema.createIndex('accounts_user_email_index').on('accounts_user').column('email_index').unique().execute();
    },
  },
});
