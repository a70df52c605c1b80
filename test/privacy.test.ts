// Privacy through the HTTP API on SQLite and PostgreSQL: consent as ledger entries, personal data
// encrypted at rest with a per-user key, every staff read of an address in the ledger, export, and
// erasure by crypto-shredding that leaves orders, settlement and the ledger verifiable.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { parseEntry, type LedgerEvent } from '../src/ledger/index.ts';
import { verifyOrderReceipt } from '../src/orders/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, expectProblem, startWorld, type Caller, type World } from './helpers/world.ts';

const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const DAY = 86_400_000;
const ERASE = { confirm: 'erase my personal data' };

/** Every stored value of every table, as text (blobs decoded as UTF-8): what someone with the database files could read. */
async function storedText(app: App): Promise<string> {
  const db = app.db.kysely;
  const tables = app.db.dialect === 'sqlite'
    ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)).rows.map((r) => r.name)
    : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
  expect(tables).toContain('orders_order');
  const parts: string[] = [];
  for (const t of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(db)).rows;
    for (const r of rows) for (const v of Object.values(r)) parts.push(v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));
  }
  return parts.join('\n');
}

/** The ledger's entries of a kind, parsed, once integrated. */
async function entries(app: App, kind: string): Promise<LedgerEvent[]> {
  await app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: randomBytes(4).toString('hex') } }]);
  const rows = await app.db.kysely.selectFrom('ledger_entry').select('body').orderBy('idx').execute();
  return rows.map((r) => parseEntry(Buffer.from(r.body))).filter((e) => e.kind === kind);
}

describe.each(backends())('privacy on $name', (backend) => {
  let w: World;
  let admin: Caller;
  let staff: Caller;
  let merchantId: string;
  let locationId: string;

  const post = (c: Caller, url: string, body: unknown = {}) => c.call('POST', url, body, key());

  async function variant(price: number): Promise<string> {
    const p = await w.app.catalog.createProduct(merchantId, 'system', {
      title: `Teapot ${randomBytes(3).toString('hex')}`, description: 'Yixing clay', status: 'active',
      variants: [{ sku: `SKU-${randomBytes(4).toString('hex')}`, title: 'Standard', priceMinor: price }],
    });
    const v = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId }, { variantId: v, locationId, onHand: 20 });
    return v;
  }

  const fund = (b: Caller, amount: bigint) => w.fund(b.userId, amount);

  beforeAll(async () => {
    w = await startWorld(backend);
    admin = await w.user('admin');
    merchantId = (await w.app.catalog.createMerchant('system', { name: 'Tea House', commissionBps: 500 })).id;
    staff = await w.user('merchant_staff', { merchantId });
    locationId = (await w.app.inventory.createLocation({ userId: staff.userId, merchantId }, { name: 'Shanghai', code: 'SH1' })).id;
  });
  afterEach(async () => {
    await w.checkInvariants();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('consent: an anonymous visitor has made no choice until they do; each change is a consent.* entry keyed by pseudonym, provable by leaf index', async () => {
    const before = expectOk(await w.anon('GET', '/api/privacy/consent'));
    expect(before.choiceMade).toBe(false);
    expect(Object.values(before.purposes).every((p) => !(p as { granted: boolean }).granted)).toBe(true);

    const first = await w.anon('PUT', '/api/privacy/consent', { analytics: true, personalisation: false, marketing: false });
    const chosen = expectOk(first);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^cm_visitor=vis_[0-9a-f]{32}$/);
    expect(chosen).toMatchObject({ choiceMade: true, purposes: { analytics: { granted: true }, personalisation: { granted: false } } });
    const again = expectOk(await w.anon('GET', '/api/privacy/consent', undefined, { cookie }));
    expect(again.pseudonym).toBe(chosen.pseudonym);

    const b = await w.user('buyer');
    const granted = expectOk(await b.call('PUT', '/api/privacy/consent', { analytics: true, personalisation: true }));
    expect(granted.pseudonym).toMatch(/^ps1_[0-9a-f]{32}$/);
    // The same choice again changes nothing and logs nothing.
    expectOk(await b.call('PUT', '/api/privacy/consent', { analytics: true }));
    expectOk(await b.call('PUT', '/api/privacy/consent', { personalisation: false }));
    const history = expectOk(await b.call('GET', '/api/privacy/consent/history')).items as { purpose: string; granted: boolean; leafIndex: number | null; pseudonym: string }[];
    expect(history.map((h) => [h.purpose, h.granted])).toEqual([['analytics', true], ['personalisation', true], ['personalisation', false]]);

    const logged = (await entries(w.app, 'consent.granted')).concat(await entries(w.app, 'consent.withdrawn'));
    const mine = logged.filter((e) => e.subject['pseudonym'] === granted.pseudonym);
    expect(mine.map((e) => [e.kind, e.data['purpose']])).toEqual([['consent.granted', 'analytics'], ['consent.granted', 'personalisation'], ['consent.withdrawn', 'personalisation']]);
    // Pseudonymous: the user id appears nowhere in these entries.
    for (const e of mine) expect(JSON.stringify(e)).not.toContain(b.userId);
    // Each change is provable: the receipt at its leaf index holds exactly that entry.
    for (const h of history) {
      await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: 'x' } }]);
      const idx = h.leafIndex ?? expectOk(await b.call('GET', '/api/privacy/consent/history')).items.find((x: { purpose: string; granted: boolean }) => x.purpose === h.purpose && x.granted === h.granted).leafIndex;
      const receipt = expectOk(await w.anon('GET', `/api/ledger/entries/${idx}/receipt`));
      expect(parseEntry(Buffer.from(receipt.entry, 'base64')).subject['pseudonym']).toBe(granted.pseudonym);
    }
    expectProblem(await b.call('PUT', '/api/privacy/consent', { tracking: true }), 400);
    expectProblem(await b.call('PUT', '/api/privacy/consent', {}), 400);
  });

  it('a rotated pseudonym key gives new pseudonyms; only an admin rotates it', async () => {
    const b = await w.user('buyer');
    const before = expectOk(await b.call('GET', '/api/privacy/consent')).pseudonym as string;
    expectProblem(await b.call('POST', '/api/admin/privacy/pseudonym-key'), 403);
    const { version } = expectOk(await admin.call('POST', '/api/admin/privacy/pseudonym-key'));
    expect(version).toBeGreaterThanOrEqual(2);
    const after = (await w.app.privacy.pseudonym({ userId: b.userId })).pseudonym;
    expect(after).not.toBe(before);
    expect(after.startsWith(`ps${version}_`)).toBe(true);
    expect(await w.app.privacy.pseudonyms({ userId: b.userId })).toEqual(expect.arrayContaining([before, after]));
    // Once the retention has passed, the retired key goes: old pseudonyms can no longer be linked to anyone.
    expect(await w.app.privacy.purgeRetiredKeys(new Date(), 180)).toBe(0);
    expect(await w.app.privacy.purgeRetiredKeys(new Date(Date.now() + 181 * DAY), 180)).toBeGreaterThanOrEqual(1);
    expect(await w.app.privacy.pseudonyms({ userId: b.userId })).toEqual([after]);
  });

  it('personal data is encrypted at rest, staff reads are logged, export has it all, and erasure shreds it while orders, settlement and the ledger verify', async () => {
    const email = `li.lei.${randomBytes(4).toString('hex')}@example.cn`;
    const b = await w.user('buyer', { email });
    const secrets = {
      name: `Li Lei ${randomBytes(3).toString('hex')}`,
      phone: `+86 139 ${String(1000_0000 + (randomBytes(3).readUIntBE(0, 3) % 8999_9999)).slice(0, 4)} ${randomBytes(2).readUInt16BE(0) % 9000 + 1000}`,
      street: `${randomBytes(2).readUInt16BE(0) % 900 + 100} Wensan Road ${randomBytes(3).toString('hex')}`,
    };
    const address = { recipient: secrets.name, phone: secrets.phone, country: 'CN', city: 'Hangzhou', line1: secrets.street };
    expectOk(await b.call('PATCH', '/api/me/profile', { name: secrets.name, phone: secrets.phone, addresses: [{ label: 'home', ...address }] }));
    expect(expectOk(await b.call('GET', '/api/me/profile'))).toMatchObject({ name: secrets.name, phone: secrets.phone, addresses: [{ label: 'home', line1: secrets.street }] });
    expectProblem(await b.call('PATCH', '/api/me/profile', { phone: 'call me' }), 400);

    const v = await variant(12_000);
    await fund(b, 12_000n);
    const order = expectOk(await post(b, '/api/checkout', { items: [{ variantId: v, qty: 1 }], shippingAddress: address }), 201).orders[0];
    expect(order.shippingAddress).toEqual(address);

    // At rest: not one personal value in clear anywhere in the database.
    let stored = await storedText(w.app);
    for (const s of [email, secrets.name, secrets.phone, secrets.street]) expect(stored).not.toContain(s);

    // The merchant reads the address to ship: a pii.accessed entry names who, whose and why.
    const asMerchant = expectOk(await staff.call('GET', `/api/orders/${order.id}`));
    expect(asMerchant.shippingAddress).toEqual(address);
    const asAdminOrder = expectOk(await admin.call('GET', `/api/orders/${order.id}`));
    expect(asAdminOrder.shippingAddress).toBeUndefined();
    const supportRead = expectOk(await admin.call('GET', `/api/admin/users/${b.userId}/profile?purpose=support`));
    expect(supportRead.phone).toBe(secrets.phone);
    expectProblem(await admin.call('GET', `/api/admin/users/${b.userId}/profile`), 400);
    expectProblem(await staff.call('GET', `/api/admin/users/${b.userId}/profile?purpose=support`), 403);
    const accessed = (await entries(w.app, 'pii.accessed')).filter((e) => e.subject['user'] === b.userId);
    expect(accessed.map((e) => [e.actor, e.data['purpose'], e.subject['ref'] ?? null])).toEqual([
      [staff.userId, 'fulfilment', `order:${order.id}`],
      [admin.userId, 'support', null],
    ]);

    // Erasure waits while the order is open.
    expectProblem(await post(b, '/api/me/erasure', ERASE), 409, 'privacy.orders_open');
    for (const [t, body] of [['accept', {}], ['allocate', { locationId }], ['ship', { carrier: 'SF', trackingNumber: 'SF1' }], ['deliver', {}]] as const) {
      expectOk(await post(staff, `/api/orders/${order.id}/${t}`, body));
    }
    expectOk(await post(b, `/api/orders/${order.id}/confirm-receipt`));
    await w.app.orders.tick(new Date(Date.now() + 8 * DAY));
    expect(expectOk(await b.call('GET', `/api/orders/${order.id}`)).state).toBe('completed');
    const receiptBefore = expectOk(await b.call('GET', `/api/orders/${order.id}/receipt`));
    const verdictBefore = verifyOrderReceipt(receiptBefore, w.app.verifierKey);
    expect(verdictBefore.checks.find((c) => c.name === 'address-commitment')?.ok).toBe(true);
    expect(verdictBefore.ok).toBe(true);
    expect(verifyOrderReceipt({ ...receiptBefore, shippingAddress: { ...address, line1: 'elsewhere' } }, w.app.verifierKey).ok).toBe(false);
    expectOk(await post(admin, '/api/admin/settlements', {}), 201);

    // Export: everything, decrypted.
    const exported = await b.call('GET', '/api/me/export');
    expect(exported.headers['content-disposition']).toContain('attachment');
    const data = expectOk(exported);
    expect(data.account.email).toBe(email);
    expect(data.profile.name).toBe(secrets.name);
    expect(data.orders[0]).toMatchObject({ id: order.id, shippingAddress: address });
    expect(data.accessedBy.map((a: { actor: string }) => a.actor)).toEqual([staff.userId, admin.userId]);
    expect(data.wallets).toEqual([{ currency: 'CNY', postedMinor: '0' }]);

    // The e-mail signs in through its blind index until the erasure.
    expect(expectOk(await w.anon('POST', '/api/auth/login', { email: email.toUpperCase(), password: 'correct horse battery' })).user.email).toBe(email);
    // Erasure: refused without the exact words; then done, once.
    expectProblem(await post(b, '/api/me/erasure', { confirm: 'yes' }), 400);
    const erased = expectOk(await post(b, '/api/me/erasure', ERASE));
    expect(erased.userId).toBe(b.userId);
    expectProblem(await admin.call('POST', `/api/admin/users/${b.userId}/erasure`, ERASE, key()), 409, 'privacy.already_erased');

    // Signed out for good; the e-mail no longer signs in.
    expectProblem(await b.call('GET', '/api/me'), 401);
    expectProblem(await w.anon('POST', '/api/auth/login', { email, password: 'correct horse battery' }), 401);
    // No API shows a personal field any more.
    const merchantView = expectOk(await staff.call('GET', `/api/orders/${order.id}`));
    expect(merchantView.shippingAddress).toBeNull();
    expect(merchantView.state).toBe('completed');
    expectProblem(await admin.call('GET', `/api/admin/users/${b.userId}/profile?purpose=support`), 410);
    expect((await w.app.accounts.user(b.userId)).email).toBeNull();
    // And the database holds none of it, while orders and the ledger are intact.
    stored = await storedText(w.app);
    for (const s of [email, secrets.name, secrets.phone, secrets.street]) expect(stored).not.toContain(s);
    expect(await w.app.db.kysely.selectFrom('privacy_data_key').select('user_id').where('user_id', '=', b.userId).executeTakeFirst()).toBeUndefined();

    // The merchant's receipt after erasure: no address, and everything else still verifies.
    const receiptAfter = expectOk(await staff.call('GET', `/api/orders/${order.id}/receipt`));
    expect(receiptAfter.shippingAddress).toBeUndefined();
    const verdictAfter = verifyOrderReceipt(receiptAfter, w.app.verifierKey);
    expect(verdictAfter.ok).toBe(true);
    expect(receiptAfter.commitment).toBe(receiptBefore.commitment);
    // The buyer's receipt from before still proves the address they shipped to.
    expect(verifyOrderReceipt(receiptBefore, w.app.verifierKey).ok).toBe(true);
    const erasures = await entries(w.app, 'privacy.erased');
    expect(erasures.find((e) => e.subject['user'] === b.userId)).toMatchObject({ actor: b.userId, data: { dataKeyDestroyed: true } });
    await w.app.ledger.appendNow([{ kind: 'test.marker', actor: 'test', subject: { m: 'y' } }]);
    expect(expectOk(await admin.call('GET', '/api/admin/reconciliation')).discrepancies).toEqual([]);
  });

  it('erasure waits for the wallet to be empty; only the user or an admin erases', async () => {
    const b = await w.user('buyer');
    const other = await w.user('buyer');
    await fund(b, 500n);
    expectProblem(await post(b, '/api/me/erasure', ERASE), 409, 'privacy.funds_held');
    expectProblem(await post(other, `/api/admin/users/${b.userId}/erasure`, ERASE), 403);
    expectProblem(await post(admin, '/api/admin/users/usr_nobody/erasure', ERASE), 404);
    const c = await w.user('buyer');
    expect(expectOk(await post(admin, `/api/admin/users/${c.userId}/erasure`, ERASE)).userId).toBe(c.userId);
    const entry = (await entries(w.app, 'privacy.erased')).find((e) => e.subject['user'] === c.userId);
    expect(entry).toMatchObject({ actor: admin.userId, data: { requestedBy: 'admin' } });
  });
});
