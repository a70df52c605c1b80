/** Offline-verifiable receipts: an entry, its inclusion proof and the signed checkpoint it is in. */
import { parseCheckpoint, type ParsedCheckpoint } from './checkpoint.ts';
import { hashLeaf, verifyInclusion } from './merkle.ts';
import { openNote } from './note.ts';

export interface Receipt {
  v: 1;
  /** base64 of the canonical entry bytes */
  entry: string;
  leafIndex: number;
  treeSize: number;
  /** base64 32-byte hashes, leaf-to-root */
  inclusionProof: string[];
  /** the signed checkpoint note text */
  checkpoint: string;
}

export type CheckName = 'format' | 'checkpoint-signature' | 'checkpoint-format' | 'tree-size' | 'entry-hash' | 'inclusion-proof';
export interface ReceiptCheck {
  name: CheckName;
  ok: boolean;
  detail: string;
}
export interface ReceiptVerdict {
  ok: boolean;
  checks: ReceiptCheck[];
}

const KEYS = ['v', 'entry', 'leafIndex', 'treeSize', 'inclusionProof', 'checkpoint'];
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Canonical standard base64 only, so one receipt has one spelling. */
function b64(s: string): Uint8Array | null {
  if (!B64.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? new Uint8Array(b) : null;
}
const isIndex = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface ParsedReceipt extends Receipt {
  entryBytes: Uint8Array;
  proofBytes: Uint8Array[];
}

/** Shape check; accepts an object or its JSON text. Throws Error naming the first defect. */
export function parseReceipt(input: unknown): ParsedReceipt {
  let r: unknown = input;
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r);
    } catch {
      throw new Error('receipt is not valid JSON');
    }
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('receipt must be a JSON object');
  const o = r as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !KEYS.includes(k));
  if (extra.length) throw new Error(`receipt has unknown field(s): ${extra.join(', ')}`);
  if (o.v !== 1) throw new Error('receipt version "v" must be 1');
  if (typeof o.entry !== 'string') throw new Error('"entry" must be a base64 string');
  const entryBytes = b64(o.entry);
  if (!entryBytes) throw new Error('"entry" is not canonical base64');
  if (!isIndex(o.leafIndex)) throw new Error('"leafIndex" must be a non-negative integer');
  if (!isIndex(o.treeSize)) throw new Error('"treeSize" must be a non-negative integer');
  if (!Array.isArray(o.inclusionProof) || o.inclusionProof.length > 64) {
    throw new Error('"inclusionProof" must be an array of at most 64 hashes');
  }
  const proofBytes = o.inclusionProof.map((h: unknown, i) => {
    const b = typeof h === 'string' ? b64(h) : null;
    if (!b || b.length !== 32) throw new Error(`"inclusionProof[${i}]" is not base64 of a 32-byte hash`);
    return b;
  });
  if (typeof o.checkpoint !== 'string') throw new Error('"checkpoint" must be the signed checkpoint text');
  const receipt: Receipt = {
    v: 1,
    entry: o.entry,
    leafIndex: o.leafIndex,
    treeSize: o.treeSize,
    inclusionProof: [...(o.inclusionProof as string[])],
    checkpoint: o.checkpoint,
  };
  return { ...receipt, entryBytes, proofBytes };
}

export function makeReceipt(a: { entry: Uint8Array; leafIndex: number; treeSize: number; proof: Uint8Array[]; checkpoint: string }): Receipt {
  const enc = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return { v: 1, entry: enc(a.entry), leafIndex: a.leafIndex, treeSize: a.treeSize, inclusionProof: a.proof.map(enc), checkpoint: a.checkpoint };
}

const msg = (e: unknown): string => {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'unprintable error';
  }
};

/**
 * Runs every check in order and never throws. A check that cannot run because an earlier one
 * failed is reported as not ok with detail "skipped: …". `origin`, if given, must match.
 */
export function verifyReceipt(receipt: unknown, vkey: string, opts: { origin?: string } = {}): ReceiptVerdict {
  const checks: ReceiptCheck[] = [];
  const add = (name: CheckName, ok: boolean, detail: string) => void checks.push({ name, ok, detail });
  const skip = (name: CheckName, why: string) => add(name, false, `skipped: ${why}`);

  let r: ParsedReceipt | undefined;
  try {
    r = parseReceipt(receipt);
    add('format', true, `receipt v1 for leaf ${r.leafIndex} of tree size ${r.treeSize}`);
  } catch (e) {
    add('format', false, msg(e));
  }

  let body: string | undefined;
  if (!r) skip('checkpoint-signature', 'receipt is malformed');
  else {
    try {
      const opened = openNote(r.checkpoint, vkey);
      body = opened.body;
      const others = opened.signatures.filter((s) => !s.verified).length;
      const ignored = others ? ` (${others} other signature(s) ignored)` : '';
      add('checkpoint-signature', true, `signed by ${vkey.split('+', 2).join('+')}${ignored}`);
    } catch (e) {
      add('checkpoint-signature', false, msg(e));
    }
  }

  let cp: ParsedCheckpoint | undefined;
  if (body === undefined) skip('checkpoint-format', 'checkpoint signature not verified');
  else {
    try {
      cp = parseCheckpoint(body);
      if (opts.origin !== undefined && cp.origin !== opts.origin) {
        const want = JSON.stringify(opts.origin);
        add('checkpoint-format', false, `checkpoint origin ${JSON.stringify(cp.origin)} is not the expected ${want}`);
        cp = undefined;
      } else add('checkpoint-format', true, `checkpoint for ${cp.origin} at size ${cp.size}, root ${hex(cp.rootHash)}`);
    } catch (e) {
      add('checkpoint-format', false, msg(e));
    }
  }

  let sizeOk = false;
  if (!r || !cp) skip('tree-size', 'no verified checkpoint');
  else {
    sizeOk = r.treeSize === cp.size;
    const why = sizeOk ? `tree size ${cp.size} matches the checkpoint` : `receipt tree size ${r.treeSize} differs from checkpoint size ${cp.size}`;
    add('tree-size', sizeOk, why);
  }

  let leafHash: Uint8Array | undefined;
  if (!r) skip('entry-hash', 'receipt is malformed');
  else {
    try {
      leafHash = hashLeaf(r.entryBytes);
      add('entry-hash', true, `leaf hash ${hex(leafHash)} (${r.entryBytes.length}-byte entry)`);
    } catch (e) {
      add('entry-hash', false, msg(e));
    }
  }

  if (!r || !cp || !leafHash || !sizeOk) skip('inclusion-proof', !sizeOk && cp ? 'tree size mismatch' : 'an earlier check failed');
  else {
    const tree = `tree of size ${cp.size} with root ${hex(cp.rootHash)}`;
    let ok = false;
    let err = '';
    if (r.leafIndex >= cp.size) err = ` (index is beyond the tree)`;
    else {
      try {
        ok = verifyInclusion(leafHash, r.leafIndex, cp.size, r.proofBytes, cp.rootHash) === true;
      } catch (e) {
        err = `: ${msg(e)}`;
      }
    }
    add('inclusion-proof', ok, `leaf ${r.leafIndex} is ${ok ? '' : 'not '}in ${tree}${err}`);
  }

  return { ok: checks.length === 6 && checks.every((c) => c.ok), checks };
}
