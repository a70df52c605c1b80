// The money each order step moves, as data: pure, so the arithmetic is tested without a database.
// Transfer ids derive from the order id, so a retried step can never move money twice (the money
// module treats a replayed id as the same transfer, and a different one under that id as a conflict).
//
// prepaid:        pay → hold (pending) buyer wallet → escrow; receipt → post the hold, release
// pay_on_receipt: pay (after receipt) → buyer wallet → escrow, released at once
// release:        escrow → merchant receivable (total + subsidy − commission) and escrow → revenue (commission)
// subsidy:        the platform-funded part of the discounts (platform coupons) goes into escrow beside the
//                 buyer's money — held with a prepaid hold, paid with a pay-on-receipt payment — so the
//                 merchant is paid as if the buyer had paid it; a refund takes its share back
// cancel/reject:  void the hold
// refund:         receivable → buyer (refund − its commission share), revenue → buyer (the share)
import type { TransferInput } from '../money/index.ts';
import { ownedAccountId, systemAccountId } from '../money/index.ts';
import { assert } from '../shared/index.ts';
import type { OrderFacts, TransitionName } from './flow.ts';

export const BPS_DENOMINATOR = 10_000n;

/** Commission on one line: floor(lineTotal × bps / 10000); the platform never rounds in its own favour. */
export function lineCommission(lineTotalMinor: bigint, bps: number): bigint {
  assert(Number.isInteger(bps) && bps >= 0 && bps <= 10_000, `escrow: commission ${bps} bps out of range`);
  assert(lineTotalMinor >= 0n, 'escrow: negative line total');
  return (lineTotalMinor * BigInt(bps)) / BPS_DENOMINATOR;
}

/** The commission's share of a refund, in proportion: floor(commission × refund / total). */
export function refundCommissionShare(commission: bigint, refund: bigint, total: bigint): bigint {
  assert(total > 0n && refund > 0n && refund <= total, 'escrow: refund out of range');
  assert(commission >= 0n && commission <= total, 'escrow: commission out of range');
  return (commission * refund) / total;
}

export interface EscrowAccounts {
  wallet: string;
  receivable: string;
  escrow: string;
  revenue: string;
}

/**
 * Escrow is held per merchant: it says at a glance what the platform holds for whom, and concurrent
 * checkouts with different merchants do not queue for one hot account row.
 */
export const escrowAccounts = (o: Pick<OrderFacts, 'buyerId' | 'merchantId' | 'currency'>): EscrowAccounts => ({
  wallet: ownedAccountId('buyer_wallet', o.buyerId, o.currency),
  receivable: ownedAccountId('merchant_receivable', o.merchantId, o.currency),
  escrow: ownedAccountId('platform_escrow', o.merchantId, o.currency),
  revenue: systemAccountId('platform_revenue', o.currency),
});

const holdId = (orderId: string) => `hold:${orderId}`;

/** The payment's id as the order records it: the wallet transfer that took the money. */
export function walletPaymentId(o: Pick<OrderFacts, 'id' | 'mode'>): string {
  return o.mode === 'prepaid' ? holdId(o.id) : `pay:${o.id}`;
}

const subsidyAccount = (currency: string) => systemAccountId('platform_expense', currency);

function release(o: OrderFacts, a: EscrowAccounts, commission: bigint, actor: string, subsidy: bigint): TransferInput[] {
  const net = o.totalMinor + subsidy - commission;
  const out: TransferInput[] = [];
  const meta = { order: o.id };
  if (net > 0n) out.push({ id: `release:${o.id}`, debit: a.escrow, credit: a.receivable, amount: net, currency: o.currency, code: 'order_release', meta, actor });
  if (commission > 0n) out.push({ id: `commission:${o.id}`, debit: a.escrow, credit: a.revenue, amount: commission, currency: o.currency, code: 'order_commission', meta, actor });
  return out;
}

/**
 * The transfers of `transition` taking `before` to `after`, given the order's commission (fixed at
 * checkout). Empty when the step moves no money.
 */
export function escrowTransfers(transition: TransitionName, before: OrderFacts, after: OrderFacts, commission: bigint, actor: string, subsidy = 0n): TransferInput[] {
  assert(subsidy >= 0n, `escrow: negative subsidy on order ${before.id}`);
  assert(commission >= 0n && commission <= before.totalMinor + subsidy, `escrow: commission of order ${before.id} out of range`);
  const a = escrowAccounts(before);
  const meta = { order: before.id };
  const cur = before.currency;
  const subsidyHold = `subsidy-hold:${before.id}`;
  switch (transition) {
    case 'pay': {
      const out: TransferInput[] = [];
      if (before.mode === 'prepaid') {
        if (before.totalMinor > 0n) out.push({ id: holdId(before.id), debit: a.wallet, credit: a.escrow, amount: before.totalMinor, currency: cur, code: 'order_hold', pending: true, meta, actor });
        if (subsidy > 0n) out.push({ id: subsidyHold, debit: subsidyAccount(cur), credit: a.escrow, amount: subsidy, currency: cur, code: 'order_subsidy_hold', pending: true, meta, actor });
        return out;
      }
      assert(!after.escrowHeld, 'escrow: a payment after receipt is released at once');
      if (before.totalMinor > 0n) out.push({ id: `pay:${before.id}`, debit: a.wallet, credit: a.escrow, amount: before.totalMinor, currency: cur, code: 'order_payment', meta, actor });
      if (subsidy > 0n) out.push({ id: `subsidy:${before.id}`, debit: subsidyAccount(cur), credit: a.escrow, amount: subsidy, currency: cur, code: 'order_subsidy', meta, actor });
      return [...out, ...release(before, a, commission, actor, subsidy)];
    }
    case 'confirm_receipt':
    case 'auto_confirm': {
      if (!before.escrowHeld || before.totalMinor + subsidy === 0n) return [];
      assert(before.mode === 'prepaid', 'escrow: only prepaid orders hold escrow before receipt');
      return [
        ...(before.totalMinor > 0n ? [{ id: `post:${before.id}`, pendingId: holdId(before.id), resolve: 'post' as const, meta, actor }] : []),
        ...(subsidy > 0n ? [{ id: `subsidy-post:${before.id}`, pendingId: subsidyHold, resolve: 'post' as const, meta, actor }] : []),
        ...release(before, a, commission, actor, subsidy),
      ];
    }
    case 'cancel':
    case 'reject':
      if (!before.escrowHeld) return [];
      return [
        ...(before.totalMinor > 0n ? [{ id: `void:${before.id}`, pendingId: holdId(before.id), resolve: 'void' as const, meta, actor }] : []),
        ...(subsidy > 0n ? [{ id: `subsidy-void:${before.id}`, pendingId: subsidyHold, resolve: 'void' as const, meta, actor }] : []),
      ];
    case 'refund': {
      const refund = after.refundMinor;
      assert(refund !== null && refund > 0n, `escrow: refund of order ${before.id} without an amount`);
      const share = refundCommissionShare(commission, refund, before.totalMinor + subsidy);
      const out: TransferInput[] = [];
      if (refund - share > 0n) out.push({ id: `refund:${before.id}`, debit: a.receivable, credit: a.wallet, amount: refund - share, currency: cur, code: 'order_refund', meta, actor });
      if (share > 0n) out.push({ id: `refund-fee:${before.id}`, debit: a.revenue, credit: a.wallet, amount: share, currency: cur, code: 'order_refund_commission', meta, actor });
      // The platform's subsidy of the refunded part comes back from the merchant too.
      const subsidyBack = subsidy === 0n ? 0n : (subsidy * refund) / before.totalMinor;
      if (subsidyBack > 0n) out.push({ id: `subsidy-back:${before.id}`, debit: a.receivable, credit: subsidyAccount(cur), amount: subsidyBack, currency: cur, code: 'order_subsidy_refund', meta, actor });
      return out;
    }
    default:
      return [];
  }
}
