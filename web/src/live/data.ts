// Live shopping API shapes and the event stream of a session (EventSource over SSE).
import { useEffect, useState } from 'preact/hooks';

export interface Pin {
  id: string; sessionId: string; variantId: string; productId: string | null; sku: string | null; name: string | null;
  listPriceMinor: string | null; livePriceMinor: string; currency: string; quota: number; sold: number; remaining: number;
  pinnedAt: string; unpinnedAt: string | null;
}
export type SessionState = 'scheduled' | 'live' | 'ended';
export interface Session {
  id: string; merchantId: string; title: string; description: string; streamUrl: string; state: SessionState;
  scheduledAt: string; startedAt: string | null; endedAt: string | null; createdAt: string; pins: Pin[]; viewers: number;
}
export interface Message { id: string; sessionId: string; author: string; userId: string | null; text: string; createdAt: string }
export interface Replay { session: Session; pins: Pin[]; items: Message[]; nextCursor: string | null }
export interface Page<T> { items: T[]; nextCursor: string | null }

export interface LiveState {
  messages: Message[];
  pins: Pin[] | null;
  viewers: number | null;
  state: SessionState | null;
  connected: boolean;
}

const CHAT_KEEP = 200;

/**
 * Follows a session's events: chat (deduplicated by id: a reconnect replays the recent chat),
 * deletions, pins, state and viewer count. EventSource reconnects by itself.
 */
export function useLiveEvents(sessionId: string, enabled = true): LiveState {
  const [s, setS] = useState<LiveState>({ messages: [], pins: null, viewers: null, state: null, connected: false });
  useEffect(() => {
    if (!enabled) return;
    setS({ messages: [], pins: null, viewers: null, state: null, connected: false });
    const es = new EventSource(`/api/live/${encodeURIComponent(sessionId)}/events`);
    const on = <T,>(type: string, f: (data: T) => (prev: LiveState) => LiveState) =>
      es.addEventListener(type, (e) => {
        let data: T;
        try {
          data = JSON.parse((e as MessageEvent<string>).data) as T;
        } catch {
          return;
        }
        setS(f(data));
      });
    es.onopen = () => setS((p) => ({ ...p, connected: true }));
    es.onerror = () => setS((p) => ({ ...p, connected: false }));
    on<Message>('chat', (m) => (p) => (p.messages.some((x) => x.id === m.id) ? p : { ...p, messages: [...p.messages, m].slice(-CHAT_KEEP) }));
    on<{ id: string }>('chat.deleted', ({ id }) => (p) => ({ ...p, messages: p.messages.filter((m) => m.id !== id) }));
    on<Pin[]>('pins', (pins) => (p) => ({ ...p, pins }));
    on<{ count: number }>('viewers', ({ count }) => (p) => ({ ...p, viewers: count }));
    on<{ state: SessionState }>('state', ({ state }) => (p) => ({ ...p, state }));
    return () => es.close();
  }, [sessionId, enabled]);
  return s;
}
