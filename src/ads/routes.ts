import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { requestSubject } from '../privacy/index.ts';
import {
  BalanceView,
  CampaignPage,
  CampaignPatchBody,
  CampaignView,
  ClickBody,
  ClickView,
  FundBody,
  IdParam,
  NewCampaignBody,
  PageQuery,
  problems,
  SlotsQuery,
  SlotsView,
  StatementQuery,
  StatementView,
  StatsView,
} from './schema.ts';
import type { AdsService, CampaignInput, Viewer } from './service.ts';

type Id = { Params: { id: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

function viewerOf(req: FastifyRequest): Viewer {
  const s = requestSubject(req);
  return { actor: req.actor, visitorId: s && 'visitorId' in s ? s.visitorId : undefined };
}

/** Sponsored listings: the public slots and clicks, and the merchant's ad balance and campaigns. */
export const adsRoutes: FastifyPluginAsync<{ ads: AdsService }> = async (app, { ads }) => {
  const tags = ['ads'];
  const staff = (req: FastifyRequest) => requireActor(req, 'merchant_staff');
  const fence = (req: FastifyRequest) => (req.idempotency ? req.idempotency.fence.bind(req.idempotency) : undefined);

  app.get<{ Querystring: { q?: string; categoryId?: string } }>(
    '/ads/slots',
    {
      schema: {
        tags,
        summary: 'The sponsored products for a search query and/or category page (up to 3), each with a signed impression token',
        description: 'Anonymous or signed in. Campaigns matching the page compete in a generalized second-price auction weighted by relevance; each slot\'s token carries its clearing price and who it was shown to.',
        querystring: SlotsQuery,
        response: { 200: SlotsView, ...problems(400) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.slots(viewerOf(req), req.query);
    },
  );

  app.post<{ Body: { token: string } }>(
    '/ads/clicks',
    {
      config: { idempotent: true },
      schema: {
        tags,
        summary: 'A click on a sponsored slot: recorded, charged at its clearing price when it should be, and where to go next',
        description: 'Anonymous visitors allowed. Identity: the session, else the cm_visitor cookie; a click with neither is recorded but never charged. '
          + 'Not charged (charged false with a reason): the same viewer again on the same campaign and product within 30 minutes, the merchant\'s own staff, '
          + 'a token older than an hour or shown to someone else, a campaign no longer active, a budget or ad balance that cannot pay. A forged token is 400 ads.bad_token.',
        body: ClickBody,
        response: { 200: ClickView, ...problems(400, 404, 409) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return ads.click(viewerOf(req), req.body.token, fence(req));
    },
  );

  app.get(
    '/merchant/ads',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: your ad balance, and what your receivable could still fund',
        response: { 200: BalanceView, ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.balance(staff(req).merchantId!);
    },
  );

  app.get<PageQ>(
    '/merchant/ads/statement',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: the ad balance\'s statement, newest first (fundings and charged clicks)',
        querystring: StatementQuery,
        response: { 200: StatementView, ...problems(400, 401, 403) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.statement(staff(req).merchantId!, req.query);
    },
  );

  app.post<{ Body: { amountMinor: string } }>(
    '/merchant/ads/fund',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: move money from your receivable to your ad balance',
        description: 'Beyond the receivable\'s available balance: 409 ads.insufficient_receivable (with availableMinor).',
        body: FundBody,
        response: { 200: BalanceView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req) => ads.fund(staff(req), req.body.amountMinor, fence(req)),
  );

  app.get<PageQ>(
    '/merchant/ads/campaigns',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: your campaigns, newest first',
        querystring: PageQuery,
        response: { 200: CampaignPage, ...problems(400, 401, 403) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.campaigns(staff(req), req.query);
    },
  );

  app.post<{ Body: CampaignInput }>(
    '/merchant/ads/campaigns',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: create a campaign (active from startsAt)',
        description: 'Your own products only (400 ads.not_your_product); at least one keyword or category; daily budget ≥ bid, total budget ≥ daily budget.',
        body: NewCampaignBody,
        response: { 201: CampaignView, ...problems(400, 401, 403) },
      },
    },
    async (req, reply) => reply.code(201).send(await ads.create(staff(req), req.body)),
  );

  app.get<Id>(
    '/merchant/ads/campaigns/:id',
    {
      schema: { tags, security: SIGNED_IN, summary: 'Merchant staff: one of your campaigns', params: IdParam, response: { 200: CampaignView, ...problems(401, 403, 404) } },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.campaign(staff(req), req.params.id);
    },
  );

  app.patch<Id & { Body: CampaignInput }>(
    '/merchant/ads/campaigns/:id',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: change a campaign (budgets never below what is spent: 409)',
        params: IdParam,
        body: CampaignPatchBody,
        response: { 200: CampaignView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => ads.update(staff(req), req.params.id, req.body),
  );

  for (const [action, what] of [
    ['pause', 'pause an active campaign'],
    ['resume', 'resume a paused campaign (or an exhausted one whose budget was raised)'],
    ['end', 'end a campaign for good'],
  ] as const) {
    app.post<Id>(
      `/merchant/ads/campaigns/:id/${action}`,
      {
        schema: { tags, security: SIGNED_IN, summary: `Merchant staff: ${what}`, params: IdParam, response: { 200: CampaignView, ...problems(401, 403, 404, 409) } },
      },
      async (req) => (action === 'pause' ? ads.pause(staff(req), req.params.id) : action === 'resume' ? ads.resume(staff(req), req.params.id) : ads.end(staff(req), req.params.id)),
    );
  }

  app.get<Id>(
    '/merchant/ads/campaigns/:id/stats',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: a campaign\'s impressions, clicks (charged or not), spend and attributed sales, per UTC day',
        params: IdParam,
        response: { 200: StatsView, ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return ads.stats(staff(req), req.params.id);
    },
  );
};
