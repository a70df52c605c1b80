import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { commitment as ledgerCommitment, toEvent } from '../src/ledger/index.ts';
import { DomainError } from '../src/shared/index.ts';
import {
  addressCommitment, addressProblem, canonicalOrder, commitAddress, commitOrder, computeTotals, createOrder, orderCommitment, orderDocumentProblem, orderInit, orderNumber,
  verifyAddressCommitment, verifyOrderCommitment, type OrderDocument, type OrderLine, type ShippingAddress,
} from '../src/orders/index.ts';

const T0 = new Date('2026-11-25T10:00:00.000Z');

const ADDR: ShippingAddress = { recipient: 'Li Lei', phone: '+86 138 0000 0000', country: 'CN', region: 'Zhejiang', city: 'Hangzhou', line1: '18 Wensan Road', postalCode: '310012' };
const ADDR_SALT = Buffer.alloc(32, 9).toString('base64url');

const line = (sku: string, name: string, qty: number, unitPriceMinor: string): OrderLine => ({ sku, name, qty, unitPriceMinor, currency: 'CNY' });

function makeDoc(items: OrderLine[] = [line('TEA-001', 'Longjing green tea 250 g', 2, '4990'), line('CUP-9', 'Celadon cup', 1, '1500')]): OrderDocument {
  return {
    v: 2,
    orderId: 'ord-1',
    number: orderNumber(T0, { sequence: 42n }),
    buyerId: 'buyer-1',
    merchantId: 'merchant-1',
    placedAt: T0.toISOString(),
    paymentMode: 'prepaid',
    currency: 'CNY',
    items,
    totals: computeTotals(items, '1000', '500'),
    shippingAddressCommitment: addressCommitment(ADDR, ADDR_SALT),
  };
}

const clone = <T>(x: T): T => structuredClone(x);

/** A copy with the totals recomputed, so that it stays a valid document. */
function retotal(d: OrderDocument): OrderDocument {
  return { ...d, totals: computeTotals(d.items, d.totals.shippingMinor, d.totals.discountMinor) };
}

describe('order document', () => {
  it('totals are integer minor units: Σ qty × price + shipping − discount', () => {
    expect(makeDoc().totals).toEqual({ itemsMinor: '11480', shippingMinor: '1000', discountMinor: '500', totalMinor: '11980' });
    expect(() => computeTotals([line('A', 'a', 1, '100')], '0', '101')).toThrow(DomainError);
  });

  it('is canonicalised with RFC 8785: key order does not matter, the bytes are fixed', () => {
    const doc = makeDoc();
    const shuffled = Object.fromEntries(Object.entries(doc).reverse()) as unknown as OrderDocument;
    expect(canonicalOrder(shuffled)).toBe(canonicalOrder(doc));
    expect(canonicalOrder(doc)).toBe(
      '{"buyerId":"buyer-1","currency":"CNY","items":[{"currency":"CNY","name":"Longjing green tea 250 g","qty":2,"sku":"TEA-001","unitPriceMinor":"4990"},' +
        '{"currency":"CNY","name":"Celadon cup","qty":1,"sku":"CUP-9","unitPriceMinor":"1500"}],"merchantId":"merchant-1","number":"' + doc.number + '",' +
        '"orderId":"ord-1","paymentMode":"prepaid","placedAt":"2026-11-25T10:00:00.000Z","shippingAddressCommitment":"' + doc.shippingAddressCommitment + '",' +
        '"totals":{"discountMinor":"500","itemsMinor":"11480","shippingMinor":"1000","totalMinor":"11980"},"v":2}',
    );
  });

  it('refuses documents that do not add up or are not exact', () => {
    const bad: [string, (d: OrderDocument) => unknown][] = [
      ['total', (d) => ({ ...d, totals: { ...d.totals, totalMinor: '11981' } })],
      ['items sum', (d) => ({ ...d, totals: { ...d.totals, itemsMinor: '1' } })],
      ['line currency', (d) => ({ ...d, items: [{ ...d.items[0]!, currency: 'USD' }, d.items[1]] })],
      ['float price', (d) => ({ ...d, items: [{ ...d.items[0]!, unitPriceMinor: '49.90' }, d.items[1]] })],
      ['negative price', (d) => ({ ...d, items: [{ ...d.items[0]!, unitPriceMinor: '-4990' }, d.items[1]] })],
      ['number price', (d) => ({ ...d, items: [{ ...d.items[0]!, unitPriceMinor: 4990 }, d.items[1]] })],
      ['zero qty', (d) => ({ ...d, items: [{ ...d.items[0]!, qty: 0 }] })],
      ['fractional qty', (d) => ({ ...d, items: [{ ...d.items[0]!, qty: 1.5 }] })],
      ['no items', (d) => ({ ...d, items: [] })],
      ['unknown field', (d) => ({ ...d, note: 'leave at the door' })],
      ['clear address', (d) => ({ ...d, shippingAddress: ADDR })],
      ['address commitment', (d) => ({ ...d, shippingAddressCommitment: d.shippingAddressCommitment.toUpperCase() })],
      ['no address commitment', (d) => ({ ...d, shippingAddressCommitment: undefined })],
      ['version', (d) => ({ ...d, v: 1 })],
      ['order number', (d) => ({ ...d, number: 'CM-1' })],
      ['time', (d) => ({ ...d, placedAt: '2026-11-25 10:00' })],
      ['mode', (d) => ({ ...d, paymentMode: 'cod' })],
      ['multi-line name', (d) => ({ ...d, items: [{ ...d.items[0]!, name: 'tea\n' }, d.items[1]] })],
    ];
    for (const [why, f] of bad) {
      const d = f(makeDoc());
      expect(orderDocumentProblem(d), why).not.toBeNull();
      expect(() => commitOrder(d as OrderDocument), why).toThrow(DomainError);
      expect(verifyOrderCommitment(d, 'A'.repeat(43), '0'.repeat(64)), why).toBe(false);
    }
    expect(orderDocumentProblem(makeDoc())).toBeNull();
  });
});

describe('order commitment', () => {
  it('commits with a fresh 32-byte salt and verifies', () => {
    const doc = makeDoc();
    const c = commitOrder(doc);
    expect(c.salt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(c.salt, 'base64url')).toHaveLength(32);
    expect(c.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyOrderCommitment(doc, c.salt, c.commitment)).toBe(true);
    expect(verifyOrderCommitment(clone(doc), c.salt, c.commitment)).toBe(true);
    // Hiding: the same document commits differently each time.
    const again = commitOrder(doc);
    expect(again.salt).not.toBe(c.salt);
    expect(again.commitment).not.toBe(c.commitment);
  });

  it('is the ledger commitment(value, salt) of the canonical document, so one verifier serves both', () => {
    const doc = makeDoc();
    const salt = Buffer.alloc(32, 7).toString('base64url');
    expect(orderCommitment(doc, salt)).toBe(ledgerCommitment(canonicalOrder(doc), salt));
    expect(() => orderCommitment(doc, 'short')).toThrow(DomainError);
  });

  it('any change to one field, one item, the salt or the commitment fails', () => {
    const doc = makeDoc();
    const { salt, commitment } = commitOrder(doc);
    const changed: [string, OrderDocument][] = [
      ['orderId', { ...doc, orderId: 'ord-2' }],
      ['buyerId', { ...doc, buyerId: 'buyer-2' }],
      ['merchantId', { ...doc, merchantId: 'merchant-2' }],
      ['number', { ...doc, number: orderNumber(T0, { sequence: 43n }) }],
      ['placedAt', { ...doc, placedAt: '2026-11-25T10:00:01.000Z' }],
      ['paymentMode', { ...doc, paymentMode: 'pay_on_receipt' }],
      ['item qty', retotal({ ...doc, items: [{ ...doc.items[0]!, qty: 3 }, doc.items[1]!] })],
      ['item price', retotal({ ...doc, items: [{ ...doc.items[0]!, unitPriceMinor: '4991' }, doc.items[1]!] })],
      ['item name', { ...doc, items: [{ ...doc.items[0]!, name: 'Longjing green tea 500 g' }, doc.items[1]!] }],
      ['item sku', { ...doc, items: [{ ...doc.items[0]!, sku: 'TEA-002' }, doc.items[1]!] }],
      ['item order', { ...doc, items: [doc.items[1]!, doc.items[0]!] }],
      ['item removed', retotal({ ...doc, items: [doc.items[0]!] })],
      ['shipping', retotal({ ...doc, totals: { ...doc.totals, shippingMinor: '1001' } })],
      ['discount', retotal({ ...doc, totals: { ...doc.totals, discountMinor: '0' } })],
      ['address', { ...doc, shippingAddressCommitment: addressCommitment({ ...ADDR, recipient: 'Han Meimei' }, ADDR_SALT) }],
    ];
    for (const [what, d] of changed) {
      expect(orderDocumentProblem(d), what).toBeNull(); // still a valid document: the commitment is what fails
      expect(verifyOrderCommitment(d, salt, commitment), what).toBe(false);
    }
    const flip = (s: string, i: number, alphabet: string) => s.slice(0, i) + alphabet[(alphabet.indexOf(s[i]!) + 1) % alphabet.length] + s.slice(i + 1);
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < salt.length - 1; i++) expect(verifyOrderCommitment(doc, flip(salt, i, B64URL), commitment), `salt[${i}]`).toBe(false);
    for (let i = 0; i < 64; i++) expect(verifyOrderCommitment(doc, salt, flip(commitment, i, '0123456789abcdef')), `commitment[${i}]`).toBe(false);
    expect(verifyOrderCommitment(doc, salt, commitment.toUpperCase())).toBe(false);
    expect(verifyOrderCommitment(doc, `${salt}=`, commitment)).toBe(false);
    expect(verifyOrderCommitment(doc, salt, commitment)).toBe(true);
  });

  it('the last salt symbol carries 2 spare bits: only its canonical spelling is accepted', () => {
    const doc = makeDoc();
    const { salt, commitment } = commitOrder(doc);
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = B64URL.indexOf(salt.at(-1)!);
    for (let v = 0; v < 64; v++) {
      if (v === last) continue;
      expect(verifyOrderCommitment(doc, salt.slice(0, -1) + B64URL[v], commitment)).toBe(false);
    }
  });

  const docArb = fc
    .record({
      items: fc.array(
        fc.record({
          sku: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,11}$/),
          name: fc.string({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/\p{Cc}/gu, 'x').trim() || 'x'),
          qty: fc.integer({ min: 1, max: 1000 }),
          unitPriceMinor: fc.bigInt({ min: 0n, max: 10n ** 9n }).map(String),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      shipping: fc.bigInt({ min: 0n, max: 10n ** 6n }).map(String),
      recipient: fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/\p{Cc}/gu, 'x').trim() || 'x'),
      mode: fc.constantFrom('prepaid' as const, 'pay_on_receipt' as const),
    })
    .map(({ items, shipping, recipient, mode }) => {
      const lines = items.map((i) => ({ ...i, currency: 'CNY' }));
      const d = makeDoc(lines);
      return { ...d, paymentMode: mode, totals: computeTotals(lines, shipping, '0'), shippingAddressCommitment: addressCommitment({ ...ADDR, recipient }, ADDR_SALT) };
    });

  it('property: every valid document verifies; any single mutation does not', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.nat(), (doc, which, where) => {
        expect(orderDocumentProblem(doc)).toBeNull();
        const { salt, commitment } = commitOrder(doc);
        expect(verifyOrderCommitment(JSON.parse(JSON.stringify(doc)), salt, commitment)).toBe(true);
        const k = where % doc.items.length;
        const item = doc.items[k]!;
        const withItem = (i: OrderLine) => retotal({ ...doc, items: doc.items.map((x, n) => (n === k ? i : x)) });
        const mutations: (() => [OrderDocument, string, string])[] = [
          () => [withItem({ ...item, qty: item.qty + 1 }), salt, commitment],
          () => [withItem({ ...item, unitPriceMinor: (BigInt(item.unitPriceMinor) + 1n).toString() }), salt, commitment],
          () => [withItem({ ...item, name: `${item.name}!` }), salt, commitment],
          () => [withItem({ ...item, sku: `${item.sku}X` }), salt, commitment],
          () => [{ ...doc, shippingAddressCommitment: commitAddress({ ...ADDR, recipient: `${ADDR.recipient}.` }).commitment }, salt, commitment],
          () => [{ ...doc, merchantId: 'merchant-9' }, salt, commitment],
          () => [retotal({ ...doc, totals: { ...doc.totals, shippingMinor: (BigInt(doc.totals.shippingMinor) + 1n).toString() } }), salt, commitment],
          () => [doc, commitOrder(doc).salt, commitment],
          () => [doc, salt, commitOrder(doc).commitment],
        ];
        const [d, s, c] = mutations[which % mutations.length]!();
        expect(orderDocumentProblem(d)).toBeNull();
        expect(verifyOrderCommitment(d, s, c)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('property: verify never throws on garbage', () => {
    const { salt, commitment } = commitOrder(makeDoc());
    fc.assert(
      fc.property(fc.anything(), fc.oneof(fc.string(), fc.constant(salt), fc.anything()), fc.oneof(fc.string(), fc.constant(commitment), fc.anything()), (d, s, c) => {
        expect(verifyOrderCommitment(d, s, c)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('shipping address commitment', () => {
  it('is exact about the address, and any change to a field or the salt fails', () => {
    const { addressSalt, commitment } = commitAddress(ADDR);
    expect(verifyAddressCommitment(ADDR, addressSalt, commitment)).toBe(true);
    expect(verifyAddressCommitment(structuredClone(ADDR), addressSalt, commitment)).toBe(true);
    const changed: [string, unknown][] = [
      ['recipient', { ...ADDR, recipient: 'Han Meimei' }],
      ['line2 added', { ...ADDR, line2: 'Room 1' }],
      ['postal code removed', { ...ADDR, postalCode: undefined }],
      ['phone', { ...ADDR, phone: '+86 138 0000 0001' }],
    ];
    for (const [what, a] of changed) expect(verifyAddressCommitment(a, addressSalt, commitment), what).toBe(false);
    expect(verifyAddressCommitment(ADDR, commitAddress(ADDR).addressSalt, commitment)).toBe(false);
    const bad: [string, unknown][] = [
      ['unknown field', { ...ADDR, email: 'li@example.cn' }],
      ['missing phone', { ...ADDR, phone: undefined }],
      ['country', { ...ADDR, country: 'China' }],
      ['multi-line', { ...ADDR, line1: 'a\nb' }],
    ];
    for (const [what, a] of bad) {
      expect(addressProblem(a), what).not.toBeNull();
      expect(() => addressCommitment(a as ShippingAddress, addressSalt), what).toThrow(DomainError);
      expect(verifyAddressCommitment(a, addressSalt, commitment), what).toBe(false);
    }
  });
});

describe('order document → ledger', () => {
  it('the order.created entry carries ids, amounts and the commitment, and no personal data', () => {
    const doc = makeDoc();
    const { salt, commitment } = commitOrder(doc);
    const { next, event } = createOrder(orderInit(doc, commitment), T0);
    expect(next).toMatchObject({ id: 'ord-1', totalMinor: 11980n, currency: 'CNY', mode: 'prepaid', commitment });
    expect(event.data).toMatchObject({ orderId: 'ord-1', totalMinor: '11980', currency: 'CNY', commitment, number: doc.number });
    const entry = toEvent({ kind: event.kind, actor: 'buyer:buyer-1', subject: event.subject, data: event.data, at: T0.toISOString() });
    const text = JSON.stringify(entry);
    // Whole values: a short digit run like 138 can occur by chance in the hex of ids and hashes.
    for (const secret of ['Li Lei', '+86 138 0000 0000', '138 0000 0000', 'Wensan', 'Hangzhou', '310012', 'Longjing', 'Celadon', salt]) expect(text).not.toContain(secret);
    // The receipt (doc + salt) proves what the entry committed to.
    expect(verifyOrderCommitment(doc, salt, entry.data['commitment'])).toBe(true);
  });
});
