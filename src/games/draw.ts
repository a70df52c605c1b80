// Pure, dependency-light derivation of a lucky draw's winners, importable by the server, the CLI and
// the browser (SHA-256 from @noble/hashes; no node: imports). Anyone can reimplement it from
// DRAW_ALGORITHM below and check a revealed draw from its public data.
import { sha256 } from '@noble/hashes/sha2.js';

export const DRAW_ALGORITHM_ID = 'chainmall-draw-v1';

/**
 * The exact algorithm, served with every draw (GET /api/draws/:id, field `algorithm`):
 *
 * Inputs: seed (32 bytes, revealed; its SHA-256 in hex is the commitment published before entries
 * opened), root (32 bytes: the root hash of the ledger checkpoint recorded when the draw closed), the
 * draw id (UTF-8), N = number of entries (numbered 1..N), K = min(number of prizes, N).
 *
 * 1. Random stream: block(c) = SHA-256( "chainmall-draw-v1" ‖ 0x00 ‖ seed ‖ root ‖ UTF-8(drawId) ‖ uint64be(c) )
 *    for c = 0, 1, 2, …; the stream is block(0) ‖ block(1) ‖ …, read as consecutive big-endian uint32 words.
 * 2. uniform(n), for 1 ≤ n ≤ 2^32: limit = 2^32 − (2^32 mod n); take the next word x until x < limit
 *    (rejection sampling: no modulo bias); return x mod n.
 * 3. Partial Fisher–Yates: a = [1, 2, …, N]; for i = 0 … K−1: j = i + uniform(N − i); swap a[i], a[j].
 * 4. Prize i (0-based, in the order the draw lists them) goes to entry number a[i].
 *
 * Entry list hash (in draw.closed): hex SHA-256 of the UTF-8 text made of one line per entry in entry
 * order, "<entryNo> <entrant>\n".
 */
export const DRAW_ALGORITHM = [
  `${DRAW_ALGORITHM_ID}: commitment = hex(SHA-256(seed)), seed 32 bytes.`,
  'block(c) = SHA-256(UTF-8("chainmall-draw-v1") || 0x00 || seed || root || UTF-8(drawId) || uint64be(c)), c = 0,1,2,...; root = the 32-byte root hash of the ledger checkpoint recorded in draw.closed.',
  'The stream block(0) || block(1) || ... is read as consecutive big-endian uint32 words.',
  'uniform(n), 1 <= n <= 2^32: limit = 2^32 - (2^32 mod n); take the next word x until x < limit (rejection sampling, no modulo bias); return x mod n.',
  'Entries are numbered 1..N. K = min(number of prizes, N). a = [1..N]; for i = 0..K-1: j = i + uniform(N - i); swap a[i], a[j] (partial Fisher-Yates).',
  'Prize i (0-based, in the listed order) goes to entry number a[i].',
  'entriesHash = hex(SHA-256(UTF-8 of "<entryNo> <entrant>\\n" for each entry in entry order)).',
].join(' ');

const TAG = new TextEncoder().encode(DRAW_ALGORITHM_ID);
const TWO32 = 0x1_0000_0000;

export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const bytesToHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export const sha256Hex = (b: Uint8Array | string): string => bytesToHex(sha256(typeof b === 'string' ? new TextEncoder().encode(b) : b));

/** The commitment published before entries open: hex SHA-256 of the 32-byte seed. */
export function seedCommitment(seed: Uint8Array): string {
  if (seed.length !== 32) throw new Error('a draw seed is 32 bytes');
  return sha256Hex(seed);
}

/** Does this hex seed open the commitment? */
export function seedMatches(seedHex: string, commitment: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(seedHex) || !/^[0-9a-f]{64}$/.test(commitment)) return false;
  return seedCommitment(hexToBytes(seedHex)) === commitment;
}

/** The random word stream of step 1, and uniform(n) of step 2. */
export class DrawStream {
  private counter = 0;
  private block = new Uint8Array(0);
  private pos = 0;
  private readonly prefix: Uint8Array;
  /** Words consumed (for tests: rejections are visible as extra words). */
  words = 0;

  constructor(seed: Uint8Array, root: Uint8Array, drawId: string) {
    if (seed.length !== 32) throw new Error('a draw seed is 32 bytes');
    if (root.length !== 32) throw new Error('a checkpoint root is 32 bytes');
    const id = new TextEncoder().encode(drawId);
    this.prefix = new Uint8Array(TAG.length + 1 + 32 + 32 + id.length);
    this.prefix.set(TAG, 0);
    this.prefix[TAG.length] = 0;
    this.prefix.set(seed, TAG.length + 1);
    this.prefix.set(root, TAG.length + 33);
    this.prefix.set(id, TAG.length + 65);
  }

  nextWord(): number {
    if (this.pos + 4 > this.block.length) {
      const msg = new Uint8Array(this.prefix.length + 8);
      msg.set(this.prefix, 0);
      const view = new DataView(msg.buffer);
      view.setUint32(this.prefix.length, Math.floor(this.counter / TWO32));
      view.setUint32(this.prefix.length + 4, this.counter >>> 0);
      this.counter++;
      this.block = sha256(msg);
      this.pos = 0;
    }
    const b = this.block;
    const x = ((b[this.pos]! << 24) | (b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!) >>> 0;
    this.pos += 4;
    this.words++;
    return x;
  }

  /** Uniform in [0, n) by rejection sampling: no modulo bias. */
  uniform(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1 || n > TWO32) throw new Error('uniform(n) needs 1 <= n <= 2^32');
    const limit = TWO32 - (TWO32 % n);
    for (;;) {
      const x = this.nextWord();
      if (x < limit) return x % n;
    }
  }
}

/**
 * The winning entry numbers, prize by prize: min(prizes, entries) distinct numbers in 1..entries.
 * seed and root as hex (64 characters each).
 */
export function drawWinners(p: { seedHex: string; rootHex: string; drawId: string; entries: number; prizes: number }): number[] {
  const { entries: n, prizes } = p;
  if (!Number.isSafeInteger(n) || n < 0 || n > TWO32) throw new Error('entries must be a count');
  if (!Number.isSafeInteger(prizes) || prizes < 0) throw new Error('prizes must be a count');
  const stream = new DrawStream(hexToBytes(p.seedHex), hexToBytes(p.rootHex), p.drawId);
  const k = Math.min(prizes, n);
  // Sparse partial Fisher–Yates: only the touched positions are stored, so N may be large.
  const a = new Map<number, number>();
  const at = (i: number) => a.get(i) ?? i + 1;
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + stream.uniform(n - i);
    const ai = at(i);
    const aj = at(j);
    a.set(i, aj);
    a.set(j, ai);
    out.push(aj);
  }
  return out;
}

/** The entry list hash of draw.closed: hex SHA-256 of "<entryNo> <entrant>\n" per entry in entry order. */
export function entriesHash(entries: readonly { entryNo: number; entrant: string }[]): string {
  let text = '';
  entries.forEach((e, i) => {
    if (e.entryNo !== i + 1) throw new Error(`entry ${i + 1} is missing or out of order (found ${e.entryNo})`);
    text += `${e.entryNo} ${e.entrant}\n`;
  });
  return sha256Hex(text);
}

/** The public data a verifier checks, as GET /api/draws/:id and /entries serve it. */
export interface DrawPublicData {
  id: string;
  prizes: readonly unknown[];
  commitment: { seedHash: string };
  closed: { rootHash: string; entryCount: number; entriesHash: string } | null;
  reveal: { seed: string; winners: readonly { prize: number; entryNo: number; entrant: string }[] } | null;
}

export interface DrawCheck {
  name: 'revealed' | 'commitment' | 'entries' | 'entries-hash' | 'winners';
  ok: boolean;
  detail: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEntry = (e: unknown): boolean => isObj(e) && Number.isSafeInteger(e['entryNo']) && typeof e['entrant'] === 'string';

/** Why the public data (JSON from a server that may lie) is not shaped as DrawPublicData, or null. */
function drawDataProblem(d: unknown, entries: unknown): string | null {
  if (!isObj(d) || typeof d['id'] !== 'string' || !Array.isArray(d['prizes'])) return 'the draw is not an object with an id and prizes';
  if (!isObj(d['commitment']) || typeof d['commitment']['seedHash'] !== 'string') return 'the draw has no commitment';
  const { closed, reveal } = d;
  if (closed !== null && closed !== undefined && (!isObj(closed) || typeof closed['rootHash'] !== 'string' || !Number.isSafeInteger(closed['entryCount']) || typeof closed['entriesHash'] !== 'string')) return 'draw.closed is malformed';
  if (reveal !== null && reveal !== undefined && (!isObj(reveal) || typeof reveal['seed'] !== 'string' || !Array.isArray(reveal['winners']) || !reveal['winners'].every((w) => isObj(w) && isEntry(w) && Number.isSafeInteger(w['prize'])))) return 'draw.reveal is malformed';
  if (!Array.isArray(entries) || !entries.every(isEntry)) return 'the entry list is not a list of { entryNo, entrant }';
  return null;
}

/** Every check a verifier runs on a revealed draw's public data; never throws. */
export function verifyDraw(d: DrawPublicData, entries: readonly { entryNo: number; entrant: string }[]): { ok: boolean; checks: DrawCheck[]; winners: number[] } {
  const checks: DrawCheck[] = [];
  const add = (name: DrawCheck['name'], ok: boolean, detail: string) => void checks.push({ name, ok, detail });
  let winners: number[] = [];
  const malformed = drawDataProblem(d, entries);
  if (malformed) {
    add('revealed', false, malformed);
    return { ok: false, checks, winners };
  }
  if (!d.reveal || !d.closed) {
    add('revealed', false, `draw ${d.id} is not revealed yet`);
    return { ok: false, checks, winners };
  }
  add('revealed', true, `draw ${d.id} closed with ${d.closed.entryCount} entries and was revealed`);
  const seedOk = seedMatches(d.reveal.seed, d.commitment.seedHash);
  add('commitment', seedOk, seedOk ? `SHA-256(seed) = ${d.commitment.seedHash}` : `SHA-256(seed) ≠ commitment ${d.commitment.seedHash}`);
  const countOk = entries.length === d.closed.entryCount;
  add('entries', countOk, countOk ? `${entries.length} entries listed` : `${entries.length} entries listed, draw.closed says ${d.closed.entryCount}`);
  let hash = '';
  try {
    hash = entriesHash(entries);
  } catch (e) {
    hash = `(${e instanceof Error ? e.message : String(e)})`;
  }
  const hashOk = hash === d.closed.entriesHash;
  add('entries-hash', hashOk, hashOk ? `entry list hashes to ${hash}` : `entry list hashes to ${hash}, draw.closed says ${d.closed.entriesHash}`);
  try {
    winners = drawWinners({ seedHex: d.reveal.seed, rootHex: d.closed.rootHash, drawId: d.id, entries: d.closed.entryCount, prizes: d.prizes.length });
    const served = d.reveal.winners.map((w) => w.entryNo);
    const byNo = new Map(entries.map((e) => [e.entryNo, e.entrant]));
    const same = served.length === winners.length && served.every((n, i) => n === winners[i] && d.reveal!.winners[i]!.prize === i && byNo.get(n) === d.reveal!.winners[i]!.entrant);
    add('winners', same, same ? `recomputed winners: ${winners.join(', ') || 'none'}` : `recomputed ${winners.join(', ') || 'none'}, revealed ${served.join(', ') || 'none'}`);
  } catch (e) {
    add('winners', false, e instanceof Error ? e.message : String(e));
  }
  return { ok: checks.every((c) => c.ok), checks, winners };
}
