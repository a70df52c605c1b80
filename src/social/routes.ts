import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import {
  AnswerBody,
  AnswerView,
  FeedPage,
  FollowPage,
  FollowState,
  IdParam,
  ItemParam,
  LinkStatsPage,
  LinkView,
  MerchantParam,
  ModerationBody,
  NewLinkBody,
  NewWishlistBody,
  PageQuery,
  problems,
  QuestionBody,
  QuestionPage,
  QuestionView,
  VisitBody,
  VisitView,
  WishlistPage,
  WishlistPatchBody,
  WishlistView,
} from './schema.ts';
import type { SocialService } from './service.ts';

type Id = { Params: { id: string } };
type M = { Params: { merchantId: string } };
type Item = { Params: { id: string; productId: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

/** Follows and the feed, wishlists, share links with referral rewards, product Q&A. */
export const socialRoutes: FastifyPluginAsync<{ social: SocialService }> = async (app, { social }) => {
  const tags = ['social'];
  const priv = { security: SIGNED_IN };

  // ------------------------------------------------------------ follows and feed
  app.put<M>('/me/follows/:merchantId', {
    schema: { tags, ...priv, summary: 'Buyer: follow a merchant (again: no change)', params: MerchantParam, response: { 200: FollowState, ...problems(401, 403, 404) } },
  }, async (req) => social.follow(requireActor(req, 'buyer'), req.params.merchantId));

  app.delete<M>('/me/follows/:merchantId', {
    schema: { tags, ...priv, summary: 'Buyer: stop following a merchant', params: MerchantParam, response: { 200: FollowState, ...problems(401, 403) } },
  }, async (req) => social.unfollow(requireActor(req, 'buyer'), req.params.merchantId));

  app.get<PageQ>('/me/follows', {
    schema: { tags, ...priv, summary: 'Buyer: the merchants you follow, latest first', querystring: PageQuery, response: { 200: FollowPage, ...problems(400, 401, 403) } },
  }, async (req) => social.follows(requireActor(req, 'buyer'), req.query));

  app.get<M>('/merchants/:merchantId/followers', {
    schema: { tags, summary: 'A merchant\'s follower count, and whether the caller follows it', params: MerchantParam, response: { 200: FollowState, ...problems(404) } },
  }, async (req, reply) => {
    if (req.actor) reply.header('cache-control', 'private, no-store');
    return social.followers(req.actor, req.params.merchantId);
  });

  app.get<PageQ>('/me/feed', {
    schema: {
      tags, ...priv, summary: 'Buyer: what the merchants you follow did (new products…), newest first',
      querystring: PageQuery, response: { 200: FeedPage, ...problems(400, 401, 403) },
    },
  }, async (req) => social.feed(requireActor(req, 'buyer'), req.query));

  // ------------------------------------------------------------ wishlists
  app.post<{ Body: { name: string; public?: boolean } }>('/me/wishlists', {
    schema: { tags, ...priv, summary: 'Buyer: a new wishlist, private unless public: true', body: NewWishlistBody, response: { 201: WishlistView, ...problems(400, 401, 403, 409) } },
  }, async (req, reply) => reply.code(201).send(await social.createWishlist(requireActor(req, 'buyer'), req.body)));

  app.get<PageQ>('/me/wishlists', {
    schema: { tags, ...priv, summary: 'Buyer: your wishlists, newest first', querystring: PageQuery, response: { 200: WishlistPage, ...problems(400, 401, 403) } },
  }, async (req) => social.myWishlists(requireActor(req, 'buyer'), req.query));

  app.patch<Id & { Body: { name?: string; public?: boolean } }>('/me/wishlists/:id', {
    schema: { tags, ...priv, summary: 'Buyer: rename a wishlist or make it public / private', params: IdParam, body: WishlistPatchBody, response: { 200: WishlistView, ...problems(400, 401, 404) } },
  }, async (req) => social.updateWishlist(requireActor(req, 'buyer'), req.params.id, req.body));

  app.delete<Id>('/me/wishlists/:id', {
    schema: { tags, ...priv, summary: 'Buyer: delete a wishlist', params: IdParam, response: { 204: { type: 'null' }, ...problems(401, 404) } },
  }, async (req, reply) => {
    await social.deleteWishlist(requireActor(req, 'buyer'), req.params.id);
    return reply.code(204).send();
  });

  app.put<Item>('/me/wishlists/:id/items/:productId', {
    schema: { tags, ...priv, summary: 'Buyer: add a product to your wishlist (again: no change)', params: ItemParam, response: { 200: WishlistView, ...problems(401, 404, 409) } },
  }, async (req) => social.addToWishlist(requireActor(req, 'buyer'), req.params.id, req.params.productId));

  app.delete<Item>('/me/wishlists/:id/items/:productId', {
    schema: { tags, ...priv, summary: 'Buyer: remove a product from your wishlist', params: ItemParam, response: { 200: WishlistView, ...problems(401, 404) } },
  }, async (req) => social.removeFromWishlist(requireActor(req, 'buyer'), req.params.id, req.params.productId));

  app.get<Id>('/wishlists/:id', {
    schema: {
      tags, summary: 'A wishlist: public ones for anyone (available products only), private ones for their owner only (404 for others)',
      params: IdParam, response: { 200: WishlistView, ...problems(404) },
    },
  }, async (req, reply) => {
    const w = await social.wishlist(req.actor, req.params.id);
    reply.header('cache-control', w.public && !w.mine ? 'public, max-age=60' : 'private, no-store');
    return w;
  });

  // ------------------------------------------------------------ referrals
  app.post<{ Body: { productId: string } }>('/referrals', {
    schema: {
      tags, ...priv, summary: 'A share link for a product, with your unguessable referral code',
      description: 'When a buyer who arrived through the link pays an order containing the product within the referral window (REFERRAL_WINDOW_DAYS, default 7 days after their latest visit), you earn a fixed REFERRAL_REWARD_POINTS points (default 100), once per order; a refund, cancellation or rejection takes them back.',
      body: NewLinkBody, response: { 201: LinkView, ...problems(400, 401, 404) },
    },
  }, async (req, reply) => reply.code(201).send(await social.createLink(requireActor(req, 'buyer', 'merchant_staff', 'admin'), req.body.productId)));

  app.post<{ Body: { code: string } }>('/referrals/visits', {
    schema: {
      tags, ...priv, summary: 'Buyer: record that you arrived through a share link (the web app posts the ?ref= code, after sign-in if need be)',
      description: '404 referral.not_found for an unknown code; 422 referral.self for your own link. Visiting again refreshes the visit time.',
      body: VisitBody, response: { 200: VisitView, ...problems(400, 401, 403, 404, 422) },
    },
  }, async (req) => social.recordVisit(requireActor(req, 'buyer'), req.body.code));

  app.get<PageQ>('/me/referrals', {
    schema: { tags, ...priv, summary: 'Your share links, newest first, with visits, attributed orders and points earned', querystring: PageQuery, response: { 200: LinkStatsPage, ...problems(400, 401) } },
  }, async (req) => social.myLinks(requireActor(req, 'buyer', 'merchant_staff', 'admin'), req.query));

  // ------------------------------------------------------------ Q&A
  app.post<Id & { Body: { text: string } }>('/products/:id/questions', {
    schema: { tags, ...priv, summary: 'Buyer: ask a question about a product', params: IdParam, body: QuestionBody, response: { 201: QuestionView, ...problems(400, 401, 403, 404) } },
  }, async (req, reply) => reply.code(201).send(await social.ask(requireActor(req, 'buyer'), req.params.id, req.body)));

  app.get<Id & PageQ>('/products/:id/questions', {
    schema: { tags, summary: 'A product\'s questions, newest first, each with its answers', params: IdParam, querystring: PageQuery, response: { 200: QuestionPage, ...problems(400, 404) } },
  }, async (req) => social.questions(req.actor, req.params.id, req.query));

  app.post<Id & { Body: { text: string } }>('/questions/:id/answers', {
    schema: {
      tags, ...priv, summary: 'Answer a question: the product merchant\'s staff ("seller") or a buyer who received it ("verified buyer")',
      description: 'Anyone else: 403 qa.not_allowed.',
      params: IdParam, body: AnswerBody, response: { 201: AnswerView, ...problems(400, 401, 403, 404) },
    },
  }, async (req, reply) => reply.code(201).send(await social.answer(requireActor(req), req.params.id, req.body)));

  app.post<Id & { Body: { hidden: boolean } }>('/admin/questions/:id/moderation', {
    schema: { tags, ...priv, summary: 'Admin: hide a question (with its answers) from the public, or show it again', params: IdParam, body: ModerationBody, response: { 200: QuestionView, ...problems(400, 401, 403, 404) } },
  }, async (req) => social.moderateQuestion(requireActor(req, 'admin'), req.params.id, req.body.hidden));

  app.post<Id & { Body: { hidden: boolean } }>('/admin/answers/:id/moderation', {
    schema: { tags, ...priv, summary: 'Admin: hide an answer from the public, or show it again', params: IdParam, body: ModerationBody, response: { 200: AnswerView, ...problems(400, 401, 403, 404) } },
  }, async (req) => social.moderateAnswer(requireActor(req, 'admin'), req.params.id, req.body.hidden));
};
