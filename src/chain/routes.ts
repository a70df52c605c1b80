import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import type { OrdersService } from '../orders/index.ts';
import { assert } from '../shared/index.ts';
import { chainOff, type OnChainSettlement } from './onchain.ts';
import { AdminOpsQuery, AdminOpView, IdParam, MerchantChainView, OrderChainView, problems } from './schema.ts';

/** On-chain settlement: a merchant opts in and sees its address and balance; an order's chain transactions; operators watch the outbox. */
export const chainRoutes: FastifyPluginAsync<{ chain: OnChainSettlement | undefined; orders: OrdersService }> = async (app, { chain, orders }) => {
  const tags = ['chain'];
  const on = () => chain ?? (() => { throw chainOff(); })();
  const merchantOf = (req: Parameters<typeof requireActor>[0]) => {
    const actor = requireActor(req, 'merchant_staff');
    assert(actor.merchantId !== undefined, 'chain: merchant staff without a merchant');
    return actor;
  };

  app.get('/merchant/chain', {
    schema: { tags, security: SIGNED_IN, summary: 'Merchant: your on-chain settlement — custodial address, token balance, operations waiting', response: { 200: MerchantChainView, ...problems(401, 403, 404) } },
  }, async (req) => on().view(merchantOf(req).merchantId!));

  app.post('/merchant/chain/opt-in', {
    schema: {
      tags, security: SIGNED_IN,
      summary: 'Merchant: settle your orders on chain from now on (idempotent)',
      description: 'Orders paid from now on hold their escrow in the OrderEscrow contract as well; each chain transaction is recorded in a ledger entry about the order. Orders paid before stay off chain. 404 chain.not_configured when this deployment has no chain.',
      response: { 200: MerchantChainView, ...problems(401, 403, 404) },
    },
  }, async (req) => {
    const actor = merchantOf(req);
    return on().optIn(actor.merchantId!, `user:${actor.userId}`);
  });

  app.get<{ Params: { id: string } }>('/orders/:id/chain', {
    schema: { tags, security: SIGNED_IN, summary: 'The order\'s chain transactions (its buyer, its merchant, staff)', params: IdParam, response: { 200: OrderChainView, ...problems(401, 404) } },
  }, async (req) => {
    const order = await orders.order(requireActor(req), req.params.id);
    if (!chain) return { orderId: order.id, escrow: null, operations: [] };
    return { orderId: order.id, escrow: chain.config.escrow, operations: await chain.orderOperations(order.id) };
  });

  app.get<{ Querystring: { status?: 'pending' | 'signed' | 'done' | 'failed'; cursor?: string; limit?: number } }>('/admin/chain/operations', {
    schema: { tags, security: SIGNED_IN, summary: 'Operators: chain operations, newest first (failed ones need a look)', querystring: AdminOpsQuery, response: { 200: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: AdminOpView }, nextCursor: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, additionalProperties: false }, ...problems(400, 401, 403, 404) } },
  }, async (req) => {
    requireActor(req, 'admin', 'auditor');
    return on().operations(req.query.status, { cursor: req.query.cursor, limit: req.query.limit ?? 50 });
  });
};
