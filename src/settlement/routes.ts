import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import { AdminPageQuery, BatchList, BatchParams, BatchWithLinesView, LineParams, LineProofView, PageQuery, problems, SettleBody, SettleResult } from './schema.ts';
import type { SettlementService } from './service.ts';
import { batchPageView, batchView, batchWithLinesView } from './views.ts';

type PageQ = { cursor?: string; limit?: number };

/** Admins run settlement; merchant staff read their own batches and prove their lines; auditors read all. */
export const settlementRoutes: FastifyPluginAsync<{ settlement: SettlementService }> = async (app, { settlement }) => {
  const tags = ['settlement'];
  const security = SIGNED_IN;
  // Statements are the merchant's business: nothing in between may keep them.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  const merchantOf = (req: Parameters<typeof requireActor>[0]): string => {
    const actor = requireActor(req, 'merchant_staff');
    assert(actor.merchantId, 'settlement: merchant staff without a merchant');
    return actor.merchantId;
  };

  app.post<{ Body: { periodEnd?: string } }>(
    '/admin/settlements',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Admin: settle every merchant receivable up to periodEnd (default now) and pay the batches out',
        description:
          'Idempotent by period: an account already settled up to this period end gets nothing new. The daily job does the same at 00:00 UTC. ' +
          'Each batch is its own transaction (lines, settlement.batch_closed ledger entry, pending payout transfer).',
        body: SettleBody,
        response: { 201: SettleResult, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, 'admin');
      const periodEnd = req.body?.periodEnd === undefined ? new Date() : new Date(req.body.periodEnd);
      if (Number.isNaN(periodEnd.getTime())) throw new DomainError('settlement.bad_period', 'periodEnd must be a date', 400);
      const batches = await settlement.settle(periodEnd, actor.userId);
      return reply.code(201).send({ items: batches.map(batchView) });
    },
  );

  app.get<{ Querystring: PageQ & { merchantId?: string } }>(
    '/admin/settlements',
    { schema: { tags, security, summary: 'Admin and auditor: settlement batches, newest first, optionally of one merchant', querystring: AdminPageQuery, response: { 200: BatchList, ...problems(400, 401, 403) } } },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return batchPageView(await settlement.listBatches(req.query));
    },
  );

  app.get<{ Querystring: PageQ }>(
    '/merchant/settlements',
    { schema: { tags, security, summary: "Your merchant's settlement batches, newest first", querystring: PageQuery, response: { 200: BatchList, ...problems(400, 401, 403) } } },
    async (req) => batchPageView(await settlement.merchantBatches(merchantOf(req), req.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/merchant/settlements/:id',
    { schema: { tags, security, summary: 'One of your batches with its statement lines', params: BatchParams, response: { 200: BatchWithLinesView, ...problems(401, 403, 404) } } },
    async (req) => batchWithLinesView(await settlement.batch(merchantOf(req), req.params.id)),
  );

  app.get<{ Params: { id: string; lineNo: number } }>(
    '/merchant/settlements/:id/lines/:lineNo/proof',
    {
      schema: {
        tags,
        security,
        summary: "A statement line's RFC 9162 inclusion proof in its batch, with the ledger entry (and receipt) carrying the batch root",
        params: LineParams,
        response: { 200: LineProofView, ...problems(401, 403, 404) },
      },
    },
    async (req) => settlement.lineProof(merchantOf(req), req.params.id, req.params.lineNo),
  );
};
