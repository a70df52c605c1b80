import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { orderNumber, parseOrderNumber, randomOrderNumber } from '../src/orders/index.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const day = new Date('2026-11-25T23:59:59.999Z');

describe('order numbers', () => {
  it('look like CM-<UTC date>-<7 symbols + check> and are stable', () => {
    expect(orderNumber(day, { sequence: 1n })).toBe('CM-20261125-39J8GZPX');
    expect(orderNumber(new Date('2026-11-25T16:30:00.000-08:00'), { sequence: 1n })).toBe('CM-20261126-39J8GZPW'); // the UTC day
    expect(orderNumber(day, { random: new Uint8Array([0, 0, 0, 0, 0]) })).toBe(`CM-20261125-0000000${luhn32('202611250000000')}`);
    for (const n of ['CM-20261125-39J8GZPX', 'CM-20261126-39J8GZPW']) expect(luhn32(n.slice(3, 11) + n.slice(12, 19))).toBe(n.at(-1));
    expect(orderNumber(day, { random: new Uint8Array([255, 255, 255, 255, 255]) })).toMatch(/^CM-20261125-ZZZZZZZ[0-9A-Z]$/);
    expect(randomOrderNumber(day)).toMatch(/^CM-20261125-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(() => orderNumber(day, { random: new Uint8Array(4) })).toThrow();
    expect(() => orderNumber(day, { sequence: -1n })).toThrow();
    expect(() => orderNumber(day, { sequence: 1n << 35n })).toThrow();
  });

  it('round-trip: parse gives back the number, its date and its value', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }), fc.uint8Array({ minLength: 5, maxLength: 5 }), (d, bytes) => {
        const n = orderNumber(d, { random: bytes });
        const p = parseOrderNumber(n);
        expect(p).not.toBeNull();
        expect(p!.number).toBe(n);
        expect(p!.date).toBe(d.toISOString().slice(0, 10));
        const top35 = bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n) >> 5n;
        expect(p!.value).toBe(top35);
        // People type numbers badly: case and look-alike letters are forgiven.
        expect(parseOrderNumber(`  ${n.toLowerCase()} `)?.number).toBe(n);
        expect(parseOrderNumber(n.replace(/0/g, 'O').replace(/1/g, 'l'))?.number).toBe(n);
      }),
      { numRuns: 300 },
    );
  });

  it('sequence numbers are unique within a day (the mixing is a bijection)', () => {
    const seen = new Set<string>();
    for (let s = 0n; s < 20_000n; s++) seen.add(orderNumber(day, { sequence: s }));
    expect(seen.size).toBe(20_000);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 35n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 35n) - 1n }), (a, b) => {
        fc.pre(a !== b);
        expect(orderNumber(day, { sequence: a })).not.toBe(orderNumber(day, { sequence: b }));
      }),
    );
  });

  it('every single-symbol change, in the date or the code, is detected', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }), fc.uint8Array({ minLength: 5, maxLength: 5 }), (d, bytes) => {
        const n = orderNumber(d, { random: bytes });
        for (let i = 3; i < n.length; i++) {
          if (n[i] === '-') continue;
          for (const c of CROCKFORD) {
            if (c === n[i]) continue;
            const typo = n.slice(0, i) + c + n.slice(i + 1);
            expect(parseOrderNumber(typo), typo).toBeNull();
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('adjacent swaps in the code are detected too, except the few Luhn mod 32 cannot see', () => {
    let swaps = 0;
    let missed = 0;
    for (let s = 0n; s < 2_000n; s++) {
      const n = orderNumber(day, { sequence: s });
      for (let i = 3; i < n.length - 1; i++) {
        if (n[i] === '-' || n[i + 1] === '-' || n[i] === n[i + 1]) continue;
        swaps++;
        if (parseOrderNumber(n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2)) !== null) missed++;
      }
    }
    expect(missed / swaps).toBeLessThan(0.01);
  });

  it('refuses what is not an order number', () => {
    const n = orderNumber(day, { sequence: 7n });
    for (const bad of ['', 'CM-', 'cm20261125', n.slice(0, -1), `${n}0`, n.replace('CM-', 'CN-'), n.replace('CM-', 'CM'), n.replace(/-/g, ''), `X${n}`, n.replace(/.$/, 'U'), `${n}\n${n}`, 'x'.repeat(100)]) {
      expect(parseOrderNumber(bad), bad).toBeNull();
    }
    expect(parseOrderNumber(42)).toBeNull();
    expect(parseOrderNumber(null)).toBeNull();
    // A date that does not exist is refused even with a matching check symbol.
    for (const c of CROCKFORD) expect(parseOrderNumber(`CM-20260230-0000000${c}`)).toBeNull();
    expect(CROCKFORD.split('').filter((c) => parseOrderNumber(`CM-20260228-0000000${c}`) !== null)).toHaveLength(1);
  });
});

/** Reference Luhn mod N (N = 32), written out independently: double every second value from the right. */
function luhn32(payload: string): string {
  let sum = 0;
  [...payload].reverse().forEach((c, i) => {
    const v = CROCKFORD.indexOf(c) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(v / 32) + (v % 32);
  });
  return CROCKFORD[(32 - (sum % 32)) % 32]!;
}
