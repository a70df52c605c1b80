import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const gamesMigrations = (t: Ddl): Record<string, Migration> => ({
  '2026-11-26-games-init': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('games_checkin')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('streak', 'integer', (c) => c.notNull().check(sql`streak >= 1`))
        .addColumn('points', 'integer', (c) => c.notNull().check(sql`points >= 0`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        // Once per user and day, whatever races.
        .addPrimaryKeyConstraint('games_checkin_pk', ['user_id', 'day'])
        .execute();
      await db.schema
        .createTable('games_draw')
        .addColumn('seq', t.serial, (c) => (t.dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('entry_cost', 'integer', (c) => c.notNull().check(sql`entry_cost >= 1`))
        .addColumn('max_per_user', 'integer', (c) => c.notNull().check(sql`max_per_user >= 1`))
        .addColumn('prizes', 'text', (c) => c.notNull())
        .addColumn('opens_at', 'text', (c) => c.notNull())
        .addColumn('closes_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closing', 'closed', 'revealed')`))
        .addColumn('seed', 'text', (c) => c.notNull())
        .addColumn('seed_hash', 'text', (c) => c.notNull())
        .addColumn('entrant_key', 'text', (c) => c.notNull())
        .addColumn('entry_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`entry_count >= 0`))
        .addColumn('commit_queue', t.bigint, (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('closed_early', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('checkpoint_size', t.bigint)
        .addColumn('checkpoint_root', 'text')
        .addColumn('checkpoint_text', 'text')
        .addColumn('entries_hash', 'text')
        .addColumn('close_queue', t.bigint)
        .addColumn('revealed_at', 'text')
        .addColumn('revealed_seed', 'text')
        .addColumn('winners', 'text')
        .addColumn('reveal_queue', t.bigint)
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint('games_draw_window', sql`opens_at < closes_at`)
        .addCheckConstraint('games_draw_closed_shape', sql`(state in ('closed', 'revealed')) = (checkpoint_root is not null)`)
        .addCheckConstraint('games_draw_revealed_shape', sql`(state = 'revealed') = (winners is not null)`)
        .execute();
      await db.schema.createIndex('games_draw_due').on('games_draw').columns(['state', 'closes_at']).execute();
      await db.schema
        .createTable('games_draw_entry')
        .addColumn('draw_id', 'text', (c) => c.notNull())
        .addColumn('entry_no', 'integer', (c) => c.notNull().check(sql`entry_no >= 1`))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('user_entry_no', 'integer', (c) => c.notNull().check(sql`user_entry_no >= 1`))
        .addColumn('entrant', 'text', (c) => c.notNull())
        .addColumn('queue_id', t.bigint, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('games_draw_entry_pk', ['draw_id', 'entry_no'])
        // A user's n-th entry exists once: racing entries beyond the maximum collide here.
        .addUniqueConstraint('games_draw_entry_user', ['draw_id', 'user_id', 'user_entry_no'])
        .execute();
      await db.schema
        .createTable('games_draw_prize')
        .addColumn('draw_id', 'text', (c) => c.notNull())
        .addColumn('prize_no', 'integer', (c) => c.notNull())
        .addColumn('entry_no', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('points', 'coupon')`))
        .addColumn('points', 'integer')
        .addColumn('coupon_code', 'text')
        .addColumn('awarded', 'integer', (c) => c.notNull().defaultTo(0).check(sql`awarded in (0, 1)`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('games_draw_prize_pk', ['draw_id', 'prize_no'])
        .execute();
      await db.schema.createIndex('games_draw_prize_user').on('games_draw_prize').columns(['user_id']).execute();
    },
  },
});
