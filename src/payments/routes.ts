import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { problems } from '../http/schema.ts';
import type { PaymentsService } from './service.ts';

const time = { type: 'string', format: 'date-time' } as const;
const minor = { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'integer minor units as a decimal string' } as const;
const id = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' } as const;
const IdParam = { type: 'object', required: ['id'], properties: { id }, additionalProperties: false } as const;

export const PaymentView = {
  type: 'object',
  required: ['id', 'purpose', 'orderId', 'provider', 'amountMinor', 'currency', 'state', 'refundedMinor', 'flagged', 'failure', 'clientParams', 'providerTxnId', 'expiresAt', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    purpose: { type: 'string', enum: ['order', 'top_up'] },
    orderId: { type: ['string', 'null'] },
    provider: { type: 'string' },
    amountMinor: { type: 'string' },
    currency: { type: 'string' },
    state: { type: 'string', enum: ['created', 'pending', 'succeeded', 'failed', 'canceled', 'expired'] },
    refundedMinor: { type: 'string' },
    flagged: { type: 'boolean', description: 'a callback disagreed on amount or currency: held for review' },
    failure: { type: ['string', 'null'] },
    clientParams: { type: ['object', 'null'], additionalProperties: true, description: 'what the client needs to pay: the sandbox\'s payUrl and qrText, Alipay\'s order_info, WeChat Pay\'s code_url, Stripe\'s client_secret' },
    providerTxnId: { type: ['string', 'null'] },
    expiresAt: time,
    createdAt: time,
    updatedAt: time,
  },
  additionalProperties: false,
} as const;

/** Gateway payments for orders and wallet top-ups, refunds, and the providers' callbacks. */
export const paymentsRoutes: FastifyPluginAsync<{ payments: PaymentsService }> = async (app, { payments }) => {
  const tags = ['payments'];
  const security = SIGNED_IN;
  // The providers this instance has; with none configured, any name is refused by the service (400).
  const providerEnum = payments.providerNames.length > 0 ? ({ type: 'string', enum: payments.providerNames } as const) : ({ type: 'string', maxLength: 32 } as const);

  app.post<{ Params: { id: string }; Body: { provider: string } }>(
    '/orders/:id/payments',
    {
      config: { idempotent: true },
      schema: {
        tags, security, summary: 'Pay an order through a payment gateway: answers with what the client needs (a pay page and QR code, order_info, code_url…)',
        params: IdParam,
        body: { type: 'object', required: ['provider'], properties: { provider: providerEnum }, additionalProperties: false },
        response: { 201: PaymentView, ...problems(400, 401, 403, 404, 409, 422, 502) },
      },
    },
    async (req, reply) => reply.code(201).send(await payments.createForOrder(requireActor(req, 'buyer'), req.params.id, req.body.provider)),
  );

  app.post<{ Body: { amountMinor: string; currency?: string; provider: string } }>(
    '/wallet/top-ups',
    {
      config: { idempotent: true },
      schema: {
        tags, security, summary: 'Top up your wallet through a payment gateway; the wallet is credited when the gateway confirms',
        body: { type: 'object', required: ['amountMinor', 'provider'], properties: { amountMinor: minor, currency: { type: 'string', pattern: '^[A-Z]{3}$' }, provider: providerEnum }, additionalProperties: false },
        response: { 201: PaymentView, ...problems(400, 401, 403, 422, 502) },
      },
    },
    async (req, reply) => reply.code(201).send(await payments.createTopUp(requireActor(req, 'buyer'), { amountMinor: BigInt(req.body.amountMinor), ...(req.body.currency ? { currency: req.body.currency } : {}), provider: req.body.provider })),
  );

  app.get<{ Params: { id: string } }>(
    '/payments/:id',
    { schema: { tags, security, summary: 'A payment: yours, or any for admins and auditors', params: IdParam, response: { 200: PaymentView, ...problems(401, 404) } } },
    async (req) => payments.payment(requireActor(req), req.params.id),
  );

  app.post<{ Params: { id: string }; Body: { amountMinor: string; reason: string } }>(
    '/admin/payments/:id/refunds',
    {
      config: { idempotent: true },
      schema: {
        tags, security, summary: 'Admin: refund (part of) a captured payment back through its provider',
        params: IdParam,
        body: { type: 'object', required: ['amountMinor', 'reason'], properties: { amountMinor: minor, reason: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,47}$' } }, additionalProperties: false },
        response: { 200: PaymentView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => payments.refund(requireActor(req, 'admin'), req.params.id, BigInt(req.body.amountMinor), req.body.reason),
  );

  app.get(
    '/admin/payments/reconciliation',
    {
      schema: {
        tags, security, summary: 'Admin, auditor: payments whose provider, payment row and money disagree (flagged callbacks, captures without a succeeded payment and the reverse); empty when healthy',
        response: {
          200: { type: 'object', required: ['mismatches'], properties: { mismatches: { type: 'array', items: { type: 'object', required: ['paymentId', 'problem'], properties: { paymentId: { type: 'string' }, problem: { type: 'string' } }, additionalProperties: false } } }, additionalProperties: false },
          ...problems(401, 403),
        },
      },
    },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return { mismatches: await payments.mismatches() };
    },
  );

  // Callbacks: the body stays raw bytes, whatever its type, because signatures are over exactly those.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    raw.post<{ Params: { provider: string } }>(
      '/payments/callbacks/:provider',
      {
        schema: {
          tags, summary: 'A payment provider\'s asynchronous notification (signed; verified over the raw body before anything is believed)',
          params: { type: 'object', required: ['provider'], properties: { provider: { type: 'string', maxLength: 32 } }, additionalProperties: false },
          response: {
            200: { type: 'string', description: 'the acknowledgement each provider expects (Alipay: success; Stripe and the sandbox: JSON)' },
            204: { type: 'null', description: 'WeChat Pay\'s acknowledgement' },
            ...problems(400, 401, 404),
          },
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const answer = await payments.handleCallback(req.params.provider, { headers: req.headers, body });
        return reply.code(answer.status).type(answer.contentType).send(answer.status === 204 ? undefined : answer.body);
      },
    );
  });
};
