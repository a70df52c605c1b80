import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import type { NewCoupon } from './rules.ts';
import { CodeParam, CouponPage, CouponTermsView, CouponView, NewCouponBody, PageQuery, problems } from './schema.ts';
import type { CouponsService } from './service.ts';

type Code = { Params: { code: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

/** Coupons: admins make platform coupons, merchant staff their merchant's; anyone reads an active coupon's terms. */
export const couponsRoutes: FastifyPluginAsync<{ coupons: CouponsService }> = async (app, { coupons }) => {
  const tags = ['coupons'];

  app.post<{ Body: NewCoupon }>(
    '/admin/coupons',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: create a platform-funded coupon',
        body: NewCouponBody,
        response: { 201: CouponView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await coupons.create(requireActor(req, 'admin'), req.body)),
  );

  app.post<{ Body: NewCoupon }>(
    '/merchant/coupons',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: create a coupon of your merchant, funded by it and applying to its lines only',
        body: NewCouponBody,
        response: { 201: CouponView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await coupons.create(requireActor(req, 'merchant_staff'), req.body)),
  );

  app.get<PageQ>(
    '/admin/coupons',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin, auditor: all coupons, by code',
        querystring: PageQuery,
        response: { 200: CouponPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => coupons.list(requireActor(req, 'admin', 'auditor'), req.query),
  );

  app.get<PageQ>(
    '/merchant/coupons',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: your merchant\'s coupons, by code',
        querystring: PageQuery,
        response: { 200: CouponPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => coupons.list(requireActor(req, 'merchant_staff'), req.query),
  );

  app.post<Code>(
    '/admin/coupons/:code/deactivate',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: deactivate a coupon (it can no longer be applied)',
        params: CodeParam,
        response: { 200: CouponView, ...problems(401, 403, 404, 409) },
      },
    },
    async (req) => coupons.deactivate(requireActor(req, 'admin'), req.params.code),
  );

  app.get<Code>(
    '/coupons/:code',
    {
      schema: {
        tags,
        summary: 'An active coupon\'s public terms, for the cart page (inactive or unknown: 404)',
        params: CodeParam,
        response: { 200: CouponTermsView, ...problems(404) },
      },
    },
    async (req) => coupons.terms(req.params.code),
  );
};
