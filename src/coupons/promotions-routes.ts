import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { problems } from '../http/schema.ts';
import type { PromotionInput, PromotionsService } from './promotions.ts';

const minor = { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const ids = { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 128 } } as const;
const applies = { type: 'object', properties: { productIds: ids, categoryIds: ids, merchantIds: ids }, additionalProperties: false } as const;
const ruleProps = {
  kind: { type: 'string', enum: ['category_discount', 'buy_x_get_y', 'spend_and_save'] },
  percentBps: { type: 'integer', minimum: 1, maximum: 10_000, description: 'category_discount: basis points off' },
  buyX: { type: 'integer', minimum: 1, maximum: 100 },
  getY: { type: 'integer', minimum: 1, maximum: 100 },
  thresholdMinor: minor,
  saveMinor: minor,
  applies,
  validFrom: time,
  validUntil: time,
} as const;
const Body = { type: 'object', required: ['kind'], properties: ruleProps, additionalProperties: false } as const;
const View = {
  type: 'object',
  required: ['id', 'funder', 'kind', 'active', 'createdAt'],
  properties: { ...ruleProps, id: { type: 'string' }, funder: { type: 'string', enum: ['platform', 'merchant'] }, merchantId: { type: 'string' }, active: { type: 'boolean' }, createdAt: time },
  additionalProperties: false,
} as const;
const List = { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: View }, nextCursor: { type: ['string', 'null'] } }, additionalProperties: false } as const;
const PageQuery = { type: 'object', properties: { cursor: { type: 'string', maxLength: 512 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }, additionalProperties: false } as const;
const IdParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } }, additionalProperties: false } as const;

/** Automatic promotions: platform-funded by admins, merchant-funded by their staff. */
export const promotionsRoutes: FastifyPluginAsync<{ promotions: PromotionsService }> = async (app, { promotions }) => {
  const tags = ['coupons'];
  const security = SIGNED_IN;
  for (const [path, role, who] of [['/admin/promotions', 'admin', 'Admin: a platform-funded'], ['/merchant/promotions', 'merchant_staff', 'Merchant staff: your merchant\'s']] as const) {
    app.post<{ Body: PromotionInput }>(path, { schema: { tags, security, summary: `${who} automatic promotion (category discount, buy X get Y, spend and save)`, body: Body, response: { 201: View, ...problems(400, 401, 403) } } }, async (req, reply) =>
      reply.code(201).send(await promotions.create(requireActor(req, role), req.body)),
    );
    app.get<{ Querystring: { cursor?: string; limit?: number } }>(path, { schema: { tags, security, summary: `${who === 'Admin: a platform-funded' ? 'Admin, auditor: all' : 'Your merchant\'s'} promotions, newest first`, querystring: PageQuery, response: { 200: List, ...problems(400, 401, 403) } } }, async (req) =>
      promotions.list(role === 'admin' ? requireActor(req, 'admin', 'auditor') : requireActor(req, role), req.query),
    );
    app.post<{ Params: { id: string } }>(`${path}/:id/deactivate`, { schema: { tags, security, summary: 'Stop a promotion', params: IdParam, response: { 200: View, ...problems(401, 403, 404, 409) } } }, async (req) =>
      promotions.deactivate(requireActor(req, role), req.params.id),
    );
  }
};
