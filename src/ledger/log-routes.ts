import type { FastifyPluginAsync } from 'fastify';
import { sendProblem } from '../http/problem.ts';
import type { Ledger } from './service.ts';
import { encodeBundle, parseTilePath, TILE_WIDTH } from './tiles.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The C2SP tlog-tiles read API: static-cacheable GETs from which anyone can mirror the log and
 * verify it. A tile's content at a given width never changes, so full and partial tiles are
 * both immutable; the checkpoint is not.
 */
export const logRoutes: FastifyPluginAsync<{ ledger: Ledger }> = async (app, { ledger }) => {
  const hide = { hide: true } as const;

  app.get('/checkpoint', { schema: { ...hide } }, async (_req, reply) => {
    const last = await ledger.latest();
    if (!last) return sendProblem(reply, 404, 'ledger.empty', 'the log has no checkpoint yet');
    return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(last.checkpoint);
  });

  app.get('/tile/*', { schema: { ...hide } }, async (req, reply) => {
    const raw = (req.params as { '*': string })['*'];
    const at = parseTilePath(`tile/${raw}`);
    if (!at) return sendProblem(reply, 404, 'ledger.bad_tile_path', `"tile/${raw}" is not a tlog-tiles path`);
    let body: Uint8Array | undefined;
    if (at.kind === 'hash') {
      const tile = await ledger.store.tile(at.level, at.index);
      if (tile && tile.length >= at.width * 32) body = tile.subarray(0, at.width * 32);
    } else {
      const first = at.index * TILE_WIDTH;
      const size = (await ledger.latest())?.treeSize ?? 0;
      const rows = first + at.width <= size ? await ledger.store.entries(first, first + at.width) : [];
      if (rows.length === at.width) body = encodeBundle(rows.map((r) => r.body));
    }
    if (!body) return sendProblem(reply, 404, 'ledger.tile_not_found', `tile/${raw} is not in the log yet`);
    return reply.header('content-type', 'application/octet-stream').header('cache-control', IMMUTABLE).send(Buffer.from(body));
  });
};
