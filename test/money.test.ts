import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from 'kysely';
import { createApp, type App } from '../src/app.ts';
import type { Database } from '../src/db/index.ts';
import { parseEntry, type LedgerEvent, type Ticket } from '../src/ledger/index.ts';
import {
  AMOUNT_MAX,
  checkBalances,
  MoneyService,
  ownedAccountId,
  reconcileAccounts,
  replayMoney,
  systemAccountId,
  type TransferInput,
  type TransferOutcome,
} from '../src/money/index.ts';
import { expectLogVerifies } from './helpers/audit.ts';
import { backends, type Sandbox } from './helpers/backends.ts';

const ESCROW = systemAccountId('platform_escrow');
const REVENUE = systemAccountId('platform_revenue');

describe.each(backends())('money on $name', (backend) => {
  let box: Sandbox;
  let app: App;
  let money: MoneyService;
  let n = 0;
  const uid = (p: string) => `${p}_${++n}`;
  const tx = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => app.db.kysely.transaction().execute(fn);
  const send = (t: TransferInput) => tx((trx) => money.transfer(trx, t));
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as { code: string; status: number; extra: Record<string, unknown> };
    }
    throw new Error('expected a refusal');
  };

  /** A fresh buyer wallet holding `amount`, funded through the gateway. */
  async function wallet(amount: bigint, currency = 'CNY') {
    const id = ownedAccountId('buyer_wallet', uid('u'), currency);
    await tx(async (trx) => {
      await money.ensureAccount(trx, { id, kind: 'buyer_wallet', owner: id.split(':')[1]!, currency });
      if (amount > 0n) await money.transfer(trx, { id: uid('topup'), debit: systemAccountId('gateway_clearing', currency), credit: id, amount, currency, code: 'topup' });
    });
    return id;
  }

  /** The integrated log, decoded: waits for the given tickets (or a marker entry) first. */
  async function events(tickets: Ticket[] = []): Promise<LedgerEvent[]> {
    if (tickets.length) await app.ledger.waitFor(tickets);
    else await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: uid('m') } }]);
    const size = (await app.ledger.latest())!.treeSize;
    return (await app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }
  const about = (all: LedgerEvent[], transfer: string) => all.filter((e) => e.subject.transfer === transfer);
  const ticketsOf = (outs: TransferOutcome[]) => outs.flatMap((o) => (o.ticket ? [o.ticket] : []));

  beforeAll(async () => {
    box = await backend.sandbox();
    app = await createApp({ dataDir: box.dataDir, databaseUrl: box.databaseUrl, logLevel: 'silent', maxDelayMs: 10 });
    money = new MoneyService(app.db.kysely, app.ledger);
    await tx(async (trx) => {
      await money.ensureSystemAccounts(trx, 'CNY');
      await money.ensureSystemAccounts(trx, 'USD');
    });
  });
  afterEach(async () => {
    expect(await checkBalances(app.db.kysely)).toEqual([]);
    expect(await reconcileAccounts(app.db.kysely)).toEqual([]);
    await events();
    await expectLogVerifies(app);
  });
  afterAll(async () => {
    await app?.close();
    await box?.cleanup();
  });

  it('opens accounts idempotently and refuses a different account under the same id', async () => {
    const id = ownedAccountId('merchant_receivable', 'm_1');
    const a = await tx((trx) => money.ensureAccount(trx, { id, kind: 'merchant_receivable', owner: 'm_1' }));
    expect(a).toMatchObject({ id, kind: 'merchant_receivable', owner: 'm_1', currency: 'CNY', normal: 'credit', debitsPosted: 0n, creditsPosted: 0n });
    expect(a.flags).toEqual({ debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false });
    const again = await tx((trx) => money.ensureAccount(trx, { id, kind: 'merchant_receivable', owner: 'm_1' }));
    expect(again).toEqual(a);
    const e = await refusal(tx((trx) => money.ensureAccount(trx, { id, kind: 'merchant_receivable', owner: 'm_2' })));
    expect(e).toMatchObject({ code: 'money.account_exists_different', status: 409 });
    const opened = (await events()).filter((ev) => ev.kind === 'money.account_opened' && ev.subject.account === id);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.data).toEqual({ kind: 'merchant_receivable', currency: 'CNY', debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false });
  });

  it('moves money between two accounts and writes the transfer to the log in the same transaction', async () => {
    const w = await wallet(1000n);
    const id = uid('pay');
    const out = await send({ id, debit: w, credit: ESCROW, amount: 400n, currency: 'CNY', code: 'order_payment', actor: 'u_buyer', meta: { order: 'o_1' } });
    expect(out.status).toBe('created');
    expect(out.transfer).toMatchObject({ id, type: 'single', debit: w, credit: ESCROW, amount: 400n, currency: 'CNY', code: 'order_payment', meta: { order: 'o_1' } });
    expect(await money.balance(app.db.kysely, w)).toEqual({ account: w, currency: 'CNY', normal: 'credit', posted: 600n, reserved: 0n, incoming: 0n, available: 600n });

    const mine = about(await events([out.ticket!]), id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: 'money.transfer',
      actor: 'u_buyer',
      subject: { transfer: id, debit: w, credit: ESCROW },
      data: { amount: '400', currency: 'CNY', code: 'order_payment' },
    });
    // Personal or business details in meta stay off the public log.
    expect(JSON.stringify(mine[0])).not.toContain('o_1');
  });

  it('returns the existing transfer on an identical replay and refuses a different one under the same id', async () => {
    const w = await wallet(1000n);
    const t: TransferInput = { id: uid('pay'), debit: w, credit: ESCROW, amount: 300n, currency: 'CNY', meta: { order: 'o_2' } };
    const first = await send(t);
    const again = await send({ ...t, meta: { order: 'o_2' } });
    expect(again.status).toBe('exists');
    expect(again.ticket).toBeUndefined();
    expect(again.transfer).toEqual(first.transfer);
    expect((await money.balance(app.db.kysely, w)).posted).toBe(700n);

    for (const [field, change] of [
      ['amount', { amount: 301n }],
      ['credit', { credit: REVENUE }],
      ['meta', { meta: { order: 'o_3' } }],
      ['type', { pending: true }],
      ['code', { code: 'other' }],
    ] as const) {
      const e = await refusal(send({ ...t, ...change }));
      expect(e, field).toMatchObject({ code: 'money.transfer_exists_different', status: 409, extra: { field } });
    }
    expect((await money.balance(app.db.kysely, w)).posted).toBe(700n);
    expect(about(await events(), t.id)).toHaveLength(1);
  });

  it('reserves with a pending transfer and posts part of it', async () => {
    const w = await wallet(1000n);
    const hold = uid('hold');
    const p = await send({ id: hold, debit: w, credit: ESCROW, amount: 400n, currency: 'CNY', pending: true, code: 'checkout' });
    expect(p.transfer).toMatchObject({ type: 'pending', pendingStatus: 'pending' });
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 1000n, reserved: 400n, available: 600n });
    expect(await money.balance(app.db.kysely, ESCROW)).toMatchObject({ incoming: 400n });

    // The reservation counts against what can be spent.
    const spend = await refusal(send({ id: uid('pay'), debit: w, credit: ESCROW, amount: 601n, currency: 'CNY' }));
    expect(spend).toMatchObject({ code: 'money.insufficient_funds', status: 409, extra: { account: w } });
    expect(await refusal(send({ id: uid('post'), pendingId: hold, resolve: 'post', amount: 401n }))).toMatchObject({ code: 'money.exceeds_pending_amount' });

    const post = uid('post');
    const out = await send({ id: post, pendingId: hold, resolve: 'post', amount: 250n });
    expect(out.transfer).toMatchObject({ type: 'post', debit: w, credit: ESCROW, amount: 250n, currency: 'CNY', code: 'checkout', pendingId: hold });
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 750n, reserved: 0n, available: 750n });
    expect((await money.getTransfer(app.db.kysely, hold)).pendingStatus).toBe('posted');

    const all = await events([p.ticket!, out.ticket!]);
    expect(about(all, hold).map((e) => [e.kind, e.data.amount])).toEqual([['money.pending', '400']]);
    expect(about(all, post)).toMatchObject([{ kind: 'money.posted', subject: { transfer: post, pending: hold, debit: w, credit: ESCROW }, data: { amount: '250' } }]);

    // Resolved once: neither a second post nor a void gets through; replaying the post is fine.
    expect(await refusal(send({ id: uid('post'), pendingId: hold, resolve: 'post' }))).toMatchObject({ code: 'money.pending_already_resolved', status: 409 });
    expect(await refusal(send({ id: uid('void'), pendingId: hold, resolve: 'void' }))).toMatchObject({ code: 'money.pending_already_resolved' });
    expect((await send({ id: post, pendingId: hold, resolve: 'post', amount: 250n })).status).toBe('exists');
    expect(await refusal(send({ id: post, pendingId: hold, resolve: 'post' }))).toMatchObject({ code: 'money.transfer_exists_different', extra: { field: 'amount' } });
    expect((await money.balance(app.db.kysely, w)).posted).toBe(750n);
  });

  it('voids a pending transfer, releasing the whole reservation, once', async () => {
    const w = await wallet(500n);
    const hold = uid('hold');
    await send({ id: hold, debit: w, credit: ESCROW, amount: 500n, currency: 'CNY', pending: true });
    expect((await money.balance(app.db.kysely, w)).available).toBe(0n);
    const v = uid('void');
    const out = await send({ id: v, pendingId: hold, resolve: 'void' });
    expect(out.transfer).toMatchObject({ type: 'void', amount: 500n, pendingId: hold });
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 500n, reserved: 0n, available: 500n });
    expect(about(await events([out.ticket!]), v)).toMatchObject([{ kind: 'money.voided', data: { amount: '500' } }]);
    expect(await refusal(send({ id: uid('void'), pendingId: hold, resolve: 'void' }))).toMatchObject({ code: 'money.pending_already_resolved' });
    expect(await refusal(send({ id: uid('post'), pendingId: hold, resolve: 'post' }))).toMatchObject({ code: 'money.pending_already_resolved' });
    expect(await refusal(send({ id: uid('post'), pendingId: 'no_such', resolve: 'post' }))).toMatchObject({ code: 'money.pending_not_found', status: 404 });
    const single = uid('pay');
    await send({ id: single, debit: w, credit: ESCROW, amount: 1n, currency: 'CNY' });
    expect(await refusal(send({ id: uid('post'), pendingId: single, resolve: 'post' }))).toMatchObject({ code: 'money.not_pending' });
  });

  it('refuses an overdraft and leaves nothing written, even when the caller commits other work', async () => {
    const w = await wallet(100n);
    const other = ownedAccountId('buyer_wallet', uid('u'));
    const id = uid('pay');
    const before = await app.db.kysely.selectFrom('money_transfer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const [first, second] = [uid('pay'), uid('pay')];
    const caught = await tx(async (trx) => {
      await money.ensureAccount(trx, { id: other, kind: 'buyer_wallet' });
      const single = await refusal(money.transfer(trx, { id, debit: w, credit: ESCROW, amount: 101n, currency: 'CNY' }));
      // The first of these succeeds on its own; the second's refusal must take it back too.
      const linked = await refusal(money.transferAll(trx, [
        { id: first, debit: w, credit: ESCROW, amount: 50n, currency: 'CNY' },
        { id: second, debit: w, credit: ESCROW, amount: 60n, currency: 'CNY' },
      ]));
      return [single, linked];
    });
    expect(caught).toMatchObject([{ code: 'money.insufficient_funds', status: 409 }, { code: 'money.insufficient_funds', extra: { index: 1 } }]);
    // The caller's own work committed; the refused transfer left no row, no counter, no entry.
    await expect(money.account(app.db.kysely, other)).resolves.toMatchObject({ id: other });
    const after = await app.db.kysely.selectFrom('money_transfer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 100n, reserved: 0n });
    for (const t of [id, first, second]) await expect(money.getTransfer(app.db.kysely, t)).rejects.toMatchObject({ status: 404 });
    const all = await events();
    expect([id, first, second].flatMap((t) => about(all, t))).toEqual([]);
  });

  it('makes linked transfers all or none', async () => {
    const w = await wallet(1000n);
    const merchant = ownedAccountId('merchant_receivable', uid('m'));
    await tx((trx) => money.ensureAccount(trx, { id: merchant, kind: 'merchant_receivable' }));
    const [a, b, c] = [uid('split'), uid('split'), uid('split')];
    const e = await refusal(tx((trx) => money.transferAll(trx, [
      { id: a, debit: w, credit: ESCROW, amount: 900n, currency: 'CNY' },
      { id: b, debit: ESCROW, credit: merchant, amount: 800n, currency: 'CNY' },
      { id: c, debit: w, credit: REVENUE, amount: 200n, currency: 'CNY' },
    ])));
    expect(e).toMatchObject({ code: 'money.insufficient_funds', extra: { index: 2, transfer: c } });
    expect((await money.balance(app.db.kysely, w)).posted).toBe(1000n);
    expect((await money.balance(app.db.kysely, merchant)).posted).toBe(0n);
    const all = await events();
    expect([a, b, c].flatMap((id) => about(all, id))).toEqual([]);

    // A later transfer in the batch may post a pending one made earlier in it.
    const hold = uid('hold');
    const outs = await tx((trx) => money.transferAll(trx, [
      { id: hold, debit: w, credit: ESCROW, amount: 1000n, currency: 'CNY', pending: true },
      { id: a, pendingId: hold, resolve: 'post', amount: 900n },
      { id: b, debit: ESCROW, credit: merchant, amount: 850n, currency: 'CNY' },
      { id: c, debit: ESCROW, credit: REVENUE, amount: 50n, currency: 'CNY' },
    ]));
    expect(outs.map((o) => o.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 100n, reserved: 0n });
    expect((await money.balance(app.db.kysely, merchant)).posted).toBe(850n);
    const kinds = (await events(ticketsOf(outs))).filter((ev) => [hold, a, b, c].includes(ev.subject.transfer ?? '')).map((ev) => ev.kind);
    expect(kinds).toEqual(['money.pending', 'money.posted', 'money.transfer', 'money.transfer']);
  });

  it('refuses transfers across currencies and to accounts that do not exist', async () => {
    const usd = await wallet(1000n, 'USD');
    const cny = await wallet(1000n);
    expect(await refusal(send({ id: uid('x'), debit: usd, credit: ESCROW, amount: 1n, currency: 'USD' }))).toMatchObject({ code: 'money.currency_mismatch' });
    expect(await refusal(send({ id: uid('x'), debit: cny, credit: ESCROW, amount: 1n, currency: 'USD' }))).toMatchObject({ code: 'money.currency_mismatch' });
    expect(await refusal(send({ id: uid('x'), debit: cny, credit: 'acc_missing', amount: 1n, currency: 'CNY' }))).toMatchObject({ code: 'money.account_not_found', status: 404 });
    expect(await refusal(send({ id: uid('x'), debit: cny, credit: ESCROW, amount: 0n, currency: 'CNY' }))).toMatchObject({ code: 'money.bad_amount', status: 400 });
    expect(await refusal(send({ id: uid('x'), debit: cny, credit: ESCROW, amount: 1.5 as unknown as bigint, currency: 'CNY' }))).toMatchObject({ code: 'money.bad_amount' });
    expect(await refusal(send({ id: uid('x'), debit: cny, credit: ESCROW, amount: AMOUNT_MAX + 1n, currency: 'CNY' }))).toMatchObject({ code: 'money.bad_amount' });
    const held = await send({ id: uid('hold'), debit: usd, credit: systemAccountId('platform_escrow', 'USD'), amount: 5n, currency: 'USD', pending: true });
    expect(await refusal(send({ id: uid('post'), pendingId: held.transfer.id, resolve: 'post', currency: 'CNY' }))).toMatchObject({ code: 'money.currency_mismatch' });
    await send({ id: uid('void'), pendingId: held.transfer.id, resolve: 'void' });
  });

  it('keeps every counter within 2^53 − 1 and honours a credit limit', async () => {
    const ext = systemAccountId('external', 'USD');
    const rich = ownedAccountId('buyer_wallet', uid('u'), 'USD');
    await tx((trx) => money.ensureAccount(trx, { id: rich, kind: 'buyer_wallet', currency: 'USD' }));
    await send({ id: uid('big'), debit: ext, credit: rich, amount: AMOUNT_MAX, currency: 'USD' });
    expect((await money.balance(app.db.kysely, rich)).posted).toBe(AMOUNT_MAX);
    expect(await refusal(send({ id: uid('big'), debit: ext, credit: rich, amount: 1n, currency: 'USD' }))).toMatchObject({ code: 'money.overflow' });
    await send({ id: uid('big'), debit: rich, credit: ext, amount: AMOUNT_MAX, currency: 'USD' });

    // Lifetime totals are what is capped: rich has now taken in and given out 2^53 − 1 each.
    expect(await refusal(send({ id: uid('big'), debit: rich, credit: ext, amount: 1n, currency: 'USD' }))).toMatchObject({ code: 'money.overflow', status: 422 });

    const capped = `acc_${uid('capped')}`;
    const world = `acc_${uid('world')}`;
    await tx(async (trx) => {
      await money.ensureAccount(trx, { id: capped, kind: 'external', currency: 'USD', flags: { creditsMustNotExceedDebits: true } });
      await money.ensureAccount(trx, { id: world, kind: 'external', currency: 'USD' });
    });
    expect(await refusal(send({ id: uid('c'), debit: world, credit: capped, amount: 1n, currency: 'USD' }))).toMatchObject({ code: 'money.exceeds_debits', status: 409 });
    await send({ id: uid('c'), debit: capped, credit: world, amount: 10n, currency: 'USD' });
    await send({ id: uid('c'), debit: world, credit: capped, amount: 10n, currency: 'USD' });
    expect(await refusal(send({ id: uid('c'), debit: world, credit: capped, amount: 1n, currency: 'USD', pending: true }))).toMatchObject({ code: 'money.exceeds_debits' });
  });

  it('lets exactly ten of fifty concurrent 100-spends out of a 1,000 wallet', async () => {
    const w = await wallet(1000n);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => send({ id: uid(`race${i}`), debit: w, credit: ESCROW, amount: 100n, currency: 'CNY', code: 'order_payment' })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code: string }] : []));
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    expect(new Set(failed.map((e) => e.code))).toEqual(new Set(['money.insufficient_funds']));
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 0n, available: 0n });
    // The statement's running balance steps down by 100 in seq order and never goes below zero.
    const st = await money.statement(app.db.kysely, w, { limit: 20 });
    expect(st.lines.map((l) => l.balanceAfter)).toEqual([0n, 100n, 200n, 300n, 400n, 500n, 600n, 700n, 800n, 900n, 1000n]);
  });

  it('posts a pending transfer once when many resolve it concurrently', async () => {
    const w = await wallet(1000n);
    const hold = uid('hold');
    await send({ id: hold, debit: w, credit: ESCROW, amount: 700n, currency: 'CNY', pending: true });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => send({ id: uid('resolve'), pendingId: hold, resolve: i % 2 ? 'void' : 'post' })),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<TransferOutcome> => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    expect(results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []))).toEqual(Array(19).fill('money.pending_already_resolved'));
    const expected = ok[0]!.value.transfer.type === 'post' ? 300n : 1000n;
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: expected, reserved: 0n });
  });

  it('makes a transfer once when the same id arrives many times at once', async () => {
    const w = await wallet(1000n);
    const t: TransferInput = { id: uid('dup'), debit: w, credit: ESCROW, amount: 100n, currency: 'CNY' };
    const outs = await Promise.all(Array.from({ length: 20 }, () => send(t)));
    expect(outs.filter((o) => o.status === 'created')).toHaveLength(1);
    expect(outs.filter((o) => o.status === 'exists')).toHaveLength(19);
    expect((await money.balance(app.db.kysely, w)).posted).toBe(900n);
    expect(about(await events(), t.id)).toHaveLength(1);
  });

  it('runs concurrent linked transfers over shared accounts in any order without deadlock', async () => {
    const [a, b, c] = [await wallet(10_000n), await wallet(10_000n), await wallet(10_000n)];
    const orders = [[a, b, c], [c, b, a], [b, a, c], [c, a, b]];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        tx((trx) => {
          const [x, y, z] = orders[i % orders.length]!;
          return money.transferAll(trx, [
            { id: uid('ring'), debit: x!, credit: y!, amount: 10n, currency: 'CNY' },
            { id: uid('ring'), debit: y!, credit: z!, amount: 10n, currency: 'CNY' },
            { id: uid('ring'), debit: z!, credit: x!, amount: 10n, currency: 'CNY' },
          ]);
        }),
      ),
    );
    for (const id of [a, b, c]) expect((await money.balance(app.db.kysely, id)).posted).toBe(10_000n);
  });

  it('expires pending transfers after their timeout', async () => {
    let now = new Date('2031-01-01T00:00:00Z');
    const timed = new MoneyService(app.db.kysely, app.ledger, () => now);
    const w = await wallet(300n);
    const hold = uid('hold');
    await tx((trx) => timed.transfer(trx, { id: hold, debit: w, credit: ESCROW, amount: 300n, currency: 'CNY', pending: true, timeoutAt: '2031-01-01T00:15:00Z' }));
    expect(await tx((trx) => timed.expirePending(trx))).toEqual([]);
    now = new Date('2031-01-01T00:15:00Z');
    expect(await refusal(tx((trx) => timed.transfer(trx, { id: uid('post'), pendingId: hold, resolve: 'post' })))).toMatchObject({ code: 'money.pending_expired' });
    const swept = await tx((trx) => timed.expirePending(trx));
    expect(swept.map((o) => [o.transfer.type, o.transfer.pendingId, o.transfer.code])).toEqual([['void', hold, 'expired']]);
    expect(await money.balance(app.db.kysely, w)).toMatchObject({ posted: 300n, reserved: 0n, available: 300n });
    expect(await tx((trx) => timed.expirePending(trx))).toEqual([]);
  });

  it('pages a statement newest first with a cursor', async () => {
    const w = await wallet(1000n);
    for (let i = 1; i <= 7; i++) await send({ id: uid('st'), debit: w, credit: i % 2 ? ESCROW : REVENUE, amount: BigInt(i), currency: 'CNY' });
    const seen: bigint[] = [];
    const balances: bigint[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<MoneyService['statement']>> = await money.statement(app.db.kysely, w, { cursor, limit: 3 });
      seen.push(...page.lines.map((l) => l.amount));
      balances.push(...page.lines.map((l) => l.balanceAfter));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([7n, 6n, 5n, 4n, 3n, 2n, 1n, 1000n]);
    expect(balances).toEqual([972n, 979n, 985n, 990n, 994n, 997n, 999n, 1000n]);
    const first = await money.statement(app.db.kysely, w, { limit: 1 });
    expect(first.lines[0]).toMatchObject({ direction: 'debit', counterparty: ESCROW, type: 'single' });
    expect(await refusal(money.statement(app.db.kysely, w, { cursor: 'abc' }))).toMatchObject({ code: 'money.bad_cursor' });
    expect(await refusal(money.statement(app.db.kysely, w, { limit: 0 }))).toMatchObject({ code: 'money.bad_limit' });
  });

  it('can be rebuilt from the public log alone: every account, every limit', async () => {
    const { accounts, problems } = replayMoney(await events());
    expect(problems).toEqual([]);
    const rows = await app.db.kysely.selectFrom('money_account').select('id').execute();
    expect(rows.length).toBeGreaterThan(10);
    for (const { id } of rows) {
      const a = await money.account(app.db.kysely, id);
      expect(accounts.get(id), id).toEqual({ debitsPending: a.debitsPending, debitsPosted: a.debitsPosted, creditsPending: a.creditsPending, creditsPosted: a.creditsPosted });
    }
  });
});
