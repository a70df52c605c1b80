import type { FastifyPluginAsync } from 'fastify';
import type { WitnessingService } from './service.ts';

/**
 * `GET /log/checkpoint.cosigned`: the newest checkpoint that reached the witness quorum, with the
 * cosignatures gathered for it appended as extra note signatures (clients ignore the ones they
 * do not know). `/log/checkpoint` stays the log's latest, uncosigned, as tlog-tiles serves it.
 */
export const witnessLogRoutes: FastifyPluginAsync<{ witnessing: WitnessingService }> = async (app, { witnessing }) => {
  app.get('/checkpoint.cosigned', { schema: { hide: true } }, async (_req, reply) => {
    const { note } = await witnessing.cosignedCheckpoint();
    return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(note);
  });
};
