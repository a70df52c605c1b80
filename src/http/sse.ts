// Server-Sent Events (WHATWG HTML §9.2) for any stream of events: subscribe before answering (so
// nothing published meanwhile is missed), hijack the reply, text/event-stream with no-store and no
// proxy buffering, a retry hint and heartbeats; events published while the backlog is being written
// wait and follow it in order; a client reading slower than the buffer allows is cut off (it
// reconnects); everything is cleaned up on close, and the server can end all open streams.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const HEARTBEAT_MS = 15_000;
/** Reconnection delay suggested to EventSource clients. */
const RETRY_MS = 2_000;
const BUFFERED_BYTES_MAX = 1024 * 1024;

/** Open streams of one HTTP server, ended when it closes. */
export type OpenStreams = Set<() => void>;

export interface EventStream<T> {
  open: OpenStreams;
  heartbeatMs?: number;
  /** Starts delivery to `listener`; returns how to stop it. */
  subscribe(listener: (e: T) => void): Promise<() => void> | (() => void);
  /** One event as SSE text (`event:`, `data:`, optionally `id:`). */
  format(e: T): string;
  /** What the client gets before the live events (missed notices, recent chat…). */
  backlog(write: (chunk: string) => void, closed: () => boolean): Promise<void>;
  /** Live events to drop (already sent in the backlog). */
  skip?(e: T): boolean;
  /** What to call the stream in the log when its backlog fails. */
  name: string;
}

export async function serveEventStream<T>(req: FastifyRequest, reply: FastifyReply, s: EventStream<T>): Promise<void> {
  const res = reply.raw;
  let closed = false;
  let live = false;
  const pending: T[] = [];
  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > BUFFERED_BYTES_MAX) end();
  };
  const send = (e: T) => {
    if (!s.skip?.(e)) write(s.format(e));
  };
  const unsubscribe = await s.subscribe((e) => (live ? send(e) : void pending.push(e)));
  let heartbeat: NodeJS.Timeout | null = null;
  function end() {
    if (closed) return;
    closed = true;
    s.open.delete(end);
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe();
    res.end();
  }
  s.open.add(end);
  reply.hijack();
  res.on('close', end);
  // The client may have gone while we subscribed: its 'close' has then already fired.
  if (req.raw.destroyed || res.destroyed) return end();
  // No keep-alive after a stream: when the server shuts down and ends it, the socket goes too.
  res.shouldKeepAlive = false;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  write(`retry: ${RETRY_MS}\n: connected\n\n`);
  heartbeat = setInterval(() => write(': heartbeat\n\n'), s.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await s.backlog(write, () => closed);
  } catch (err) {
    req.log.error({ err }, `${s.name} stream backlog failed`);
    end();
    return;
  }
  live = true;
  for (const e of pending) send(e);
  pending.length = 0;
}
