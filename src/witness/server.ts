import Fastify, { type FastifyInstance } from 'fastify';
import type { Witness } from './witness.ts';

/** The witness's HTTP face: tlog-witness `POST <prefix>/add-checkpoint`, plus its verifier key. */
export async function witnessHttp(witness: Witness, opts: { prefix?: string; logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 1 << 20 });
  // The body is text in any content type the client picked: take it as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const prefix = opts.prefix ?? '';
  app.post(`${prefix}/add-checkpoint`, async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const r = witness.addCheckpoint(body);
    return res.status(r.status).header('content-type', r.contentType).send(r.body);
  });
  app.get(`${prefix}/`, async (_req, res) => res.header('content-type', 'text/plain; charset=utf-8').send(`${witness.verifierKey}\n`));
  return app;
}
