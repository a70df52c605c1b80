import type { FastifyPluginAsync } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { DevSmsList, NewSmsCodeBody, problems, SmsCodeIssuedView } from './schema.ts';
import { DevSmsSink } from './sender.ts';
import type { SmsCodes } from './service.ts';

/** Requesting an SMS one-time code, and in development the caller's last messages from the dev sink. */
export const smsRoutes: FastifyPluginAsync<{ sms: SmsCodes }> = async (app, { sms }) => {
  const tags = ['sms'];

  app.post<{ Body: { purpose: string; context: string } }>(
    '/me/sms-codes',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Send a one-time code by SMS to the signed-in user',
        description: 'Six digits, valid 5 minutes, 5 attempts, for the given purpose and context only; a new code replaces the previous one. '
          + 'At most 3 codes per 10 minutes per purpose: past that, 429 with Retry-After. 503 sms.unavailable when no SMS provider is configured.',
        body: NewSmsCodeBody,
        response: { 202: SmsCodeIssuedView, ...problems(400, 401, 403, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req);
      const issued = await sms.request(actor.userId, req.body.purpose, req.body.context);
      reply.header('cache-control', 'no-store');
      return reply.code(202).send(issued);
    },
  );

  // Only where the development sink is in use; elsewhere the route does not exist (404).
  const sink = sms.sender instanceof DevSmsSink ? sms.sender : null;
  if (sink) {
    app.get(
      '/dev/sms',
      { schema: { tags, security: SIGNED_IN, summary: 'Development only: the SMS messages sent to you (read your code here)', response: { 200: DevSmsList, ...problems(401) } } },
      async (req, reply) => {
        const actor = requireActor(req);
        reply.header('cache-control', 'no-store');
        return { messages: sink.messages(actor.userId) };
      },
    );
  }
};
