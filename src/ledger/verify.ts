import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { sameBytes, toHex, asBytes } from '../shared/bytes.ts';
import { auditLog, hashEntries, type AuditReport, type AuditSource, type Milestone, type Progress } from './audit.ts';
import { blockHash, GENESIS_PREV_HASH } from './block.ts';
import { openCheckpoint } from './checkpoint.ts';
import { toBlock, type Block, type LedgerStore } from './store.ts';
import { decodeBundle, formatTilePath, TILE_WIDTH } from './tiles.ts';

const CHUNK = 8192;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Checks of one block that need no entries: the chain link, its own hash, its signed checkpoint. */
function blockProblem(b: Block, prev: Block | undefined, vkey: string, origin: string): string | null {
  const height = prev ? prev.height + 1 : 0;
  if (b.height !== height) return `height is ${b.height}, expected ${height}`;
  if (!sameBytes(b.prevHash, prev ? prev.blockHash : GENESIS_PREV_HASH)) return `prevBlockHash ${toHex(b.prevHash)} does not link to block ${height - 1}`;
  if (b.firstIndex !== (prev?.treeSize ?? 0)) return `firstIndex is ${b.firstIndex}, expected ${prev?.treeSize ?? 0}`;
  if (b.treeSize <= b.firstIndex) return `tree size ${b.treeSize} does not grow past ${b.firstIndex}`;
  if (!sameBytes(blockHash(b), b.blockHash)) return `block hash ${toHex(b.blockHash)} does not match its contents (${toHex(blockHash(b))})`;
  try {
    const cp = openCheckpoint(b.checkpoint, vkey, origin);
    if (cp.size !== b.treeSize) return `checkpoint size ${cp.size} is not the block's tree size ${b.treeSize}`;
    if (!sameBytes(cp.rootHash, b.rootHash)) return `checkpoint root ${b64(cp.rootHash)} is not the block's root ${b64(b.rootHash)}`;
  } catch (err) {
    return `checkpoint: ${(err as Error).message}`;
  }
  return null;
}

async function* storedEntries(store: LedgerStore, treeSize: number) {
  // Rows past the tree size may be committed entries still waiting for the sequencer.
  for (let from = 0; from < treeSize; ) {
    const rows = await store.entries(from, Math.min(treeSize, from + CHUNK));
    if (rows.length === 0) return;
    yield rows;
    from = rows[rows.length - 1]!.idx + 1;
  }
}

/** Audits the log in this database: every entry, tile, block and checkpoint signature. */
export async function verifyStorage(
  db: Kysely<Database>,
  store: LedgerStore,
  vkey: string,
  origin: string,
  progress?: Progress,
): Promise<AuditReport & { blocks: number }> {
  const blocks: Block[] = [];
  for (let before: number | undefined; ; ) {
    let q = db.selectFrom('ledger_block').selectAll().orderBy('height', 'desc').limit(CHUNK);
    if (before !== undefined) q = q.where('height', '<', before);
    const rows = await q.execute();
    if (rows.length === 0) break;
    blocks.push(...rows.map(toBlock));
    before = rows[rows.length - 1]!.height;
  }
  blocks.reverse();
  const milestones: Milestone[] = blocks.map((b, i) => ({
    size: b.treeSize,
    index: b.firstIndex,
    label: `block ${b.height}`,
    check: (root) => blockProblem(b, blocks[i - 1], vkey, origin) ?? (sameBytes(root, b.rootHash) ? null : `root ${b64(b.rootHash)} differs from the recomputed ${b64(root)}`),
  }));
  // A block whose size does not rise is never reached by the tree: check the chain up front too.
  for (let i = 0; i < blocks.length; i++) {
    const why = blockProblem(blocks[i]!, blocks[i - 1], vkey, origin);
    if (why && blocks[i]!.treeSize <= (blocks[i - 1]?.treeSize ?? 0)) {
      return { ok: false, treeSize: blocks[i]!.treeSize, entries: 0, milestones: 0, blocks: blocks.length, problem: { index: blocks[i]!.firstIndex, what: `block ${blocks[i]!.height}: ${why}` } };
    }
  }
  const treeSize = blocks[blocks.length - 1]?.treeSize ?? 0;
  const src: AuditSource = {
    leaves: (n) => hashEntries(storedEntries(store, n)),
    tile: (level, idx) => store.tile(level, idx),
    tileRow: (level, idx) => store.tileRow(level, idx),
  };
  return { ...(await auditLog(src, treeSize, milestones, progress)), blocks: blocks.length };
}

export interface RemoteVerifyOptions {
  url: string;
  vkey: string;
  /** An earlier signed checkpoint of the same log: the current tree must extend it. */
  prev?: string | undefined;
  fetch?: typeof fetch;
  progress?: Progress;
}

/** Audits a remote log from its tlog-tiles alone: the checkpoint, entry bundles and hash tiles. */
export async function verifyRemote(o: RemoteVerifyOptions): Promise<AuditReport & { checkpoint: string; origin: string; rootHash: string }> {
  const base = o.url.endsWith('/') ? o.url : o.url + '/';
  const get = async (path: string): Promise<Uint8Array | undefined> => {
    const r = await (o.fetch ?? fetch)(new URL(path, base));
    if (r.status === 404) return undefined;
    if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const note = await get('checkpoint');
  if (!note) throw new Error(`${base}checkpoint: not found`);
  const text = Buffer.from(note).toString('utf8');
  const cp = openCheckpoint(text, o.vkey);
  const milestones: Milestone[] = [
    { size: cp.size, index: Math.max(0, cp.size - 1), label: 'checkpoint', check: (root) => (sameBytes(root, cp.rootHash) ? null : `root ${b64(cp.rootHash)} differs from the recomputed ${b64(root)}`) },
  ];
  if (o.prev) {
    const prev = openCheckpoint(o.prev, o.vkey, cp.origin);
    if (prev.size > cp.size) throw new Error(`the log shrank: previous checkpoint has ${prev.size} entries, current ${cp.size}`);
    if (prev.size > 0) {
      milestones.push({
        size: prev.size,
        index: prev.size - 1,
        label: 'previous checkpoint',
        check: (root) => (sameBytes(root, prev.rootHash) ? null : `the log forked: at size ${prev.size} the root is ${b64(root)}, the previous checkpoint says ${b64(prev.rootHash)}`),
      });
    }
  }
  const src: AuditSource = {
    tile: (level, idx, width) => get(formatTilePath({ kind: 'hash', level, index: idx, width })),
    leaves: (n) => hashEntries(bundles(n)),
  };
  async function* bundles(n: number) {
    for (let t = 0; t * TILE_WIDTH < n; t++) {
      const width = Math.min(TILE_WIDTH, n - t * TILE_WIDTH);
      const bundle = await get(formatTilePath({ kind: 'entries', index: t, width }));
      if (!bundle) throw new Error(`entry bundle ${t} (width ${width}) is missing`);
      yield decodeBundle(bundle).map((body, i) => ({ idx: t * TILE_WIDTH + i, body }));
    }
  }
  const report = await auditLog(src, cp.size, milestones, o.progress);
  return { ...report, checkpoint: text, origin: cp.origin, rootHash: b64(cp.rootHash) };
}
