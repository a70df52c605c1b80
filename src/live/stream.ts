// GET /live/:id/events: Server-Sent Events through src/http/sse.ts.
// First the recent chat, the pins, the state and the viewer count; then each event as it happens.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveEvent } from './hub.ts';
import type { LiveService } from './service.ts';
import { HEARTBEAT_MS, serveEventStream, type OpenStreams } from '../http/sse.ts';

export const sseEvent = (e: LiveEvent): string => `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;

export async function serveLiveStream(req: FastifyRequest, reply: FastifyReply, live: LiveService, sessionId: string, open: OpenStreams, heartbeatMs = HEARTBEAT_MS): Promise<void> {
  // 404 before any byte of the stream: an unknown session is an ordinary problem answer.
  const moderator = await live.isModerator(req.actor, sessionId);
  await serveEventStream<LiveEvent>(req, reply, {
    name: 'live',
    open,
    heartbeatMs,
    // Joined before the backlog is read: a message in both reaches the client twice; it dedupes by id.
    subscribe: (listener) =>
      live.join(sessionId, (raw) =>
        // Moderators see who wrote a message (to mute them); everyone else a per-session pseudonym only.
        listener(raw.type === 'chat' && !moderator ? { type: 'chat', data: { ...(raw.data as object), userId: null } } : raw),
      ),
    format: sseEvent,
    async backlog(write) {
      for (const m of await live.recentMessages(sessionId, moderator)) write(sseEvent({ type: 'chat', data: m }));
      const now = await live.session(sessionId);
      write(sseEvent({ type: 'state', data: { state: now.state } }));
      write(sseEvent({ type: 'pins', data: now.pins }));
      write(sseEvent({ type: 'viewers', data: { count: live.hub.viewers(sessionId) } }));
    },
  });
}
