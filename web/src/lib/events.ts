// Consent and behaviour events. Nothing is collected before the visitor chose (GET /api/privacy/consent
// says choiceMade), and then only with analytics or personalisation consent. Events are batched and
// posted to POST /api/events every few seconds and when the page is hidden, each with a random id so
// a retried batch is stored once.
import { computed, signal } from '@preact/signals';
import { api } from './api.ts';

export const PURPOSES = ['analytics', 'personalisation', 'marketing'] as const;
export type Purpose = (typeof PURPOSES)[number];

export interface ConsentView {
  choiceMade: boolean;
  purposes: Record<Purpose, { granted: boolean; updatedAt: string | null }>;
  pseudonym: string;
}

/** undefined until loaded. */
export const consent = signal<ConsentView | undefined>(undefined);

/** Events may be collected: a choice was made granting analytics or personalisation. */
export const collecting = computed(() => {
  const c = consent.value;
  return !!c && c.choiceMade && (c.purposes.analytics.granted || c.purposes.personalisation.granted);
});

export async function loadConsent(): Promise<ConsentView> {
  const c = await api.get<ConsentView>('/api/privacy/consent');
  consent.value = c;
  if (!collecting.value) queue.length = 0;
  return c;
}

export async function saveConsent(choice: Partial<Record<Purpose, boolean>>): Promise<ConsentView> {
  const c = await api.put<ConsentView>('/api/privacy/consent', choice);
  consent.value = c;
  if (!collecting.value) queue.length = 0;
  return c;
}

export type EventKind = 'view' | 'search' | 'cart_add' | 'rec_shown' | 'rec_clicked';
export interface BehaviourEvent {
  id: string;
  kind: EventKind;
  productId?: string;
  query?: string;
  list?: string;
  at: string;
}

const queue: BehaviourEvent[] = [];
const FLUSH_MS = 4000;
const BATCH_MAX = 200;
let timer: ReturnType<typeof setTimeout> | undefined;

const eventId = (): string => `ev_${crypto.randomUUID().replaceAll('-', '')}`;

/** Records one event (dropped without consent). */
export function track(kind: EventKind, fields: { productId?: string; query?: string; list?: string } = {}): void {
  if (!collecting.value) return;
  const e: BehaviourEvent = { id: eventId(), kind, at: new Date().toISOString() };
  if (fields.productId) e.productId = fields.productId;
  if (fields.query) e.query = fields.query.slice(0, 200);
  if (fields.list) e.list = fields.list;
  queue.push(e);
  if (queue.length >= BATCH_MAX) void flush();
  else if (!timer) timer = setTimeout(() => void flush(), FLUSH_MS);
}

/** Sends what is queued; a failed batch is kept for the next try (same ids: stored once). */
export async function flush(keepalive = false): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (queue.length === 0 || !collecting.value) return;
  const batch = queue.splice(0, BATCH_MAX);
  try {
    const res = await fetch('/api/events', {
      method: 'POST', credentials: 'same-origin', keepalive,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ events: batch }),
    });
    // Server errors and rate limits: try again later; a refused batch (400) is dropped.
    if (res.status === 429 || res.status >= 500) queue.unshift(...batch);
  } catch {
    queue.unshift(...batch);
  }
  if (queue.length > 0 && !keepalive && !timer) timer = setTimeout(() => void flush(), FLUSH_MS * 2);
}

/** Events waiting to be sent (for tests and debugging). */
export const pendingEvents = (): readonly BehaviourEvent[] => queue;

if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void flush(true);
  });
  window.addEventListener('pagehide', () => void flush(true));
}
