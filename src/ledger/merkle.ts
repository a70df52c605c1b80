/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree over SHA-256. Pure, no I/O.
 *
 * Sizes and indices go up to 2^53 − 1, so all index arithmetic uses Math.floor(x / 2)
 * and x % 2: JS bitwise operators truncate to 32 bits.
 *
 * Proofs are described first as "plans": lists of complete subtrees (addressed like Go's
 * tlog: level + index) whose stored hashes the server reads and folds. inclusionProof /
 * consistencyProof are those same plans evaluated over an in-memory leaf list, so the
 * in-memory and storage-backed paths cannot disagree.
 */
import { hash } from 'node:crypto';

const HASH_LEN = 32;
/** Longer than any valid proof for a 2^53-leaf tree; bounds the work done on hostile input. */
const MAX_PROOF_LEN = 128;

/** Perfect subtree over leaves [index·2^level, (index+1)·2^level). */
export interface NodeRef {
  level: number;
  index: number;
}

// ---------------------------------------------------------------------------
// hashing

const sha256 = (data: Uint8Array): Uint8Array => {
  // crypto.hash returns a fresh, unpooled Buffer; hand out a plain Uint8Array view of it.
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

const EMPTY_ROOT = sha256(new Uint8Array(0));
/** Reused for interior nodes: one allocation fewer per hash on the O(n) paths. */
const scratch = new Uint8Array(1 + 2 * HASH_LEN);

/** Reused for leaves up to the entry limit: audits hash millions, and a copy each is GC churn. */
const leafScratch = new Uint8Array(1 + 65_535);

export function hashLeaf(data: Uint8Array): Uint8Array {
  if (data.length < leafScratch.length) {
    leafScratch[0] = 0;
    leafScratch.set(data, 1);
    return sha256(leafScratch.subarray(0, 1 + data.length));
  }
  const buf = new Uint8Array(1 + data.length);
  buf.set(data, 1);
  return sha256(buf);
}

/** Children of any length are hashed as given (the RFC 6962 "Node" vector uses 4-byte ones). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_LEN && right.length === HASH_LEN) {
    scratch[0] = 1;
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_LEN);
    return sha256(scratch);
  }
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

// ---------------------------------------------------------------------------
// small helpers (no bitwise arithmetic on sizes)

const half = (x: number): number => Math.floor(x / 2);
const isOdd = (x: number): boolean => x % 2 === 1;
const isSize = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isHash = (x: unknown): x is Uint8Array => x instanceof Uint8Array && x.length === HASH_LEN;

/** Largest power of two strictly below n (n ≥ 2): the RFC's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOf2(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Indexed loop, not .every(): .every skips holes in sparse arrays. */
function isProof(p: unknown): p is Uint8Array[] {
  if (!Array.isArray(p) || p.length > MAX_PROOF_LEN) return false;
  for (let i = 0; i < p.length; i++) if (!isHash(p[i])) return false;
  return true;
}

// ---------------------------------------------------------------------------
// plans

export function nodeRange(ref: NodeRef): { start: number; end: number } {
  const { level, index } = ref;
  if (!Number.isInteger(level) || level < 0 || level > 53 || !isSize(index)) throw new RangeError('nodeRange: bad node');
  const width = 2 ** level;
  const start = index * width;
  const end = start + width;
  if (!Number.isSafeInteger(end)) throw new RangeError('nodeRange: node beyond 2^53 − 1 leaves');
  return { start, end };
}

export function rangeNodes(start: number, end: number): NodeRef[] {
  if (!isSize(start) || !isSize(end) || start > end) throw new RangeError(`rangeNodes: bad range [${start}, ${end})`);
  const out: NodeRef[] = [];
  for (let lo = start; lo < end; ) {
    let width = 1;
    let level = 0;
    while (lo % (width * 2) === 0 && lo + width * 2 <= end) {
      width *= 2;
      level++;
    }
    out.push({ level, index: lo / width });
    lo += width;
  }
  return out;
}

export function rootPlan(size: number): NodeRef[] {
  return rangeNodes(0, size);
}

export function foldNodes(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('foldNodes: no hashes');
  let h = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) h = hashChildren(hashes[i]!, h);
  return h;
}

/** RFC 9162 PATH(m, D[0:n]), unrolled: one range per element, collected root-first. */
export function inclusionPlan(leafIndex: number, treeSize: number): NodeRef[][] {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`inclusionPlan: need 0 ≤ index < size (got ${leafIndex}, ${treeSize})`);
  }
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (leafIndex < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

/** RFC 9162 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), unrolled like inclusionPlan. */
export function consistencyPlan(size1: number, size2: number): NodeRef[][] {
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) {
    throw new RangeError(`consistencyPlan: need 0 < size1 ≤ size2 (got ${size1}, ${size2})`);
  }
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size2;
  let m = size1; // relative to lo
  let whole = true; // the RFC's b: is this the old tree itself (whose root the verifier has)?
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!whole) ranges.push([lo, hi]);
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      m -= k;
      lo += k;
      whole = false;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

// ---------------------------------------------------------------------------
// proofs over an in-memory leaf list

function leafAt(leafHashes: Uint8Array[], i: number): Uint8Array {
  const h = leafHashes[i];
  if (!isHash(h)) throw new TypeError(`leaf hash ${i} is not a 32-byte Uint8Array`);
  return h;
}

/** Hash of a perfect subtree, computed from the leaves it covers: O(2^level). */
function subtreeHash(leafHashes: Uint8Array[], start: number, width: number): Uint8Array {
  if (width === 1) return leafAt(leafHashes, start);
  const w = width / 2;
  return hashChildren(subtreeHash(leafHashes, start, w), subtreeHash(leafHashes, start + w, w));
}

function evalPlan(leafHashes: Uint8Array[], plan: NodeRef[][]): Uint8Array[] {
  // Copy: a single-leaf element would otherwise alias the caller's leaf hash.
  return plan.map((refs) =>
    new Uint8Array(foldNodes(refs.map((r) => subtreeHash(leafHashes, nodeRange(r).start, 2 ** r.level)))),
  );
}

function checkLeaves(leafHashes: unknown, needed: number): asserts leafHashes is Uint8Array[] {
  if (!Array.isArray(leafHashes)) throw new TypeError('leafHashes must be an array');
  if (needed > leafHashes.length) throw new RangeError(`tree size ${needed} exceeds ${leafHashes.length} leaves`);
}

/** RFC 9162 MTH; O(n) hashes. */
export function rootHash(leafHashes: Uint8Array[]): Uint8Array {
  checkLeaves(leafHashes, 0);
  if (leafHashes.length === 0) return new Uint8Array(EMPTY_ROOT);
  return evalPlan(leafHashes, [rootPlan(leafHashes.length)])[0]!;
}

export function inclusionProof(leafHashes: Uint8Array[], leafIndex: number, treeSize: number): Uint8Array[] {
  const plan = inclusionPlan(leafIndex, treeSize);
  checkLeaves(leafHashes, treeSize);
  return evalPlan(leafHashes, plan);
}

export function consistencyProof(leafHashes: Uint8Array[], size1: number, size2: number): Uint8Array[] {
  const plan = consistencyPlan(size1, size2);
  checkLeaves(leafHashes, size2);
  return evalPlan(leafHashes, plan);
}

// ---------------------------------------------------------------------------
// verification: exactly true or false, never throws

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isHash(leafHash) || !isHash(root) || !isSize(leafIndex) || !isSize(treeSize)) return false;
    if (leafIndex >= treeSize || !isProof(proof)) return false;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    for (let i = 0; i < proof.length; i++) {
      const p = proof[i]!;
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        r = hashChildren(p, r);
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = hashChildren(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && sameHash(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.4.2, with the tlog / transparency-dev policy for the edges the RFC leaves
 * open: size1 = 0 is rejected (the empty tree is trivially consistent, so such a "proof"
 * proves nothing and is more likely a bug), and equal sizes are accepted only with an
 * empty proof and identical roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  try {
    if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) return false;
    if (!isHash(root1) || !isHash(root2) || !isProof(proof)) return false;
    if (size1 === size2) return proof.length === 0 && sameHash(root1, root2);
    if (proof.length === 0) return false;
    const path = isPowerOf2(size1) ? [root1, ...proof] : proof;
    let fn = size1 - 1;
    let sn = size2 - 1;
    while (isOdd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = path[0]!;
    let sr = fr;
    for (let i = 1; i < path.length; i++) {
      const c = path[i]!;
      if (sn === 0) return false;
      if (isOdd(fn) || fn === sn) {
        fr = hashChildren(c, fr);
        sr = hashChildren(c, sr);
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = hashChildren(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
  } catch {
    return false;
  }
}
