// Pure settlement rules: statement lines from transfers, the batch arithmetic, the batch's Merkle tree
// and line proofs. No I/O. The tree is RFC 9162, built with the ledger's own functions (hashLeaf,
// hashChildren and the plans rootPlan / inclusionPlan / foldNodes), so a line proof is checked with the
// same verifyInclusion that checks a ledger receipt.
import canonicalize from 'canonicalize';
import {
  foldNodes,
  hashChildren,
  hashLeaf,
  inclusionPlan,
  parseEntry,
  rootHash,
  rootPlan,
  verifyInclusion,
  verifyReceipt,
  type NodeRef,
  type Receipt,
} from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';

export const LINE_KINDS = ['order', 'refund', 'adjustment', 'fee', 'payout'] as const;
export type LineKind = (typeof LINE_KINDS)[number];
export const PAYOUT_STATES = ['none', 'pending', 'paid', 'paid_manually', 'failed'] as const;
export type PayoutState = (typeof PAYOUT_STATES)[number];

/** The money transfer code of a settlement payout (receivable → sys:external). */
export const PAYOUT_CODE = 'settlement_payout';
export const BATCH_CLOSED = 'settlement.batch_closed';

export const payoutTransferId = (batchId: string) => `payout:${batchId}`;
export const payoutResolveId = (batchId: string, how: 'post' | 'void') => `payout:${batchId}:${how}`;
/** Where the gateway sends a merchant's payout: the payment provider knows the merchant's account by this reference. */
export const payoutDestination = (merchantId: string) => `merchant:${merchantId}`;

/** One statement line: one transfer that moved the receivable's posted balance. */
export interface Line {
  /** 1-based; the leaf index in the batch's tree is lineNo − 1. */
  lineNo: number;
  transferId: string;
  kind: LineKind;
  orderId: string | null;
  /** Signed: a credit to the receivable is +, a debit −. */
  amountMinor: bigint;
  currency: string;
  at: string;
}

/** The kind of a line, from the transfer's code. */
export function lineKindOf(code: string): LineKind {
  switch (code) {
    case 'order_release':
      return 'order';
    case 'order_refund':
      return 'refund';
    case PAYOUT_CODE:
      return 'payout';
    default:
      return code.endsWith('_fee') ? 'fee' : 'adjustment';
  }
}

/** The order a transfer belongs to: its meta's `order`, else the id's suffix for order-derived ids (release:<orderId>). */
export function orderIdOf(transferId: string, meta?: Record<string, unknown> | null): string | null {
  const fromMeta = meta?.['order'];
  if (typeof fromMeta === 'string' && fromMeta.length > 0) return fromMeta;
  const m = /^(?:release|refund|refund-fee|commission|pay|hold|post):(.+)$/.exec(transferId);
  return m ? m[1]! : null;
}

/** The transfer as the settlement reads it from the receivable's statement. */
export interface TransferOnAccount {
  seq: number;
  transferId: string;
  type: 'single' | 'pending' | 'post' | 'void';
  direction: 'debit' | 'credit';
  amount: bigint;
  currency: string;
  code: string;
  createdAt: string;
  /** The receivable's posted balance right after the transfer. */
  balanceAfter: bigint;
  meta?: Record<string, unknown> | null;
}

/**
 * The transfers a batch takes, oldest first: those after the previous batch's last seq, up to the
 * first created after periodEnd (a prefix in seq order: a later transfer is never taken before an
 * earlier one, so nothing is ever skipped, whatever the clocks say). Pending and void transfers
 * reserve or release without moving the posted balance: they are not lines, but they advance the seq.
 */
export function takeLines(transfers: TransferOnAccount[], afterSeq: number, periodEnd: Date, opening: bigint): { lines: Line[]; lastSeq: number; balanceAfter: bigint } {
  const sorted = transfers.filter((t) => t.seq > afterSeq).sort((a, b) => a.seq - b.seq);
  const lines: Line[] = [];
  let lastSeq = afterSeq;
  let balance = opening;
  const end = periodEnd.getTime();
  for (const t of sorted) {
    if (Date.parse(t.createdAt) > end) break;
    lastSeq = t.seq;
    if (t.type === 'single' || t.type === 'post') {
      const amountMinor = t.direction === 'credit' ? t.amount : -t.amount;
      balance += amountMinor;
      lines.push({ lineNo: lines.length + 1, transferId: t.transferId, kind: lineKindOf(t.code), orderId: orderIdOf(t.transferId, t.meta), amountMinor, currency: t.currency, at: t.createdAt });
    }
    // The statement carries the account's balance after every transfer: the lines must add up to it.
    assert(balance === t.balanceAfter, `settlement: lines add up to ${balance} but the account's balance after ${t.transferId} is ${t.balanceAfter}`);
  }
  return { lines, lastSeq, balanceAfter: balance };
}

export interface Totals {
  opening: bigint;
  total: bigint;
  closing: bigint;
  payoutMinor: bigint;
}

/**
 * The batch's figures. closing = opening + Σ lines = the receivable's posted balance at the cut-off.
 * The payout is what is left after payouts still in flight (pending at the gateway), never more than
 * the account can give now, and never below zero.
 */
export function totalsOf(opening: bigint, lines: Line[], inFlight: bigint, available: bigint): Totals {
  const total = lines.reduce((s, l) => s + l.amountMinor, 0n);
  const closing = opening + total;
  let payoutMinor = closing - inFlight;
  if (payoutMinor > available) payoutMinor = available;
  if (payoutMinor < 0n) payoutMinor = 0n;
  assert(payoutMinor <= (closing > 0n ? closing : 0n), 'settlement: a payout never exceeds the closing balance');
  return { opening, total, closing, payoutMinor };
}

// ------------------------------------------------------------------ leaves and the tree

/** RFC 8785 canonical JSON of a line bound to its merchant and batch: the leaf's bytes. */
export function leafBytes(line: Line, merchantId: string, batchId: string): Uint8Array {
  const text = canonicalize({
    batchId,
    merchantId,
    lineNo: line.lineNo,
    transferId: line.transferId,
    kind: line.kind,
    orderId: line.orderId,
    amountMinor: line.amountMinor.toString(),
    currency: line.currency,
    at: line.at,
  });
  assert(text !== undefined, 'settlement: a line must serialise');
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** Every perfect subtree's hash, level by level: built once, any proof is then a fold of a few nodes. */
export class BatchTree {
  private readonly levels: Uint8Array[][];

  constructor(leafHashes: Uint8Array[]) {
    this.levels = [leafHashes];
    for (let prev = leafHashes; prev.length >= 2; ) {
      const next: Uint8Array[] = new Array(Math.floor(prev.length / 2));
      for (let i = 0; i < next.length; i++) next[i] = hashChildren(prev[2 * i]!, prev[2 * i + 1]!);
      this.levels.push(next);
      prev = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  private node(ref: NodeRef): Uint8Array {
    const h = this.levels[ref.level]?.[ref.index];
    assert(h, `settlement: no node at level ${ref.level} index ${ref.index}`);
    return h;
  }

  /** RFC 9162 MTH; SHA-256 of nothing for an empty batch. */
  root(): Uint8Array {
    if (this.size === 0) return rootHash([]);
    return new Uint8Array(foldNodes(rootPlan(this.size).map((r) => this.node(r))));
  }

  leaf(index: number): Uint8Array {
    return this.node({ level: 0, index });
  }

  /** RFC 9162 inclusion proof of leaf `index`. */
  proof(index: number): Uint8Array[] {
    return inclusionPlan(index, this.size).map((refs) => new Uint8Array(foldNodes(refs.map((r) => this.node(r)))));
  }
}

export function treeOf(lines: Line[], merchantId: string, batchId: string): BatchTree {
  return new BatchTree(lines.map((l) => hashLeaf(leafBytes(l, merchantId, batchId))));
}

// ------------------------------------------------------------------ proofs

/** A line's proof as the API hands it out (amounts as decimal strings, hashes base64, the root hex). */
export interface LineProof {
  batchId: string;
  merchantId: string;
  line: { lineNo: number; transferId: string; kind: LineKind; orderId: string | null; amountMinor: string; currency: string; at: string };
  leafHash: string;
  index: number;
  treeSize: number;
  proof: string[];
  /** Hex, as in the ledger entry. */
  rootHash: string;
  /** base64 of the settlement.batch_closed ledger entry (its canonical bytes). */
  ledgerEntry: string;
  /** The entry's leaf index in the ledger, once integrated; null before. */
  ledgerLeafIndex: number | null;
  /** The entry's ledger receipt (inclusion in a signed checkpoint), once integrated; null before. */
  ledgerReceipt: Receipt | null;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const fromB64 = (s: unknown): Uint8Array | null => (typeof s === 'string' && B64.test(s) ? new Uint8Array(Buffer.from(s, 'base64')) : null);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The line of a proof back in its own terms; null when it is malformed. */
function lineOf(p: LineProof['line']): Line | null {
  if (typeof p !== 'object' || p === null) return null;
  if (!Number.isSafeInteger(p.lineNo) || p.lineNo < 1) return null;
  if (typeof p.amountMinor !== 'string' || !/^-?(0|[1-9][0-9]*)$/.test(p.amountMinor)) return null;
  if (!(LINE_KINDS as readonly string[]).includes(p.kind)) return null;
  if (typeof p.transferId !== 'string' || typeof p.currency !== 'string' || typeof p.at !== 'string') return null;
  if (p.orderId !== null && typeof p.orderId !== 'string') return null;
  return { lineNo: p.lineNo, transferId: p.transferId, kind: p.kind, orderId: p.orderId, amountMinor: BigInt(p.amountMinor), currency: p.currency, at: p.at };
}

/**
 * Checks a line proof offline: the leaf recomputed from the line (and the merchant and batch ids)
 * is the one proven; the RFC 9162 inclusion proof leads to the batch root; the ledger entry closing the
 * batch names this batch, merchant and root, over this many lines. With the log's verifier key, the
 * entry's ledger receipt must verify too (the entry is in a signed checkpoint). True or false, never throws.
 */
export function verifyLineProof(p: LineProof, opts: { verifierKey?: string } = {}): boolean {
  try {
    const line = lineOf(p.line);
    if (!line || line.lineNo - 1 !== p.index) return false;
    const leaf = hashLeaf(leafBytes(line, p.merchantId, p.batchId));
    const claimed = fromB64(p.leafHash);
    if (!claimed || hex(claimed) !== hex(leaf)) return false;
    if (typeof p.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(p.rootHash)) return false;
    const proof = Array.isArray(p.proof) ? p.proof.map(fromB64) : [null];
    if (proof.some((h) => h === null)) return false;
    if (!verifyInclusion(leaf, p.index, p.treeSize, proof as Uint8Array[], new Uint8Array(Buffer.from(p.rootHash, 'hex')))) return false;
    // The root against the ledger entry that closed the batch.
    const entryBytes = fromB64(p.ledgerEntry);
    if (!entryBytes) return false;
    const e = parseEntry(entryBytes);
    if (e.kind !== BATCH_CLOSED || e.subject['batch'] !== p.batchId || e.subject['merchant'] !== p.merchantId) return false;
    if (e.data['rootHash'] !== p.rootHash || e.data['lines'] !== p.treeSize || e.data['currency'] !== line.currency) return false;
    if (p.ledgerReceipt !== null && p.ledgerReceipt !== undefined) {
      if (p.ledgerReceipt.entry !== p.ledgerEntry || p.ledgerReceipt.leafIndex !== p.ledgerLeafIndex) return false;
      if (opts.verifierKey !== undefined && !verifyReceipt(p.ledgerReceipt, opts.verifierKey).ok) return false;
    } else if (opts.verifierKey !== undefined) return false; // a key asks for the ledger's word: no receipt, no proof
    return true;
  } catch {
    return false;
  }
}
