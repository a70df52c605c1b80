import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apply, createOrder, escrowTransfers, lineCommission, orderNumber, refundCommissionShare, type OrderFacts, type TransitionName } from '../src/orders/index.ts';

const NOW = new Date('2026-11-26T10:00:00Z');
const order = (mode: 'prepaid' | 'pay_on_receipt', total: bigint): OrderFacts =>
  createOrder({ id: 'ord-1', number: orderNumber(NOW, { sequence: 1n }), buyerId: 'usr-b', merchantId: 'mer-m', mode, currency: 'CNY', totalMinor: total, commitment: 'a'.repeat(64) }, NOW).next;

/** Net effect of transfers on each account (single and posted moves; pending holds tracked apart). */
function net(ts: ReturnType<typeof escrowTransfers>, pendingAmounts: Map<string, bigint>) {
  const m = new Map<string, bigint>();
  for (const t of ts) {
    if (t.pending || t.resolve === 'void') continue;
    const amount = t.resolve === 'post' ? pendingAmounts.get(t.pendingId!)! : t.amount!;
    const [debit, credit] = t.resolve === 'post' ? ['usr-wallet', 'escrow'] : [t.debit!, t.credit!];
    m.set(debit, (m.get(debit) ?? 0n) - amount);
    m.set(credit, (m.get(credit) ?? 0n) + amount);
  }
  return m;
}

describe('escrow arithmetic', () => {
  it('commission floors per line and never exceeds the line', () => {
    expect(lineCommission(4990n, 500)).toBe(249n);
    expect(lineCommission(1n, 9999)).toBe(0n);
    expect(lineCommission(100n, 10_000)).toBe(100n);
    expect(() => lineCommission(100n, 10_001)).toThrow();
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 10_000 }), (total, bps) => {
      const c = lineCommission(total, bps);
      return c >= 0n && c <= total;
    }));
  });

  it('a refund takes back commission in proportion, never more than was taken', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 10_000 }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (total, bps, r) => {
      const refund = (r % total) + 1n;
      const commission = lineCommission(total, bps);
      const share = refundCommissionShare(commission, refund, total);
      return share >= 0n && share <= commission && share <= refund && (refund !== total || share === commission);
    }));
  });

  it('prepaid: pay holds the total; receipt posts it and splits it into merchant net and commission', () => {
    const o = order('prepaid', 10_000n);
    const paid = apply(o, 'pay', { paymentId: 'hold:ord-1', amountMinor: '10000' }, NOW).next;
    const hold = escrowTransfers('pay', o, paid, 500n, 'usr-b');
    expect(hold).toEqual([expect.objectContaining({ id: 'hold:ord-1', pending: true, amount: 10_000n, debit: 'buyer_wallet:usr-b:CNY', credit: 'platform_escrow:mer-m:CNY' })]);
    const accepted = apply(paid, 'accept', {}, NOW).next;
    const allocated = apply(accepted, 'allocate', { locationId: 'loc-1' }, NOW).next;
    const shipped = apply(allocated, 'ship', { carrier: 'SF', trackingNumber: 'SF1' }, NOW).next;
    const received = apply(shipped, 'confirm_receipt', {}, NOW).next;
    const release = escrowTransfers('confirm_receipt', shipped, received, 500n, 'usr-b');
    expect(release.map((t) => t.id)).toEqual(['post:ord-1', 'release:ord-1', 'commission:ord-1']);
    expect(release[1]).toMatchObject({ amount: 9_500n, credit: 'merchant_receivable:mer-m:CNY' });
    expect(release[2]).toMatchObject({ amount: 500n, credit: 'sys:platform_revenue:CNY' });
    const n = net(release, new Map([['hold:ord-1', 10_000n]]));
    // escrow: +10000 posted from the hold, −9500 −500 released: nothing stays behind
    expect(n.get('escrow')! + n.get('platform_escrow:mer-m:CNY')!).toBe(0n);
    expect(n.get('merchant_receivable:mer-m:CNY')! + n.get('sys:platform_revenue:CNY')!).toBe(10_000n);
  });

  it('cancel before shipment voids the hold; nothing moves for an unpaid order', () => {
    const o = order('prepaid', 10_000n);
    const paid = apply(o, 'pay', { paymentId: 'hold:ord-1', amountMinor: '10000' }, NOW).next;
    const cancelled = apply(paid, 'cancel', { reason: 'changed_mind' }, NOW).next;
    expect(escrowTransfers('cancel', paid, cancelled, 500n, 'usr-b')).toEqual([expect.objectContaining({ id: 'void:ord-1', pendingId: 'hold:ord-1', resolve: 'void' })]);
    const unpaid = apply(o, 'cancel', { reason: 'changed_mind' }, NOW).next;
    expect(escrowTransfers('cancel', o, unpaid, 500n, 'usr-b')).toEqual([]);
  });

  it('pay on receipt: the payment passes through escrow to the merchant in one step', () => {
    let o = order('pay_on_receipt', 2_000n);
    for (const [t, input] of [['accept', {}], ['allocate', { locationId: 'loc-1' }], ['ship', { carrier: 'SF', trackingNumber: 'SF1' }], ['confirm_receipt', {}]] as [TransitionName, Record<string, string>][]) {
      o = apply(o, t, input, NOW).next;
    }
    const paid = apply(o, 'pay', { paymentId: 'pay:ord-1', amountMinor: '2000' }, NOW).next;
    const ts = escrowTransfers('pay', o, paid, 100n, 'usr-b');
    expect(ts.map((t) => [t.id, t.amount])).toEqual([['pay:ord-1', 2_000n], ['release:ord-1', 1_900n], ['commission:ord-1', 100n]]);
    const n = net(ts, new Map());
    expect(n.get('platform_escrow:mer-m:CNY')).toBe(0n);
    expect(n.get('buyer_wallet:usr-b:CNY')).toBe(-2_000n);
  });
});
