/**
 * A signal that aborts after `ms` (a TimeoutError, as AbortSignal.timeout) or when `parent` aborts, and
 * `done()` to detach it once the operation is over. Not AbortSignal.any([AbortSignal.timeout(ms), parent]):
 * with a long-lived parent (a service's "closing" signal) Node keeps an entry per composed signal in the
 * parent (nodejs/node#55351), so every request leaks a little; the soak showed it.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  const onParent = () => ac.abort(parent?.reason);
  if (parent?.aborted) ac.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: ac.signal,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
