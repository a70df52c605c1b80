import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import {
  DeliveryListQuery,
  DeliveryPage,
  DeliveryView,
  EndpointList,
  IdParam,
  NewEndpointBody,
  NewEndpointView,
  NoticeListQuery,
  NoticePage,
  NoticeView,
  problems,
  StreamHeaders,
  StreamResponse,
} from './schema.ts';
import type { NotificationsService } from './service.ts';
import { serveStream } from './stream.ts';
import type { OpenStreams } from '../http/sse.ts';

function merchantOf(req: FastifyRequest): string {
  const actor = requireActor(req, 'merchant_staff');
  assert(actor.merchantId, 'merchant_staff without a merchant');
  return actor.merchantId;
}

const audienceOf = (req: FastifyRequest) => {
  const actor = requireActor(req);
  return { userId: actor.userId, merchantId: actor.merchantId };
};

/** In-app notifications (list, read, SSE stream) and merchants' webhook endpoints. */
export const notificationsRoutes: FastifyPluginAsync<{ notifications: NotificationsService }> = async (app, { notifications }) => {
  const tags = ['notifications'];
  const open: OpenStreams = new Set();
  // Open streams would hold the server open: end them before it waits for in-flight requests.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<{ Querystring: { cursor?: string; limit?: number; unread?: boolean } }>(
    '/notifications',
    { schema: { tags, security: SIGNED_IN, summary: 'Your notifications and your merchant\'s, newest first', querystring: NoticeListQuery, response: { 200: NoticePage, ...problems(400, 401) } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return notifications.list(audienceOf(req), req.query);
    },
  );

  app.get(
    '/notifications/stream',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Live notifications as Server-Sent Events',
        description: 'For EventSource. Sends the events after Last-Event-ID first (if given), then each new notice as it is committed, on any instance.',
        headers: StreamHeaders,
        response: { 200: StreamResponse, ...problems(401) },
      },
    },
    async (req, reply) => serveStream(req, reply, notifications, audienceOf(req), open),
  );

  app.post<{ Params: { id: string } }>(
    '/notifications/:id/read',
    { schema: { tags, security: SIGNED_IN, summary: 'Mark a notification read', params: IdParam, response: { 200: NoticeView, ...problems(401, 404) } } },
    async (req) => notifications.markRead(audienceOf(req), req.params.id),
  );

  app.post<{ Body: { url: string; events: string[] } }>(
    '/merchant/webhooks',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant: add a webhook endpoint; the signing secret is shown in this answer only',
        description: 'Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<HMAC-SHA256>), retried with back-off for about 32 hours.',
        body: NewEndpointBody,
        response: { 201: NewEndpointView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const endpoint = await notifications.createEndpoint(merchantOf(req), req.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(endpoint);
    },
  );

  app.get(
    '/merchant/webhooks',
    { schema: { tags, security: SIGNED_IN, summary: 'Merchant: webhook endpoints, without their secrets', response: { 200: EndpointList, ...problems(401, 403) } } },
    async (req) => ({ items: await notifications.endpoints(merchantOf(req)) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/merchant/webhooks/:id',
    { schema: { tags, security: SIGNED_IN, summary: 'Merchant: remove a webhook endpoint and its deliveries', params: IdParam, response: { 204: { type: 'null' }, ...problems(401, 403, 404) } } },
    async (req, reply) => {
      await notifications.deleteEndpoint(merchantOf(req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: number } }>(
    '/merchant/webhooks/:id/deliveries',
    {
      schema: { tags, security: SIGNED_IN, summary: 'Merchant: deliveries to one endpoint, newest first', params: IdParam, querystring: DeliveryListQuery, response: { 200: DeliveryPage, ...problems(400, 401, 403, 404) } },
    },
    async (req) => notifications.deliveries(merchantOf(req), req.params.id, req.query),
  );

  app.post<{ Params: { id: string } }>(
    '/merchant/webhooks/:id/test',
    { schema: { tags, security: SIGNED_IN, summary: 'Merchant: queue a webhook.test delivery to this endpoint', params: IdParam, response: { 202: DeliveryView, ...problems(401, 403, 404, 409) } } },
    async (req, reply) => reply.code(202).send(await notifications.sendTest(merchantOf(req), req.params.id)),
  );
};
