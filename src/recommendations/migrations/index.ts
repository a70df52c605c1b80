import { sql, type Kysely, type Migration } from 'kysely';
import type { Ddl } from '../../db/migrate.ts';

// Frozen: never edit a migration that has shipped; add a new one.
export const recommendationsMigrations = (t: Ddl): Record<string, Migration> => {
  const real = t.dialect === 'postgres' ? 'double precision' : 'real';
  return {
    '2026-11-26-recommendations-init': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('recs_state')
          .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
          .addColumn('cursor', t.bigint, (c) => c.notNull())
          .addColumn('replay_from', t.bigint, (c) => c.notNull())
          .addColumn('landmark_ms', t.bigint)
          .addColumn('stream_at_ms', t.bigint, (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addCheckConstraint('recs_state_replay', sql`replay_from <= cursor`)
          .execute();
        await db.insertInto('recs_state').values({ id: 1, cursor: 0, replay_from: 0, landmark_ms: null, stream_at_ms: 0, updated_at: new Date(0).toISOString() }).execute();
        await db.schema
          .createTable('recs_item')
          .addColumn('tally', 'text', (c) => c.notNull().check(sql`tally in ('bought', 'viewed', 'popular')`))
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('n', t.bigint, (c) => c.notNull())
          .addColumn('w', real, (c) => c.notNull())
          .addPrimaryKeyConstraint('recs_item_pk', ['tally', 'product_id'])
          .execute();
        await db.schema
          .createTable('recs_pair')
          .addColumn('signal', 'text', (c) => c.notNull().check(sql`signal in ('bought', 'viewed')`))
          .addColumn('a', 'text', (c) => c.notNull())
          .addColumn('b', 'text', (c) => c.notNull())
          .addColumn('n', t.bigint, (c) => c.notNull())
          .addColumn('w', real, (c) => c.notNull())
          // a < b in JavaScript's order (code units): not checked here, as PostgreSQL's collation may order text otherwise.
          .addPrimaryKeyConstraint('recs_pair_pk', ['signal', 'a', 'b'])
          .execute();
      },
    },
  };
};
