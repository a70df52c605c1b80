import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const liveMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-live-init': {
    async up(db: Kysely<any>) {
      const seq = (c: any) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey());
      await db.schema
        .createTable('live_session')
        .addColumn('seq', t.serial, seq)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('stream_url', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('scheduled', 'live', 'ended')`))
        .addColumn('scheduled_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('live_session_started', sql`(state = 'scheduled') = (started_at is null)`)
        .addCheckConstraint('live_session_ended', sql`(state = 'ended') = (ended_at is not null)`)
        .execute();
      await db.schema.createIndex('live_session_state').on('live_session').columns(['state', 'seq']).execute();
      await db.schema.createIndex('live_session_merchant').on('live_session').columns(['merchant_id', 'seq']).execute();

      await db.schema
        .createTable('live_pin')
        .addColumn('seq', t.serial, seq)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('session_id', 'text', (c) => c.notNull().references('live_session.id'))
        .addColumn('merchant_id', 'text', (c) => c.notNull())
        .addColumn('variant_id', 'text', (c) => c.notNull())
        .addColumn('live_price_minor', t.bigint, (c) => c.notNull().check(sql`live_price_minor > 0`))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('quota', 'integer', (c) => c.notNull().check(sql`quota > 0`))
        .addColumn('sold', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('pinned_by', 'text', (c) => c.notNull())
        .addColumn('pinned_at', 'text', (c) => c.notNull())
        .addColumn('unpinned_at', 'text')
        // Never oversold, never below zero: the database refuses it even if the code did not.
        .addCheckConstraint('live_pin_sold', sql`sold >= 0 and sold <= quota`)
        .execute();
      await db.schema.createIndex('live_pin_session').on('live_pin').columns(['session_id', 'variant_id', 'seq']).execute();

      await db.schema
        .createTable('live_claim')
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('pin_id', 'text', (c) => c.notNull().references('live_pin.id'))
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('qty', 'integer', (c) => c.notNull().check(sql`qty > 0`))
        .addColumn('returned', 'integer', (c) => c.notNull().defaultTo(0).check(sql`returned in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('live_claim_pk', ['order_id', 'pin_id'])
        .execute();

      await db.schema
        .createTable('live_message')
        .addColumn('seq', t.serial, seq)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('session_id', 'text', (c) => c.notNull().references('live_session.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('deleted_by', 'text')
        .execute();
      await db.schema.createIndex('live_message_session').on('live_message').columns(['session_id', 'seq']).execute();

      await db.schema
        .createTable('live_mute')
        .addColumn('session_id', 'text', (c) => c.notNull().references('live_session.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('muted_by', 'text', (c) => c.notNull())
        .addColumn('muted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('live_mute_pk', ['session_id', 'user_id'])
        .execute();
    },
  },
});
