import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const privacyMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-privacy-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('privacy_data_key')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('privacy_pseudonym_key')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .execute();
      await db.schema
        .createTable('privacy_consent')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('analytics', 'personalisation', 'marketing')`))
        .addColumn('granted', 'integer', (c) => c.notNull().check(sql`granted in (0, 1)`))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('queue_id', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('privacy_consent_pk', ['subject', 'purpose'])
        .execute();
      await db.schema
        .createTable('privacy_consent_log')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('granted', 'integer', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('queue_id', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('privacy_consent_log_subject').on('privacy_consent_log').columns(['subject', 'id']).execute();
      await db.schema
        .createTable('privacy_access_log')
        .addColumn('id', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('ref', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('queue_id', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('privacy_access_log_user').on('privacy_access_log').columns(['user_id', 'id']).execute();
      await db.schema
        .createTable('privacy_profile')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('privacy_erasure')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('erased_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
