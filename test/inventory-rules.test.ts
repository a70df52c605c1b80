import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canMove,
  crossedLow,
  decodeCursor,
  encodeCursor,
  mergeLines,
  parseExpiry,
  parseReason,
  pickLocations,
  QTY_MAX,
  RESERVATION_FLOW,
  RESERVATION_STATES,
  thresholdOf,
} from '../src/inventory/rules.ts';
import { DomainError } from '../src/shared/errors.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).code;
  }
  throw new Error('expected a refusal');
};

describe('pickLocations', () => {
  it('takes a line from the one location with the most available, ties by id', () => {
    const levels = [
      { locationId: 'loc_c', available: 7 },
      { locationId: 'loc_a', available: 3 },
      { locationId: 'loc_b', available: 7 },
    ];
    expect(pickLocations(levels, 2)).toEqual([{ locationId: 'loc_b', qty: 2 }]);
    expect(pickLocations(levels, 7)).toEqual([{ locationId: 'loc_b', qty: 7 }]);
    // The order of the input does not matter.
    expect(pickLocations([...levels].reverse(), 2)).toEqual([{ locationId: 'loc_b', qty: 2 }]);
  });

  it('splits over the fewest locations, largest first, when no single one has enough', () => {
    const levels = [
      { locationId: 'loc_a', available: 3 },
      { locationId: 'loc_b', available: 5 },
      { locationId: 'loc_c', available: 4 },
      { locationId: 'loc_d', available: 0 },
    ];
    expect(pickLocations(levels, 8)).toEqual([{ locationId: 'loc_b', qty: 5 }, { locationId: 'loc_c', qty: 3 }]);
    expect(pickLocations(levels, 12)).toEqual([{ locationId: 'loc_b', qty: 5 }, { locationId: 'loc_c', qty: 4 }, { locationId: 'loc_a', qty: 3 }]);
    expect(pickLocations(levels, 13)).toBeNull();
    expect(pickLocations([], 1)).toBeNull();
  });

  it('always takes exactly qty, within each location, or refuses only when the total is short', () => {
    const level = fc.record({ id: fc.integer({ min: 0, max: 20 }), available: fc.integer({ min: 0, max: 50 }) });
    fc.assert(
      fc.property(fc.uniqueArray(level, { selector: (l) => l.id, maxLength: 8 }), fc.integer({ min: 1, max: 200 }), (raw, qty) => {
        const levels = raw.map((l) => ({ locationId: `loc_${String(l.id).padStart(2, '0')}`, available: l.available }));
        const total = levels.reduce((s, l) => s + l.available, 0);
        const picks = pickLocations(levels, qty);
        if (picks === null) return total < qty;
        const byId = new Map(levels.map((l) => [l.locationId, l.available]));
        const sum = picks.reduce((s, p) => s + p.qty, 0);
        const distinct = new Set(picks.map((p) => p.locationId)).size === picks.length;
        const within = picks.every((p) => p.qty > 0 && p.qty <= byId.get(p.locationId)!);
        const max = Math.max(...levels.map((l) => l.available));
        const single = max >= qty ? picks.length === 1 && byId.get(picks[0]!.locationId) === max : picks.length > 1;
        return sum === qty && distinct && within && single;
      }),
    );
  });
});

describe('low stock', () => {
  it('fires only when a write goes from above the threshold to at or below it', () => {
    expect(crossedLow({ available: 6, threshold: 5 }, { available: 5, threshold: 5 })).toBe(true);
    expect(crossedLow({ available: 9, threshold: 5 }, { available: 0, threshold: 5 })).toBe(true);
    expect(crossedLow({ available: 5, threshold: 5 }, { available: 4, threshold: 5 })).toBe(false); // already low
    expect(crossedLow({ available: 7, threshold: 5 }, { available: 6, threshold: 5 })).toBe(false);
    expect(crossedLow({ available: 4, threshold: 5 }, { available: 8, threshold: 5 })).toBe(false); // going up
    expect(crossedLow({ available: 0, threshold: null }, { available: 3, threshold: 5 })).toBe(false); // first stock
    expect(crossedLow({ available: 8, threshold: 5 }, { available: 8, threshold: 10 })).toBe(true); // threshold raised past it
  });

  it('takes the largest threshold of a variant\'s levels', () => {
    expect(thresholdOf([])).toBeNull();
    expect(thresholdOf([{ lowStockThreshold: 5 }, { lowStockThreshold: 12 }, { lowStockThreshold: 0 }])).toBe(12);
  });
});

describe('reservation input and states', () => {
  it('merges lines of the same variant and sorts them by variant', () => {
    expect(mergeLines([{ variantId: 'var_b', qty: 2 }, { variantId: 'var_a', qty: 1 }, { variantId: 'var_b', qty: 3 }])).toEqual([
      { variantId: 'var_a', qty: 1 },
      { variantId: 'var_b', qty: 5 },
    ]);
  });

  it('refuses empty, fractional, zero, oversized and badly named lines', () => {
    expect(codeOf(() => mergeLines([]))).toBe('stock.bad_lines');
    expect(codeOf(() => mergeLines([{ variantId: 'var_a', qty: 1.5 }]))).toBe('stock.bad_quantity');
    expect(codeOf(() => mergeLines([{ variantId: 'var_a', qty: 0 }]))).toBe('stock.bad_quantity');
    expect(codeOf(() => mergeLines([{ variantId: 'var_a', qty: QTY_MAX }, { variantId: 'var_a', qty: 1 }]))).toBe('stock.bad_quantity');
    expect(codeOf(() => mergeLines([{ variantId: 'var a', qty: 1 }]))).toBe('stock.bad_id');
    expect(codeOf(() => parseReason('Customer changed her mind'))).toBe('stock.bad_reason');
    expect(parseReason('reservation_expired')).toBe('reservation_expired');
    expect(codeOf(() => parseExpiry('tomorrow'))).toBe('stock.bad_expiry');
    expect(parseExpiry('2026-01-01T08:00:00+08:00')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('lets a reservation end only once: released and shipped are final', () => {
    for (const s of RESERVATION_STATES) expect(canMove(s, s)).toBe(false);
    expect(canMove('reserved', 'committed')).toBe(true);
    expect(canMove('committed', 'shipped')).toBe(true);
    expect(canMove('committed', 'reserved')).toBe(false);
    expect(RESERVATION_FLOW.released).toEqual([]);
    expect(RESERVATION_FLOW.shipped).toEqual([]);
  });

  it('reads back only cursors it wrote', () => {
    const c = encodeCursor(['var_x', 'loc_y']);
    expect(decodeCursor(c, 2)).toEqual(['var_x', 'loc_y']);
    expect(decodeCursor(null, 2)).toBeNull();
    expect(codeOf(() => decodeCursor(c, 1))).toBe('inventory.bad_cursor');
    expect(codeOf(() => decodeCursor('not/base64', 2))).toBe('inventory.bad_cursor');
    expect(codeOf(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 2))).toBe('inventory.bad_cursor');
  });
});
