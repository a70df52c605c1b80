// Ceilings measured in the same run as the suites, so each figure reads against what this machine can
// do at all: one-row commits straight into SQLite (and PostgreSQL), and a no-op HTTP route's rate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import autocannon from 'autocannon';
import { freePort } from './http.ts';

const SECONDS = 3;

/** One row per transaction, WAL and synchronous=NORMAL as the app runs it: the rate of durable commits. */
export function sqliteCommitsPerS(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-ceiling-'));
  try {
    const db = new SQLite(path.join(dir, 'c.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('create table t (id integer primary key, body blob not null)');
    const insert = db.prepare('insert into t (body) values (?)');
    const body = Buffer.alloc(200, 7);
    const end = Date.now() + SECONDS * 1000;
    let n = 0;
    while (Date.now() < end) {
      db.transaction(() => insert.run(body))();
      n++;
    }
    db.close();
    return n / SECONDS;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same on PostgreSQL: 16 connections each committing one-row inserts. */
export async function postgresCommitsPerS(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const table = `ceiling_${process.pid}_${Date.now()}`;
  await admin.query(`create table ${table} (id bigserial primary key, body bytea not null)`);
  const clients = await Promise.all(Array.from({ length: 16 }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  const body = Buffer.alloc(200, 7);
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(clients.map(async (c) => {
    while (Date.now() < end) {
      await c.query(`insert into ${table} (body) values ($1)`, [body]);
      n++;
    }
  }));
  await Promise.all(clients.map((c) => c.end()));
  await admin.query(`drop table ${table}`);
  await admin.end();
  return n / SECONDS;
}

/** A Fastify server in its own process answering `{}` to GET /noop, driven by autocannon like the suites drive ours. */
export async function noopHttpPerS(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `
    const app = require('fastify')();
    app.get('/noop', async () => ({}));
    app.listen({ port: ${port}, host: '127.0.0.1' }).then(() => console.log('listening'));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      child.once('exit', (code) => reject(new Error(`no-op server exited (${code})`)));
    });
    const r = await autocannon({ url: `http://127.0.0.1:${port}/noop`, connections: 50, duration: SECONDS });
    return r.requests.average;
  } finally {
    child.kill('SIGTERM');
  }
}
