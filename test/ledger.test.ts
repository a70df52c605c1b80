import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createApp, type App } from '../src/app.ts';
import { openCheckpoint, verifyConsistency, verifyReceipt, parseEntry, type LedgerEventInput } from '../src/ledger/index.ts';
import { verifyStorage } from '../src/ledger/verify.ts';
import { backends, type Sandbox } from './helpers/backends.ts';
import { testEvents } from './helpers/events.ts';

const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe.each(backends())('ledger on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  const audit = () => verifyStorage(app.db.kysely, app.ledger.store, app.verifierKey, app.config.origin);

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 20 });
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('opens with a genesis entry naming the log and its key', async () => {
    const [idx] = await app.ledger.appendNow(testEvents(1, 'first'));
    expect(idx).toBe(1);
    const genesis = parseEntry((await app.ledger.store.entry(0))!);
    expect(genesis.kind).toBe('ledger.genesis');
    expect(genesis.data).toEqual({ verifierKey: app.verifierKey });
  });

  it('commits entries with the caller transaction and never shows rolled-back ones', async () => {
    const before = (await app.ledger.latest())!.treeSize;
    await expect(
      app.db.kysely.transaction().execute(async (trx) => {
        await app.ledger.append(trx, testEvents(3, 'doomed'));
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const tickets = await app.db.kysely.transaction().execute((trx) => app.ledger.append(trx, testEvents(2, 'kept')));
    const idx = await app.ledger.waitFor(tickets);
    expect(idx).toEqual([before, before + 1]);
    const all = await app.ledger.store.entries(0, before + 10);
    const subjects = all.map((e) => parseEntry(e.body).subject.test);
    expect(subjects.some((s) => s?.startsWith('doomed'))).toBe(false);
    expect(subjects.filter((s) => s?.startsWith('kept'))).toHaveLength(2);
  });

  it('rejects an invalid or oversized entry before writing anything', async () => {
    const before = await app.db.kysely.selectFrom('ledger_queue').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const bad: LedgerEventInput[] = [
      { kind: 'Not A Kind', actor: 'a', subject: {} },
      { kind: 'test.pii', actor: 'a', subject: {}, data: { email: 'x' } },
      { kind: 'test.pii', actor: 'a', subject: {}, data: { note: 'alice@example.com' } },
      { kind: 'test.float', actor: 'a', subject: {}, data: { amount: 12.5 } },
      { kind: 'test.big', actor: 'a', subject: {}, data: { blob: 'x'.repeat(70_000) } },
    ];
    for (const e of bad) {
      await expect(app.db.kysely.transaction().execute((trx) => app.ledger.append(trx, [testEvents(1, 'ok')[0]!, e]))).rejects.toMatchObject({ code: 'ledger.invalid_entry' });
    }
    const after = await app.db.kysely.selectFrom('ledger_queue').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('gives many concurrent writers dense, unique indices', async () => {
    const start = (await app.ledger.latest())!.treeSize;
    const writers = 24;
    const per = 40;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        (async () => {
          const got: number[] = [];
          for (let k = 0; k < 4; k++) got.push(...(await app.ledger.appendNow(testEvents(per / 4, `w${w}-${k}`))));
          return got;
        })(),
      ),
    );
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: writers * per }, (_, i) => start + i));
    const rows = await app.db.kysely.selectFrom('ledger_entry').select('idx').orderBy('idx').execute();
    expect(rows.map((r) => r.idx)).toEqual(Array.from({ length: rows.length }, (_, i) => i));
    const report = await audit();
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  it('serves receipts that verify offline, and consistency proofs between blocks', async () => {
    await app.ledger.appendNow(testEvents(700, 'bulk'));
    const last = (await app.ledger.latest())!;
    for (const idx of [0, 1, 255, 256, 511, last.treeSize - 1]) {
      const receipt = await app.ledger.receipt(idx);
      const verdict = verifyReceipt(receipt, app.verifierKey);
      expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
      expect(verdict.ok).toBe(true);
    }
    const blocks = await app.ledger.store.blocks(50);
    const cp2 = openCheckpoint(last.checkpoint, app.verifierKey);
    for (const b of blocks) {
      const cp1 = openCheckpoint(b.checkpoint, app.verifierKey);
      const proof = await app.ledger.consistency(cp1.size, cp2.size);
      expect(verifyConsistency(cp1.size, cp2.size, proof, cp1.rootHash, cp2.rootHash)).toBe(true);
    }
  });

  describe('verify detects tampering and names the first bad index', () => {
    const k = () => app.db.kysely;
    async function tampered(change: () => Promise<void>, undo: () => Promise<void>) {
      await app.sequencer.stop();
      await change();
      try {
        return await audit();
      } finally {
        await undo();
        expect((await audit()).ok).toBe(true);
        app.sequencer.start();
      }
    }

    it('an edited entry', async () => {
      const orig = (await app.ledger.store.entry(300))!;
      const forged = Buffer.from(orig);
      forged[forged.length - 3]! ^= 1;
      const r = await tampered(
        () => k().updateTable('ledger_entry').set({ body: forged }).where('idx', '=', 300).execute().then(() => {}),
        () => k().updateTable('ledger_entry').set({ body: orig }).where('idx', '=', 300).execute().then(() => {}),
      );
      expect(r.ok).toBe(false);
      expect(r.problem!.index).toBe(300);
    });

    it('a deleted entry', async () => {
      const row = await k().selectFrom('ledger_entry').selectAll().where('idx', '=', 123).executeTakeFirstOrThrow();
      const r = await tampered(
        () => k().deleteFrom('ledger_entry').where('idx', '=', 123).execute().then(() => {}),
        () => k().insertInto('ledger_entry').values(row).execute().then(() => {}),
      );
      expect(r.problem).toMatchObject({ index: 123 });
      expect(r.problem!.what).toMatch(/missing/);
    });

    it('two swapped entries', async () => {
      const a = (await app.ledger.store.entry(40))!;
      const b = (await app.ledger.store.entry(77))!;
      const set = (idx: number, body: Uint8Array) => k().updateTable('ledger_entry').set({ body }).where('idx', '=', idx).execute();
      const r = await tampered(
        async () => void (await set(40, b), await set(77, a)),
        async () => void (await set(40, a), await set(77, b)),
      );
      expect(r.problem).toMatchObject({ index: 40 });
    });

    it('an altered node hash in a higher tile', async () => {
      const tile = (await app.ledger.store.tile(1, 0))!;
      const forged = Buffer.from(tile);
      forged[32 * 2 + 5]! ^= 0x80; // third hash of tile 1/0: the subtree over leaves 512..767
      const set = (hashes: Uint8Array) => k().updateTable('ledger_tile').set({ hashes }).where('level', '=', 1).where('idx', '=', 0).execute();
      const r = await tampered(
        () => set(forged).then(() => {}),
        () => set(tile).then(() => {}),
      );
      expect(r.problem).toMatchObject({ index: 512 });
    });

    it('an altered inner node (used for proofs)', async () => {
      const row = await k().selectFrom('ledger_tile').select('inner').where('level', '=', 0).where('idx', '=', 1).executeTakeFirstOrThrow();
      const forged = Buffer.from(row.inner);
      forged[32 * 130]! ^= 1; // height 2, node 2 of tile 0/1: leaves 264..267
      const set = (inner: Uint8Array) => k().updateTable('ledger_tile').set({ inner }).where('level', '=', 0).where('idx', '=', 1).execute();
      const r = await tampered(
        () => set(forged).then(() => {}),
        () => set(row.inner).then(() => {}),
      );
      expect(r.problem).toMatchObject({ index: 264 });
    });

    it('a replaced checkpoint', async () => {
      const blocks = await app.ledger.store.blocks(3);
      const victim = blocks[1]!;
      const other = blocks[2]!;
      const set = (checkpoint: string) => k().updateTable('ledger_block').set({ checkpoint }).where('height', '=', victim.height).execute();
      const r = await tampered(
        () => set(other.checkpoint).then(() => {}),
        () => set(victim.checkpoint).then(() => {}),
      );
      expect(r.problem!.index).toBe(victim.firstIndex);
      expect(r.problem!.what).toMatch(new RegExp(`block ${victim.height}`));
    });
  });

  it('integrates entries that were committed but not sequenced before a restart', async () => {
    const before = (await app.ledger.latest())!;
    await app.close();
    const quiet = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', sequencer: false });
    const tickets = await quiet.db.kysely.transaction().execute((trx) => quiet.ledger.append(trx, testEvents(300, 'pending')));
    expect((await quiet.ledger.latest())!.treeSize).toBe(before.treeSize);
    await quiet.close();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 20 });
    const idx = await app.ledger.waitFor(tickets);
    expect(idx[0]).toBe(before.treeSize);
    const after = (await app.ledger.latest())!;
    const proof = await app.ledger.consistency(before.treeSize, after.treeSize);
    expect(verifyConsistency(before.treeSize, after.treeSize, proof, before.rootHash, after.rootHash)).toBe(true);
    expect((await audit()).ok).toBe(true);
  });

  it('audits cleanly while the log keeps growing (partial tiles widen under the audit)', async () => {
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await app.db.kysely.transaction().execute((trx) => app.ledger.append(trx, testEvents(3, `live-${i}`)));
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    try {
      for (let k = 0; k < 40; k++) {
        const r = await audit();
        expect(r.problem).toBeUndefined();
      }
    } finally {
      stop = true;
      await writer;
      await app.ledger.appendNow(testEvents(1, 'live-end')); // queue order: everything before it is in too
    }
  });

  it('keeps the queue empty and the tree size monotone', async () => {
    const q = await app.db.kysely.selectFrom('ledger_queue').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(q.n)).toBe(0);
    const blocks = (await app.ledger.store.blocks(200)).reverse();
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.treeSize).toBeGreaterThan(blocks[i - 1]!.treeSize);
  });
});
