// In-process delivery of a session's live events to the SSE streams of THIS instance, and the
// viewer count (open streams per session on this instance).
//
// Multi-instance caveat: chat messages, deletions, mutes and pins are stored in the database, so any
// instance can serve them (GET /api/live/:id, the replay, a reconnecting stream's backlog), but live
// delivery goes through this bus: a viewer connected to instance A sees a message posted through
// instance B only after reconnecting, and each instance counts only its own viewers. Running several
// instances needs a poller like src/notifications/hub.ts (by live_message.seq) or a shared pub/sub,
// and the viewer count summed across instances.

export type LiveEvent =
  | { type: 'chat'; data: unknown }
  | { type: 'chat.deleted'; data: { id: string } }
  | { type: 'pins'; data: unknown }
  | { type: 'viewers'; data: { count: number } }
  | { type: 'state'; data: { state: string } };

export type LiveListener = (e: LiveEvent) => void;

export class LiveHub {
  private readonly subs = new Map<string, Set<LiveListener>>();

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** A viewer's stream joins the session: everyone (it included) is told the new count. */
  join(sessionId: string, listener: LiveListener): () => void {
    let set = this.subs.get(sessionId);
    if (!set) this.subs.set(sessionId, (set = new Set()));
    set.add(listener);
    this.publish(sessionId, { type: 'viewers', data: { count: set.size } });
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const s = this.subs.get(sessionId);
      if (!s?.delete(listener)) return;
      if (s.size === 0) this.subs.delete(sessionId);
      else this.publish(sessionId, { type: 'viewers', data: { count: s.size } });
    };
  }

  viewers(sessionId: string): number {
    return this.subs.get(sessionId)?.size ?? 0;
  }

  publish(sessionId: string, e: LiveEvent): void {
    for (const l of this.subs.get(sessionId) ?? []) {
      try {
        l(e);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
