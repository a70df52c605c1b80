// Two independent tlog-witnesses (in-process servers on free ports, each with its own key and
// SQLite file) cosign a growing chainmall log on SQLite and PostgreSQL; forked and shrunk
// checkpoints signed with the log's own key are refused by both; a client demanding 2 of 2
// rejects a checkpoint with one cosignature; the `chainmall witness` command runs and cosigns.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatCheckpoint, generateSignerKey, hashLeaf, rootHash, consistencyProof, signerFromKey, signNote } from '../src/ledger/index.ts';
import { verify } from '../src/cli/verify.ts';
import { formatAddCheckpoint, startWitness, verifyCosigned, verifyCosignatures, type RunningWitness } from '../src/witness/index.ts';
import { backends } from './helpers/backends.ts';
import { startWorld, type World } from './helpers/world.ts';

const ORIGIN = 'chainmall.test/witnessed-log';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-witness-'));

async function post(w: RunningWitness, body: string) {
  const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe.each(backends())('witnesses on $name', (backend) => {
  const skey = generateSignerKey(ORIGIN);
  const log = signerFromKey(skey);
  const dirs: string[] = [];
  let w1: RunningWitness;
  let w2: RunningWitness;
  let world: World;
  let marker = 0;
  const grow = (n: number) => world.app.ledger.appendNow(Array.from({ length: n }, () => ({ kind: 'test.marker', actor: 'test', subject: { m: `m${++marker}` } })));
  const cosigned = async () => {
    const res = await world.anon('GET', '/log/checkpoint.cosigned');
    return { status: res.statusCode, text: res.body };
  };

  beforeAll(async () => {
    const start = (name: string) => {
      const data = tmp();
      dirs.push(data);
      return startWitness({ name, data, log: [`${ORIGIN} ${log.verifierKey}`] });
    };
    [w1, w2] = await Promise.all([start('witness-one.test/w'), start('witness-two.test/w')]);
    world = await startWorld(backend, { origin: ORIGIN, signingKey: skey, witnesses: [`${w1.url} ${w1.verifierKey}`, `${w2.url} ${w2.verifierKey}`] });
  });
  afterAll(async () => {
    await world?.close();
    await w1?.close();
    await w2?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('both witnesses cosign the growing log, with consistency proofs from the size each cosigned', async () => {
    const keys = [w1.verifierKey, w2.verifierKey];
    expect((await cosigned()).status).toBe(404); // nothing cosigned yet
    await grow(3);
    expect(await world.app.witnessing.tick()).toBe(2);
    let c = await cosigned();
    expect(c.status).toBe(200);
    let v = verifyCosigned(c.text, log.verifierKey, keys, 2);
    expect(v.size).toBe((await world.app.ledger.latest())!.treeSize);
    const first = v.size;

    for (const n of [1, 5, 17]) {
      await grow(n);
      expect(await world.app.witnessing.tick()).toBe(2);
      c = await cosigned();
      v = verifyCosigned(c.text, log.verifierKey, keys, 2);
      expect(v.size).toBe((await world.app.ledger.latest())!.treeSize);
    }
    expect(v.size).toBeGreaterThan(first + 20);
    // /log/checkpoint stays the log's own note: no witness lines.
    const own = await world.anon('GET', '/log/checkpoint');
    expect(() => verifyCosigned(own.body, log.verifierKey, keys, 1)).toThrow(/0 valid/);
    // Nothing new: nothing submitted.
    expect(await world.app.witnessing.tick()).toBe(0);
  });

  it('a log instance that forgot what the witnesses hold learns it from 409 and proves from there', async () => {
    await world.app.db.kysely.deleteFrom('witness_state').execute();
    await grow(4);
    expect(await world.app.witnessing.tick()).toBe(2);
    const v = verifyCosigned((await cosigned()).text, log.verifierKey, [w1.verifierKey, w2.verifierKey], 2);
    expect(v.size).toBe((await world.app.ledger.latest())!.treeSize);
  });

  it('both refuse a fork (same size, other root; larger size, other history) and a shrink, all signed by the log key', async () => {
    const last = (await world.app.ledger.latest())!;
    const size = last.treeSize;
    const fake = (n: number, seed: string) => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`${seed}-${i}`)));
    const signed = (n: number, root: Uint8Array) => signNote(formatCheckpoint({ origin: ORIGIN, size: n, rootHash: root }), log);
    for (const w of [w1, w2]) {
      // Same size, different root.
      const forked = fake(size, 'fork');
      const r1 = await post(w, formatAddCheckpoint({ oldSize: size, proof: [], checkpoint: signed(size, rootHash(forked)) }));
      expect(r1.status).toBe(409);
      // A larger tree of another history: its own proof from `size` cannot match the cosigned root.
      const bigger = fake(size + 6, 'fork');
      const r2 = await post(w, formatAddCheckpoint({ oldSize: size, proof: consistencyProof(bigger, size, size + 6), checkpoint: signed(size + 6, rootHash(bigger)) }));
      expect(r2.status).toBe(422);
      // Shrunk: claiming the cosigned size as old is a 400, claiming the smaller one a 409 with the size.
      const smaller = fake(size - 2, 'shrink');
      const r3 = await post(w, formatAddCheckpoint({ oldSize: size, proof: [], checkpoint: signed(size - 2, rootHash(smaller)) }));
      expect(r3.status).toBe(400);
      const r4 = await post(w, formatAddCheckpoint({ oldSize: size - 2, proof: [], checkpoint: signed(size - 2, rootHash(smaller)) }));
      expect(r4).toMatchObject({ status: 409, type: 'text/x.tlog.size', text: `${size}\n` });
      // Unknown origin, and a note not signed by the configured key.
      const other = signerFromKey(generateSignerKey(ORIGIN));
      const r5 = await post(w, formatAddCheckpoint({ oldSize: size, proof: [], checkpoint: signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: last.rootHash }), other) }));
      expect(r5.status).toBe(403);
      const stranger = signerFromKey(generateSignerKey('elsewhere.test/log'));
      const r6 = await post(w, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: signNote(formatCheckpoint({ origin: 'elsewhere.test/log', size: 1, rootHash: last.rootHash }), stranger) }));
      expect(r6.status).toBe(404);
      // The refusals changed nothing: the real log's checkpoint at that size is still acknowledged.
      const again = await post(w, formatAddCheckpoint({ oldSize: size, proof: [], checkpoint: last.checkpoint }));
      expect(again.status).toBe(200);
      expect(verifyCosignatures(last.checkpoint + again.text, last.checkpoint.slice(0, last.checkpoint.lastIndexOf('\n\n') + 1), [w.verifierKey])).toHaveLength(1);
    }
  });

  it('chainmall verify --url … --witness … requires the quorum and proves the log extends the witnessed checkpoint', async () => {
    await grow(2);
    await world.app.witnessing.tick();
    const url = `${await world.app.http.listen({ host: '127.0.0.1', port: 0 })}/log`;
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      expect(await verify({ url, key: log.verifierKey, witness: [w1.verifierKey, w2.verifierKey], quorum: '2' })).toBe(0);
      expect(lines.at(-1)).toMatch(/^OK: /);
      // A witness that never cosigned this log: 2 of these 2 cannot be met.
      const data = tmp();
      dirs.push(data);
      const stranger = await startWitness({ name: 'stranger.test/w', data, log: [`${ORIGIN} ${log.verifierKey}`] });
      await stranger.close();
      expect(await verify({ url, key: log.verifierKey, witness: [w1.verifierKey, stranger.verifierKey], quorum: '2' })).toBe(1);
      expect(lines.at(-1)).toMatch(/^FAIL: witnesses: .*2 required/);
      expect(await verify({ url, key: log.verifierKey, witness: [w1.verifierKey], quorum: '2' })).toBe(1);
      expect(lines.at(-1)).toMatch(/--quorum must be/);
    } finally {
      spy.mockRestore();
    }
  });

  it('a client requiring 2 of 2 rejects a checkpoint only one witness cosigned', async () => {
    const before = verifyCosigned((await cosigned()).text, log.verifierKey, [w1.verifierKey, w2.verifierKey], 2).size;
    await w2.close();
    await grow(2);
    expect(await world.app.witnessing.tick()).toBe(1); // w2 is down
    const latest = (await world.app.ledger.latest())!;
    const rows = await world.app.witnessing.cosignaturesFor(latest.treeSize);
    expect(rows).toHaveLength(1);
    const oneCosig = latest.checkpoint + rows[0]!.line;
    expect(verifyCosigned(oneCosig, log.verifierKey, [w1.verifierKey, w2.verifierKey], 1).size).toBe(latest.treeSize);
    expect(() => verifyCosigned(oneCosig, log.verifierKey, [w1.verifierKey, w2.verifierKey], 2)).toThrow(/2 required/);
    // The log keeps serving the newest checkpoint that met its 2-of-2 quorum.
    expect(verifyCosigned((await cosigned()).text, log.verifierKey, [w1.verifierKey, w2.verifierKey], 2).size).toBe(before);
  });
});

describe.each(backends())('the sequencer hook on $name', (backend) => {
  it('submits each new checkpoint as soon as it is sealed, without waiting for the job interval', async () => {
    const origin = 'chainmall.test/hooked-log';
    const skey = generateSignerKey(origin);
    const log = signerFromKey(skey);
    const dirs = [tmp(), tmp()];
    const ws = await Promise.all(dirs.map((data, i) => startWitness({ name: `hook-${i}.test/w`, data, log: [`${origin} ${log.verifierKey}`] })));
    const world = await startWorld(backend, { origin, signingKey: skey, jobs: true, jobIntervalMs: 3_600_000, witnesses: ws.map((w) => `${w.url} ${w.verifierKey}`) });
    try {
      const keys = ws.map((w) => w.verifierKey);
      for (let round = 1; round <= 3; round++) {
        await world.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: `hook${round}` } }]);
        const size = (await world.app.ledger.latest())!.treeSize;
        let got = 0;
        for (let i = 0; i < 400 && got !== size; i++) {
          const res = await world.anon('GET', '/log/checkpoint.cosigned');
          if (res.statusCode === 200) got = verifyCosigned(res.body, log.verifierKey, keys, 2).size;
          if (got !== size) await new Promise((r) => setTimeout(r, 25));
        }
        expect(got).toBe(size);
      }
    } finally {
      await world.close();
      for (const w of ws) await w.close();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('chainmall witness (CLI)', () => {
  let child: ChildProcess | undefined;
  const data = tmp();
  afterAll(() => {
    if (child?.pid) child.kill('SIGTERM');
    fs.rmSync(data, { recursive: true, force: true });
  });

  it('creates its key, prints its verifier key and cosigns a checkpoint of the configured log', async () => {
    const origin = 'cli.test/log';
    const log = signerFromKey(generateSignerKey(origin));
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'witness', '--name', 'cli-witness.test/w', '--port', '0', '--data', data, '--log', `${origin} ${log.verifierKey}`], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ready = await new Promise<{ url: string; vkey: string }>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const url = /listening on (\S+)/.exec(out)?.[1];
        const vkey = /verifier key: (\S+)/.exec(out)?.[1];
        if (url && vkey) resolve({ url, vkey });
      });
      child!.on('exit', (code) => reject(new Error(`witness exited with ${code}: ${out}`)));
    });
    expect(fs.existsSync(path.join(data, 'witness.key'))).toBe(true);
    expect(ready.vkey.startsWith('cli-witness.test/w+')).toBe(true);
    const leaves = [hashLeaf(Buffer.from('a')), hashLeaf(Buffer.from('b'))];
    const note = signNote(formatCheckpoint({ origin, size: 2, rootHash: rootHash(leaves) }), log);
    const res = await fetch(`${ready.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: note }) });
    expect(res.status).toBe(200);
    expect(verifyCosigned(note + (await res.text()), log.verifierKey, [ready.vkey], 1).cosignatures).toHaveLength(1);
    // It now holds size 2: a fresh start from 0 is told so.
    const again = await fetch(`${ready.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: note }) });
    expect([again.status, await again.text()]).toEqual([409, '2\n']);
  }, 60_000);
});
