import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decide, PAYMENT_STATES, refundProblem, type NotifiedState, type PaymentState } from '../src/payments/rules.ts';

const NOTIFIED: NotifiedState[] = ['succeeded', 'failed', 'canceled', 'expired', 'pending'];
const RANK: Record<PaymentState, number> = { created: 0, pending: 1, failed: 2, canceled: 3, expired: 3, succeeded: 4 };

describe('payment states', () => {
  it('a success is captured once, whatever came before; after giving up it is captured and refunded', () => {
    expect(decide('pending', 'succeeded')).toEqual({ action: 'capture', next: 'succeeded' });
    expect(decide('failed', 'succeeded')).toEqual({ action: 'capture', next: 'succeeded' });
    expect(decide('expired', 'succeeded')).toEqual({ action: 'capture_and_refund', next: 'succeeded' });
    expect(decide('canceled', 'succeeded')).toEqual({ action: 'capture_and_refund', next: 'succeeded' });
    expect(decide('succeeded', 'succeeded')).toMatchObject({ action: 'ignore' });
  });

  it('never regresses: a late failure, cancel or expiry after success changes nothing', () => {
    for (const n of ['failed', 'canceled', 'expired', 'pending'] as const) expect(decide('succeeded', n).action).toBe('ignore');
    expect(decide('canceled', 'failed').action).toBe('ignore');
  });

  it('any sequence of notifications only moves a payment forward, and ends succeeded iff one said so', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...NOTIFIED), { maxLength: 12 }), (seq) => {
      let s: PaymentState = 'pending';
      let captures = 0;
      for (const n of seq) {
        const d = decide(s, n);
        if (d.action === 'ignore') continue;
        expect(RANK[d.next]).toBeGreaterThanOrEqual(RANK[s] === 3 && d.next === 'succeeded' ? 3 : RANK[s]);
        if (d.action === 'capture' || d.action === 'capture_and_refund') captures++;
        s = d.next;
      }
      expect(captures).toBeLessThanOrEqual(1);
      expect(s === 'succeeded').toBe(seq.includes('succeeded'));
      expect(PAYMENT_STATES).toContain(s);
    }));
  });

  it('refunds never exceed the capture', () => {
    expect(refundProblem(1000n, 0n, 1000n)).toBeNull();
    expect(refundProblem(1000n, 400n, 600n)).toBeNull();
    expect(refundProblem(1000n, 400n, 601n)).toMatch(/600/);
    expect(refundProblem(1000n, 0n, 0n)).not.toBeNull();
  });
});
