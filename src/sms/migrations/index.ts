import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const smsMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-sms-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sms_code')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('context_hash', 'text', (c) => c.notNull())
        .addColumn('code_hash', t.blob, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0).check(sql`attempts >= 0`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('superseded_at', 'text')
        .execute();
      // One open code per user and purpose: a new request supersedes the old one first.
      await db.schema
        .createIndex('sms_code_open')
        .on('sms_code')
        .columns(['user_id', 'purpose'])
        .unique()
        .where(sql.ref('used_at'), 'is', null)
        .where(sql.ref('superseded_at'), 'is', null)
        .execute();
      await db.schema.createIndex('sms_code_recent').on('sms_code').columns(['user_id', 'purpose', 'created_at']).execute();
      await db.schema.createIndex('sms_code_created').on('sms_code').column('created_at').execute();

      await db.schema
        .createTable('sms_limit')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('touched_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sms_limit_pk', ['user_id', 'purpose'])
        .execute();
      await db.schema.createIndex('sms_limit_touched').on('sms_limit').column('touched_at').execute();
    },
  },
});
