import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throw-away place to run an app: a temp dir, plus a fresh PostgreSQL database on that backend. */
export interface Sandbox {
  dataDir: string;
  databaseUrl?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  sandbox(): Promise<Sandbox>;
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-test-'));

const sqlite: Backend = {
  name: 'sqlite',
  async sandbox() {
    const dataDir = tmpDir();
    return { dataDir, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  },
};

function postgres(baseUrl: string): Backend {
  return {
    name: 'postgres',
    async sandbox() {
      const dataDir = tmpDir();
      const name = `cm_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return {
        dataDir,
        databaseUrl: url.toString(),
        async cleanup() {
          fs.rmSync(dataDir, { recursive: true, force: true });
          const c = new pg.Client({ connectionString: baseUrl });
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          await c.end();
        },
      };
    },
  };
}

/**
 * SQLite always; PostgreSQL when DATABASE_URL is set (CI sets it). Each sandbox is a new
 * database, so test files never collide.
 */
export function backends(): Backend[] {
  const url = process.env.DATABASE_URL;
  return url ? [sqlite, postgres(url)] : [sqlite];
}
