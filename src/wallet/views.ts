// The wallet's JSON shapes: amounts leave as decimal strings of minor units, never as numbers.
import type { P2PResult, TopUpResult, WalletBalance, WalletLine, WalletStatement, Withdrawal, WithdrawalPage } from './service.ts';

export const balanceView = (b: WalletBalance) => ({
  account: b.account,
  currency: b.currency,
  posted: b.posted.toString(),
  pending: b.pending.toString(),
  incoming: b.incoming.toString(),
  available: b.available.toString(),
});

const lineView = (l: WalletLine) => ({
  transfer: l.transfer,
  type: l.type,
  direction: l.direction,
  counterparty: l.counterparty,
  amount: l.amount.toString(),
  currency: l.currency,
  code: l.code,
  pendingId: l.pendingId,
  pendingStatus: l.pendingStatus,
  createdAt: l.createdAt,
  balanceAfter: l.balanceAfter.toString(),
  memo: l.memo,
});

export const statementView = (s: WalletStatement) => ({ account: s.account, currency: s.currency, items: s.items.map(lineView), nextCursor: s.nextCursor });

export const topUpView = (t: TopUpResult) => ({
  transfer: t.transfer,
  amount: t.amount.toString(),
  currency: t.currency,
  createdAt: t.createdAt,
  balance: balanceView(t.balance),
});

export const p2pView = (t: P2PResult) => ({
  transfer: t.transfer,
  from: t.from,
  to: t.to,
  amount: t.amount.toString(),
  currency: t.currency,
  memo: t.memo,
  createdAt: t.createdAt,
  balance: balanceView(t.balance),
});

/** Everything about a withdrawal; the response schema decides what each audience sees. */
/** The platform's view: who asked and which admin decided. */
export const adminWithdrawalView = (w: Withdrawal) => ({ ...w, amount: w.amount.toString() });
export const adminWithdrawalPageView = (p: WithdrawalPage) => ({ items: p.items.map(adminWithdrawalView), nextCursor: p.nextCursor });
/** The owner's view: no staff ids. */
export const withdrawalView = ({ userId: _u, decidedBy: _d, ...w }: Withdrawal) => ({ ...w, amount: w.amount.toString() });
export const withdrawalPageView = (p: WithdrawalPage) => ({ items: p.items.map(withdrawalView), nextCursor: p.nextCursor });
