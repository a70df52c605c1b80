import pg from 'pg';

/** Decides whether this process may sequence. */
export interface Leadership {
  /** True while this process holds the sequencer role; may try to acquire it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** SQLite: one process owns the file's writer role. */
export const soleLeader = (): Leadership => ({ acquire: async () => true, release: async () => {} });

// Arbitrary constant shared by every instance of this log: "chainmal" in ASCII.
const LOCK_KEY = '7163418186880705900';

/**
 * PostgreSQL: a session-level advisory lock on a dedicated connection. If the holder dies,
 * its connection closes, the lock is freed and another instance's next acquire() wins it.
 */
export function advisoryLeader(connectionString: string, lockKey = LOCK_KEY): Leadership {
  let client: pg.Client | undefined;
  let held = false;
  const drop = () => {
    held = false;
    const c = client;
    client = undefined;
    c?.end().catch(() => {});
  };
  return {
    async acquire() {
      if (held && client) return true;
      try {
        if (!client) {
          client = new pg.Client({ connectionString, keepAlive: true });
          client.on('error', drop);
          client.on('end', () => {
            held = false;
            client = undefined;
          });
          await client.connect();
        }
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [lockKey]);
        held = r.rows[0]?.ok === true;
        if (!held) drop();
        return held;
      } catch {
        drop();
        return false;
      }
    },
    async release() {
      if (client && held) await client.query('select pg_advisory_unlock($1::bigint)', [lockKey]).catch(() => {});
      drop();
    },
  };
}
