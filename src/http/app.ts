import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Ledger } from '../ledger/index.ts';
import { ledgerRoutes, logRoutes } from '../ledger/index.ts';
import { installProblemHandlers, ProblemSchema } from './problem.ts';
import { homePage } from './home.ts';

export interface HttpDeps {
  ledger: Ledger;
  logLevel?: string;
}

/** The HTTP surface: thin routes over module services, problem+json errors, OpenAPI at /docs. */
export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logLevel === 'silent' ? false : { level: deps.logLevel ?? 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  installProblemHandlers(app);
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chainmall API',
        version: '0.1.0',
        description: 'Marketplace commerce on a verifiable Merkle log. Errors are RFC 9457 problem+json.',
      },
      tags: [{ name: 'ledger', description: 'The verifiable log: blocks, entries, receipts, proofs' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(homePage(deps.ledger)));
  app.get('/api/health', { schema: { hide: true } }, async () => ({
    ok: true,
    sequencer: deps.ledger.sequencer.isLeader ? 'leader' : 'follower',
    treeSize: (await deps.ledger.latest())?.treeSize ?? 0,
  }));
  await app.register(ledgerRoutes, { prefix: '/api/ledger', ledger: deps.ledger });
  await app.register(logRoutes, { prefix: '/log', ledger: deps.ledger });
  return app;
}
