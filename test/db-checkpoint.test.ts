// The SQLite checkpointer: checkpoints in a worker thread, the log kept short under steady writes,
// no log left after a clean close, and the writer checkpointing by itself again if the worker fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, startCheckpointer } from '../src/db/index.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-ckpt-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SQLite checkpointer', () => {
  it('keeps the log short under steady writes (about 40 MB written), and every row is there', async () => {
    const file = path.join(tmp(), 'x.db');
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('journal_size_limit = 1048576');
    db.pragma('wal_autocheckpoint = 0'); // as connect() sets it: only the checkpointer copies
    db.exec('create table t (id integer primary key, body blob not null)');
    let finished = 0;
    const c = startCheckpointer(file, {
      finish: () => {
        finished++;
        if (!db.inTransaction) db.pragma('wal_checkpoint(PASSIVE)');
      },
      fallback: () => expect.unreachable('the worker failed'),
      onError: (m) => expect.unreachable(m),
    }, { intervalMs: 10, longFrames: 256 });
    const insert = db.prepare('insert into t (body) values (?)');
    const body = Buffer.alloc(4000, 7);
    for (let batch = 0; batch < 100; batch++) {
      db.transaction(() => { for (let i = 0; i < 100; i++) insert.run(body); })();
      await tick(); // the writer is between transactions here, as the app is between requests
    }
    await c.stop();
    expect(finished).toBeGreaterThan(0);
    // Without the checkpointer's help the log would hold all ~40 MB; it is cut back to the limit on each restart.
    expect(walBytes(file)).toBeLessThan(8 * 1024 * 1024);
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 10_000 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('a clean close removes the log, the data in the database file', async () => {
    const file = path.join(tmp(), 'y.db');
    const db = connect({ sqlitePath: file });
    db.sqlite!.exec('create table t (id integer primary key, v text)');
    for (let i = 0; i < 500; i++) db.sqlite!.prepare('insert into t (v) values (?)').run(`row ${i}`);
    expect(walBytes(file)).toBeGreaterThan(0);
    await db.close();
    expect(walBytes(file)).toBe(0);
    const again = new SQLite(file, { readonly: true });
    expect(again.prepare('select count(*) as n from t').get()).toEqual({ n: 500 });
    again.close();
  });

  it('when the worker cannot run, the writer checkpoints by itself again and says so', async () => {
    const errors: string[] = [];
    let fellBack = false;
    const c = startCheckpointer(path.join(tmp(), 'missing-dir', 'z.db'), {
      finish: () => {},
      fallback: () => void (fellBack = true),
      onError: (m) => errors.push(m),
    });
    for (let i = 0; i < 400 && !fellBack; i++) await tick();
    expect(fellBack).toBe(true);
    expect(errors).toEqual([expect.stringMatching(/^sqlite checkpointer: /)]);
    await c.stop();
  });
});
