import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { installProblemHandlers, ProblemSchema } from '../http/problem.ts';
import { DomainError } from '../shared/errors.ts';
import { deliverDue } from './delivery.ts';
import { verifyMerchant } from './merchant-auth.ts';
import { messagePage, mobilePage, PAGE_CSP, payPage } from './pages.ts';
import {
  CompleteBody,
  CreatePaymentBody,
  EventsView,
  FindQuery,
  IdParams,
  PaymentView,
  problems,
  RefundBody,
  RefundView,
  ReleasedView,
  ROUTE,
  TamperBody,
  TestMode,
} from './schema.ts';
import { GatewayCore, newId, type CreatePaymentInput, type RefundInput, type SandboxTestMode, type TamperField } from './service.ts';
import { SandboxStore, type PaymentRow, type PayoutRow, type RefundRow } from './store.ts';

export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [0, 2_000, 10_000, 60_000, 300_000, 1_800_000];
export const DEFAULT_TICK_INTERVAL_MS = 200;

export interface SandboxGatewayOptions {
  /** 0 (default): a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The SQLite file of the gateway's own storage, or ':memory:' (default). */
  dataFile?: string;
  /** Base URL the buyer's phone and browser reach (payUrl, the QR code); default the listening URL. */
  publicUrl?: string;
  /** API key id → API secret. */
  merchantKeys: Record<string, string>;
  /** The callbacks' HMAC secret; generated when absent (read it from SandboxGateway.signingSecret). */
  signingSecret?: string;
  /** Delays in ms: before the first attempt, then before each retry. */
  retrySchedule?: number[];
  clock?: () => Date;
  fetch?: typeof fetch;
  /** Background delivery loop period; 0 turns the loop off (drive it with tick()). Default 200 ms. */
  tickIntervalMs?: number;
  /** Fastify log level; default 'silent'. */
  logLevel?: string;
}

export interface SandboxGateway {
  /** The listening base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  signingSecret: string;
  close(): Promise<void>;
  /** Expires overdue payments, finishes test-mode outcomes and sends due callbacks now; returns the delivery attempts made. */
  tick(now?: Date): Promise<number>;
}

const iso = (ms: number) => new Date(ms).toISOString();

interface Ctx {
  core: GatewayCore;
  keys: ReadonlyMap<string, string>;
  clock: () => Date;
  publicUrl: () => string;
}

function paymentView(p: PaymentRow, publicUrl: string) {
  const payUrl = `${publicUrl}/pay/${p.id}`;
  return {
    id: p.id,
    paymentId: p.payment_id,
    status: p.status,
    amountMinor: p.amount_minor,
    refundedMinor: p.refunded_minor,
    currency: p.currency,
    providerTxnId: p.provider_txn_id,
    description: p.description,
    payUrl,
    // A phone that scans the code lands on the confirm page itself, not on the desktop page's QR code.
    qrText: `${publicUrl}/m/${p.id}`,
    expiresAt: iso(p.expires_at),
    createdAt: iso(p.created_at),
    updatedAt: iso(p.updated_at),
  };
}

function refundView(r: RefundRow, p: PaymentRow) {
  return {
    id: r.id,
    refundId: r.refund_id,
    payment: p.id,
    paymentId: p.payment_id,
    amountMinor: r.amount_minor,
    currency: p.currency,
    status: 'succeeded' as const,
    refundedMinor: p.refunded_minor,
    paymentStatus: p.status,
    createdAt: iso(r.created_at),
  };
}

/** Requests authenticated by the raw-body parser or, for bodiless ones, by the preValidation hook. */
const authenticated = new WeakMap<FastifyRequest, string>();
const keyOf = (req: FastifyRequest): string => {
  const k = authenticated.get(req);
  if (!k) throw new DomainError('unauthorized', 'not authenticated', 401);
  return k;
};

/** The merchant API: every route authenticated; the signature is checked before the body is parsed. */
const apiRoutes: FastifyPluginAsync<Ctx> = async (app, ctx) => {
  const { core, clock } = ctx;
  const auth = (req: FastifyRequest, raw: Buffer) =>
    authenticated.set(req, verifyMerchant(ctx.keys, req.headers, req.method, req.url, raw, clock()));
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (req, body, done) => {
    try {
      const raw = body as Buffer;
      auth(req, raw);
      done(null, raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')));
    } catch (err) {
      done(err instanceof DomainError ? err : new DomainError('invalid_json', 'the body is not valid JSON', 400), undefined);
    }
  });
  app.addHook('preValidation', async (req) => {
    if (!authenticated.has(req)) auth(req, Buffer.alloc(0));
  });
  const now = () => clock().getTime();
  const view = (p: PaymentRow) => paymentView(p, ctx.publicUrl());
  const security = [{ sandboxHmac: [] }];

  app.post<{ Body: CreatePaymentInput }>(
    '/v1/payments',
    { schema: { ...ROUTE, security, summary: 'Create a payment (idempotent on paymentId)', body: CreatePaymentBody, response: { 200: PaymentView, 201: PaymentView, ...problems(400, 401, 409) } } },
    async (req, reply) => {
      const { payment, created } = core.create(keyOf(req), req.body, now());
      return reply.code(created ? 201 : 200).send(view(payment));
    },
  );
  app.get<{ Querystring: { paymentId: string } }>(
    '/v1/payments',
    { schema: { ...ROUTE, security, summary: 'A payment by the merchant\'s paymentId', querystring: FindQuery, response: { 200: PaymentView, ...problems(400, 401, 404) } } },
    async (req) => view(core.find(keyOf(req), req.query.paymentId, now())),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/payments/:id',
    { schema: { ...ROUTE, security, summary: 'A payment\'s status', params: IdParams, response: { 200: PaymentView, ...problems(401, 404) } } },
    async (req) => view(core.get(keyOf(req), req.params.id, now())),
  );
  app.get<{ Params: { id: string } }>(
    '/v1/payments/:id/events',
    { schema: { ...ROUTE, security, summary: 'A payment\'s callback events and every delivery attempt', params: IdParams, response: { 200: EventsView, ...problems(401, 404) } } },
    async (req) => ({
      items: core.events(keyOf(req), req.params.id, now()).map(({ event, attempts }) => ({
        id: event.id,
        type: event.type,
        state: event.state,
        body: event.body,
        nextAttemptAt: event.next_attempt_at === null ? null : iso(event.next_attempt_at),
        createdAt: iso(event.created_at),
        attempts: attempts.map((a) => ({ attempt: a.attempt, copy: a.copy, at: iso(a.at), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
      })),
    }),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/payments/:id/cancel',
    { schema: { ...ROUTE, security, summary: 'Cancel a pending payment', params: IdParams, response: { 200: PaymentView, ...problems(401, 404, 409) } } },
    async (req) => view(core.cancel(keyOf(req), req.params.id, now())),
  );
  app.post<{ Body: RefundInput }>(
    '/v1/refunds',
    { schema: { ...ROUTE, security, summary: 'Refund all or part of a payment (idempotent on refundId)', body: RefundBody, response: { 200: RefundView, 201: RefundView, ...problems(400, 401, 404, 409, 422) } } },
    async (req, reply) => {
      const { refund, payment, created } = core.refund(keyOf(req), req.body, now());
      return reply.code(created ? 201 : 200).send(refundView(refund, payment));
    },
  );

  // Payouts: money from the merchant's balance at the gateway to a bank account. The sandbox pays at
  // once; a destination containing "FAIL" is refused, so the failure path can be exercised.
  app.post<{ Body: { payoutId: string; amountMinor: string; currency: string; destination: string } }>(
    '/v1/payouts',
    {
      schema: {
        ...ROUTE, security, summary: 'Pay out to a bank account (idempotent on payoutId)',
        body: {
          type: 'object', required: ['payoutId', 'amountMinor', 'currency', 'destination'], additionalProperties: false,
          properties: { payoutId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' }, amountMinor: { type: 'string', pattern: '^[1-9][0-9]{0,17}$' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' }, destination: { type: 'string', minLength: 1, maxLength: 128 } },
        },
        response: { 200: PayoutView, 201: PayoutView, ...problems(400, 401, 409) },
      },
    },
    async (req, reply) => {
      const keyId = keyOf(req);
      const b = req.body;
      const existing = core.store.payoutByMerchantId(keyId, b.payoutId);
      if (existing) {
        if (existing.amount_minor !== b.amountMinor || existing.currency !== b.currency || existing.destination !== b.destination) {
          throw new DomainError('payout_id_reused', 'this payoutId was used with another amount, currency or destination', 409);
        }
        return payoutView(existing);
      }
      const failed = b.destination.includes('FAIL');
      const row = { id: newId('sbx_po'), key_id: keyId, payout_id: b.payoutId, amount_minor: b.amountMinor, currency: b.currency, destination: b.destination, status: failed ? 'failed' as const : 'paid' as const, failure: failed ? 'account_closed' : null, created_at: now() };
      core.store.insertPayout(row);
      return reply.code(201).send(payoutView(row));
    },
  );

  // Test-mode controls.
  app.post<{ Params: { id: string }; Body: SandboxTestMode }>(
    '/v1/test/payments/:id/mode',
    { schema: { ...ROUTE, security, summary: 'Test mode: change duplicate, delayMs, reorder, failCallbacks, outcome', params: IdParams, body: TestMode, response: { 200: PaymentView, ...problems(400, 401, 404) } } },
    async (req) => view(core.setTest(keyOf(req), req.params.id, req.body ?? {}, now())),
  );
  app.post<{ Params: { id: string }; Body: { outcome: 'succeeded' | 'failed'; late?: boolean } }>(
    '/v1/test/payments/:id/complete',
    { schema: { ...ROUTE, security, summary: 'Test mode: finish a payment as the buyer would', params: IdParams, body: CompleteBody, response: { 200: PaymentView, ...problems(400, 401, 404, 409) } } },
    async (req) => view(core.complete(keyOf(req), req.params.id, req.body.outcome, req.body.late === true, now())),
  );
  app.post<{ Params: { id: string }; Body: { field: TamperField; value: string } }>(
    '/v1/test/payments/:id/tamper',
    { schema: { ...ROUTE, security, summary: 'Test mode: the next callback carries a wrong value (validly signed)', params: IdParams, body: TamperBody, response: { 200: PaymentView, ...problems(400, 401, 404) } } },
    async (req) => view(core.tamper(keyOf(req), req.params.id, req.body.field, req.body.value, now())),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/test/payments/:id/release',
    { schema: { ...ROUTE, security, summary: 'Test mode: deliver held (reorder) callbacks, newest first', params: IdParams, response: { 200: ReleasedView, ...problems(401, 404) } } },
    async (req) => ({ released: core.release(keyOf(req), req.params.id, now()) }),
  );
};

function tokenOk(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The buyer's pages: desktop (QR code) and mobile (approve / decline). */
const pageRoutes: FastifyPluginAsync<Ctx> = async (app, ctx) => {
  const { core, clock } = ctx;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const html = (reply: FastifyReply, status: number, page: string) =>
    reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('x-frame-options', 'DENY').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(page);
  const missing = (reply: FastifyReply) => html(reply, 404, messagePage('Not found', 'There is no such payment.'));
  const hide = { hide: true, params: IdParams };

  app.get<{ Params: { id: string } }>('/pay/:id', { schema: hide }, async (req, reply) => {
    const p = core.forPage(req.params.id, clock().getTime());
    if (!p) return missing(reply);
    const mobileUrl = `${ctx.publicUrl()}/m/${p.id}`;
    const svg = await QRCode.toString(mobileUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return html(reply, 200, payPage(p, mobileUrl, svg));
  });
  app.get<{ Params: { id: string } }>('/m/:id', { schema: hide }, async (req, reply) => {
    const p = core.forPage(req.params.id, clock().getTime());
    return p ? html(reply, 200, mobilePage(p)) : missing(reply);
  });
  for (const [action, outcome] of [['approve', 'succeeded'], ['decline', 'failed']] as const) {
    app.post<{ Params: { id: string }; Body: Record<string, string> | undefined }>(`/m/:id/${action}`, { schema: hide }, async (req, reply) => {
      const p = core.forPage(req.params.id, clock().getTime());
      if (!p) return missing(reply);
      if (!tokenOk(req.body?.['token'], p.page_token)) return html(reply, 403, messagePage('Refused', 'This form is not valid for this payment; reload the page.'));
      core.decide(p.id, outcome, clock().getTime()); // decided or expired: nothing changes; the page shows the state
      return reply.code(303).header('location', `/m/${p.id}`).send();
    });
  }
};

const PayoutView = {
  type: 'object', required: ['id', 'payoutId', 'status', 'amountMinor', 'currency', 'failure'], additionalProperties: false,
  properties: { id: { type: 'string' }, payoutId: { type: 'string' }, status: { type: 'string', enum: ['paid', 'failed'] }, amountMinor: { type: 'string' }, currency: { type: 'string' }, failure: { type: ['string', 'null'] } },
} as const;
const payoutView = (p: PayoutRow) => ({ id: p.id, payoutId: p.payout_id, status: p.status, amountMinor: p.amount_minor, currency: p.currency, failure: p.failure });

/** The gateway's HTTP surface, without listening (startSandboxGateway listens). */
export async function buildSandboxHttp(ctx: Ctx, logLevel = 'silent'): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel, redact: ['req.headers.authorization'] },
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  installProblemHandlers(app);
  app.addSchema(ProblemSchema);
  await app.register(apiRoutes, ctx);
  await app.register(pageRoutes, ctx);
  app.get('/', { schema: { hide: true } }, async () => ({ name: 'chainmall sandbox payment gateway', api: '/v1/payments' }));
  return app;
}

/** Starts the sandbox gateway: its own Fastify instance, its own port, its own SQLite storage. */
export async function startSandboxGateway(opts: SandboxGatewayOptions): Promise<SandboxGateway> {
  const clock = opts.clock ?? (() => new Date());
  const retrySchedule = opts.retrySchedule ?? [...DEFAULT_RETRY_SCHEDULE_MS];
  if (retrySchedule.length === 0 || retrySchedule.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error('retrySchedule: non-negative integer delays, at least one');
  const keys = new Map(Object.entries(opts.merchantKeys));
  if (keys.size === 0) throw new Error('sandbox gateway: at least one merchant key');
  const signingSecret = opts.signingSecret ?? `sbx_whsec_${randomBytes(32).toString('hex')}`;
  const store = new SandboxStore(opts.dataFile ?? ':memory:');
  const core = new GatewayCore(store, { retrySchedule });
  let publicUrl = opts.publicUrl?.replace(/\/+$/, '') ?? '';
  let app: FastifyInstance;
  try {
    app = await buildSandboxHttp({ core, keys, clock, publicUrl: () => publicUrl }, opts.logLevel);
    await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  } catch (err) {
    store.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address === '::' ? '::1' : addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  const url = `http://${host}:${addr.port}`;
  if (!publicUrl) publicUrl = url;

  const closing = new AbortController();
  const deps = { store, fetch: opts.fetch ?? globalThis.fetch, signingSecret, retrySchedule, closing: closing.signal };
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();
  const tick = (now?: Date): Promise<number> => {
    const run = chain.then(async () => {
      if (closed) return 0;
      const at = now ?? clock();
      core.settle(at.getTime());
      return deliverDue(deps, at);
    });
    chain = run.catch(() => undefined);
    return run;
  };

  let timer: NodeJS.Timeout | undefined;
  const interval = opts.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS;
  const loop = () => {
    timer = setTimeout(() => {
      tick()
        .catch((err) => console.error('sandbox gateway: delivery tick failed', err))
        .finally(() => {
          if (!closed) loop();
        });
    }, interval);
    timer.unref();
  };
  if (interval > 0) loop();

  return {
    url,
    signingSecret,
    tick,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      closing.abort();
      await chain;
      await app.close();
      store.close();
    },
  };
}
