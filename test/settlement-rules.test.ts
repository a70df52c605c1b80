// Pure settlement rules: the batch tree is the ledger's RFC 9162 tree, lines add up, proofs fail when tampered.
import { describe, expect, it } from 'vitest';
import { entryBytes, hashLeaf, inclusionProof, rootHash } from '../src/ledger/index.ts';
import { BATCH_CLOSED, BatchTree, leafBytes, lineKindOf, orderIdOf, takeLines, totalsOf, treeOf, verifyLineProof, type Line, type LineProof } from '../src/settlement/index.ts';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(new Uint8Array([i, i >> 8, 7])));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('settlement rules', () => {
  it('the batch tree has the ledger\'s root and inclusion proofs for every size up to 40', () => {
    for (let n = 0; n <= 40; n++) {
      const l = leaves(n);
      const t = new BatchTree(l);
      expect(hex(t.root()), `size ${n}`).toBe(hex(rootHash(l)));
      for (let i = 0; i < n; i++) expect(t.proof(i).map(hex), `size ${n} leaf ${i}`).toEqual(inclusionProof(l, i, n).map(hex));
    }
  });

  it('kinds and order ids come from the transfer code and id', () => {
    expect(lineKindOf('order_release')).toBe('order');
    expect(lineKindOf('order_refund')).toBe('refund');
    expect(lineKindOf('settlement_payout')).toBe('payout');
    expect(lineKindOf('coupon_subsidy')).toBe('adjustment');
    expect(lineKindOf('service_fee')).toBe('fee');
    expect(orderIdOf('release:ord_1')).toBe('ord_1');
    expect(orderIdOf('x:1', { order: 'ord_2' })).toBe('ord_2');
    expect(orderIdOf('payout:stl_1')).toBeNull();
  });

  const t = (seq: number, type: 'single' | 'pending' | 'post' | 'void', direction: 'debit' | 'credit', amount: bigint, balanceAfter: bigint, at = '2026-01-01T00:00:00.000Z', code = 'order_release') =>
    ({ seq, transferId: `release:ord_${seq}`, type, direction, amount, currency: 'CNY', code, createdAt: at, balanceAfter });

  it('takes a prefix in seq order up to the period end; pending and void move no balance and make no line', () => {
    const transfers = [
      t(3, 'single', 'credit', 500n, 1500n),
      t(5, 'pending', 'debit', 300n, 1500n),
      t(6, 'single', 'debit', 200n, 1300n, '2026-01-01T00:00:00.000Z', 'order_refund'),
      t(8, 'single', 'credit', 999n, 2299n, '2026-01-03T00:00:00.000Z'),
      t(9, 'single', 'credit', 1n, 2300n, '2026-01-01T00:00:00.000Z'), // after a later one: waits for the next batch
    ];
    const r = takeLines(transfers, 2, new Date('2026-01-02T00:00:00Z'), 1000n);
    expect(r.lastSeq).toBe(6);
    expect(r.lines.map((l) => [l.lineNo, l.kind, l.amountMinor])).toEqual([[1, 'order', 500n], [2, 'refund', -200n]]);
    expect(r.balanceAfter).toBe(1300n);
    // A wrong opening does not add up to the account's balances: a bug, refused.
    expect(() => takeLines(transfers, 2, new Date('2026-01-02T00:00:00Z'), 0n)).toThrow(/add up/);
  });

  it('pays the closing less payouts in flight, capped by what is available, never below zero', () => {
    const lines = [{ amountMinor: 700n }, { amountMinor: -200n }] as Line[];
    expect(totalsOf(100n, lines, 0n, 10_000n)).toEqual({ opening: 100n, total: 500n, closing: 600n, payoutMinor: 600n });
    expect(totalsOf(100n, lines, 250n, 10_000n).payoutMinor).toBe(350n);
    expect(totalsOf(100n, lines, 0n, 50n).payoutMinor).toBe(50n);
    expect(totalsOf(0n, [{ amountMinor: -5n }] as Line[], 0n, 0n)).toMatchObject({ closing: -5n, payoutMinor: 0n });
  });

  it('a line proof verifies, and fails for any tampered field, proof hash, root or ledger entry', () => {
    const lines: Line[] = Array.from({ length: 5 }, (_, i) => ({ lineNo: i + 1, transferId: `release:ord_${i}`, kind: 'order', orderId: `ord_${i}`, amountMinor: BigInt(100 * (i + 1)), currency: 'CNY', at: '2026-01-01T00:00:00.000Z' }));
    const tree = treeOf(lines, 'mer_1', 'stl_1');
    const root = hex(tree.root());
    const entry = (data: Record<string, string | number>) => b64(entryBytes({ kind: BATCH_CLOSED, actor: 'system', subject: { batch: 'stl_1', merchant: 'mer_1' }, data: { currency: 'CNY', lines: 5, rootHash: root, ...data } }));
    const proofOf = (i: number): LineProof => ({
      batchId: 'stl_1', merchantId: 'mer_1',
      line: { ...lines[i]!, amountMinor: lines[i]!.amountMinor.toString() },
      leafHash: b64(hashLeaf(leafBytes(lines[i]!, 'mer_1', 'stl_1'))), index: i, treeSize: 5, proof: tree.proof(i).map(b64), rootHash: root,
      ledgerEntry: entry({}), ledgerLeafIndex: null, ledgerReceipt: null,
    });
    for (let i = 0; i < 5; i++) expect(verifyLineProof(proofOf(i))).toBe(true);
    const p = proofOf(2);
    const bad: LineProof[] = [
      { ...p, line: { ...p.line, amountMinor: '301' } },
      { ...p, line: { ...p.line, orderId: 'ord_9' } },
      { ...p, merchantId: 'mer_2' },
      { ...p, index: 3 },
      { ...p, proof: [p.proof[1]!, p.proof[0]!] },
      { ...p, proof: p.proof.slice(1) },
      { ...p, rootHash: '00'.repeat(32) },
      { ...p, ledgerEntry: entry({ rootHash: '11'.repeat(32) }) },
      { ...p, ledgerEntry: entry({ lines: 6 }) },
      { ...p, treeSize: 6 },
    ];
    for (const b of bad) expect(verifyLineProof(b)).toBe(false);
    // Asked to check against the log's key, a proof without a ledger receipt does not pass.
    expect(verifyLineProof(p, { verifierKey: 'x+00000000+AAAA' })).toBe(false);
  });
});
