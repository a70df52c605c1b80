// GET /notifications/stream: Server-Sent Events (WHATWG HTML §9.2). Each notice is one event:
// `id:` its serial number, `event:` its kind, `data:` its JSON view. A reconnecting EventSource
// sends Last-Event-ID and gets what it missed first, then the live ones, in order, once each.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Audience, NoticeRow } from './hub.ts';
import { noticeView, type NotificationsService } from './service.ts';

export const HEARTBEAT_MS = 15_000;
/** Reconnection delay suggested to EventSource clients. */
const RETRY_MS = 2_000;
/** A client that reads slower than this much buffered output is cut off (it will reconnect and replay). */
const BUFFERED_BYTES_MAX = 1024 * 1024;
const REPLAYED_MEMORY_MS = 30_000;
const LAST_EVENT_ID = /^[0-9]{1,15}$/;

export const sseEvent = (row: NoticeRow): string => `id: ${row.seq}\nevent: ${row.kind}\ndata: ${JSON.stringify(noticeView(row))}\n\n`;

/** Open streams of one HTTP server, ended when it closes. */
export type OpenStreams = Set<() => void>;

export async function serveStream(
  req: FastifyRequest,
  reply: FastifyReply,
  service: NotificationsService,
  who: Audience,
  open: OpenStreams,
  heartbeatMs = HEARTBEAT_MS,
): Promise<void> {
  const header = req.headers['last-event-id'];
  const lastEventId = typeof header === 'string' && LAST_EVENT_ID.test(header.trim()) ? Number(header.trim()) : undefined;
  const res = reply.raw;
  let replaying = true;
  let closed = false;
  const pending: NoticeRow[] = [];
  const replayed = new Set<number>();

  const write = (chunk: string) => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > BUFFERED_BYTES_MAX) end();
  };
  const listener = (row: NoticeRow) => {
    if (replaying) pending.push(row);
    else if (!replayed.has(row.seq)) write(sseEvent(row));
  };

  // Subscribe before answering: once the client has the headers, nothing committed later is missed.
  const unsubscribe = await service.subscribe(who, listener);
  let heartbeat: NodeJS.Timeout | null = null;
  function end() {
    if (closed) return;
    closed = true;
    open.delete(end);
    if (heartbeat) clearInterval(heartbeat);
    unsubscribe();
    res.end();
  }
  open.add(end);
  reply.hijack();
  res.on('close', end);
  // The client may have gone while we subscribed: its 'close' has then already fired.
  if (req.raw.destroyed || res.destroyed) return end();
  // The connection is not reused after a stream (Connection: close): when the server shuts down and
  // ends the stream, the socket goes with it instead of idling in keep-alive and holding close() up.
  res.shouldKeepAlive = false;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no', // nginx: pass events through at once
  });
  write(`retry: ${RETRY_MS}\n: connected\n\n`);
  heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();

  try {
    if (lastEventId !== undefined) {
      let after = lastEventId;
      for (;;) {
        const rows = await service.noticesAfter(who, after);
        for (const row of rows) {
          replayed.add(row.seq);
          write(sseEvent(row));
        }
        if (closed || rows.length === 0) break;
        after = rows[rows.length - 1]!.seq;
      }
    }
  } catch (err) {
    req.log.error({ err }, 'notification stream replay failed');
    end();
    return;
  }
  replaying = false;
  for (const row of pending) if (!replayed.has(row.seq)) write(sseEvent(row));
  pending.length = 0;
  // A replayed notice may still come from the live poller once (it committed while we replayed);
  // past the poller's gap window it cannot, so the memory of what was replayed can go.
  if (replayed.size > 0) setTimeout(() => replayed.clear(), REPLAYED_MEMORY_MS).unref();
}
