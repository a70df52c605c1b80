import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { ownedAccountId, systemAccountId } from '../src/money/index.ts';
import { decisionProblem, devTopUpMax, moneyExpiryJob, WITHDRAWAL_FLOW } from '../src/wallet/index.ts';
import { decodeCursor, encodeCursor, parseDestination, parseMemo, parseRecipient } from '../src/wallet/rules.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

describe('wallet rules', () => {
  it('round-trips cursors and refuses any it did not make', () => {
    for (const n of [1, 42, Number.MAX_SAFE_INTEGER]) expect(decodeCursor(encodeCursor(n))).toBe(n);
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
    for (const bad of ['abc', '0', encodeCursor(0), Buffer.from('-1').toString('base64url'), Buffer.from('1.5').toString('base64url'), Buffer.from('9007199254740993').toString('base64url'), 'MTI=']) {
      expect(() => decodeCursor(bad), bad).toThrow(expect.objectContaining({ code: 'wallet.bad_cursor', status: 400 }));
    }
  });

  it('accepts masked payout references only', () => {
    expect(parseDestination('  ICBC  ****1234 ')).toBe('ICBC ****1234');
    expect(parseDestination('IBAN DE89 **** **** 3000')).toBe('IBAN DE89 **** **** 3000');
    for (const bad of ['6222020200112233445', 'ICBC 6222 0202 0011 ****', 'ICBC 1234', '', '*'.repeat(65), '<b>****1</b>']) {
      expect(() => parseDestination(bad), bad).toThrow(expect.objectContaining({ code: 'wallet.bad_destination' }));
    }
  });

  it('keeps memos short and printable, and tells e-mails from user ids', () => {
    expect(parseMemo('  lunch ')).toBe('lunch');
    expect(parseMemo('   ')).toBeNull();
    expect(parseMemo(undefined)).toBeNull();
    expect(() => parseMemo('x'.repeat(141))).toThrow(expect.objectContaining({ code: 'wallet.bad_memo' }));
    expect(() => parseMemo('a\u202ebc')).toThrow(expect.objectContaining({ code: 'wallet.bad_memo' }));
    expect(parseRecipient(' Bob@Example.TEST ')).toEqual({ email: 'bob@example.test' });
    expect(parseRecipient('usr_0123')).toEqual({ userId: 'usr_0123' });
    expect(() => parseRecipient('no such thing')).toThrow(expect.objectContaining({ code: 'wallet.bad_recipient' }));
  });

  it('decides a withdrawal once and scales the top-up limit with the currency', () => {
    expect(decisionProblem('requested', 'approve')).toBeNull();
    expect(decisionProblem('requested', 'reject')).toBeNull();
    for (const s of ['paid', 'rejected'] as const) {
      expect(WITHDRAWAL_FLOW[s]).toEqual([]);
      expect(decisionProblem(s, 'approve')).toMatchObject({ code: 'wallet.withdrawal_decided', status: 409 });
      expect(decisionProblem(s, 'reject')).toMatchObject({ code: 'wallet.withdrawal_decided', status: 409 });
    }
    expect(devTopUpMax('CNY')).toBe(100_000_000n);
    expect(devTopUpMax('JPY')).toBe(1_000_000n);
    expect(devTopUpMax('BHD')).toBe(1_000_000_000n);
  });
});

describe.each(backends())('wallet on $name', (backend) => {
  let world: World;
  let admin: Caller;
  let auditor: Caller;
  let n = 0;
  const key = () => `wk-${++n}-${Math.random().toString(36).slice(2)}`;
  const post = (c: Caller, url: string, body: unknown, k = key()) => c.call('POST', url, body, { 'idempotency-key': k });
  const balance = async (c: Caller, currency = 'CNY') => expectOk(await c.call('GET', `/api/wallet?currency=${currency}`));
  const topUp = async (c: Caller, amountMinor: string, currency?: string) =>
    expectOk(await post(c, '/api/wallet/dev-top-ups', { amountMinor, ...(currency ? { currency } : {}) }), 201);
  const statement = async (c: Caller, query = '') => expectOk(await c.call('GET', `/api/wallet/statement${query}`));
  const send = (c: Caller, to: string, amountMinor: string, extra: Record<string, unknown> = {}, k = key()) =>
    post(c, '/api/wallet/transfers', { to, amountMinor, ...extra }, k);
  async function ledgerEvents(): Promise<LedgerEvent[]> {
    await world.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: key() } }]);
    const size = (await world.app.ledger.latest())!.treeSize;
    return (await world.app.ledger.store.entries(0, size)).map((e) => parseEntry(e.body));
  }

  beforeAll(async () => {
    world = await startWorld(backend);
    admin = await world.user('admin');
    auditor = await world.user('auditor');
  });
  afterEach(async () => {
    await world.checkInvariants();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('tops up a wallet in development and shows the balance and the statement line', async () => {
    const alice = await world.user('buyer');
    expect(await balance(alice)).toEqual({ account: `buyer_wallet:${alice.userId}:CNY`, currency: 'CNY', posted: '0', pending: '0', incoming: '0', available: '0' });
    expect(await statement(alice)).toEqual({ account: `buyer_wallet:${alice.userId}:CNY`, currency: 'CNY', items: [], nextCursor: null });

    const out = await topUp(alice, '4990');
    expect(out).toMatchObject({ amount: '4990', currency: 'CNY', balance: { posted: '4990', available: '4990', pending: '0' } });
    await topUp(alice, '100000000'); // the per-call limit: 1,000,000.00 CNY
    expect(await balance(alice)).toMatchObject({ posted: '100004990', available: '100004990' });
    expect(await balance(alice, 'USD')).toMatchObject({ posted: '0' });
    await topUp(alice, '250', 'USD');
    expect(await balance(alice, 'USD')).toMatchObject({ currency: 'USD', posted: '250' });

    const st = await statement(alice);
    expect(st.items).toHaveLength(2);
    expect(st.items[1]).toMatchObject({
      transfer: out.transfer, type: 'single', direction: 'in', code: 'dev_top_up', amount: '4990',
      counterparty: systemAccountId('gateway_clearing', 'CNY'), balanceAfter: '4990', memo: null,
    });
    expect(st.items[0]).toMatchObject({ amount: '100000000', balanceAfter: '100004990' });

    // Amounts are decimal strings of minor units and nothing else.
    for (const amountMinor of [4990, '49.90', '-5', '0', '0100', '1e3', '', ' 5', true, null]) {
      expectProblem(await post(alice, '/api/wallet/dev-top-ups', { amountMinor }), 400, 'validation');
    }
    expectProblem(await post(alice, '/api/wallet/dev-top-ups', { amountMinor: '100000001' }), 400, 'wallet.top_up_too_large');
    expectProblem(await post(alice, '/api/wallet/dev-top-ups', { amountMinor: '1', currency: 'XYZ' }), 400, 'money.bad_currency');
    expectProblem(await post(alice, '/api/wallet/dev-top-ups', { amountMinor: '1', extra: 1 }), 400, 'validation');
    expectProblem(await alice.call('POST', '/api/wallet/dev-top-ups', { amountMinor: '1' }), 400, 'idempotency.key_required');
    expect(await balance(alice)).toMatchObject({ posted: '100004990' });

    // The wallet is a buyer's: staff have none, strangers are asked to sign in.
    expectProblem(await admin.call('GET', '/api/wallet'), 403, 'auth.forbidden');
    expectProblem(await post(admin, '/api/wallet/dev-top-ups', { amountMinor: '1' }), 403, 'auth.forbidden');
    expectProblem(await world.anon('GET', '/api/wallet'), 401, 'auth.required');
  });

  it('moves money between two buyers, shows it on both statements and keeps the memo off the ledger', async () => {
    const alice = await world.user('buyer');
    const bob = await world.user('buyer');
    await topUp(alice, '10000');
    const memo = 'dinner at Zhang\'s, table 7';
    const byEmail = expectOk(await send(alice, bob.email.toUpperCase(), '3000', { memo }), 201);
    expect(byEmail).toMatchObject({ from: alice.userId, to: bob.userId, amount: '3000', currency: 'CNY', memo, balance: { posted: '7000', available: '7000' } });
    const byId = expectOk(await send(alice, bob.userId, '500'), 201);
    expect(byId).toMatchObject({ to: bob.userId, memo: null, balance: { available: '6500' } });

    expect(await balance(alice)).toMatchObject({ posted: '6500' });
    expect(await balance(bob)).toMatchObject({ posted: '3500', available: '3500' });
    const aliceWallet = ownedAccountId('buyer_wallet', alice.userId);
    const bobWallet = ownedAccountId('buyer_wallet', bob.userId);
    const sent = (await statement(alice)).items;
    expect(sent.slice(0, 2)).toMatchObject([
      { transfer: byId.transfer, direction: 'out', amount: '500', code: 'p2p_transfer', counterparty: bobWallet, balanceAfter: '6500', memo: null },
      { transfer: byEmail.transfer, direction: 'out', amount: '3000', counterparty: bobWallet, balanceAfter: '7000', memo },
    ]);
    expect((await statement(bob)).items).toMatchObject([
      { transfer: byId.transfer, direction: 'in', amount: '500', counterparty: aliceWallet, balanceAfter: '3500' },
      { transfer: byEmail.transfer, direction: 'in', amount: '3000', counterparty: aliceWallet, balanceAfter: '3000', memo },
    ]);

    // The ledger has the transfer, by account ids; not the memo, not an e-mail.
    const events = await ledgerEvents();
    const entry = events.filter((e) => e.subject.transfer === byEmail.transfer);
    expect(entry).toMatchObject([{ kind: 'money.transfer', actor: alice.userId, subject: { debit: aliceWallet, credit: bobWallet }, data: { amount: '3000', code: 'p2p_transfer' } }]);
    const text = JSON.stringify(events);
    expect(text).not.toContain('Zhang');
    expect(text).not.toContain(bob.email);

    // Refusals: yourself, no such buyer (staff look exactly like nobody), too much.
    expectProblem(await send(alice, alice.email, '1'), 400, 'wallet.self_transfer');
    expectProblem(await send(alice, alice.userId, '1'), 400, 'wallet.self_transfer');
    const staff = expectProblem(await send(alice, admin.email, '1'), 404, 'wallet.recipient_not_found');
    const nobody = expectProblem(await send(alice, 'nobody@example.test', '1'), 404, 'wallet.recipient_not_found');
    expect(staff.detail).toBe(nobody.detail);
    expectProblem(await send(alice, admin.userId, '1'), 404, 'wallet.recipient_not_found');
    expectProblem(await send(alice, bob.userId, '6501'), 409, 'money.insufficient_funds');
    expectProblem(await send(alice, bob.userId, '1', { memo: 'x'.repeat(141) }), 400, 'wallet.bad_memo');
    expectProblem(await send(alice, bob.userId, 1 as unknown as string), 400, 'validation');
    expect(await balance(alice)).toMatchObject({ posted: '6500' });
    expect(await balance(bob)).toMatchObject({ posted: '3500' });
  });

  it('lets exactly ten of twenty concurrent 10.00 transfers out of a 100.00 wallet', async () => {
    const carol = await world.user('buyer');
    const dave = await world.user('buyer');
    await topUp(carol, '10000');
    const results = await Promise.all(Array.from({ length: 20 }, () => send(carol, dave.userId, '1000')));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(10).fill(201), ...Array(10).fill(409)]);
    for (const r of results.filter((x) => x.statusCode === 409)) expectProblem(r, 409, 'money.insufficient_funds');
    expect(await balance(carol)).toMatchObject({ posted: '0', available: '0', pending: '0' });
    expect(await balance(dave)).toMatchObject({ posted: '10000' });
    // The running balance steps down by 10.00 and never goes below zero.
    const st = await statement(carol, '?limit=20');
    expect(st.items.map((l: { balanceAfter: string }) => l.balanceAfter)).toEqual(['0', '1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000', '10000']);
  });

  it('replays a retried transfer instead of repeating it, and refuses a reused key with another body', async () => {
    const erin = await world.user('buyer');
    const frank = await world.user('buyer');
    await topUp(erin, '5000');
    const k = key();
    const first = await send(erin, frank.userId, '1200', { memo: 'rent' }, k);
    expect(first.statusCode, first.body).toBe(201);
    const again = await send(erin, frank.userId, '1200', { memo: 'rent' }, k);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expectProblem(await send(erin, frank.userId, '1300', { memo: 'rent' }, k), 422, 'idempotency.key_reused');
    expect(await balance(erin)).toMatchObject({ posted: '3800' });
    expect(await balance(frank)).toMatchObject({ posted: '1200' });
    expect((await statement(frank)).items).toHaveLength(1);

    // A refusal does not use the key up: after a top-up the same key goes through.
    const k2 = key();
    expectProblem(await send(erin, frank.userId, '4000', {}, k2), 409, 'money.insufficient_funds');
    await topUp(erin, '1000');
    expect((await send(erin, frank.userId, '4000', {}, k2)).statusCode).toBe(201);
    expect(await balance(erin)).toMatchObject({ posted: '800' });
  });

  it('holds a withdrawal until an admin pays it out or rejects it, once', async () => {
    const gina = await world.user('buyer');
    const hank = await world.user('buyer');
    await topUp(gina, '50000');
    const w1 = expectOk(await post(gina, '/api/wallet/withdrawals', { amountMinor: '30000', destination: 'ICBC ****1234' }), 201);
    expect(w1).toMatchObject({ amount: '30000', currency: 'CNY', state: 'requested', destination: 'ICBC ****1234', holdTransfer: `${w1.id}:hold`, resolveTransfer: null, decidedAt: null, reason: null });
    expect(w1).not.toHaveProperty('decidedBy');
    expect(w1).not.toHaveProperty('userId');
    expect(await balance(gina)).toMatchObject({ posted: '50000', pending: '30000', available: '20000' });
    // Held funds cannot be spent again.
    expectProblem(await send(gina, hank.userId, '20001'), 409, 'money.insufficient_funds');
    expectProblem(await post(gina, '/api/wallet/withdrawals', { amountMinor: '20001', destination: 'ICBC ****1234' }), 409, 'money.insufficient_funds');
    expectProblem(await post(gina, '/api/wallet/withdrawals', { amountMinor: '1', destination: '6222020200112233445' }), 400, 'wallet.bad_destination');

    // Who may see and decide: the owner sees it; another buyer gets 404; buyers and auditors cannot decide.
    expect(expectOk(await gina.call('GET', `/api/wallet/withdrawals/${w1.id}`))).toEqual(w1);
    expectProblem(await hank.call('GET', `/api/wallet/withdrawals/${w1.id}`), 404, 'not_found');
    expect(expectOk(await hank.call('GET', '/api/wallet/withdrawals')).items).toEqual([]);
    expectProblem(await hank.call('GET', '/api/admin/withdrawals'), 403, 'auth.forbidden');
    expectProblem(await post(hank, `/api/admin/withdrawals/${w1.id}/approve`, {}), 403, 'auth.forbidden');
    expectProblem(await post(gina, `/api/admin/withdrawals/${w1.id}/approve`, {}), 403, 'auth.forbidden');
    expectProblem(await post(auditor, `/api/admin/withdrawals/${w1.id}/approve`, {}), 403, 'auth.forbidden');
    expectProblem(await post(auditor, `/api/admin/withdrawals/${w1.id}/reject`, { reason: 'no' }), 403, 'auth.forbidden');
    const queue = expectOk(await auditor.call('GET', '/api/admin/withdrawals?state=requested&limit=200'));
    expect(queue.items.find((w: { id: string }) => w.id === w1.id)).toMatchObject({ userId: gina.userId, state: 'requested', decidedBy: null });

    expectProblem(await post(admin, `/api/admin/withdrawals/${w1.id}/approve`, { amountMinor: '1' }), 400, 'validation');
    // No body at all is fine too.
    const paid = expectOk(await admin.call('POST', `/api/admin/withdrawals/${w1.id}/approve`, undefined, { 'idempotency-key': key() }));
    expect(paid).toMatchObject({ id: w1.id, userId: gina.userId, state: 'paid', resolveTransfer: `${w1.id}:post`, decidedBy: admin.userId, reason: null });
    expect(await balance(gina)).toMatchObject({ posted: '20000', pending: '0', available: '20000' });
    expectProblem(await post(admin, `/api/admin/withdrawals/${w1.id}/approve`, {}), 409, 'wallet.withdrawal_decided');
    expectProblem(await post(admin, `/api/admin/withdrawals/${w1.id}/reject`, { reason: 'changed my mind' }), 409, 'wallet.withdrawal_decided');
    expect(await balance(gina)).toMatchObject({ posted: '20000', available: '20000' });

    const w2 = expectOk(await post(gina, '/api/wallet/withdrawals', { amountMinor: '15000', destination: 'ICBC ****1234' }), 201);
    expect(await balance(gina)).toMatchObject({ available: '5000', pending: '15000' });
    const rejected = expectOk(await post(admin, `/api/admin/withdrawals/${w2.id}/reject`, { reason: 'the account name does not match' }));
    expect(rejected).toMatchObject({ state: 'rejected', resolveTransfer: `${w2.id}:void`, reason: 'the account name does not match' });
    expect(await balance(gina)).toMatchObject({ posted: '20000', pending: '0', available: '20000' });
    expectProblem(await post(admin, `/api/admin/withdrawals/${w2.id}/reject`, { reason: 'again' }), 409, 'wallet.withdrawal_decided');
    expectProblem(await post(admin, `/api/admin/withdrawals/${w2.id}/approve`, {}), 409, 'wallet.withdrawal_decided');
    expectProblem(await post(admin, '/api/admin/withdrawals/wdr_00000000000000000000000000000000/approve', {}), 404, 'not_found');

    // The owner's list, newest first; the statement shows the hold, its post, and the released hold.
    const mine = expectOk(await gina.call('GET', '/api/wallet/withdrawals'));
    expect(mine.items.map((w: { id: string; state: string }) => [w.id, w.state])).toEqual([[w2.id, 'rejected'], [w1.id, 'paid']]);
    const lines = (await statement(gina)).items.map((l: { transfer: string; type: string; code: string; pendingStatus: string | null }) => [l.transfer, l.type, l.code, l.pendingStatus]);
    expect(lines.slice(0, 4)).toEqual([
      [`${w2.id}:void`, 'void', 'withdrawal', null],
      [`${w2.id}:hold`, 'pending', 'withdrawal', 'voided'],
      [`${w1.id}:post`, 'post', 'withdrawal', null],
      [`${w1.id}:hold`, 'pending', 'withdrawal', 'posted'],
    ]);
    const paidList = expectOk(await auditor.call('GET', '/api/admin/withdrawals?state=paid&limit=200'));
    expect(paidList.items.map((w: { id: string }) => w.id)).toContain(w1.id);
    expect(paidList.items.every((w: { state: string }) => w.state === 'paid')).toBe(true);
    // The ledger names the withdrawal's transfers and the deciding admin, not the destination or the reason.
    const text = JSON.stringify(await ledgerEvents());
    expect(text).not.toContain('****1234');
    expect(text).not.toContain('does not match');
  });

  it('decides a withdrawal exactly once when admins race', async () => {
    const ivan = await world.user('buyer');
    await topUp(ivan, '1000');
    const w = expectOk(await post(ivan, '/api/wallet/withdrawals', { amountMinor: '1000', destination: 'BOC ****9876' }), 201);
    const results: LightMyRequestResponse[] = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? post(admin, `/api/admin/withdrawals/${w.id}/reject`, { reason: 'race' }) : post(admin, `/api/admin/withdrawals/${w.id}/approve`, {}))),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) expectProblem(r, 409, 'wallet.withdrawal_decided');
    const state = ok[0]!.json().state;
    expect(await balance(ivan)).toMatchObject(state === 'paid' ? { posted: '0', pending: '0' } : { posted: '1000', available: '1000' });
  });

  it('pages statements and withdrawal lists with opaque cursors', async () => {
    const judy = await world.user('buyer');
    for (let i = 1; i <= 5; i++) await topUp(judy, String(i * 100));
    const amounts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { amount: string }[]; nextCursor: string | null } = await statement(judy, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      amounts.push(...page.items.map((l) => l.amount));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(amounts).toEqual(['500', '400', '300', '200', '100']);
    expectProblem(await judy.call('GET', '/api/wallet/statement?cursor=12'), 400, 'wallet.bad_cursor');
    expectProblem(await judy.call('GET', '/api/wallet/statement?limit=201'), 400, 'validation');

    for (let i = 0; i < 3; i++) await post(judy, '/api/wallet/withdrawals', { amountMinor: '10', destination: 'ICBC ****0001' });
    const first = expectOk(await judy.call('GET', '/api/wallet/withdrawals?limit=2'));
    expect(first.items).toHaveLength(2);
    const rest = expectOk(await judy.call('GET', `/api/wallet/withdrawals?limit=2&cursor=${first.nextCursor}`));
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.items, ...rest.items].map((w: { id: string }) => w.id)).size).toBe(3);
    for (const w of [...first.items, ...rest.items]) await post(admin, `/api/admin/withdrawals/${w.id}/reject`, { reason: 'test' });
  });

  it('shows merchant staff their merchant\'s receivable, and only theirs', async () => {
    const merchantId = `m_${n++}_${Date.now()}`;
    const staff = await world.user('merchant_staff', { merchantId });
    const other = await world.user('merchant_staff', { merchantId: `${merchantId}_other` });
    const buyer = await world.user('buyer');
    expect(expectOk(await staff.call('GET', '/api/merchant/balance'))).toMatchObject({ account: `merchant_receivable:${merchantId}:CNY`, posted: '0' });
    await topUp(buyer, '2000');
    // What checkout and settlement will do: buyer → escrow → the merchant's receivable.
    const { app } = world;
    await app.db.kysely.transaction().execute(async (trx) => {
      const wallet = await app.wallet.ensureWallet(trx, buyer.userId);
      const receivable = await app.wallet.ensureReceivable(trx, merchantId, 'CNY');
      expect(receivable).toBe(app.wallet.merchantReceivableId(merchantId, 'CNY'));
      await app.money.transfer(trx, { id: `test_pay_${merchantId}`, debit: wallet, credit: systemAccountId('platform_escrow'), amount: 1500n, currency: 'CNY', code: 'order_payment' });
      await app.money.transfer(trx, { id: `test_settle_${merchantId}`, debit: systemAccountId('platform_escrow'), credit: receivable, amount: 1500n, currency: 'CNY', code: 'settlement' });
    });
    expect(expectOk(await staff.call('GET', '/api/merchant/balance?currency=CNY'))).toMatchObject({ posted: '1500', available: '1500' });
    expect(expectOk(await staff.call('GET', '/api/merchant/statement')).items).toMatchObject([
      { transfer: `test_settle_${merchantId}`, direction: 'in', amount: '1500', code: 'settlement', counterparty: systemAccountId('platform_escrow'), balanceAfter: '1500' },
    ]);
    expect(expectOk(await other.call('GET', '/api/merchant/balance'))).toMatchObject({ posted: '0' });
    expect(expectOk(await other.call('GET', '/api/merchant/statement')).items).toEqual([]);
    expectProblem(await buyer.call('GET', '/api/merchant/balance'), 403, 'auth.forbidden');
    expectProblem(await admin.call('GET', '/api/merchant/statement'), 403, 'auth.forbidden');
    expect(await balance(buyer)).toMatchObject({ posted: '500' });
  });

  it('voids expired pending transfers from a background job', async () => {
    const kim = await world.user('buyer');
    await topUp(kim, '700');
    const { app } = world;
    const hold = `test_hold_${kim.userId}`;
    await app.db.kysely.transaction().execute((trx) =>
      app.money.transfer(trx, { id: hold, debit: app.wallet.walletId(kim.userId), credit: systemAccountId('platform_escrow'), amount: 600n, currency: 'CNY', pending: true, timeoutAt: new Date(Date.now() - 1000) }),
    );
    expect(await balance(kim)).toMatchObject({ available: '100', pending: '600' });
    const job = moneyExpiryJob(app.db.kysely, app.money);
    expect(job.name).toBe('money.expire_pending');
    expect(await job.tick(new Date())).toBeGreaterThanOrEqual(1);
    expect(await balance(kim)).toMatchObject({ posted: '700', available: '700', pending: '0' });
    expect(await job.tick(new Date())).toBe(0);
  });

  it('answers 404 for the development top-up when it is switched off', async () => {
    const off = await startWorld(backend, { devTopUp: false });
    try {
      const lee = await off.user('buyer');
      expectProblem(await lee.call('POST', '/api/wallet/dev-top-ups', { amountMinor: '100' }, { 'idempotency-key': key() }), 404, 'not_found');
      expect(expectOk(await lee.call('GET', '/api/wallet'))).toMatchObject({ posted: '0' });
      const count = await off.app.db.kysely.selectFrom('money_transfer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(0);
      await off.checkInvariants();
    } finally {
      await off.close();
    }
  });
});
