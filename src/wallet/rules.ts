// Pure wallet rules: limits, cursors, memo and destination checks, the withdrawal decision flow. No I/O.
import { minorDigits } from '../money/index.ts';
import { DomainError } from '../shared/errors.ts';

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;
/** One development top-up credits at most this many major units (1,000,000.00 CNY). */
export const DEV_TOP_UP_MAJOR_MAX = 1_000_000n;
export const MEMO_CHARS_MAX = 140;
export const DESTINATION_CHARS_MAX = 64;
/** A masked reference keeps at most this many digits, so a full account number is never stored. */
export const DESTINATION_DIGITS_MAX = 8;
export const REASON_CHARS_MAX = 500;

export { newId } from '../shared/ids.ts';

/** The most one development top-up may credit, in minor units of the currency (JPY has none, BHD three). */
export const devTopUpMax = (currency: string): bigint => DEV_TOP_UP_MAJOR_MAX * 10n ** BigInt(minorDigits(currency));

// ---------------------------------------------------------------- cursors

/** Opaque to clients: base64url of a decimal sequence number. */
export const encodeCursor = (seq: number): string => Buffer.from(String(seq), 'utf8').toString('base64url');

export function decodeCursor(cursor: string | null | undefined): number | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const n = Number(text);
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(n) || encodeCursor(n) !== cursor) {
    throw new DomainError('wallet.bad_cursor', 'cursor is not one this API returned', 400);
  }
  return n;
}

export function parseLimit(limit: number | undefined): number {
  const n = limit ?? PAGE_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(n) || n < 1 || n > PAGE_LIMIT_MAX) throw new DomainError('wallet.bad_limit', `limit must be 1..${PAGE_LIMIT_MAX}`, 400);
  return n;
}

// ---------------------------------------------------------------- free text kept off the ledger

// Control characters (C0, DEL, C1) and the Unicode bidi overrides that make text read differently than it is.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** A P2P memo: trimmed, empty means none. */
export function parseMemo(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const memo = v.trim();
  if (memo === '') return null;
  if ([...memo].length > MEMO_CHARS_MAX || UNSAFE_TEXT.test(memo)) {
    throw new DomainError('wallet.bad_memo', `memo must be at most ${MEMO_CHARS_MAX} printable characters`, 400);
  }
  return memo;
}

export function parseReason(v: string): string {
  const reason = typeof v === 'string' ? v.trim() : '';
  if (reason === '' || [...reason].length > REASON_CHARS_MAX || UNSAFE_TEXT.test(reason)) {
    throw new DomainError('wallet.bad_reason', `reason must be 1..${REASON_CHARS_MAX} printable characters`, 400);
  }
  return reason;
}

const DESTINATION = /^[A-Za-z0-9][A-Za-z0-9 *._:/#-]*$/;

/**
 * Where a withdrawal is paid: a masked reference to a payout account the user holds elsewhere,
 * like "ICBC ****1234". It must show its masking (a '*') and keep at most 8 digits, so full account
 * numbers are refused rather than stored.
 */
export function parseDestination(v: string): string {
  const d = typeof v === 'string' ? v.trim().replace(/ {2,}/g, ' ') : '';
  const digits = d.replace(/[^0-9]/g, '').length;
  if (d.length === 0 || d.length > DESTINATION_CHARS_MAX || !DESTINATION.test(d) || !d.includes('*') || digits > DESTINATION_DIGITS_MAX) {
    throw new DomainError(
      'wallet.bad_destination',
      `destination must be a masked payout reference like "ICBC ****1234": 1..${DESTINATION_CHARS_MAX} characters with '*' masking and at most ${DESTINATION_DIGITS_MAX} digits`,
      400,
    );
  }
  return d;
}

// ---------------------------------------------------------------- recipients

export type RecipientRef = { email: string } | { userId: string };

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** "to" of a P2P transfer: an e-mail address (has an '@') or a user id. */
export function parseRecipient(to: string): RecipientRef {
  const v = typeof to === 'string' ? to.trim() : '';
  if (v.includes('@')) return { email: v.toLowerCase() };
  if (!USER_ID.test(v)) throw new DomainError('wallet.bad_recipient', 'to must be the recipient\'s e-mail address or user id', 400);
  return { userId: v };
}

// ---------------------------------------------------------------- withdrawals

export const WITHDRAWAL_STATES = ['requested', 'approved', 'rejected', 'paid'] as const;
export type WithdrawalState = (typeof WITHDRAWAL_STATES)[number];
export type Decision = 'approve' | 'reject';

/**
 * Where a withdrawal may go. With a payment gateway, approval sends the payout: requested → approved,
 * then paid on the gateway's confirmation (or rejected with reason payout_failed, funds back).
 * Without one (no payout path configured) an approval is the payout itself: requested → paid.
 */
export const WITHDRAWAL_FLOW = {
  requested: ['paid', 'rejected'],
  approved: ['paid', 'rejected'],
  paid: [],
  rejected: [],
} as const satisfies Record<WithdrawalState, readonly WithdrawalState[]>;

export const DECISION_TARGET: Record<Decision, WithdrawalState> = { approve: 'paid', reject: 'rejected' };
/** How the hold is resolved for each decision. */
export const DECISION_RESOLVE: Record<Decision, 'post' | 'void'> = { approve: 'post', reject: 'void' };

export const isWithdrawalState = (v: unknown): v is WithdrawalState => typeof v === 'string' && (WITHDRAWAL_STATES as readonly string[]).includes(v);

/** Why a withdrawal in `from` cannot take this decision, or null. */
export function decisionProblem(from: WithdrawalState, decision: Decision): DomainError | null {
  const to = DECISION_TARGET[decision];
  if ((WITHDRAWAL_FLOW[from] as readonly WithdrawalState[]).includes(to)) return null;
  return new DomainError('wallet.withdrawal_decided', `the withdrawal is already ${from}`, 409, { state: from });
}

/** The money transfers of a withdrawal carry its id, so the ledger links them without naming anyone. */
export const holdTransferId = (withdrawalId: string) => `${withdrawalId}:hold`;
export const resolveTransferId = (withdrawalId: string, decision: Decision) => `${withdrawalId}:${DECISION_RESOLVE[decision]}`;

export const TRANSFER_CODES = {
  devTopUp: 'dev_top_up',
  p2p: 'p2p_transfer',
  withdrawal: 'withdrawal',
} as const;
