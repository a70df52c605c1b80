// Token buckets in memory, per key (subject or client address). Per instance: several instances
// each allow their own rate, which bounds the total well enough for abuse protection.
import { assert } from '../shared/assert.ts';

export interface BucketRule {
  /** Tokens a full bucket holds: the largest burst. */
  capacity: number;
  /** Tokens added per second. */
  perSecond: number;
}

const KEYS_MAX = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly rule: BucketRule) {
    assert(rule.capacity > 0 && rule.perSecond > 0, 'a token bucket needs capacity and a rate');
  }

  /**
   * Takes `cost` tokens from the key's bucket: 0 when granted, else the whole seconds to wait
   * until the bucket holds that many (nothing is taken from a refused request).
   */
  take(key: string, cost: number, nowMs: number): number {
    const c = Math.min(cost, this.rule.capacity);
    const b = this.buckets.get(key) ?? { tokens: this.rule.capacity, at: nowMs };
    const tokens = Math.min(this.rule.capacity, b.tokens + (Math.max(0, nowMs - b.at) / 1000) * this.rule.perSecond);
    if (tokens >= c) {
      this.set(key, { tokens: tokens - c, at: nowMs });
      return 0;
    }
    this.set(key, { tokens, at: nowMs });
    return Math.max(1, Math.ceil((c - tokens) / this.rule.perSecond));
  }

  private set(key: string, b: { tokens: number; at: number }): void {
    // Bounded memory under a flood of distinct keys: forgetting full buckets only favours callers.
    if (!this.buckets.has(key) && this.buckets.size >= KEYS_MAX) this.buckets.clear();
    this.buckets.set(key, b);
  }
}
