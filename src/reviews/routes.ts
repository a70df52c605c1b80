import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import {
  AdminReviewsQuery,
  HideBody,
  IdParam,
  MerchantReviewsQuery,
  NewReviewBody,
  PageQuery,
  problems,
  PublicReviewPage,
  PublicReviewView,
  RatingView,
  ReplyBody,
  ReviewPage,
  ReviewView,
  UnhideBody,
} from './schema.ts';
import { publicReview, type NewReview, type ReviewsService } from './service.ts';

type Id = { Params: { id: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

/** Verified-purchase reviews: the buyer's review, public lists and ratings, merchant replies, moderation. */
export const reviewsRoutes: FastifyPluginAsync<{ reviews: ReviewsService }> = async (app, { reviews }) => {
  const tags = ['reviews'];

  app.post<{ Body: NewReview }>(
    '/reviews',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Buyer: review a received line of your order (once per order and SKU)',
        description: 'The order must be yours and received (or later: refund requested, refunded, completed); otherwise 403 review.not_purchased. A second review of the same line is 409 review.duplicate.',
        body: NewReviewBody,
        response: { 201: ReviewView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await reviews.create(requireActor(req, 'buyer'), req.body)),
  );

  app.get<Id & PageQ>(
    '/products/:id/reviews',
    {
      schema: {
        tags,
        summary: 'A product\'s visible reviews, newest first',
        params: IdParam,
        querystring: PageQuery,
        response: { 200: PublicReviewPage, ...problems(400, 404) },
      },
    },
    async (req) => reviews.productReviews(req.actor, req.params.id, req.query),
  );

  app.get<Id>(
    '/products/:id/rating',
    {
      schema: {
        tags,
        summary: 'A product\'s rating: average, count and distribution over all reviews (hidden ones stay counted)',
        params: IdParam,
        response: { 200: RatingView, ...problems(404) },
      },
    },
    async (req) => reviews.productRating(req.actor, req.params.id),
  );

  app.get<Id>(
    '/reviews/:id',
    {
      schema: {
        tags,
        summary: 'One review, as the public sees it (a hidden one only for its author, its merchant\'s staff, admins and auditors)',
        params: IdParam,
        response: { 200: PublicReviewView, ...problems(404) },
      },
    },
    async (req, reply) => {
      const r = await reviews.review(req.actor, req.params.id);
      if (req.actor) reply.header('cache-control', 'private, no-store');
      return publicReview(r);
    },
  );

  app.post<Id & { Body: { text: string } }>(
    '/reviews/:id/reply',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: answer a review of your merchant\'s product (again to edit the answer)',
        params: IdParam,
        body: ReplyBody,
        response: { 200: ReviewView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => reviews.reply(requireActor(req, 'merchant_staff'), req.params.id, req.body),
  );

  app.get<{ Querystring: { unanswered?: boolean; cursor?: string; limit?: number } }>(
    '/merchant/reviews',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: reviews of your merchant\'s products, hidden ones included, newest first',
        querystring: MerchantReviewsQuery,
        response: { 200: ReviewPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const actor = requireActor(req, 'merchant_staff');
      assert(actor.merchantId !== undefined, 'reviews: merchant_staff actor without a merchantId');
      return reviews.merchantReviews(actor.merchantId, req.query);
    },
  );

  app.get<PageQ>(
    '/me/reviews',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Buyer: your reviews, hidden ones included (flagged), newest first',
        querystring: PageQuery,
        response: { 200: ReviewPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => reviews.buyerReviews(requireActor(req, 'buyer'), req.query),
  );

  app.get<{ Querystring: { hidden?: boolean; cursor?: string; limit?: number } }>(
    '/admin/reviews',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin, auditor: all reviews (or only hidden / visible ones), newest first',
        querystring: AdminReviewsQuery,
        response: { 200: ReviewPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return reviews.allReviews(req.query);
    },
  );

  app.post<Id & { Body: { reason: string } }>(
    '/admin/reviews/:id/hide',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: hide a review from public lists, with a reason code (it still counts in the rating)',
        params: IdParam,
        body: HideBody,
        response: { 200: ReviewView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => reviews.hide(requireActor(req, 'admin'), req.params.id, req.body.reason),
  );

  app.post<Id & { Body: { reason: string } }>(
    '/admin/reviews/:id/unhide',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: show a hidden review again, with a reason code',
        params: IdParam,
        body: UnhideBody,
        response: { 200: ReviewView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => reviews.unhide(requireActor(req, 'admin'), req.params.id, req.body.reason),
  );
};
