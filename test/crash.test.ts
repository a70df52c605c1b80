// The crash test at a bounded size, on each backend: 20 kill -9s under mixed load, then every
// acknowledged operation exactly once, books balanced, stock never negative, nothing for
// reconciliation to report, the log verifying and consistent across every restart.
// `npm run test:crash` runs the same with its own options and prints the figures.
import { describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { runCrash } from './crash/run.ts';

describe.each(backends())('crash and restart under load on $name', (backend) => {
  it('loses and duplicates nothing acknowledged across 20 kill -9s', async () => {
    const r = await runCrash(backend, { kills: 20 });
    expect(r.acknowledged).toBeGreaterThan(50);
    expect(r.by_kind['checkout']).toBeGreaterThan(0);
    expect(r.by_kind['transition']).toBeGreaterThan(0);
    expect({ lost: r.lost, duplicated: r.duplicated, balance_sum_nonzero: r.balance_sum_nonzero, negative_stock: r.negative_stock, discrepancies: r.discrepancies, consistency_failures: r.consistency_failures, verify_ok: r.verify_ok })
      .toEqual({ lost: 0, duplicated: 0, balance_sum_nonzero: 0, negative_stock: 0, discrepancies: 0, consistency_failures: 0, verify_ok: true });
  }, 600_000);
});
