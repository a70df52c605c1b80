import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { problems } from '../http/schema.ts';
import type { PointsService } from './service.ts';

const pct = { type: 'integer', minimum: 0, maximum: 1000 } as const;
export const RulesSchema = {
  type: 'object',
  required: ['pointsPerMajorUnit', 'categoryPct', 'promotions', 'capPerOrder', 'expiryDays', 'valuePer100PointsMinor', 'redeemMaxPct'],
  properties: {
    pointsPerMajorUnit: { type: 'integer', minimum: 0, maximum: 1000, description: 'points per major currency unit paid (1 = a point per yuan)' },
    categoryPct: { type: 'object', additionalProperties: pct, description: 'per category id: percent of the base rate' },
    promotions: { type: 'array', maxItems: 100, items: { type: 'object', required: ['from', 'until', 'multiplierPct'], properties: { from: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' }, multiplierPct: { type: 'integer', minimum: 100, maximum: 1000 } }, additionalProperties: false } },
    capPerOrder: { type: 'integer', minimum: 0, maximum: 10_000_000, description: '0: no cap' },
    expiryDays: { type: 'integer', minimum: 1, maximum: 3650 },
    valuePer100PointsMinor: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    redeemMaxPct: { type: 'integer', minimum: 0, maximum: 100 },
  },
  additionalProperties: false,
} as const;

const BalanceView = {
  type: 'object',
  required: ['points', 'expiring'],
  properties: {
    points: { type: 'string', description: 'whole points, as a decimal string' },
    expiring: { type: 'array', items: { type: 'object', required: ['points', 'expiresAt'], properties: { points: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } }, additionalProperties: false } },
  },
  additionalProperties: false,
} as const;

export const pointsRoutes: FastifyPluginAsync<{ points: PointsService }> = async (app, { points }) => {
  const tags = ['points'];
  const security = SIGNED_IN;
  app.get('/me/points', { schema: { tags, security, summary: 'Your points: balance and the soonest-expiring lots', response: { 200: BalanceView, ...problems(401, 403) } } }, async (req) => {
    const b = await points.balance(requireActor(req, 'buyer').userId);
    return { points: b.points.toString(), expiring: b.expiring.map((e) => ({ points: e.points.toString(), expiresAt: e.expiresAt })) };
  });
  app.get('/admin/points-rules', { schema: { tags, security, summary: 'Admin, auditor: the points rules in force', response: { 200: RulesSchema, ...problems(401, 403) } } }, async (req) => {
    requireActor(req, 'admin', 'auditor');
    return points.rules();
  });
  app.put<{ Body: unknown }>('/admin/points-rules', { schema: { tags, security, summary: 'Admin: set the points rules (rate, category percentages, promotions, cap, expiry, redemption value and share)', body: RulesSchema, response: { 200: RulesSchema, ...problems(400, 401, 403) } } }, async (req) =>
    points.setRules(requireActor(req, 'admin').userId, req.body),
  );
};
