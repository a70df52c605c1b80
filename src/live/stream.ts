// GET /live/:id/events: Server-Sent Events (WHATWG HTML §9.2), the approach of
// src/notifications/stream.ts: join before answering, hijack the reply, text/event-stream with
// no-store and no proxy buffering, a retry hint, heartbeats, cut off slow readers, clean up on close.
// First the recent chat, the pins, the state and the viewer count; then each event as it happens.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveEvent } from './hub.ts';
import type { LiveService } from './service.ts';

export const HEARTBEAT_MS = 15_000;
const RETRY_MS = 2_000;
const BUFFERED_BYTES_MAX = 1024 * 1024;

export const sseEvent = (e: LiveEvent): string => `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;

/** Open streams of one HTTP server, ended when it closes. */
export type OpenStreams = Set<() => void>;

export async function serveLiveStream(req: FastifyRequest, reply: FastifyReply, live: LiveService, sessionId: string, open: OpenStreams, heartbeatMs = HEARTBEAT_MS): Promise<void> {
  // 404 before any byte of the stream: an unknown session is an ordinary problem answer.
  const session = await live.session(sessionId);
  const moderator = await live.isModerator(req.actor, sessionId);
  const res = reply.raw;
  let closed = false;
  let backlogDone = false;
  const pending: LiveEvent[] = [];

  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > BUFFERED_BYTES_MAX) end();
  };
  const listener = (raw: LiveEvent) => {
    // Moderators see who wrote a message (to mute them); everyone else a per-session pseudonym only.
    const e: LiveEvent = raw.type === 'chat' && !moderator ? { type: 'chat', data: { ...(raw.data as object), userId: null } } : raw;
    if (!backlogDone) pending.push(e);
    else write(sseEvent(e));
  };

  reply.hijack();
  // Join first: nothing published from here on is missed (a message in both the backlog and the
  // live events reaches the client twice; it dedupes by message id).
  const leave = live.join(sessionId, listener);
  let heartbeat: NodeJS.Timeout | null = null;
  function end() {
    if (closed) return;
    closed = true;
    open.delete(end);
    if (heartbeat) clearInterval(heartbeat);
    leave();
    res.end();
  }
  open.add(end);
  res.on('close', end);
  if (req.raw.destroyed || res.destroyed) return end();
  res.shouldKeepAlive = false;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  write(`retry: ${RETRY_MS}\n: connected\n\n`);
  heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  try {
    for (const m of await live.recentMessages(sessionId, moderator)) write(sseEvent({ type: 'chat', data: m }));
    const now = await live.session(sessionId);
    write(sseEvent({ type: 'state', data: { state: now.state } }));
    write(sseEvent({ type: 'pins', data: now.pins }));
    write(sseEvent({ type: 'viewers', data: { count: live.hub.viewers(sessionId) } }));
  } catch (err) {
    req.log.error({ err, session: session.id }, 'live stream backlog failed');
    end();
    return;
  }
  backlogDone = true;
  for (const e of pending) write(sseEvent(e));
  pending.length = 0;
}
