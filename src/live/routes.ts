import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import {
  ChatBody,
  IdParam,
  MessageParam,
  MessageView,
  MuteBody,
  MuteView,
  NewPinBody,
  NewSessionBody,
  PageQuery,
  PinParam,
  PinView,
  problems,
  ReplayView,
  SessionPage,
  SessionView,
  StreamResponse,
} from './schema.ts';
import type { LiveService, NewPin, NewSession } from './service.ts';
import { serveLiveStream } from './stream.ts';
import type { OpenStreams } from '../http/sse.ts';

type Id = { Params: { id: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

/** Live shopping: sessions, their event stream (chat, pins, viewers), chat moderation, pins, replay. */
export const liveRoutes: FastifyPluginAsync<{ live: LiveService }> = async (app, { live }) => {
  const tags = ['live'];
  const open: OpenStreams = new Set();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<PageQ>(
    '/live',
    { schema: { tags, summary: 'Upcoming and live sessions, newest first', querystring: PageQuery, response: { 200: SessionPage, ...problems(400) } } },
    async (req) => live.list(req.query),
  );

  app.get<Id>(
    '/live/:id',
    { schema: { tags, summary: 'One live session with its pinned products (live price, remaining quota) and viewer count', params: IdParam, response: { 200: SessionView, ...problems(404) } } },
    async (req) => live.session(req.params.id),
  );

  app.get<Id>(
    '/live/:id/events',
    {
      schema: {
        tags,
        summary: 'The session\'s live events as Server-Sent Events: chat, deletions, pins with price and quota, state, viewer count',
        description: 'For EventSource; no sign-in needed to watch. The viewer count is the number of open streams for the session on the answering instance.',
        params: IdParam,
        response: { 200: StreamResponse, ...problems(404) },
      },
    },
    async (req, reply) => serveLiveStream(req, reply, live, req.params.id, open),
  );

  app.post<Id & { Body: { text: string } }>(
    '/live/:id/chat',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Send a chat message to a scheduled or live session',
        description: 'One message per second per user (429 live.rate_limited with Retry-After); a muted user gets 403 live.muted; an ended session 409 live.ended.',
        params: IdParam,
        body: ChatBody,
        response: { 201: MessageView, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      return reply.code(201).send(await live.chat(requireActor(req), req.params.id, req.body.text));
    },
  );

  app.delete<{ Params: { id: string; messageId: string } }>(
    '/live/:id/chat/:messageId',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Moderators (the merchant\'s staff, admins): delete a chat message; it disappears for every viewer and from the replay',
        params: MessageParam,
        response: { 204: { type: 'null', description: 'deleted' }, ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await live.deleteMessage(requireActor(req, 'merchant_staff', 'admin'), req.params.id, req.params.messageId);
      return reply.code(204).send();
    },
  );

  app.post<Id & { Body: { userId?: string; messageId?: string } }>(
    '/live/:id/mutes',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Moderators: mute a user in the session (named, or by one of their messages); their chat is refused with 403 live.muted',
        params: IdParam,
        body: MuteBody,
        response: { 200: MuteView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => live.mute(requireActor(req, 'merchant_staff', 'admin'), req.params.id, req.body),
  );

  app.delete<{ Params: { id: string; userId: string } }>(
    '/live/:id/mutes/:userId',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Moderators: unmute a user in the session',
        params: { type: 'object', required: ['id', 'userId'], properties: { id: IdParam.properties.id, userId: IdParam.properties.id }, additionalProperties: false },
        response: { 200: MuteView, ...problems(401, 403, 404) },
      },
    },
    async (req) => live.unmute(requireActor(req, 'merchant_staff', 'admin'), req.params.id, { userId: req.params.userId }),
  );

  app.post<Id & { Body: NewPin }>(
    '/live/:id/pins',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: pin one of your variants at a live-only price, up to a quota',
        description: 'While the session is live, a checkout line with this liveSessionId pays the live price and takes from the quota (never oversold: 409 live.quota_exhausted).',
        params: IdParam,
        body: NewPinBody,
        response: { 201: PinView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await live.pin(requireActor(req, 'merchant_staff', 'admin'), req.params.id, req.body)),
  );

  app.delete<{ Params: { id: string; pinId: string } }>(
    '/live/:id/pins/:pinId',
    {
      schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: unpin a product (its history stays in the replay)', params: PinParam, response: { 200: PinView, ...problems(401, 403, 404, 409) } },
    },
    async (req) => live.unpin(requireActor(req, 'merchant_staff', 'admin'), req.params.id, req.params.pinId),
  );

  app.post<Id>(
    '/live/:id/start',
    { schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: go live (scheduled → live)', params: IdParam, response: { 200: SessionView, ...problems(401, 403, 404, 409) } } },
    async (req) => live.start(requireActor(req, 'merchant_staff', 'admin'), req.params.id),
  );

  app.post<Id>(
    '/live/:id/end',
    { schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: end the session (live → ended); live prices stop applying', params: IdParam, response: { 200: SessionView, ...problems(401, 403, 404, 409) } } },
    async (req) => live.end(requireActor(req, 'merchant_staff', 'admin'), req.params.id),
  );

  app.get<Id & PageQ>(
    '/live/:id/replay',
    {
      schema: {
        tags,
        summary: 'After the session: its chat (without deleted messages, oldest first, paged) and its pin history',
        params: IdParam,
        querystring: PageQuery,
        response: { 200: ReplayView, ...problems(400, 404, 409) },
      },
    },
    async (req) => live.replay(req.actor, req.params.id, req.query),
  );

  app.post<{ Body: NewSession }>(
    '/merchant/live',
    {
      schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: schedule a live session', body: NewSessionBody, response: { 201: SessionView, ...problems(400, 401, 403) } },
    },
    async (req, reply) => reply.code(201).send(await live.schedule(requireActor(req, 'merchant_staff'), req.body)),
  );

  app.get<PageQ>(
    '/merchant/live',
    {
      schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: your merchant\'s live sessions in every state, newest first', querystring: PageQuery, response: { 200: SessionPage, ...problems(400, 401, 403) } },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return live.merchantSessions(requireActor(req, 'merchant_staff'), req.query);
    },
  );
};
