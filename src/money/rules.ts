// Pure money rules: amounts, currencies, ids, transfer shapes, balance arithmetic. No I/O.
import canonicalize from 'canonicalize';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import type { Json, LedgerEvent } from '../ledger/index.ts';

/** Both drivers hand integers back as JS numbers, so every stored value stays a safe integer. */
export const AMOUNT_MAX = BigInt(Number.MAX_SAFE_INTEGER);
export const ID_CHARS_MAX = 128;
export const CODE_CHARS_MAX = 64;
export const META_BYTES_MAX = 4096;
export const TRANSFERS_BATCH_MAX = 1024;
export const DEFAULT_CURRENCY = 'CNY';

// ---------------------------------------------------------------- amounts

/**
 * Reads an amount in integer minor units: a bigint, a safe-integer number or a decimal string of digits.
 * Anything else (fractions, negatives, zero unless allowed, beyond 2^53−1) is the caller's error.
 */
export function parseAmount(v: unknown, what = 'amount', allowZero = false): bigint {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(v)) n = BigInt(v);
  if (n === undefined) throw badAmount(`${what} must be an integer number of minor units (got ${describe(v)})`);
  if (n < 0n) throw badAmount(`${what} must not be negative (got ${n})`);
  if (n === 0n && !allowZero) throw badAmount(`${what} must be greater than zero`);
  if (n > AMOUNT_MAX) throw badAmount(`${what} ${n} is beyond ${AMOUNT_MAX}`);
  return n;
}

const badAmount = (why: string) => new DomainError('money.bad_amount', why, 400);
const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v).slice(0, 40) : typeof v === 'number' ? String(v) : typeof v);

/** A stored counter (number from either driver, or a numeric string from a PostgreSQL sum) as a bigint. */
export function fromDb(v: unknown, what: string): bigint {
  if (typeof v === 'number') {
    assert(Number.isSafeInteger(v), `money: ${what} ${v} is not a safe integer`);
    return BigInt(v);
  }
  if (typeof v === 'bigint') return v;
  assert(typeof v === 'string' && /^-?[0-9]+$/.test(v), `money: ${what} is not an integer (${String(v)})`);
  return BigInt(v);
}

/** A bigint for binding: exact, because every value we write stays within ±(2^53−1). */
export function toDb(n: bigint): number {
  assert(n >= -AMOUNT_MAX && n <= AMOUNT_MAX, `money: ${n} is beyond a safe integer`);
  return Number(n);
}

// ---------------------------------------------------------------- currencies

let CURRENCIES: ReadonlySet<string> | undefined;
/** The active ISO 4217 codes, from the runtime's ICU data (Node ships full ICU). */
function currencies(): ReadonlySet<string> {
  return (CURRENCIES ??= new Set(Intl.supportedValuesOf('currency')));
}

/**
 * Loyalty points are a unit of account of their own, kept in the same double-entry books (so every
 * earn, redemption and expiry balances to zero like money), under a code outside ISO 4217.
 */
export const POINTS_UNIT = 'PTS';

export function parseCurrency(v: unknown): string {
  if (v === POINTS_UNIT) return v;
  if (typeof v !== 'string' || !/^[A-Z]{3}$/.test(v) || !currencies().has(v)) {
    throw new DomainError('money.bad_currency', `currency must be an active ISO 4217 code like "CNY" (got ${describe(v)})`, 400);
  }
  return v;
}

/** Digits after the decimal point in the currency's major unit (CNY 2, JPY 0, BHD 3): for display only. */
export const minorDigits = (currency: string): number =>
  currency === POINTS_UNIT ? 0 : new Intl.NumberFormat('en', { style: 'currency', currency: parseCurrency(currency) }).resolvedOptions().maximumFractionDigits ?? 2;

/** "49.90" for 4990n CNY: exact, no floats. */
export function formatMinor(amount: bigint, currency: string): string {
  const d = minorDigits(currency);
  const neg = amount < 0n;
  const s = (neg ? -amount : amount).toString().padStart(d + 1, '0');
  const out = d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
  return neg ? `-${out}` : out;
}

// ---------------------------------------------------------------- ids, codes, meta

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export function parseId(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length > ID_CHARS_MAX || !ID.test(v)) {
    throw new DomainError('money.bad_id', `${what} must be 1..${ID_CHARS_MAX} characters of [A-Za-z0-9_.:-] (got ${describe(v)})`, 400);
  }
  return v;
}

const CODE = /^[a-z][a-z0-9_.]*$/;
export function parseCode(v: unknown): string {
  if (typeof v !== 'string' || v.length > CODE_CHARS_MAX || !CODE.test(v)) {
    throw new DomainError('money.bad_transfer', `code must be like "order_payment" (got ${describe(v)})`, 400);
  }
  return v;
}

/** Canonical JSON text of the caller's meta (kept off the public log: it may name people). */
export function parseMeta(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const text = typeof v === 'object' && !Array.isArray(v) ? canonicalize(v) : undefined;
  if (text === undefined) throw new DomainError('money.bad_transfer', 'meta must be a JSON object', 400);
  if (Buffer.byteLength(text) > META_BYTES_MAX) throw new DomainError('money.bad_transfer', `meta is over ${META_BYTES_MAX} bytes`, 400);
  return text;
}

// ---------------------------------------------------------------- accounts

export const ACCOUNT_KINDS = [
  'buyer_wallet',
  'buyer_points',
  'merchant_receivable',
  'merchant_ads',
  'withdrawal_hold',
  'platform_escrow',
  'platform_revenue',
  'platform_expense',
  'points_liability',
  'gateway_clearing',
  'external',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/**
 * Which side increases the balance as people read it. Wallets, receivables, escrow and revenue are
 * what the platform owes or earned (credit-normal); clearing at a gateway, the bank outside and
 * expenses are debit-normal. Either way the sum over all accounts of debits − credits is zero.
 */
export const NORMAL_SIDE: Record<AccountKind, 'credit' | 'debit'> = {
  buyer_wallet: 'credit',
  buyer_points: 'credit',
  merchant_receivable: 'credit',
  /** A merchant's prepaid advertising balance (src/ads): funded from its receivable, spent per charged click. */
  merchant_ads: 'credit',
  withdrawal_hold: 'credit',
  platform_escrow: 'credit',
  platform_revenue: 'credit',
  points_liability: 'credit',
  platform_expense: 'debit',
  gateway_clearing: 'debit',
  external: 'debit',
};

/** Accounts owned by someone must never go below zero; the world outside and the clearing accounts may. */
const DEFAULT_FLAGS: Record<AccountKind, AccountFlags> = Object.fromEntries(
  ACCOUNT_KINDS.map((k) => [k, { debitsMustNotExceedCredits: NORMAL_SIDE[k] === 'credit', creditsMustNotExceedDebits: false }]),
) as Record<AccountKind, AccountFlags>;

/** Accounts the platform holds once per currency. */
export const SYSTEM_KINDS = ['platform_escrow', 'platform_revenue', 'platform_expense', 'points_liability', 'gateway_clearing', 'external'] as const satisfies readonly AccountKind[];
export type SystemKind = (typeof SYSTEM_KINDS)[number];

export const systemAccountId = (kind: SystemKind, currency: string = DEFAULT_CURRENCY) => `sys:${kind}:${parseCurrency(currency)}`;
/** The deterministic id of an owner's account of a kind, e.g. "buyer_wallet:u_42:CNY". */
export const ownedAccountId = (kind: AccountKind, owner: string, currency: string = DEFAULT_CURRENCY) =>
  parseId(`${kind}:${parseId(owner, 'owner')}:${parseCurrency(currency)}`, 'account id');

export interface AccountFlags {
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

export interface AccountSpec {
  id: string;
  kind: AccountKind;
  owner?: string | null;
  currency?: string;
  flags?: Partial<AccountFlags>;
}

export interface NormalAccountSpec {
  id: string;
  kind: AccountKind;
  owner: string | null;
  currency: string;
  flags: AccountFlags;
}

export function parseAccountSpec(s: AccountSpec): NormalAccountSpec {
  if (typeof s !== 'object' || s === null) throw new DomainError('money.bad_account', 'account spec must be an object', 400);
  const id = parseId(s.id, 'account id');
  if (!(ACCOUNT_KINDS as readonly string[]).includes(s.kind)) {
    throw new DomainError('money.bad_account', `kind must be one of ${ACCOUNT_KINDS.join(', ')} (got ${describe(s.kind)})`, 400);
  }
  const owner = s.owner === undefined || s.owner === null ? null : parseId(s.owner, 'owner');
  const currency = parseCurrency(s.currency ?? DEFAULT_CURRENCY);
  const flags = { ...DEFAULT_FLAGS[s.kind], ...s.flags };
  if (typeof flags.debitsMustNotExceedCredits !== 'boolean' || typeof flags.creditsMustNotExceedDebits !== 'boolean') {
    throw new DomainError('money.bad_account', 'flags must be booleans', 400);
  }
  if (flags.debitsMustNotExceedCredits && flags.creditsMustNotExceedDebits) {
    // Both limits would pin the account at zero forever: nothing could ever move.
    throw new DomainError('money.bad_account', 'an account cannot limit both debits and credits', 400);
  }
  return { id, kind: s.kind, owner, currency, flags };
}

// ---------------------------------------------------------------- balances

export interface Counters {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export const ZERO_COUNTERS: Counters = { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n };

export interface Balance {
  /** Posted balance on the account's normal side: credits − debits for a wallet. */
  posted: bigint;
  /** Reserved by pending transfers against the normal side (pending debits for a wallet). */
  reserved: bigint;
  /** Pending transfers that will increase the balance when posted. */
  incoming: bigint;
  /** posted − reserved: what can still be spent. */
  available: bigint;
}

export function balanceOf(c: Counters, normal: 'credit' | 'debit'): Balance {
  const posted = normal === 'credit' ? c.creditsPosted - c.debitsPosted : c.debitsPosted - c.creditsPosted;
  const reserved = normal === 'credit' ? c.debitsPending : c.creditsPending;
  const incoming = normal === 'credit' ? c.creditsPending : c.debitsPending;
  return { posted, reserved, incoming, available: posted - reserved };
}

/** The reason an account's counters break its flags, or null. TigerBeetle counts pending debits against the limit. */
export function limitProblem(c: Counters, f: AccountFlags): 'exceeds_credits' | 'exceeds_debits' | 'negative' | 'overflow' | null {
  for (const v of [c.debitsPending, c.debitsPosted, c.creditsPending, c.creditsPosted]) {
    if (v < 0n) return 'negative';
    if (v > AMOUNT_MAX) return 'overflow';
  }
  if (c.debitsPending + c.debitsPosted > AMOUNT_MAX || c.creditsPending + c.creditsPosted > AMOUNT_MAX) return 'overflow';
  if (f.debitsMustNotExceedCredits && c.debitsPosted + c.debitsPending > c.creditsPosted) return 'exceeds_credits';
  if (f.creditsMustNotExceedDebits && c.creditsPosted + c.creditsPending > c.debitsPosted) return 'exceeds_debits';
  return null;
}

// ---------------------------------------------------------------- transfers

export type TransferType = 'single' | 'pending' | 'post' | 'void';
export type PendingStatus = 'pending' | 'posted' | 'voided';

export interface TransferInput {
  /** The idempotency key: replaying the same transfer returns it; a different one under this id is refused. */
  id: string;
  debit?: string;
  credit?: string;
  amount?: bigint;
  currency?: string;
  code?: string;
  /** Reserve now (pending counters), post or void later with a new transfer naming this one. */
  pending?: boolean;
  pendingId?: string;
  resolve?: 'post' | 'void';
  /** Pending only: after this instant the reservation may no longer be posted (it can be voided or expired). */
  timeoutAt?: Date | string;
  meta?: Record<string, Json>;
  /** Who asked, for the ledger entry (a user, merchant or service id). */
  actor?: string;
}

/** A new transfer: both accounts and the amount are its own. */
export interface NewTransfer {
  type: 'single' | 'pending';
  id: string;
  debit: string;
  credit: string;
  amount: bigint;
  currency: string;
  code: string;
  timeoutAt: string | null;
  meta: string | null;
  actor: string;
}

/** A transfer resolving a pending one: its accounts and currency come from the pending transfer. */
export interface Resolution {
  type: 'post' | 'void';
  id: string;
  pendingId: string;
  debit: string | undefined;
  credit: string | undefined;
  amount: bigint | undefined;
  currency: string | undefined;
  code: string | undefined;
  meta: string | null;
  actor: string;
}

export type ParsedTransfer = NewTransfer | Resolution;
export const isResolution = (p: ParsedTransfer): p is Resolution => p.type === 'post' || p.type === 'void';

const badTransfer = (why: string) => new DomainError('money.bad_transfer', why, 400);

/** What every view of a transfer shares. */
export interface TransferCore {
  id: string;
  type: TransferType;
  debit: string;
  credit: string;
  amount: bigint;
  currency: string;
  code: string;
  timeoutAt: string | null;
}

/** The facts of a stored or about-to-be-stored transfer, compared field by field for idempotency. */
export interface TransferFacts extends TransferCore {
  pendingId: string | null;
  meta: string | null;
}

export function parseTransfer(t: TransferInput): ParsedTransfer {
  if (typeof t !== 'object' || t === null) throw badTransfer('transfer must be an object');
  const id = parseId(t.id, 'transfer id');
  const actor = t.actor === undefined ? 'system' : parseId(t.actor, 'actor');
  const meta = parseMeta(t.meta);
  const debit = t.debit === undefined ? undefined : parseId(t.debit, 'debit account');
  const credit = t.credit === undefined ? undefined : parseId(t.credit, 'credit account');
  const currency = t.currency === undefined ? undefined : parseCurrency(t.currency);
  const code = t.code === undefined ? undefined : parseCode(t.code);
  if (debit !== undefined && debit === credit) throw new DomainError('money.same_account', 'a transfer must debit and credit two different accounts', 400);
  if (t.pendingId !== undefined || t.resolve !== undefined) {
    if (t.resolve !== 'post' && t.resolve !== 'void') throw badTransfer('resolve must be "post" or "void" with a pendingId');
    if (t.pendingId === undefined) throw badTransfer(`resolve "${t.resolve}" needs a pendingId`);
    if (t.pending) throw badTransfer('a transfer cannot both be pending and resolve a pending one');
    if (t.timeoutAt !== undefined) throw badTransfer('only a pending transfer has a timeout');
    const pendingId = parseId(t.pendingId, 'pendingId');
    if (pendingId === id) throw badTransfer('a transfer cannot resolve itself');
    const amount = t.amount === undefined ? undefined : parseAmount(t.amount);
    return { type: t.resolve, id, pendingId, debit, credit, amount, currency, code, meta, actor };
  }
  if (debit === undefined || credit === undefined) throw badTransfer('debit and credit accounts are required');
  if (currency === undefined) throw badTransfer('currency is required');
  const amount = parseAmount(t.amount);
  let timeoutAt: string | null = null;
  if (t.timeoutAt !== undefined) {
    if (!t.pending) throw badTransfer('only a pending transfer has a timeout');
    const d = t.timeoutAt instanceof Date ? t.timeoutAt : new Date(String(t.timeoutAt));
    if (Number.isNaN(d.getTime())) throw badTransfer('timeoutAt must be a date');
    timeoutAt = d.toISOString();
  }
  return { type: t.pending ? 'pending' : 'single', id, debit, credit, amount, currency, code: code ?? 'transfer', timeoutAt, meta, actor };
}

/** A pending transfer as the resolution needs it. */
export interface PendingFacts extends TransferCore {
  status: PendingStatus | null;
}

/** Fills a post/void from the pending transfer it names; refuses a resolution that contradicts it. */
export function resolveAgainst(r: Resolution, p: PendingFacts): TransferFacts {
  if (p.type !== 'pending') throw new DomainError('money.not_pending', `transfer ${p.id} is not a pending transfer`, 409);
  const mismatch = (what: string) => new DomainError('money.pending_mismatch', `${what} differs from pending transfer ${p.id}`, 400);
  if (r.debit !== undefined && r.debit !== p.debit) throw mismatch('debit account');
  if (r.credit !== undefined && r.credit !== p.credit) throw mismatch('credit account');
  if (r.currency !== undefined && r.currency !== p.currency) throw new DomainError('money.currency_mismatch', `currency ${r.currency} differs from pending transfer ${p.id} (${p.currency})`, 400);
  const amount = r.amount ?? p.amount;
  if (r.type === 'post' && amount > p.amount) {
    throw new DomainError('money.exceeds_pending_amount', `cannot post ${amount}: pending transfer ${p.id} reserved ${p.amount}`, 409);
  }
  if (r.type === 'void' && amount !== p.amount) throw badTransfer(`a void releases the whole pending amount ${p.amount}`);
  return { id: r.id, type: r.type, debit: p.debit, credit: p.credit, amount, currency: p.currency, code: r.code ?? p.code, pendingId: p.id, timeoutAt: null, meta: r.meta };
}

export function newFacts(t: NewTransfer): TransferFacts {
  return { id: t.id, type: t.type, debit: t.debit, credit: t.credit, amount: t.amount, currency: t.currency, code: t.code, pendingId: null, timeoutAt: t.timeoutAt, meta: t.meta };
}

/** The first field in which a replay differs from the stored transfer, or null if it is the same transfer. */
export function differingField(stored: TransferFacts, replay: TransferFacts): keyof TransferFacts | null {
  for (const k of ['type', 'debit', 'credit', 'amount', 'currency', 'code', 'pendingId', 'timeoutAt', 'meta'] as const) {
    if (stored[k] !== replay[k]) return k;
  }
  return null;
}

/** Why a pending transfer cannot be resolved now, or null. */
export function resolveProblem(p: PendingFacts, type: 'post' | 'void', now: Date): DomainError | null {
  if (p.status !== 'pending') return new DomainError('money.pending_already_resolved', `pending transfer ${p.id} was already ${p.status}`, 409);
  if (type === 'post' && p.timeoutAt !== null && Date.parse(p.timeoutAt) <= now.getTime()) {
    return new DomainError('money.pending_expired', `pending transfer ${p.id} expired at ${p.timeoutAt}`, 409);
  }
  return null;
}

/** How one transfer changes each side's counters. */
export interface Move {
  debit: Counters;
  credit: Counters;
}

/**
 * The counter deltas of a transfer. Double entry holds by construction — the debit side's debits
 * move exactly as the credit side's credits — and is asserted, so Σ(debits − credits) per currency stays 0.
 */
export function moveFor(type: TransferType, amount: bigint, pendingAmount = 0n): Move {
  assert(amount > 0n && amount <= AMOUNT_MAX, 'money: moved amount out of range');
  let posted = 0n;
  let pending = 0n;
  if (type === 'single') posted = amount;
  else if (type === 'pending') pending = amount;
  else if (type === 'post') {
    assert(amount <= pendingAmount, 'money: posting more than was reserved');
    posted = amount;
    pending = -pendingAmount;
  } else {
    assert(amount === pendingAmount, 'money: a void releases exactly the reservation');
    pending = -pendingAmount;
  }
  const move: Move = {
    debit: { debitsPosted: posted, debitsPending: pending, creditsPosted: 0n, creditsPending: 0n },
    credit: { debitsPosted: 0n, debitsPending: 0n, creditsPosted: posted, creditsPending: pending },
  };
  assert(move.debit.debitsPosted === move.credit.creditsPosted, 'money: posted debits and credits must move together');
  assert(move.debit.debitsPending === move.credit.creditsPending, 'money: pending debits and credits must move together');
  return move;
}

export const addCounters = (a: Counters, d: Counters): Counters => ({
  debitsPending: a.debitsPending + d.debitsPending,
  debitsPosted: a.debitsPosted + d.debitsPosted,
  creditsPending: a.creditsPending + d.creditsPending,
  creditsPosted: a.creditsPosted + d.creditsPosted,
});

// ---------------------------------------------------------------- the log

export const ENTRY_KINDS: Record<TransferType, string> = {
  single: 'money.transfer',
  pending: 'money.pending',
  post: 'money.posted',
  void: 'money.voided',
};

/** The ledger entry of a transfer: amounts as decimal strings, so they stay exact past 2^53 in any reader. */
export function transferEvent(f: TransferFacts, actor: string) {
  const subject: Record<string, string> = { transfer: f.id, debit: f.debit, credit: f.credit };
  if (f.pendingId !== null) subject.pending = f.pendingId;
  const data: Record<string, Json> = { amount: f.amount.toString(), currency: f.currency, code: f.code };
  if (f.timeoutAt !== null) data.timeoutAt = f.timeoutAt;
  return { kind: ENTRY_KINDS[f.type], actor, subject, data };
}

export const ACCOUNT_OPENED = 'money.account_opened';

export function accountEvent(a: NormalAccountSpec, actor: string) {
  const subject: Record<string, string> = { account: a.id };
  if (a.owner !== null) subject.owner = a.owner;
  return {
    kind: ACCOUNT_OPENED,
    actor,
    subject,
    data: { kind: a.kind, currency: a.currency, debitsMustNotExceedCredits: a.flags.debitsMustNotExceedCredits, creditsMustNotExceedDebits: a.flags.creditsMustNotExceedDebits },
  };
}

export interface Replayed {
  accounts: Map<string, Counters>;
  /** Problems an auditor would report: a transfer that breaks a limit, a resolution of nothing. */
  problems: string[];
}

/**
 * Rebuilds every account's counters from the public log alone, and checks each limit as it goes:
 * what an auditor needs, with no access to the database, to confirm balances and that no wallet
 * ever went below zero.
 */
export function replayMoney(events: Iterable<LedgerEvent>): Replayed {
  const accounts = new Map<string, Counters>();
  const flags = new Map<string, AccountFlags>();
  const pendings = new Map<string, { debit: string; credit: string; amount: bigint; open: boolean }>();
  const problems: string[] = [];
  for (const e of events) {
    if (e.kind === ACCOUNT_OPENED) {
      const id = e.subject.account!;
      flags.set(id, { debitsMustNotExceedCredits: e.data.debitsMustNotExceedCredits === true, creditsMustNotExceedDebits: e.data.creditsMustNotExceedDebits === true });
      if (!accounts.has(id)) accounts.set(id, ZERO_COUNTERS);
      continue;
    }
    const type = (Object.keys(ENTRY_KINDS) as TransferType[]).find((k) => ENTRY_KINDS[k] === e.kind);
    if (!type) continue;
    const { transfer, debit, credit, pending } = e.subject;
    const text = String(e.data.amount);
    const amount = /^[1-9][0-9]*$/.test(text) ? BigInt(text) : 0n;
    if (amount <= 0n || amount > AMOUNT_MAX || !debit || !credit || debit === credit) {
      problems.push(`${transfer}: malformed transfer entry`);
      continue;
    }
    let pendingAmount = 0n;
    if (type === 'post' || type === 'void') {
      const p = pendings.get(pending ?? '');
      if (!p || !p.open || p.debit !== debit || p.credit !== credit) {
        problems.push(`${transfer}: resolves ${pending}, which is not an open pending transfer between the same accounts`);
        continue;
      }
      if (type === 'post' ? amount > p.amount : amount !== p.amount) {
        problems.push(`${transfer}: ${type}s ${amount} of a reservation of ${p.amount}`);
        continue;
      }
      p.open = false;
      pendingAmount = p.amount;
    }
    if (type === 'pending') {
      if (pendings.has(transfer!)) {
        problems.push(`${transfer}: a second pending transfer under the same id`);
        continue;
      }
      pendings.set(transfer!, { debit, credit, amount, open: true });
    }
    const move = moveFor(type, amount, pendingAmount);
    for (const [id, d] of [[debit!, move.debit], [credit!, move.credit]] as const) {
      const next = addCounters(accounts.get(id) ?? ZERO_COUNTERS, d);
      accounts.set(id, next);
      const why = limitProblem(next, flags.get(id) ?? { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false });
      if (why) problems.push(`${transfer}: account ${id} ${why.replace('_', ' ')}`);
    }
  }
  return { accounts, problems };
}
