// Which chain operations mirror one order step, as data: pure, so it is tested without a chain.
//
// On chain the buyer is represented by the platform's custody address, so nothing there links to
// a person (an erasure request cannot reach a chain). The merchant has its own custodial address.
// Amounts are the off-chain escrow account's: the buyer's total plus any platform subsidy.
//
//   pay (prepaid)           mint(amount) to custody → deposit(order, merchant, amount)
//   pay (pay_on_receipt)    the same, then confirm and collect, as the money is released at once
//   confirm/auto_confirm    confirm (escrow → merchant) → collect(commission) merchant → platform
//   cancel/reject (held)    cancel (merchant signs; escrow → custody) → burn(amount)
//   refund                  collect(refund − commission share + subsidy back) → burn(refund + subsidy back)
//
// Tokens are minted only when wallet money goes into an on-chain escrow and burnt only when money
// leaves the chain (back to a buyer's wallet, to the platform's expense, or paid out to a merchant),
// so the supply never exceeds the off-chain money it mirrors.
import { assert } from '../shared/index.ts';
import { refundCommissionShare, type OrderFacts, type TransitionName } from '../orders/index.ts';

export type ChainOpKind = 'fund_gas' | 'approve_platform' | 'approve_escrow' | 'mint' | 'deposit' | 'confirm' | 'cancel' | 'collect' | 'burn' | 'burn_from';

export interface PlannedOp {
  /** Unique per order step and kind: replaying a step can never enqueue twice. */
  key: string;
  kind: ChainOpKind;
  amountMinor: bigint;
}

export function escrowOps(t: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, subsidy: bigint, onChain: boolean): PlannedOp[] {
  const id = before.id;
  const amount = before.totalMinor + subsidy;
  assert(commission >= 0n && commission <= amount, `chain: commission of order ${id} out of range`);
  const op = (step: string, kind: ChainOpKind, amountMinor: bigint): PlannedOp => ({ key: `${step}:${kind}:${id}`, kind, amountMinor });
  const release = (step: string) => [op(step, 'confirm', amount), ...(commission > 0n ? [op(step, 'collect', commission)] : [])];
  switch (t) {
    case 'pay': {
      if (amount === 0n) return [];
      const fund = [op('pay', 'mint', amount), op('pay', 'deposit', amount)];
      return before.mode === 'prepaid' ? fund : [...fund, ...release('pay')];
    }
    case 'confirm_receipt':
    case 'auto_confirm':
      return onChain && before.escrowHeld ? release(t) : [];
    case 'cancel':
    case 'reject':
      return onChain && before.escrowHeld ? [op(t, 'cancel', amount), op(t, 'burn', amount)] : [];
    case 'refund': {
      if (!onChain) return [];
      const refund = after.refundMinor;
      assert(refund !== null && refund > 0n, `chain: refund of order ${id} without an amount`);
      const share = refundCommissionShare(commission, refund, amount);
      const subsidyBack = subsidy === 0n ? 0n : (subsidy * refund) / before.totalMinor;
      const fromMerchant = refund - share + subsidyBack;
      return [...(fromMerchant > 0n ? [op('refund', 'collect', fromMerchant)] : []), op('refund', 'burn', refund + subsidyBack)];
    }
    default:
      return [];
  }
}
