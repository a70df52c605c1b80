import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AMOUNT_MAX,
  balanceOf,
  formatMinor,
  limitProblem,
  moveFor,
  ownedAccountId,
  parseAmount,
  parseCurrency,
  replayMoney,
  systemAccountId,
  type Counters,
} from '../src/money/index.ts';
import {
  addCounters,
  differingField,
  fromDb,
  newFacts,
  parseAccountSpec,
  parseTransfer,
  resolveAgainst,
  resolveProblem,
  toDb,
  transferEvent,
  accountEvent,
  ZERO_COUNTERS,
  type NewTransfer,
  type PendingFacts,
  type Resolution,
} from '../src/money/rules.ts';
import { toEvent, type LedgerEvent } from '../src/ledger/index.ts';
import { InvariantViolation } from '../src/shared/assert.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
  return 'ok';
};

describe('amounts', () => {
  it('accepts integer minor units as bigint, safe number or digit string', () => {
    expect(parseAmount(4990n)).toBe(4990n);
    expect(parseAmount(4990)).toBe(4990n);
    expect(parseAmount('4990')).toBe(4990n);
    expect(parseAmount(AMOUNT_MAX)).toBe(9007199254740991n);
    expect(parseAmount(0n, 'amount', true)).toBe(0n);
  });

  it.each([
    ['a fraction', 49.9],
    ['a negative bigint', -1n],
    ['a negative number', -5],
    ['zero', 0n],
    ['2^53', AMOUNT_MAX + 1n],
    ['an unsafe number', 2 ** 60],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a decimal string', '49.90'],
    ['a signed string', '-5'],
    ['a padded string', '007'],
    ['an exponent string', '1e3'],
    ['a huge string', '90071992547409920'],
    ['null', null],
    ['an object', { amount: 1 }],
  ])('refuses %s as money.bad_amount', (_what, v) => {
    expect(code(() => parseAmount(v))).toBe('money.bad_amount');
  });

  it('round-trips through the database representation exactly, and refuses what a driver would round', () => {
    fc.assert(fc.property(fc.bigInt({ min: -AMOUNT_MAX, max: AMOUNT_MAX }), (n) => fromDb(toDb(n), 'x') === n));
    expect(fromDb('9007199254740991', 'sum')).toBe(AMOUNT_MAX);
    expect(fromDb('-12', 'sum')).toBe(-12n);
    expect(() => fromDb(2 ** 53, 'x')).toThrow(InvariantViolation);
    expect(() => fromDb(1.5, 'x')).toThrow(InvariantViolation);
    expect(() => toDb(AMOUNT_MAX + 1n)).toThrow(InvariantViolation);
  });

  it('formats minor units by the currency exponent without floats', () => {
    expect(formatMinor(4990n, 'CNY')).toBe('49.90');
    expect(formatMinor(5n, 'CNY')).toBe('0.05');
    expect(formatMinor(-5n, 'USD')).toBe('-0.05');
    expect(formatMinor(4990n, 'JPY')).toBe('4990');
    expect(formatMinor(1234n, 'BHD')).toBe('1.234');
    expect(formatMinor(AMOUNT_MAX, 'CNY')).toBe('90071992547409.91');
  });
});

describe('currencies and ids', () => {
  it('takes active ISO 4217 codes only', () => {
    expect(parseCurrency('CNY')).toBe('CNY');
    expect(parseCurrency('EUR')).toBe('EUR');
    for (const bad of ['cny', 'CN', 'CNYY', 'ABC', 'XXX', '', 156, undefined]) expect(code(() => parseCurrency(bad))).toBe('money.bad_currency');
  });

  it('names system and owned accounts deterministically', () => {
    expect(systemAccountId('platform_escrow')).toBe('sys:platform_escrow:CNY');
    expect(systemAccountId('gateway_clearing', 'USD')).toBe('sys:gateway_clearing:USD');
    expect(ownedAccountId('buyer_wallet', 'u_42')).toBe('buyer_wallet:u_42:CNY');
    expect(code(() => ownedAccountId('buyer_wallet', 'alice@example.com'))).toBe('money.bad_id');
    expect(code(() => systemAccountId('platform_escrow', 'ZZZ'))).toBe('money.bad_currency');
  });

  it('defaults account flags by kind and refuses contradictory ones', () => {
    expect(parseAccountSpec({ id: 'w', kind: 'buyer_wallet' })).toEqual({
      id: 'w', kind: 'buyer_wallet', owner: null, currency: 'CNY',
      flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
    });
    expect(parseAccountSpec({ id: 'g', kind: 'gateway_clearing', currency: 'USD' }).flags).toEqual({ debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false });
    expect(parseAccountSpec({ id: 'x', kind: 'external', flags: { creditsMustNotExceedDebits: true } }).flags.creditsMustNotExceedDebits).toBe(true);
    expect(code(() => parseAccountSpec({ id: 'w', kind: 'buyer_wallet', flags: { creditsMustNotExceedDebits: true } }))).toBe('money.bad_account');
    expect(code(() => parseAccountSpec({ id: 'w', kind: 'piggy_bank' as never }))).toBe('money.bad_account');
    expect(code(() => parseAccountSpec({ id: 'has space', kind: 'buyer_wallet' }))).toBe('money.bad_id');
    expect(code(() => parseAccountSpec({ id: 'w', kind: 'buyer_wallet', currency: 'cny' }))).toBe('money.bad_currency');
  });
});

describe('balances and limits', () => {
  const c = (dp: bigint, dq: bigint, cp: bigint, cq: bigint): Counters => ({ debitsPosted: dp, debitsPending: dq, creditsPosted: cp, creditsPending: cq });
  const limited = { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false };
  const free = { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false };

  it('reads a wallet on the credit side and a clearing account on the debit side', () => {
    expect(balanceOf(c(300n, 200n, 1000n, 50n), 'credit')).toEqual({ posted: 700n, reserved: 200n, incoming: 50n, available: 500n });
    expect(balanceOf(c(1000n, 50n, 300n, 200n), 'debit')).toEqual({ posted: 700n, reserved: 200n, incoming: 50n, available: 500n });
  });

  it('counts pending debits against a debit limit, as TigerBeetle does', () => {
    expect(limitProblem(c(600n, 400n, 1000n, 0n), limited)).toBeNull();
    expect(limitProblem(c(600n, 401n, 1000n, 0n), limited)).toBe('exceeds_credits');
    expect(limitProblem(c(600n, 401n, 1000n, 0n), free)).toBeNull();
    expect(limitProblem(c(0n, 0n, 10n, 1n), { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true })).toBe('exceeds_debits');
    expect(limitProblem(c(-1n, 0n, 0n, 0n), free)).toBe('negative');
    expect(limitProblem(c(AMOUNT_MAX, 1n, 0n, 0n), free)).toBe('overflow');
  });

  it('moves equal amounts on both sides for every kind of transfer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: AMOUNT_MAX }), fc.bigInt({ min: 0n, max: AMOUNT_MAX }), (a, extra) => {
        const reserved = a + extra > AMOUNT_MAX ? a : a + extra;
        for (const m of [moveFor('single', a), moveFor('pending', a), moveFor('post', a, reserved), moveFor('void', reserved, reserved)]) {
          const debitNet = m.debit.debitsPosted + m.debit.debitsPending - m.debit.creditsPosted - m.debit.creditsPending;
          const creditNet = m.credit.debitsPosted + m.credit.debitsPending - m.credit.creditsPosted - m.credit.creditsPending;
          if (debitNet + creditNet !== 0n) return false;
        }
        return true;
      }),
    );
    expect(moveFor('post', 60n, 100n)).toEqual({
      debit: { debitsPosted: 60n, debitsPending: -100n, creditsPosted: 0n, creditsPending: 0n },
      credit: { debitsPosted: 0n, debitsPending: 0n, creditsPosted: 60n, creditsPending: -100n },
    });
    expect(() => moveFor('post', 101n, 100n)).toThrow(InvariantViolation);
    expect(() => moveFor('void', 99n, 100n)).toThrow(InvariantViolation);
    expect(() => moveFor('single', 0n)).toThrow(InvariantViolation);
  });
});

describe('transfer shapes', () => {
  const base = { id: 't1', debit: 'a', credit: 'b', amount: 100n, currency: 'CNY' };

  it('parses single and pending transfers', () => {
    expect(parseTransfer(base)).toMatchObject({ type: 'single', code: 'transfer', timeoutAt: null, meta: null, actor: 'system' });
    const t = parseTransfer({ ...base, pending: true, timeoutAt: new Date('2030-01-01T00:00:00Z'), meta: { b: 1, a: 'x' }, code: 'checkout' });
    expect(t).toMatchObject({ type: 'pending', timeoutAt: '2030-01-01T00:00:00.000Z', meta: '{"a":"x","b":1}', code: 'checkout' });
  });

  it.each([
    ['no debit', { ...base, debit: undefined }, 'money.bad_transfer'],
    ['no currency', { ...base, currency: undefined }, 'money.bad_transfer'],
    ['the same account twice', { ...base, credit: 'a' }, 'money.same_account'],
    ['a float amount', { ...base, amount: 1.5 as unknown as bigint }, 'money.bad_amount'],
    ['no amount', { ...base, amount: undefined }, 'money.bad_amount'],
    ['a bad currency', { ...base, currency: 'RMB' }, 'money.bad_currency'],
    ['a timeout on a single transfer', { ...base, timeoutAt: '2030-01-01T00:00:00Z' }, 'money.bad_transfer'],
    ['a bad timeout', { ...base, pending: true, timeoutAt: 'soon' }, 'money.bad_transfer'],
    ['resolve without pendingId', { ...base, resolve: 'post' as const }, 'money.bad_transfer'],
    ['pendingId without resolve', { id: 't2', pendingId: 't1' }, 'money.bad_transfer'],
    ['pending and resolving', { id: 't2', pendingId: 't1', resolve: 'post' as const, pending: true }, 'money.bad_transfer'],
    ['resolving itself', { id: 't1', pendingId: 't1', resolve: 'void' as const }, 'money.bad_transfer'],
    ['a bad id', { ...base, id: '' }, 'money.bad_id'],
    ['a bad code', { ...base, code: 'Has Spaces' }, 'money.bad_transfer'],
    ['an array meta', { ...base, meta: [1] as never }, 'money.bad_transfer'],
  ])('refuses %s', (_what, input, expected) => {
    expect(code(() => parseTransfer(input as never))).toBe(expected);
  });

  const pending: PendingFacts = { id: 'p1', type: 'pending', debit: 'a', credit: 'b', amount: 100n, currency: 'CNY', code: 'hold', status: 'pending', timeoutAt: null };
  const post = (extra: object = {}) => parseTransfer({ id: 'r1', pendingId: 'p1', resolve: 'post', ...extra }) as Resolution;

  it('fills a post or void from its pending transfer', () => {
    expect(resolveAgainst(post(), pending)).toMatchObject({ type: 'post', debit: 'a', credit: 'b', amount: 100n, currency: 'CNY', code: 'hold', pendingId: 'p1' });
    expect(resolveAgainst(post({ amount: 60n, code: 'capture' }), pending)).toMatchObject({ amount: 60n, code: 'capture' });
    const v = parseTransfer({ id: 'r2', pendingId: 'p1', resolve: 'void' }) as Resolution;
    expect(resolveAgainst(v, pending)).toMatchObject({ type: 'void', amount: 100n });
  });

  it('refuses resolutions that contradict the pending transfer', () => {
    expect(code(() => resolveAgainst(post({ amount: 101n }), pending))).toBe('money.exceeds_pending_amount');
    expect(code(() => resolveAgainst(post({ debit: 'z' }), pending))).toBe('money.pending_mismatch');
    expect(code(() => resolveAgainst(post({ currency: 'USD' }), pending))).toBe('money.currency_mismatch');
    expect(code(() => resolveAgainst(parseTransfer({ id: 'r', pendingId: 'p1', resolve: 'void', amount: 5n }) as Resolution, pending))).toBe('money.bad_transfer');
    expect(code(() => resolveAgainst(post(), { ...pending, type: 'single' }))).toBe('money.not_pending');
  });

  it('resolves a pending transfer once, and posts it only before its timeout', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(resolveProblem(pending, 'post', now)).toBeNull();
    expect(resolveProblem({ ...pending, status: 'posted' }, 'void', now)?.code).toBe('money.pending_already_resolved');
    expect(resolveProblem({ ...pending, status: 'voided' }, 'post', now)?.code).toBe('money.pending_already_resolved');
    const timed = { ...pending, timeoutAt: '2030-01-01T00:00:00.000Z' };
    expect(resolveProblem(timed, 'post', now)?.code).toBe('money.pending_expired');
    expect(resolveProblem(timed, 'void', now)).toBeNull();
    expect(resolveProblem(timed, 'post', new Date('2029-12-31T23:59:59Z'))).toBeNull();
  });

  it('tells a replay from a different transfer under the same id', () => {
    const f = newFacts(parseTransfer({ ...base, meta: { order: 'o1' } }) as NewTransfer);
    expect(differingField(f, newFacts(parseTransfer({ ...base, meta: { order: 'o1' } }) as NewTransfer))).toBeNull();
    expect(differingField(f, newFacts(parseTransfer({ ...base, amount: 101n, meta: { order: 'o1' } }) as NewTransfer))).toBe('amount');
    expect(differingField(f, newFacts(parseTransfer({ ...base, meta: { order: 'o2' } }) as NewTransfer))).toBe('meta');
    expect(differingField(f, newFacts(parseTransfer({ ...base, pending: true, meta: { order: 'o1' } }) as NewTransfer))).toBe('type');
  });
});

describe('replaying the log', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const ev = (e: { kind: string; actor: string; subject: Record<string, string>; data?: Record<string, never> | object }): LedgerEvent => toEvent({ ...e, at } as never);
  const open = (id: string, kind: 'buyer_wallet' | 'gateway_clearing' | 'platform_escrow') => ev(accountEvent(parseAccountSpec({ id, kind }), 'system'));
  const tx = (id: string, type: 'single' | 'pending' | 'post' | 'void', debit: string, credit: string, amount: bigint, pendingId: string | null = null) =>
    ev(transferEvent({ id, type, debit, credit, amount, currency: 'CNY', code: 'x', pendingId, timeoutAt: null, meta: null }, 'system'));

  it('rebuilds counters from entries alone, with amounts as exact strings', () => {
    const big = AMOUNT_MAX - 1n;
    const log = [
      open('gw', 'gateway_clearing'), open('w', 'buyer_wallet'), open('esc', 'platform_escrow'),
      tx('t1', 'single', 'gw', 'w', big),
      tx('p1', 'pending', 'w', 'esc', 1000n),
      tx('r1', 'post', 'w', 'esc', 600n, 'p1'),
      tx('p2', 'pending', 'w', 'esc', 50n),
      tx('r2', 'void', 'w', 'esc', 50n, 'p2'),
    ];
    expect(log[3]!.data.amount).toBe('9007199254740990');
    const { accounts, problems } = replayMoney(log);
    expect(problems).toEqual([]);
    expect(accounts.get('w')).toEqual({ debitsPosted: 600n, debitsPending: 0n, creditsPosted: big, creditsPending: 0n });
    expect(accounts.get('esc')).toEqual({ ...ZERO_COUNTERS, creditsPosted: 600n });
    expect(accounts.get('gw')).toEqual({ ...ZERO_COUNTERS, debitsPosted: big });
    let sum = 0n;
    for (const c of accounts.values()) sum += c.debitsPosted - c.creditsPosted + c.debitsPending - c.creditsPending;
    expect(sum).toBe(0n);
  });

  it('reports an overdraft, a double resolution and an over-post that a forged log would contain', () => {
    const log = [
      open('gw', 'gateway_clearing'), open('w', 'buyer_wallet'), open('esc', 'platform_escrow'),
      tx('t1', 'single', 'gw', 'w', 100n),
      tx('t2', 'single', 'w', 'esc', 101n),
      tx('p1', 'pending', 'gw', 'esc', 10n),
      tx('r1', 'post', 'gw', 'esc', 10n, 'p1'),
      tx('r2', 'void', 'gw', 'esc', 10n, 'p1'),
      tx('p2', 'pending', 'gw', 'esc', 10n),
      tx('r3', 'post', 'gw', 'esc', 11n, 'p2'),
    ];
    const { problems } = replayMoney(log);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^t2: account w exceeds credits/);
    expect(problems[1]).toMatch(/^r2: resolves p1/);
    expect(problems[2]).toMatch(/^r3: posts 11 of a reservation of 10/);
  });

  it('agrees with counters folded directly, for random transfer sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.bigInt({ min: 1n, max: 10_000n })), { maxLength: 40 }), (steps) => {
        const ids = ['a', 'b', 'c'];
        const direct = new Map<string, Counters>();
        const log: LedgerEvent[] = [];
        steps.forEach(([d, c, amount], i) => {
          if (d === c) return;
          const m = moveFor('single', amount);
          direct.set(ids[d]!, addCounters(direct.get(ids[d]!) ?? ZERO_COUNTERS, m.debit));
          direct.set(ids[c]!, addCounters(direct.get(ids[c]!) ?? ZERO_COUNTERS, m.credit));
          log.push(tx(`t${i}`, 'single', ids[d]!, ids[c]!, amount));
        });
        const { accounts, problems } = replayMoney(log);
        return problems.length === 0 && [...direct].every(([id, c]) => JSON.stringify(accounts.get(id), (_k, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      }),
    );
  });
});
