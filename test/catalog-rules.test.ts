import { describe, expect, it } from 'vitest';
import {
  ancestry,
  decodeCursor,
  encodeCursor,
  ftsQuery,
  pageOf,
  parseImageUrl,
  parseOptions,
  parsePrice,
  queryWords,
  resolveCommission,
  searchDocument,
  searchWords,
  slugFor,
  slugify,
  tsQuery,
} from '../src/catalog/rules.ts';
import { DomainError } from '../src/shared/errors.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).code;
  }
  return 'no error';
};

describe('catalog rules', () => {
  it('resolves commission most specific first, walking up the category tree', () => {
    const rules = [
      { merchantId: null, categoryId: 'root', bps: 300 },
      { merchantId: 'm1', categoryId: 'root', bps: 250 },
      { merchantId: null, categoryId: 'leaf', bps: 200 },
      { merchantId: 'm2', categoryId: 'leaf', bps: 100 },
    ];
    const chain = ['leaf', 'mid', 'root'];
    expect(resolveCommission(chain, rules, 'm2', 500)).toBe(100); // merchant + category
    expect(resolveCommission(chain, rules, 'm1', 500)).toBe(200); // category beats merchant + ancestor
    expect(resolveCommission(['mid', 'root'], rules, 'm1', 500)).toBe(250); // merchant + ancestor beats ancestor
    expect(resolveCommission(['mid', 'root'], rules, 'm3', 500)).toBe(300);
    expect(resolveCommission(['other'], rules, 'm1', 500)).toBe(500); // merchant default
    expect(resolveCommission([], rules, 'm1', 0)).toBe(0);
  });

  it('builds ancestry nearest first and survives cycles and unknown ids', () => {
    const parents = new Map<string, string | null>([['a', null], ['b', 'a'], ['c', 'b'], ['x', 'y'], ['y', 'x']]);
    expect(ancestry('c', parents)).toEqual(['c', 'b', 'a']);
    expect(ancestry('x', parents)).toEqual(['x', 'y']);
    expect(ancestry('nope', parents)).toEqual([]);
  });

  it('accepts only positive whole minor units as prices', () => {
    expect(parsePrice('4990')).toBe(4990n);
    expect(parsePrice(4990)).toBe(4990n);
    expect(parsePrice(1n)).toBe(1n);
    for (const bad of [0, -5, 49.9, '49.90', 'abc', '', '-1', '1e3', Number.MAX_SAFE_INTEGER + 1, '99999999999999999', null, true]) {
      expect(code(() => parsePrice(bad)), String(bad)).toBe('catalog.bad_price');
    }
  });

  it('accepts only http(s) image URLs without credentials', () => {
    expect(parseImageUrl('https://cdn.example.com/a b.png')).toBe('https://cdn.example.com/a%20b.png');
    expect(parseImageUrl('http://example.com/x.jpg')).toBe('http://example.com/x.jpg');
    for (const bad of ['javascript:alert(1)', 'data:image/png;base64,AAAA', 'ftp://example.com/x', '/relative.png', 'https://user:pw@example.com/x', 'x'.repeat(3000)]) {
      expect(code(() => parseImageUrl(bad)), bad.slice(0, 30)).toBe('catalog.bad_image_url');
    }
  });

  it('normalizes options and refuses odd shapes', () => {
    expect(parseOptions({ size: 'L', color: ' red ' })).toEqual({ color: 'red', size: 'L' });
    expect(Object.keys(parseOptions({ size: 'L', color: 'red' }))).toEqual(['color', 'size']);
    expect(code(() => parseOptions([]))).toBe('catalog.bad_options');
    expect(code(() => parseOptions({ 'bad key': 'x' }))).toBe('catalog.bad_options');
    expect(code(() => parseOptions({ size: 3 }))).toBe('catalog.bad_text');
  });

  it('makes slugs', () => {
    expect(slugify('Crème Brûlée  Shop!')).toBe('creme-brulee-shop');
    expect(slugify('红色商店')).toBe('');
    expect(slugFor(undefined, '红色商店')).toMatch(/^m-[0-9a-f]{8}$/);
    expect(code(() => slugFor('Bad Slug', 'x'))).toBe('catalog.bad_slug');
  });

  it('tokenizes documents and queries the same way, and keeps query syntax out', () => {
    expect(searchWords('Red-L-001 Ünïcode, t-shirt! 红色 v2.0')).toEqual(['red', 'l', '001', 'ünïcode', 't', 'shirt', '红色', 'v2', '0']);
    expect(searchDocument('Blue Mug', 'A blue ceramic mug', ['MUG-BLUE'])).toBe('blue mug a ceramic');
    expect(queryWords('  "mug" OR -blue NEAR(x) * ')).toEqual(['mug', 'or', 'blue', 'near', 'x']);
    expect(queryWords('!!! ---')).toBeNull();
    expect(ftsQuery(['mug', 'or'])).toBe('"mug" "or"');
    expect(tsQuery(['mug', 'or'])).toBe('"mug" "or"');
  });

  it('round-trips opaque cursors and refuses forged ones', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(decodeCursor(undefined)).toBeNull();
    for (const bad of ['42', 'abc', Buffer.from('c1:-1').toString('base64url'), Buffer.from('c2:1').toString('base64url'), '!!!']) {
      expect(code(() => decodeCursor(bad)), bad).toBe('catalog.bad_cursor');
    }
    const rows = [1, 2, 3].map((seq) => ({ seq }));
    expect(pageOf(rows, 2, (r) => r.map((x) => x.seq))).toEqual({ items: [1, 2], nextCursor: encodeCursor(2) });
    expect(pageOf(rows, 3, (r) => r.map((x) => x.seq))).toEqual({ items: [1, 2, 3], nextCursor: null });
  });
});
