import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import { DomainError } from '../shared/errors.ts';
import type { WithdrawalState } from './rules.ts';
import {
  AdminWithdrawalList,
  ApproveBody,
  AdminWithdrawalQuery,
  AdminWithdrawalView,
  BalanceView,
  CurrencyQuery,
  PageQuery,
  problems,
  RejectBody,
  StatementQuery,
  StatementView,
  TopUpBody,
  TopUpView,
  TransferBody,
  TransferView,
  WithdrawalBody,
  WithdrawalIdParam,
  WithdrawalList,
  WithdrawalView,
} from './schema.ts';
import type { WalletService } from './service.ts';
import { adminWithdrawalPageView, adminWithdrawalView, balanceView, p2pView, statementView, topUpView, withdrawalPageView, withdrawalView } from './views.ts';

type CurrencyQ = { currency: string };
type StatementQ = { currency: string; cursor?: string; limit?: number };
type PageQ = { cursor?: string; limit?: number };

/** The Idempotency-Key fence, run first inside the command's transaction. */
const fenceOf = (req: FastifyRequest) => (trx: Transaction<Database>) => req.idempotency?.fence(trx);

/** Body fields that must arrive as JSON strings: the validator would otherwise coerce 4990 to "4990". */
const STRING_FIELDS = ['amountMinor'] as const;

/** The caller's own wallet (buyers), withdrawals for admins, the merchant's receivable for its staff. */
export const walletRoutes: FastifyPluginAsync<{ wallet: WalletService }> = async (app, { wallet }) => {
  const tags = ['wallet'];
  const security = SIGNED_IN;

  app.addHook('preValidation', async (req) => {
    const body = req.body as Record<string, unknown> | null | undefined;
    if (typeof body !== 'object' || body === null) return;
    for (const f of STRING_FIELDS) {
      if (f in body && typeof body[f] !== 'string') {
        throw new DomainError('validation', `body/${f} must be a string of digits in minor units, like "4990"`, 400, { errors: [{ path: `/${f}`, message: 'must be string' }] });
      }
    }
  });
  // Balances and statements are personal: nothing in between may keep them.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get<{ Querystring: CurrencyQ }>(
    '/wallet',
    { schema: { tags, security, summary: 'Your wallet balance in a currency', querystring: CurrencyQuery, response: { 200: BalanceView, ...problems(400, 401, 403) } } },
    async (req) => {
      const actor = requireActor(req, 'buyer');
      return balanceView(await wallet.balance(actor.userId, req.query.currency));
    },
  );

  app.get<{ Querystring: StatementQ }>(
    '/wallet/statement',
    { schema: { tags, security, summary: 'Your wallet\'s transfers, newest first, with the balance after each', querystring: StatementQuery, response: { 200: StatementView, ...problems(400, 401, 403) } } },
    async (req) => {
      const actor = requireActor(req, 'buyer');
      return statementView(await wallet.statement(actor.userId, req.query.currency, req.query));
    },
  );

  app.post<{ Body: { amountMinor: string; currency?: string } }>(
    '/wallet/dev-top-ups',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Top up your wallet without paying — development only — replaced by payment gateways',
        description: 'Credits the wallet from the gateway clearing account (transfer code dev_top_up), at most 1,000,000 major units per call. Servers running in production answer 404.',
        body: TopUpBody,
        response: { 201: TopUpView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, 'buyer');
      const out = await wallet.devTopUp(actor.userId, req.body, { fence: fenceOf(req) });
      return reply.code(201).send(topUpView(out));
    },
  );

  app.post<{ Body: { to: string; amountMinor: string; currency?: string; memo?: string } }>(
    '/wallet/transfers',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Send money from your wallet to another buyer',
        description: 'The recipient is named by e-mail or user id; anyone who is not a buyer is 404, like a missing one. Not to yourself (400). More than your available balance is 409 money.insufficient_funds.',
        body: TransferBody,
        response: { 201: TransferView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, 'buyer');
      const out = await wallet.transfer(actor.userId, req.body, { fence: fenceOf(req) });
      return reply.code(201).send(p2pView(out));
    },
  );

  app.post<{ Body: { amountMinor: string; currency?: string; destination: string } }>(
    '/wallet/withdrawals',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Ask to withdraw from your wallet: the amount is held until an admin decides',
        body: WithdrawalBody,
        response: { 201: WithdrawalView, ...problems(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, 'buyer');
      const out = await wallet.requestWithdrawal(actor.userId, req.body, { fence: fenceOf(req) });
      return reply.code(201).send(withdrawalView(out));
    },
  );

  app.get<{ Querystring: PageQ }>(
    '/wallet/withdrawals',
    { schema: { tags, security, summary: 'Your withdrawals, newest first', querystring: PageQuery, response: { 200: WithdrawalList, ...problems(400, 401, 403) } } },
    async (req) => {
      const actor = requireActor(req, 'buyer');
      return withdrawalPageView(await wallet.withdrawals(actor.userId, req.query));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/wallet/withdrawals/:id',
    { schema: { tags, security, summary: 'One of your withdrawals', params: WithdrawalIdParam, response: { 200: WithdrawalView, ...problems(400, 401, 403, 404) } } },
    async (req) => {
      const actor = requireActor(req, 'buyer');
      return withdrawalView(await wallet.withdrawal(actor.userId, req.params.id));
    },
  );

  app.get<{ Querystring: PageQ & { state?: WithdrawalState } }>(
    '/admin/withdrawals',
    { schema: { tags, security, summary: 'Admin, auditor: all withdrawals, oldest first, optionally in one state', querystring: AdminWithdrawalQuery, response: { 200: AdminWithdrawalList, ...problems(400, 401, 403) } } },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return adminWithdrawalPageView(await wallet.listWithdrawals(req.query));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/withdrawals/:id/approve',
    {
      config: { idempotent: true },
      // No body is the same as {}: the schema then still refuses any field.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        security,
        summary: 'Admin: approve a withdrawal, which pays it out (there is no bank API yet)',
        description: 'Posts the hold to the external account; the withdrawal becomes paid. A decided withdrawal is 409.',
        params: WithdrawalIdParam,
        body: ApproveBody,
        response: { 200: AdminWithdrawalView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const actor = requireActor(req, 'admin');
      return adminWithdrawalView(await wallet.approveWithdrawal(actor.userId, req.params.id, { fence: fenceOf(req) }));
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/admin/withdrawals/:id/reject',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security,
        summary: 'Admin: reject a withdrawal; the held funds return to the wallet',
        params: WithdrawalIdParam,
        body: RejectBody,
        response: { 200: AdminWithdrawalView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const actor = requireActor(req, 'admin');
      return adminWithdrawalView(await wallet.rejectWithdrawal(actor.userId, req.params.id, req.body.reason, { fence: fenceOf(req) }));
    },
  );

  app.get<{ Querystring: CurrencyQ }>(
    '/merchant/balance',
    { schema: { tags, security, summary: 'Merchant staff: your merchant\'s receivable balance', querystring: CurrencyQuery, response: { 200: BalanceView, ...problems(400, 401, 403) } } },
    async (req) => {
      const actor = requireActor(req, 'merchant_staff');
      assert(actor.merchantId, 'wallet: merchant_staff without a merchant');
      return balanceView(await wallet.merchantBalance(actor.merchantId, req.query.currency));
    },
  );

  app.get<{ Querystring: StatementQ }>(
    '/merchant/statement',
    { schema: { tags, security, summary: 'Merchant staff: your merchant\'s receivable transfers, newest first', querystring: StatementQuery, response: { 200: StatementView, ...problems(400, 401, 403) } } },
    async (req) => {
      const actor = requireActor(req, 'merchant_staff');
      assert(actor.merchantId, 'wallet: merchant_staff without a merchant');
      return statementView(await wallet.merchantStatement(actor.merchantId, req.query.currency, req.query));
    },
  );
};
