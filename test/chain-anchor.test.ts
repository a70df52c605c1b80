// Checkpoint anchoring against a real Hardhat 2 node, on SQLite and PostgreSQL: the job posts the
// signed checkpoint and records `anchor.posted` with the tx hash; a crash between sending and
// recording never sends twice; `verify --anchor` passes, and reports a fork once the log's storage
// holds a different history of the same size.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHex, type Address } from 'viem';
import { anchorHistory, anchorJob, ANCHOR_ABI, checkAnchors, deployAnchor, type ChainClients } from '../src/chain/index.ts';
import { parseEntry } from '../src/ledger/index.ts';
import { verify } from '../src/cli/verify.ts';
import { backends, type Backend } from './helpers/backends.ts';
import { startWorld, type World } from './helpers/world.ts';
import { startHardhatNode, type HardhatNode } from './helpers/hardhat.ts';

let node: HardhatNode;
beforeAll(async () => {
  node = await startHardhatNode();
}, 90_000);
afterAll(async () => {
  await node?.stop();
});

const append = (w: World, n: number, tag: string) =>
  w.app.ledger.appendNow(Array.from({ length: n }, (_, i) => ({ kind: 'test.entry', actor: 'system', subject: { n: `${tag}-${i}` } })));

/** Runs the CLI's verify with the environment a user would set, capturing its one-line output. */
async function runVerify(w: World, contract: Address): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  process.env.CHAINMALL_DATA_DIR = w.box.dataDir;
  if (w.box.databaseUrl) process.env.DATABASE_URL = w.box.databaseUrl;
  else delete process.env.DATABASE_URL;
  process.env.CHAIN_RPC_URL = node.rpcUrl;
  process.env.ANCHOR_CONTRACT = contract;
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
  try {
    const code = await verify({ anchor: true });
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    process.env = saved;
  }
}

describe.each(backends())('checkpoint anchoring on $name', (backend: Backend) => {
  let w: World;
  let clients: ChainClients;
  let contract: Address;
  const job = (everyEntries = 5) =>
    anchorJob({ db: w.app.db.kysely, ledger: w.app.ledger, store: w.app.ledger.store, origin: w.app.config.origin, clients, contract, everyMs: 3_600_000, everyEntries });

  beforeAll(async () => {
    w = await startWorld(backend);
    // Each backend its own contract and anchoring account, so the two runs never share a nonce.
    clients = node.clients(backend.name === 'sqlite' ? 1 : 2);
    contract = await deployAnchor(clients);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });

  it('posts the latest signed checkpoint and records the tx hash in the ledger, once', async () => {
    await append(w, 3, 'a');
    const j = job();
    const before = await w.app.ledger.store.latestBlock();
    expect(await j.tick(new Date())).toBe(1);
    const hist = await anchorHistory(clients.public, contract, w.app.config.origin);
    expect(hist.map((a) => a.treeSize)).toEqual([before!.treeSize]);
    expect(toHex(hist[0]!.rootHash)).toBe(toHex(before!.rootHash));

    const last = await w.app.ledger.store.latestBlock();
    const entry = parseEntry((await w.app.ledger.store.entry(last!.treeSize - 1))!);
    expect(entry.kind).toBe('anchor.posted');
    expect(entry.data).toMatchObject({ treeSize: before!.treeSize, rootHash: toHex(before!.rootHash), txHash: hist[0]!.txHash, contract, chainId: 31337 });

    // Grown by one entry (its own) only: not due again.
    expect(await j.tick(new Date())).toBe(0);
    await append(w, 5, 'b');
    expect(await j.tick(new Date())).toBe(1);
    expect((await anchorHistory(clients.public, contract, w.app.config.origin)).length).toBe(2);
  });

  it('after a crash between sending and recording, reconciles from the chain without sending again', async () => {
    await append(w, 6, 'c');
    const block = (await w.app.ledger.store.latestBlock())!;
    const nonce = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: 'pending' });
    // What the job does before sending …
    await w.app.db.kysely
      .insertInto('chain_anchor')
      .values({ origin: w.app.config.origin, tree_size: block.treeSize, root_hash: toHex(block.rootHash), nonce, tx_hash: null, status: 'intended', created_at: new Date().toISOString(), posted_at: null })
      .execute();
    // … then the send, and the process dies before it records the hash.
    const hash = await clients.wallet.writeContract({ address: contract, abi: ANCHOR_ABI, functionName: 'anchor', args: [w.app.config.origin, BigInt(block.treeSize), toHex(block.rootHash)], nonce });
    await clients.public.waitForTransactionReceipt({ hash });

    // A fresh job (a restarted process) finds the anchor on chain and records it.
    expect(await job().tick(new Date())).toBe(1);
    expect(await clients.public.getTransactionCount({ address: clients.account.address })).toBe(nonce + 1);
    const row = await w.app.db.kysely.selectFrom('chain_anchor').selectAll().where('status', '=', 'posted').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(Number(row.tree_size)).toBe(block.treeSize);
    expect(row.tx_hash).toBe(hash);
    const posted = await w.app.ledger.store.entries(0, (await w.app.ledger.store.latestBlock())!.treeSize);
    const kinds = posted.map((e) => parseEntry(e.body)).filter((e) => e.kind === 'anchor.posted' && e.data['txHash'] === hash);
    expect(kinds.length).toBe(1);
  });

  it('after a crash before sending, sends the intended anchor with its reserved nonce', async () => {
    await append(w, 2, 'd');
    const block = (await w.app.ledger.store.latestBlock())!;
    const nonce = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: 'pending' });
    const j = job(1_000_000);
    expect(await j.anchorer.openIntent(block.treeSize, block.rootHash, nonce, new Date())).toBeDefined();
    // A second instance racing to open its own intent backs off.
    expect(await job().anchorer.openIntent(block.treeSize, block.rootHash, nonce, new Date())).toBeUndefined();
    // Only one open intent per log: a second instance racing to open another is refused.
    await expect(
      w.app.db.kysely
        .insertInto('chain_anchor')
        .values({ origin: w.app.config.origin, tree_size: block.treeSize, root_hash: toHex(block.rootHash), nonce, tx_hash: null, status: 'intended', created_at: new Date().toISOString(), posted_at: null })
        .execute(),
    ).rejects.toThrow(/unique/i);
    expect(await j.tick(new Date())).toBe(1);
    const hist = await anchorHistory(clients.public, contract, w.app.config.origin);
    expect(hist.at(-1)!.treeSize).toBe(block.treeSize);
    const tx = await clients.public.getTransaction({ hash: hist.at(-1)!.txHash });
    expect(tx.nonce).toBe(nonce);
  });

  it('verify --anchor passes on the anchored log, and reports a fork for a rewritten one', async () => {
    const ok = await runVerify(w, contract);
    expect(ok.out).toMatch(/consistent with 4 anchored checkpoint\(s\)/);
    expect(ok.code).toBe(0);
    expect((await checkAnchors(w.app.ledger.store, w.app.config.origin, clients.public, contract)).ok).toBe(true);

    // A different history in storage: a fresh app (same origin) whose log has exactly the size
    // of the first anchor but other entries, checked against the same contract.
    const first = (await anchorHistory(clients.public, contract, w.app.config.origin))[0]!;
    const forged = await startWorld(backend);
    try {
      // One entry first: its wait also covers the genesis entry queued at start.
      await append(forged, 1, 'forged-first');
      const size = (await forged.app.ledger.store.latestBlock())!.treeSize;
      expect(size).toBeLessThan(first.treeSize);
      // Shorter than what was anchored: a rollback is a fork too.
      const short = await checkAnchors(forged.app.ledger.store, forged.app.config.origin, clients.public, contract);
      expect(short.ok).toBe(false);
      expect(short.fork?.message).toMatch(new RegExp(`tree size ${first.treeSize} .*the log has only ${size} entries`));
      await append(forged, first.treeSize - size, 'forged');
      expect((await forged.app.ledger.store.latestBlock())!.treeSize).toBe(first.treeSize);
      const bad = await runVerify(forged, contract);
      expect(bad.code).toBe(1);
      expect(bad.out).toBe(bad.out.split('\n')[0]); // one line
      expect(bad.out).toMatch(new RegExp(`^FORK: anchored checkpoint at tree size ${first.treeSize} `));
      const check = await checkAnchors(forged.app.ledger.store, forged.app.config.origin, clients.public, contract);
      expect(check.fork?.treeSize).toBe(first.treeSize);
    } finally {
      await forged.close();
    }
  }, 60_000);
});
