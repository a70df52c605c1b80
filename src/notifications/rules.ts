// Pure rules of the notifications module: event kinds, subscriptions, the retry schedule, cursors.
import { DomainError } from '../shared/errors.ts';

export const KIND = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const FAMILY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
export const KIND_CHARS_MAX = 100;
export const NOTICE_DATA_CHARS_MAX = 16_384;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;
export const ENDPOINTS_PER_MERCHANT_MAX = 20;
export const EVENTS_PER_ENDPOINT_MAX = 50;
export const TEST_KIND = 'webhook.test';

/**
 * Delay before attempt n+1 after n attempts (index n); the first attempt is immediate. After the
 * last one fails the delivery is failed: about 32 hours of trying, as in the Standard Webhooks example.
 */
export const RETRY_SCHEDULE_MS = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000, 10 * 3600_000] as const;
export const ATTEMPTS_MAX = RETRY_SCHEDULE_MS.length;
/** Up to this fraction of a delay is added at random, so that retries of one outage spread out. */
const JITTER = 0.1;

/** When the next attempt is due after `attempts` failed ones, or null when the delivery has failed for good. */
export function nextAttemptAt(attempts: number, now: Date, random: () => number = Math.random): Date | null {
  if (attempts >= ATTEMPTS_MAX) return null;
  const base = RETRY_SCHEDULE_MS[attempts]!;
  return new Date(now.getTime() + base + Math.floor(base * JITTER * random()));
}

export const isDelivered = (status: number) => status >= 200 && status <= 299;

/** An endpoint's subscription list: exact kinds, a family ('order.*') or everything ('*'). */
export function parseEvents(events: readonly string[]): string[] {
  if (events.length === 0) throw new DomainError('webhook.no_events', 'subscribe to at least one event kind, or "*"', 400);
  if (events.length > EVENTS_PER_ENDPOINT_MAX) throw new DomainError('webhook.too_many_events', `at most ${EVENTS_PER_ENDPOINT_MAX} event kinds`, 400);
  for (const e of events) {
    if (e === '*') continue;
    const ok = e.endsWith('.*') ? FAMILY.test(e.slice(0, -2)) : KIND.test(e);
    if (e.length > KIND_CHARS_MAX || !ok) {
      throw new DomainError('webhook.bad_event', `"${e}" is not an event kind such as order.created, order.* or *`, 400);
    }
  }
  return [...new Set(events)].sort();
}

export function subscribes(events: readonly string[], kind: string): boolean {
  return events.some((e) => e === '*' || e === kind || (e.endsWith('.*') && kind.startsWith(e.slice(0, -1))));
}

/** Cursors are opaque to clients: base64url of the last sequence number on the page. */
export const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');

export function decodeCursor(cursor: string | undefined | null): number | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new DomainError('notifications.bad_cursor', 'cursor is not one this API returned', 400);
  }
  return Number(text);
}

export function parseLimit(limit: number | undefined): number {
  const n = limit ?? LIST_LIMIT_DEFAULT;
  if (!Number.isSafeInteger(n) || n < 1 || n > LIST_LIMIT_MAX) throw new DomainError('notifications.bad_limit', `limit must be 1..${LIST_LIMIT_MAX}`, 400);
  return n;
}
