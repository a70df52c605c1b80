import type { FastifyPluginAsync } from 'fastify';
import { requestSubject } from '../privacy/index.ts';
import { problems, RecsQuery, RecsView } from './schema.ts';
import type { RecommendationQuery, RecommendationsService } from './service.ts';

/** Recommendations for anyone: item-to-item for a product, personal picks with consent, popularity. */
export const recommendationsRoutes: FastifyPluginAsync<{ recommendations: RecommendationsService }> = async (app, { recommendations }) => {
  app.get<{ Querystring: RecommendationQuery }>(
    '/recommendations',
    {
      schema: {
        tags: ['recommendations'],
        summary: 'Recommended products, each with the reason it is shown',
        description:
          'bought_together / viewed_together: products bought in the same baskets / viewed in the same sessions as productId (404 if the product is not for sale). ' +
          'for_you: from your recent activity, only with personalisation consent; otherwise, and for anonymous visitors, popular products (strategy says which was used). ' +
          'Only products for sale are returned.',
        querystring: RecsQuery,
        response: { 200: RecsView, ...problems(400, 404) },
      },
    },
    async (req, reply) => {
      const subject = requestSubject(req);
      // Personal answers must not be cached for anyone else.
      if (subject) reply.header('cache-control', 'private, no-store');
      return recommendations.recommend(subject, req.query);
    },
  );
};
