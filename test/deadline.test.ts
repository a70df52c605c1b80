// The per-request deadline used for outgoing calls under a long-lived "closing" signal: it times out,
// follows its parent, and leaves nothing attached to the parent once done (AbortSignal.any did, one
// entry per request, which the soak saw as a slowly growing heap).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { deadline } from '../src/shared/index.ts';

describe('deadline', () => {
  it('aborts with a TimeoutError after its time', async () => {
    const d = deadline(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('follows its parent, also one aborted already', () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    expect(d.signal.aborted).toBe(false);
    parent.abort(new Error('closing'));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('closing');
    expect(deadline(60_000, parent.signal).signal.aborted).toBe(true);
  });

  it('once done, neither times out nor stays attached to the parent, however many requests', async () => {
    const parent = new AbortController();
    const signals: AbortSignal[] = [];
    for (let i = 0; i < 10_000; i++) {
      const d = deadline(20, parent.signal);
      signals.push(d.signal);
      d.done();
    }
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(signals.some((s) => s.aborted)).toBe(false);
    parent.abort();
    expect(signals.some((s) => s.aborted)).toBe(false);
  });
});
