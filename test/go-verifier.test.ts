/**
 * Acceptance: an outside verifier built on Go's golang.org/x/mod/sumdb/tlog and sumdb/note
 * (test/go/verifier) is pointed at a running server's /log/ with the published verifier key,
 * and must accept the log — and must reject forks, tampered checkpoints and wrong keys.
 *
 * Needs `go` and golang.org/x/mod in a GOPATH (Debian: golang-go golang-golang-x-mod-dev,
 * see test/go/README.md). Without them the suite is skipped, not failed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../src/app.ts';

const VERIFIER_SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'go', 'verifier');
const RUN_TIMEOUT_MS = 120_000;
const BUILD_TIMEOUT_MS = 300_000;

/** A GOPATH root holding golang.org/x/mod's note and tlog sources (Debian: /usr/share/gocode). */
function findXmodGopath(): string | undefined {
  const roots = [...(process.env.GOPATH ?? '').split(path.delimiter).filter(Boolean), '/usr/share/gocode'];
  return roots.find((r) =>
    ['sumdb/note/note.go', 'sumdb/tlog/tlog.go'].every((f) => fs.existsSync(path.join(r, 'src', 'golang.org', 'x', 'mod', f))),
  );
}

function goToolchain(): { gopath: string } | { skip: string } {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    return { skip: '`go` is not on PATH (apt-get install golang-go golang-golang-x-mod-dev)' };
  }
  const gopath = findXmodGopath();
  if (!gopath) return { skip: 'golang.org/x/mod sources not found in $GOPATH or /usr/share/gocode (apt-get install golang-golang-x-mod-dev)' };
  return { gopath };
}

const toolchain = goToolchain();
const skipReason = 'skip' in toolchain ? toolchain.skip : undefined;
if (skipReason) console.warn(`go-verifier tests skipped: ${skipReason}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 << 20, env, cwd }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${path.basename(file)} ${args.join(' ')} did not finish (${err.message})\n${stdout}\n${stderr}`));
        return;
      }
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

interface Cp {
  text: string;
  origin: string;
  size: number;
  root: string;
}

function parseCp(text: string): Cp {
  const [origin, size, root] = text.split('\n');
  return { text, origin: origin!, size: Number(size), root: root! };
}

const logUrl = (base: string): string => new URL('/log/', base).toString();

async function checkpoint(base: string): Promise<Cp> {
  const res = await fetch(new URL('checkpoint', logUrl(base)));
  expect(res.status, 'GET /log/checkpoint').toBe(200);
  return parseCp(await res.text());
}

/** A verifier key for a freshly generated Ed25519 key under `name` (Go note key format). */
function foreignVerifierKey(name: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const key = Buffer.concat([Buffer.of(1), pub]);
  const id = createHash('sha256').update(`${name}\n`).update(key).digest().subarray(0, 4).toString('hex');
  return `${name}+${id}+${key.toString('base64')}`;
}

describe.skipIf(skipReason !== undefined)(`Go sumdb/tlog outside verifier${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const gopath = 'gopath' in toolchain ? toolchain.gopath : '';
  let workDir: string;
  let verifierBin: string;
  let goEnv: NodeJS.ProcessEnv;
  let createApp: typeof import('../src/app.ts').createApp;
  const apps: App[] = [];
  let app: App;
  let base: string;
  const saved: Cp[] = [];
  let seq = 0;

  const verify = (url: string, vkey: string, prev?: Cp): Promise<Run> => {
    const args = ['-url', logUrl(url), '-vkey', vkey];
    if (prev) {
      const f = path.join(workDir, `prev-${seq++}.txt`);
      fs.writeFileSync(f, prev.text);
      args.push('-prev', f);
    }
    return run(verifierBin, args);
  };

  const expectOk = (r: Run, cp: Cp): void => {
    expect(r, `verifier output:\n${r.stdout}${r.stderr}`).toMatchObject({ code: 0 });
    expect(r.stdout).toBe(`OK ${cp.origin} size=${cp.size} root=${cp.root}\n`);
    // Our server keeps every partial tile, so the verifier never needs the full-tile fallback.
    expect(r.stderr).toBe('');
  };

  const expectFail = (r: Run, reason?: RegExp): void => {
    expect(r.code, `verifier should have failed:\n${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/^FAIL: /);
    if (reason) expect(r.stdout).toMatch(reason);
  };

  let tag = 0;
  /** Appends through appendNow in batches of at most 100 until the signed tree has exactly `target` entries. */
  async function growTo(a: App, target: number, kind = 'test.event'): Promise<Cp> {
    let size = (await a.ledger.appendNow([{ kind, actor: 'system', subject: { test: `x${tag}` }, data: { n: tag++ } }])).at(-1)! + 1;
    while (size < target) {
      const n = Math.min(100, target - size);
      const events = Array.from({ length: n }, () => ({ kind, actor: 'system', subject: { test: `x${tag}` }, data: { n: tag++ } }));
      const idx = await a.ledger.appendNow(events);
      expect(idx).toHaveLength(n);
      size = Math.max(...idx) + 1;
    }
    const url = await listening(a);
    const cp = await checkpoint(url);
    expect(cp.size).toBe(target);
    return cp;
  }

  const urls = new Map<App, string>();
  async function listening(a: App): Promise<string> {
    if (!urls.has(a)) urls.set(a, await a.listen());
    return urls.get(a)!;
  }

  async function startApp(opts: Record<string, unknown> = {}): Promise<App> {
    const dataDir = fs.mkdtempSync(path.join(workDir, 'data-'));
    const a = await createApp({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'warn', ...opts });
    apps.push(a);
    await listening(a);
    return a;
  }

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-go-verifier-'));
    verifierBin = path.join(workDir, 'verifier');
    goEnv = {
      ...process.env,
      GOPATH: gopath,
      GO111MODULE: 'off',
      GOFLAGS: '',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GOCACHE: path.join(workDir, 'gocache'),
    };
    const build = await run('go', ['build', '-o', verifierBin, '.'], goEnv, VERIFIER_SRC);
    if (build.code !== 0) throw new Error(`go build failed:\n${build.stdout}${build.stderr}`);

    ({ createApp } = await import('../src/app.ts'));
    app = await startApp();
    base = await listening(app);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const a of apps.reverse()) await a.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('verifier self-test: accepts a reference log built with tlog and rejects tampering', async () => {
    const r = await run('go', ['test', '-count=1', '.'], goEnv, VERIFIER_SRC);
    expect(r.code, `go test:\n${r.stdout}${r.stderr}`).toBe(0);
  }, BUILD_TIMEOUT_MS);

  it('accepts the log at every tile edge up to > 600 entries (full, partial and level-1 tiles)', async () => {
    // 256 and 512: no partial level-0 tile or bundle, only a partial level-1 tile.
    for (const target of [2, 255, 256, 257, 511, 512, 700]) {
      const cp = await growTo(app, target);
      expect(cp.origin).toBe(app.verifierKey.split('+')[0]);
      expectOk(await verify(base, app.verifierKey), cp);
      saved.push(cp);
    }
  }, RUN_TIMEOUT_MS * 3);

  it('proves the grown log consistent with every earlier checkpoint (-prev)', async () => {
    expect(saved.length).toBeGreaterThan(0);
    const cp = await growTo(app, 1000);
    for (const prev of [...saved, cp]) expectOk(await verify(base, app.verifierKey, prev), cp);
  }, RUN_TIMEOUT_MS * 3);

  it('rejects a checkpoint of a forked log signed with the same key, and a log that shrank', async () => {
    const key = fs.readFileSync(path.join(app.config.dataDir, 'log-signing.key'), 'utf8').trim();
    expect(key).toMatch(/^PRIVATE\+KEY\+/);
    const fork = await startApp({ signingKey: key });
    expect(fork.verifierKey).toBe(app.verifierKey);
    const forkCp = await growTo(fork, 300, 'test.fork');
    const forkUrl = await listening(fork);
    // The fork is a valid log in its own right...
    expectOk(await verify(forkUrl, app.verifierKey), forkCp);
    // ...but not an earlier state of ours, nor ours of it.
    expectFail(await verify(base, app.verifierKey, forkCp), /not consistent/);
    expectFail(await verify(forkUrl, app.verifierKey, await checkpoint(base)), /shrank/);
    expectFail(await verify(forkUrl, app.verifierKey, saved[0]), /not consistent/);
  }, RUN_TIMEOUT_MS * 3);

  it('rejects tampered checkpoints given as -prev', async () => {
    const cp = saved.find((c) => c.size === 512);
    if (!cp) throw new Error('needs the size-512 checkpoint saved by the first log test');
    const lines = cp.text.split('\n');
    const withLine = (i: number, v: string): Cp => ({ ...cp, text: lines.map((l, j) => (j === i ? v : l)).join('\n') });
    const flipped = cp.root.startsWith('A') ? 'B' + cp.root.slice(1) : 'A' + cp.root.slice(1);
    expectFail(await verify(base, app.verifierKey, withLine(1, '511')), /previous checkpoint/);
    expectFail(await verify(base, app.verifierKey, withLine(2, flipped)), /previous checkpoint/);
    expectFail(await verify(base, app.verifierKey, { ...cp, text: cp.text.replace(/\n\n[^]*$/, '\n') }), /previous checkpoint/);
    expectFail(await verify(base, app.verifierKey, { ...cp, text: 'garbage\n' }), /previous checkpoint/);
  }, RUN_TIMEOUT_MS * 3);

  it('rejects the log under a wrong verifier key', async () => {
    const name = app.verifierKey.split('+')[0]!;
    expectFail(await verify(base, foreignVerifierKey(name)), /checkpoint: signed note does not verify/);
    expectFail(await verify(base, foreignVerifierKey('example.com/other-log')), /checkpoint: signed note does not verify/);
    const [, id, key] = app.verifierKey.split('+') as [string, string, string];
    // Our own key under another name: the key id no longer matches.
    expectFail(await verify(base, `example.com/other-log+${id}+${key}`), /bad verifier key/);
    expectFail(await verify(base, 'not-a-key'), /bad verifier key/);
  }, RUN_TIMEOUT_MS * 3);

  describe.skipIf(!process.env.DATABASE_URL)('on PostgreSQL (DATABASE_URL)', () => {
    let dbName: string;
    let dbUrl: string;
    let created = false;

    const admin = async <T>(fn: (c: import('pg').Client) => Promise<T>): Promise<T> => {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };

    beforeAll(async () => {
      dbName = `cm_go_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
      created = true;
      const u = new URL(process.env.DATABASE_URL!);
      u.pathname = `/${dbName}`;
      dbUrl = u.toString();
    });

    afterAll(async () => {
      if (!created) return;
      // Close the app first: its pool holds connections to the database.
      const pgApp = apps.find((a) => a.config.databaseUrl === dbUrl);
      if (pgApp) {
        apps.splice(apps.indexOf(pgApp), 1);
        await pgApp.close();
      }
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}"`));
    });

    it('accepts a > 600-entry log stored in PostgreSQL', async () => {
      const pgApp = await startApp({ databaseUrl: dbUrl });
      const url = await listening(pgApp);
      const pgSaved: Cp[] = [];
      for (const target of [256, 700]) {
        const cp = await growTo(pgApp, target);
        expectOk(await verify(url, pgApp.verifierKey), cp);
        pgSaved.push(cp);
      }
      const cp = await growTo(pgApp, 800);
      for (const prev of pgSaved) expectOk(await verify(url, pgApp.verifierKey, prev), cp);
    }, RUN_TIMEOUT_MS * 3);
  });
});
