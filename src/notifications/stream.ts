// GET /notifications/stream: Server-Sent Events (WHATWG HTML §9.2). Each notice is one event:
// `id:` its serial number, `event:` its kind, `data:` its JSON view. A reconnecting EventSource
// sends Last-Event-ID and gets what it missed first, then the live ones, in order, once each.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Audience, NoticeRow } from './hub.ts';
import { noticeView, type NotificationsService } from './service.ts';
import { HEARTBEAT_MS, serveEventStream, type OpenStreams } from '../http/sse.ts';

const REPLAYED_MEMORY_MS = 30_000;
const LAST_EVENT_ID = /^[0-9]{1,15}$/;

export const sseEvent = (row: NoticeRow): string => `id: ${row.seq}\nevent: ${row.kind}\ndata: ${JSON.stringify(noticeView(row))}\n\n`;

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
  const replayed = new Set<number>();
  await serveEventStream<NoticeRow>(req, reply, {
    name: 'notification',
    open,
    heartbeatMs,
    subscribe: (listener) => service.subscribe(who, listener),
    format: sseEvent,
    skip: (row) => replayed.has(row.seq),
    async backlog(write, closed) {
      if (lastEventId === undefined) return;
      let after = lastEventId;
      for (;;) {
        const rows = await service.noticesAfter(who, after);
        for (const row of rows) {
          replayed.add(row.seq);
          write(sseEvent(row));
        }
        if (closed() || rows.length === 0) break;
        after = rows[rows.length - 1]!.seq;
      }
      // A replayed notice may still come from the live poller once (it committed while we replayed);
      // past the poller's gap window it cannot, so the memory of what was replayed can go.
      if (replayed.size > 0) setTimeout(() => replayed.clear(), REPLAYED_MEMORY_MS).unref();
    },
  });
}
