import { deadline } from '../shared/deadline.ts';
import { nextAttemptAt } from './flow.ts';
import { readTest } from './service.ts';
import { sandboxSignatureHeader } from './signature.ts';
import type { AttemptRow, EventRow, SandboxStore } from './store.ts';

export const CALLBACK_TIMEOUT_MS = 10_000;
const ROUNDS_PER_TICK_MAX = 16;
const ERROR_CHARS_MAX = 200;

export interface DeliveryDeps {
  store: SandboxStore;
  fetch: typeof fetch;
  signingSecret: string;
  retrySchedule: readonly number[];
  /** Aborted when the gateway closes: in-flight callbacks stop waiting (the attempt is recorded as failed). */
  closing?: AbortSignal;
}

/** One HTTP POST of an event; never throws. */
async function post(deps: DeliveryDeps, e: EventRow, now: Date): Promise<{ status_code: number | null; error: string | null; duration_ms: number }> {
  const started = Date.now();
  const limit = deadline(CALLBACK_TIMEOUT_MS, deps.closing);
  try {
    const res = await deps.fetch(e.notify_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chainmall-sandbox-gateway/1',
        'sandbox-event-id': e.id,
        'sandbox-signature': sandboxSignatureHeader(deps.signingSecret, e.body, now),
      },
      body: e.body,
      redirect: 'manual',
      signal: limit.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status_code: res.status, error: res.ok ? null : `HTTP ${res.status}`, duration_ms: Date.now() - started };
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { status_code: null, error: msg.slice(0, ERROR_CHARS_MAX), duration_ms: Date.now() - started };
  } finally {
    limit.done();
  }
}

/** One attempt round of one event: n concurrent copies (test mode), or a simulated network failure. */
async function attemptRound(deps: DeliveryDeps, e: EventRow, now: Date): Promise<number> {
  const attempt = e.attempts + 1;
  const payment = deps.store.payment(e.payment);
  const copies = payment ? Math.max(1, readTest(payment).duplicate ?? 1) : 1;
  let rows: AttemptRow[];
  if (deps.store.takeFailCallback(e.payment)) {
    rows = [{ event: e.id, attempt, copy: 1, at: now.getTime(), status_code: null, error: 'simulated_network_failure', duration_ms: 0 }];
  } else {
    const results = await Promise.all(Array.from({ length: copies }, () => post(deps, e, now)));
    rows = results.map((r, i) => ({ event: e.id, attempt, copy: i + 1, at: now.getTime(), ...r }));
  }
  const delivered = rows.some((r) => r.status_code !== null && r.status_code >= 200 && r.status_code < 300);
  const next = delivered ? null : nextAttemptAt(deps.retrySchedule, attempt, now.getTime());
  deps.store.tx(() => {
    deps.store.recordAttempts(rows);
    deps.store.finishRound(e.id, attempt, delivered ? 'delivered' : next === null ? 'failed' : 'pending', next);
  });
  return rows.length;
}

/**
 * Sends every callback due at `now`; returns the number of attempts made (copies and simulated
 * failures included). Payments are served concurrently; one payment's due events go one after
 * another in the order they happened (test-mode reorder is the deliberate exception). Loops while
 * released (reordered) events unblock their successors.
 */
export async function deliverDue(deps: DeliveryDeps, now: Date): Promise<number> {
  let made = 0;
  for (let round = 0; round < ROUNDS_PER_TICK_MAX; round++) {
    const due = deps.store.dueEvents(now.getTime());
    if (due.length === 0) break;
    const byPayment = new Map<string, EventRow[]>();
    for (const e of due) byPayment.set(e.payment, [...(byPayment.get(e.payment) ?? []), e]);
    const counts = await Promise.all(
      [...byPayment.values()].map(async (events) => {
        let n = 0;
        for (const e of events) n += await attemptRound(deps, e, now);
        return n;
      }),
    );
    made += counts.reduce((a, b) => a + b, 0);
  }
  return made;
}
