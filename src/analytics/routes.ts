import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { requestSubject } from '../privacy/index.ts';
import type { EventInput } from './rules.ts';
import { EventsBody, IngestView, MerchantAnalyticsView, MerchantDailyView, PeriodQuery, problems } from './schema.ts';
import type { AnalyticsService, PeriodQuery as Period } from './service.ts';

/** Behaviour events in (consent first), merchant analytics out (k-anonymous). */
export const analyticsRoutes: FastifyPluginAsync<{ analytics: AnalyticsService }> = async (app, { analytics }) => {
  const tags = ['analytics'];

  app.post<{ Body: { events: EventInput[] } }>(
    '/events',
    {
      schema: {
        tags,
        summary: 'Send behaviour events (views, searches, cart adds, recommendation impressions and clicks); stored only with consent',
        description: 'Anonymous or signed in. Nothing is stored without a consent choice (cm_visitor cookie or a session) granting analytics or personalisation: '
          + 'then the answer is 202 with reason "no consent". Stored events carry your pseudonym only. Up to 500 per batch, deduplicated by your event id; '
          + 'unknown or unlisted products are dropped. purchase is refused (400): purchases are recorded by the server. Rate-limited per visitor and per address (429 with Retry-After).',
        body: EventsBody,
        response: { 202: IngestView, ...problems(400, 429) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.code(202).send(await analytics.collect(requestSubject(req), req.ip, req.body.events));
    },
  );

  app.get<{ Querystring: Period }>(
    '/merchant/analytics',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff (admins, auditors with merchantId): sales, funnel, top products and repeat buyers over a period, k-anonymous',
        querystring: PeriodQuery,
        response: { 200: MerchantAnalyticsView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return analytics.merchantReport(requireActor(req, 'merchant_staff', 'admin', 'auditor'), req.query);
    },
  );

  app.get<{ Querystring: Period }>(
    '/merchant/analytics/daily',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff (admins, auditors with merchantId): sold orders and sales per UTC day, for charts, k-anonymous',
        querystring: PeriodQuery,
        response: { 200: MerchantDailyView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return analytics.merchantDaily(requireActor(req, 'merchant_staff', 'admin', 'auditor'), req.query);
    },
  );
};
