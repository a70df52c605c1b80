import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { problems } from '../http/schema.ts';
import type { CheckoutInput, CheckoutService } from './checkout.ts';
import { ORDER_FLOW, TRANSITIONS, type TransitionName } from './flow.ts';
import { CartLineBody, CartView, CheckoutBody, CheckoutView, IdParam, OrderList, OrderListQuery, OrderReceiptView, OrderView, transitionBody, VariantParam } from './schema.ts';
import { smsContext, type OrdersService } from './service.ts';

/** The one-time code confirming a large wallet payment travels in a header, outside the idempotent body. */
const smsCodeOf = (h: Record<string, string | string[] | undefined>): string | undefined => {
  const v = h['sms-code'];
  return typeof v === 'string' && v.length > 0 && v.length <= 16 ? v : undefined;
};

/** Transitions a person triggers over HTTP; the rest (pay, auto-confirm, overdue, complete) are the platform's. */
export const HTTP_TRANSITIONS = TRANSITIONS.filter((t) => (ORDER_FLOW[t].roles as readonly string[]).some((r) => r !== 'system'));

const WHO: Record<string, string> = { buyer: 'the buyer', merchant: 'the merchant\'s staff', admin: 'an admin' };

export const ordersRoutes: FastifyPluginAsync<{ orders: OrdersService; checkout: CheckoutService }> = async (app, { orders, checkout }) => {
  const tags = ['orders'];
  const security = SIGNED_IN;

  app.get('/cart', { schema: { tags: ['cart'], security, summary: 'Your cart: lines across merchants, and what each merchant\'s order would total', response: { 200: CartView, ...problems(401, 403) } } }, async (req) => {
    const actor = requireActor(req, 'buyer');
    return checkout.cart(actor.userId);
  });

  app.put<{ Params: { variantId: string }; Body: { qty: number } }>(
    '/cart/items/:variantId',
    { schema: { tags: ['cart'], security, summary: 'Set the quantity of a product variant in your cart (0 removes it)', params: VariantParam, body: CartLineBody, response: { 200: CartView, ...problems(400, 401, 403, 404) } } },
    async (req) => {
      const actor = requireActor(req, 'buyer');
      return checkout.setCartLine(actor.userId, req.params.variantId, req.body.qty);
    },
  );

  app.delete('/cart', { schema: { tags: ['cart'], security, summary: 'Empty your cart', response: { 204: { type: 'null' }, ...problems(401, 403) } } }, async (req, reply) => {
    const actor = requireActor(req, 'buyer');
    await checkout.clearCart(actor.userId);
    return reply.code(204).send();
  });

  app.post<{ Body: CheckoutInput }>(
    '/checkout',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Check out: one order per merchant, stock reserved, wallet funds held in escrow — all or nothing',
        description: 'Send an Idempotency-Key: a retry with the same key and body returns the same checkout; the same key with another body is 422. A wallet payment above the SMS threshold answers 403 sms.code_required with a purpose and context: request a code for them (POST /api/me/sms-codes) and repeat the request with the code in the Sms-Code header.',
        body: CheckoutBody,
        response: { 201: CheckoutView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, 'buyer');
      const view = await checkout.checkout(actor, req.body, req.idempotency ? (trx) => req.idempotency!.fence(trx) : undefined, {
        smsCode: smsCodeOf(req.headers), context: smsContext('checkout', `${actor.userId}:${req.idempotency?.key ?? ''}`),
      });
      return reply.code(201).send(view);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/checkouts/:id',
    { schema: { tags, security, summary: 'A checkout and its orders', params: IdParam, response: { 200: CheckoutView, ...problems(401, 404) } } },
    async (req) => checkout.checkoutView(requireActor(req), req.params.id),
  );

  app.get<{ Querystring: { state?: string; checkoutId?: string; cursor?: string; limit?: number } }>(
    '/orders',
    { schema: { tags, security, summary: 'Orders you may see: a buyer\'s own, a merchant\'s, or all (admin, auditor); newest first', querystring: OrderListQuery, response: { 200: OrderList, ...problems(400, 401) } } },
    async (req) => orders.list(requireActor(req), req.query),
  );

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { schema: { tags, security, summary: 'An order with its timeline: every step, its time, carrier scans with location, and its ledger entry', params: IdParam, response: { 200: OrderView, ...problems(401, 404) } } },
    async (req) => orders.order(requireActor(req), req.params.id, { timeline: true }),
  );

  app.get<{ Params: { id: string } }>(
    '/orders/:id/receipt',
    { schema: { tags, security, summary: 'The order receipt (buyer or merchant): document, salt and a ledger receipt per step, verifiable offline', params: IdParam, response: { 200: OrderReceiptView, ...problems(401, 404) } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return orders.receipt(requireActor(req), req.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/orders/:id/pay',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Pay an order from your wallet: prepaid → held in escrow until receipt; pay-on-receipt (after receipt) → to the merchant',
        params: IdParam,
        response: { 200: OrderView, ...problems(401, 403, 404, 409, 422) },
      },
    },
    async (req) => orders.payWithWallet(requireActor(req, 'buyer'), req.params.id, req.idempotency ? (trx) => req.idempotency!.fence(trx) : undefined, smsCodeOf(req.headers)),
  );

  for (const t of HTTP_TRANSITIONS) {
    const def = ORDER_FLOW[t];
    const who = (def.roles as readonly string[]).filter((r) => r !== 'system').map((r) => WHO[r] ?? r).join(', ');
    app.post<{ Params: { id: string }; Body: Record<string, string> }>(
      `/orders/:id/${t.replaceAll('_', '-')}`,
      {
        config: { idempotent: true },
        schema: {
          tags,
          security,
          summary: `Order transition ${t}: ${(def.from as readonly string[]).join(' | ')} → ${def.to === 'same' ? '(same state)' : def.to}; by ${who}`,
          description: 'Writes one `order.' + t + '` ledger entry in the same transaction. Illegal in the current state or refused by its guard → 409 problem+json.',
          params: IdParam,
          body: transitionBody(t as TransitionName),
          response: { 200: OrderView, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => orders.transition(requireActor(req, 'buyer', 'merchant_staff', 'admin'), req.params.id, t, req.body ?? {}, req.idempotency ? (trx) => req.idempotency!.fence(trx) : undefined),
    );
  }
};
