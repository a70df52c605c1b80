import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { openCheckpoint, verifyConsistency } from '../src/ledger/index.ts';
import { verifyStorage } from '../src/ledger/verify.ts';
import { backends, type Sandbox } from './helpers/backends.ts';
import { testEvents } from './helpers/events.ts';
import { freePort } from './load/mixed.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

function start(args: string[], env: Record<string, string | undefined>): { child: ChildProcess; lines: string[]; waitFor(re: RegExp, ms?: number): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let buf = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    waiters.splice(0).forEach((w) => w());
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = (re: RegExp, ms = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} in ${ms} ms; stderr: ${err.slice(-500)}`)), ms);
      const look = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(look);
      };
      look();
    });
  return { child, lines, waitFor };
}

const killed = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));

describe.each(backends())('crash and restart on $name', (backend) => {
  let box: Sandbox;
  afterAll(async () => box?.cleanup());

  it('loses no committed entry across kill -9, and the new checkpoint extends the old', async () => {
    box = await backend.sandbox();
    const env = { CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: box.databaseUrl ?? '' };
    const acknowledged: number[] = [];
    let lastCheckpoint: string | undefined;
    for (let round = 0; round < 3; round++) {
      const w = start(['test/helpers/child-writer.ts'], env);
      await w.waitFor(/^committed /);
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      w.child.kill('SIGKILL');
      await killed(w.child);
      for (const l of w.lines) if (l.startsWith('committed ')) acknowledged.push(...(JSON.parse(l.slice(10)) as number[]));
      // The checkpoint the log had when it died: the next one must be consistent with it.
      const probe = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', sequencer: false });
      const before = (await probe.ledger.latest())!;
      if (lastCheckpoint) {
        const prev = openCheckpoint(lastCheckpoint, probe.verifierKey);
        const proof = await probe.ledger.consistency(prev.size, before.treeSize);
        expect(verifyConsistency(prev.size, before.treeSize, proof, prev.rootHash, before.rootHash)).toBe(true);
      }
      lastCheckpoint = before.checkpoint;
      await probe.close();
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    const app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10 });
    try {
      const idx = await app.ledger.waitFor(acknowledged.map((queueId) => ({ queueId })));
      expect(new Set(idx).size).toBe(acknowledged.length);
      const after = (await app.ledger.latest())!;
      const prev = openCheckpoint(lastCheckpoint!, app.verifierKey);
      const proof = await app.ledger.consistency(prev.size, after.treeSize);
      expect(verifyConsistency(prev.size, after.treeSize, proof, prev.rootHash, after.rootHash)).toBe(true);
      const report = await verifyStorage(app.db.kysely, app.ledger.store, app.verifierKey, app.config.origin);
      expect(report.problem).toBeUndefined();
      expect(report.entries).toBe(after.treeSize);
    } finally {
      await app.close();
    }
  });
});

describe.runIf(process.env.DATABASE_URL)('two servers on one PostgreSQL database', () => {
  let box: Sandbox;
  afterAll(async () => box?.cleanup());

  it('one sequences, the other serves reads and takes over when the sequencer dies, with no gap', async () => {
    box = await backends().find((b) => b.name === 'postgres')!.sandbox();
    const key = path.join(box.dataDir, 'log-signing.key');
    const serve = (port: number) =>
      start(['src/cli/main.ts', 'serve'], { CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: box.databaseUrl, PORT: String(port), LOG_LEVEL: 'warn', LOG_MAX_DELAY_MS: '20', LOG_SIGNING_KEY_FILE: key });
    // Free ports, not fixed ones: other test files start servers on ports of their own meanwhile.
    const [portA, portB] = [await freePort(), await freePort()];
    const a = serve(portA);
    await a.waitFor(/^chainmall listening/);
    const b = serve(portB);
    await b.waitFor(/^chainmall listening/);
    const health = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { sequencer: string; treeSize: number };
    const roles = async () => [(await health(portA)).sequencer, (await health(portB)).sequencer].sort();
    await expect.poll(roles, { timeout: 10_000 }).toEqual(['follower', 'leader']);
    const leaderPort = (await health(portA)).sequencer === 'leader' ? portA : portB;
    const [leader, follower, followerPort] = leaderPort === portA ? [a, b, portB] : [b, a, portA];

    // This process only enqueues, like a third API instance.
    const writer = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', sequencer: false, signingKeyFile: key });
    try {
      const first = await writer.ledger.appendNow(testEvents(200, 'before'));
      // The follower serves the same log.
      const cp = await (await fetch(`http://127.0.0.1:${followerPort}/log/checkpoint`)).text();
      expect(openCheckpoint(cp, writer.verifierKey).size).toBeGreaterThan(first[first.length - 1]!);

      leader.child.kill('SIGKILL');
      await killed(leader.child);
      const second = await writer.ledger.appendNow(testEvents(200, 'after'), 20_000);
      expect(second[0]).toBe(first[first.length - 1]! + 1);
      expect((await health(followerPort)).sequencer).toBe('leader');
      const report = await verifyStorage(writer.db.kysely, writer.ledger.store, writer.verifierKey, writer.config.origin);
      expect(report.problem).toBeUndefined();
      expect(report.ok).toBe(true);
    } finally {
      await writer.close();
      follower.child.kill('SIGTERM');
      await killed(follower.child);
    }
  });
});

describe('remote verify of a running server', () => {
  it('chainmall verify --url accepts the log, proves it extends an earlier checkpoint, and exposes a fork', async () => {
    const box = await backends()[0]!.sandbox();
    const app = await createApp({ dataDir: box.dataDir, logLevel: 'silent', port: 0, maxDelayMs: 10 });
    const forkBox = await backends()[0]!.sandbox();
    try {
      const url = await app.listen();
      await app.ledger.appendNow(testEvents(300, 'r1'));
      const prevFile = path.join(box.dataDir, 'prev.checkpoint');
      fs.writeFileSync(prevFile, (await app.ledger.latest())!.checkpoint);
      await app.ledger.appendNow(testEvents(300, 'r2'));
      const cli = (...args: string[]) => {
        const p = start(['src/cli/main.ts', ...args], {});
        return new Promise<{ code: number; out: string }>((resolve) => p.child.once('exit', (code) => setTimeout(() => resolve({ code: code ?? -1, out: p.lines.join('\n') }), 20)));
      };
      const ok = await cli('verify', '--url', `${url}/log/`, '--key', app.verifierKey, '--prev', prevFile);
      expect(ok.out).toMatch(/^OK: 601 entries/m);
      expect(ok.code).toBe(0);

      // Same key, different history: a fork the previous checkpoint exposes.
      const fork = await createApp({ dataDir: forkBox.dataDir, logLevel: 'silent', maxDelayMs: 10, signingKey: fs.readFileSync(path.join(box.dataDir, 'log-signing.key'), 'utf8') });
      await fork.ledger.appendNow(testEvents(299, 'other'));
      const forkFile = path.join(box.dataDir, 'fork.checkpoint');
      fs.writeFileSync(forkFile, (await fork.ledger.latest())!.checkpoint);
      await fork.close();
      const bad = await cli('verify', '--url', `${url}/log/`, '--key', app.verifierKey, '--prev', forkFile);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/FAIL at index 299: previous checkpoint: the log forked/);

      const wrongKey = await cli('verify', '--url', `${url}/log/`, '--key', 'chainmall.localhost/log+00000000+AcquDq3apecRIyVFthGr5q9YqCIVJLtw/7KF+LQ1HpKJ');
      expect(wrongKey.code).not.toBe(0);
    } finally {
      await app.close();
      await box.cleanup();
      await forkBox.cleanup();
    }
  });
});

describe('CLI on a local log', () => {
  it('keeps the signing key private and stable, verifies receipts and audits storage, failing with one clear line', async () => {
    const box = await backends()[0]!.sandbox();
    const env = { CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: '' };
    const cli = (...args: string[]) => {
      const p = start(['src/cli/main.ts', ...args], env);
      let err = '';
      p.child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<{ code: number; out: string; err: string }>((resolve) => p.child.once('exit', (code) => setTimeout(() => resolve({ code: code ?? -1, out: p.lines.join('\n'), err }), 20)));
    };
    try {
      const app = await createApp({ dataDir: box.dataDir, logLevel: 'silent', maxDelayMs: 10 });
      const vkey = app.verifierKey;
      await app.ledger.appendNow(testEvents(50, 'cli'));
      const receipt = await app.ledger.receipt(20);
      await app.close();
      expect(fs.statSync(path.join(box.dataDir, 'log-signing.key')).mode & 0o777).toBe(0o600);
      const again = await createApp({ dataDir: box.dataDir, logLevel: 'silent', sequencer: false });
      expect(again.verifierKey).toBe(vkey);
      await again.close();

      const good = path.join(box.dataDir, 'receipt.json');
      fs.writeFileSync(good, JSON.stringify(receipt));
      const ok = await cli('receipt', 'verify', good, '--key', vkey);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/receipt is valid/);
      const bad = path.join(box.dataDir, 'bad.json');
      const forged = { ...receipt, leafIndex: 21 };
      fs.writeFileSync(bad, JSON.stringify(forged));
      const no = await cli('receipt', 'verify', bad, '--key', vkey);
      expect(no.code).toBe(1);
      expect(no.out).toMatch(/FAIL inclusion-proof/);

      expect((await cli('verify')).out).toMatch(/^OK: 51 entries/m);
      const db = new (await import('better-sqlite3')).default(path.join(box.dataDir, 'chainmall.db'));
      db.prepare("update ledger_entry set body = cast(replace(cast(body as text), 'cli-33', 'cli-99') as blob) where idx = 34").run();
      db.close();
      const tampered = await cli('verify');
      expect(tampered.code).toBe(1);
      expect(tampered.out).toMatch(/^FAIL at index 34: entry 34 hashes to/m);

      const usage = await cli('verify', '--url', 'http://127.0.0.1:1/log/');
      expect(usage.code).toBe(1);
      expect(usage.err.trim().split('\n')).toHaveLength(1);
      expect(usage.err).toMatch(/--key/);
    } finally {
      await box.cleanup();
    }
  });
});
