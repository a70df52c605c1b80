// Response headers every answer carries, and a request-rate limit for anonymous API callers (signed-in
// callers are known and limited where it matters: logins, SMS codes, chat, events).
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { DomainError } from '../shared/index.ts';

export interface SecurityOptions {
  /** Anonymous requests to /api per IP and minute; 0 switches the limit off. */
  publicRateLimitPerMinute: number;
}

export async function installSecurity(app: FastifyInstance, o: SecurityOptions): Promise<void> {
  // Set as the request arrives, so that every answer — problems and 404s included — carries them.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    // Only over TLS: a browser ignores it on plain HTTP, and localhost must stay reachable.
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
  if (o.publicRateLimitPerMinute <= 0) return;
  await app.register(rateLimit, {
    global: true,
    max: o.publicRateLimitPerMinute,
    timeWindow: 60_000,
    // After authentication, so that signed-in callers are told apart from anonymous ones.
    hook: 'preHandler',
    keyGenerator: (req) => req.ip,
    // Gateways' signed callbacks are verified, idempotent and come in bursts from few addresses.
    allowList: (req) => req.actor !== null || !req.url.startsWith('/api/') || req.url.startsWith('/api/payments/callbacks/'),
    errorResponseBuilder: (_req, ctx) =>
      new DomainError('rate_limited', `at most ${ctx.max} requests a minute from one address without signing in; try again in ${Math.ceil(ctx.ttl / 1000)} s`, 429, { retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)) }),
  });
}
