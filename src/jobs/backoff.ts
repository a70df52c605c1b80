import { assert } from '../shared/assert.ts';

const FIRST_WAIT_MS = 60_000;
const MAX_WAIT_MS = 3_600_000;
/** Past this many failing items the oldest is forgotten (it is simply tried again). */
const TRACKED_MAX = 10_000;

/**
 * One row that keeps failing (a broken invariant, a bad reference) must not hold up the rest of a
 * job's due work: each item runs on its own; a failure is kept for the report, and the item is left
 * out of the job's queries for a doubling wait (1 min up to 1 h) before it is tried again.
 * In memory, per instance: a restart tries every item again, which is what an operator expects.
 */
export class ItemBackoff {
  private readonly failing = new Map<string, { failures: number; retryAt: number }>();
  private errors: { id: string; err: unknown }[] = [];

  constructor(
    private readonly job: string,
    private readonly opts: { firstMs?: number; maxMs?: number } = {},
  ) {}

  /** Ids to leave out of this tick's queries. */
  held(now: Date): string[] {
    const t = now.getTime();
    const out: string[] = [];
    for (const [id, f] of this.failing) if (f.retryAt > t) out.push(id);
    return out;
  }

  /** Runs one item; a throw is kept for report() and holds the item back. Returns fn's count, or 0. */
  async run(id: string, now: Date, fn: () => Promise<number>): Promise<number> {
    try {
      const n = await fn();
      this.failing.delete(id);
      return n;
    } catch (err) {
      const failures = (this.failing.get(id)?.failures ?? 0) + 1;
      const wait = Math.min(this.opts.maxMs ?? MAX_WAIT_MS, (this.opts.firstMs ?? FIRST_WAIT_MS) * 2 ** (failures - 1));
      this.failing.delete(id); // re-inserted last: the map stays in order of the latest failure
      this.failing.set(id, { failures, retryAt: now.getTime() + wait });
      if (this.failing.size > TRACKED_MAX) this.failing.delete(this.failing.keys().next().value!);
      assert(this.failing.size <= TRACKED_MAX, 'jobs: backoff table over its bound');
      this.errors.push({ id, err });
      return 0;
    }
  }

  /** After a tick: throws its item failures as one error naming each item, for the job runner to log. */
  report(): void {
    const errors = this.errors;
    this.errors = [];
    if (errors.length === 0) return;
    const first = errors[0]!.err;
    const why = first instanceof Error ? first.message : String(first);
    throw new AggregateError(
      errors.map((e) => e.err),
      `${this.job}: ${errors.length} item(s) failed and wait before the next try: ${errors.map((e) => e.id).join(', ')} (first: ${why})`,
    );
  }
}
