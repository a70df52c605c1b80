import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { clearedSessionCookie, cookieValue, isHttps, requireActor, SESSION_COOKIE, sessionCookie, SIGNED_IN } from '../http/auth.ts';
import { DomainError } from '../shared/errors.ts';
import { ROLES, type StaffRole } from './roles.ts';
import { ApiTokenList, LoginBody, NewApiTokenBody, NewApiTokenView, NewStaffBody, problems, RegisterBody, SessionView, TokenIdParam, UserView } from './schema.ts';
import type { AccountsService, Session } from './service.ts';

type Credentials = { email: string; password: string };

function setSession(req: FastifyRequest, reply: FastifyReply, s: Session) {
  reply.header('set-cookie', sessionCookie(s.token, { maxAgeS: Math.ceil((Date.parse(s.expiresAt) - Date.now()) / 1000), secure: isHttps(req) }));
  // Responses that set or depend on a session are never cached by anything in between.
  reply.header('cache-control', 'no-store');
}

/** Sign-up, sign-in, the caller's own account and tokens, and admin creation of staff. */
export const accountsRoutes: FastifyPluginAsync<{ accounts: AccountsService }> = async (app, { accounts }) => {
  const tags = ['accounts'];

  app.post<{ Body: Credentials }>(
    '/auth/register',
    { schema: { tags, summary: 'Sign up as a buyer; the answer also signs you in (cm_session cookie)', body: RegisterBody, response: { 201: SessionView, ...problems(400, 409) } } },
    async (req, reply) => {
      const { user, session } = await accounts.register(req.body);
      setSession(req, reply, session);
      return reply.code(201).send({ user, expiresAt: session.expiresAt });
    },
  );

  app.post<{ Body: Credentials }>(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with e-mail and password: sets the cm_session cookie',
        description: 'Failed attempts are limited per account and client address; past the limit the answer is 429 with Retry-After.',
        body: LoginBody,
        response: { 200: SessionView, ...problems(400, 401, 429) },
      },
    },
    async (req, reply) => {
      const { user, session } = await accounts.login(req.body.email, req.body.password, req.ip);
      setSession(req, reply, session);
      return { user, expiresAt: session.expiresAt };
    },
  );

  app.post('/auth/logout', { schema: { tags, summary: 'End this session (the cookie stops working at once)', response: { 204: { type: 'null' } } } }, async (req, reply) => {
    const token = cookieValue(req, SESSION_COOKIE);
    if (token) await accounts.logout(token);
    reply.header('set-cookie', clearedSessionCookie(isHttps(req)));
    return reply.code(204).send();
  });

  app.get('/me', { schema: { tags, security: SIGNED_IN, summary: 'The signed-in user', response: { 200: UserView, ...problems(401) } } }, async (req, reply) => {
    const actor = requireActor(req);
    reply.header('cache-control', 'no-store');
    return accounts.user(actor.userId);
  });

  app.post<{ Body: { name: string; expiresInDays?: number } }>(
    '/me/tokens',
    {
      schema: {
        tags,
        security: [{ session: [] }],
        summary: 'Create an API token for integrations; the secret is shown in this answer only',
        description: 'Needs a browser session: an API token cannot mint more tokens. A token acts with its owner\'s role.',
        body: NewApiTokenBody,
        response: { 201: NewApiTokenView, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const actor = requireActor(req, ...ROLES);
      if (actor.via !== 'session') throw new DomainError('auth.session_required', 'API tokens are created from a signed-in session', 403);
      const token = await accounts.createApiToken(actor.userId, req.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(token);
    },
  );

  app.get('/me/tokens', { schema: { tags, security: SIGNED_IN, summary: 'Your API tokens, without their secrets', response: { 200: ApiTokenList, ...problems(401) } } }, async (req) => {
    const actor = requireActor(req);
    return { items: await accounts.apiTokens(actor.userId) };
  });

  app.delete<{ Params: { id: string } }>(
    '/me/tokens/:id',
    { schema: { tags, security: SIGNED_IN, summary: 'Revoke one of your API tokens', params: TokenIdParam, response: { 204: { type: 'null' }, ...problems(401, 404) } } },
    async (req, reply) => {
      const actor = requireActor(req, ...ROLES);
      await accounts.revokeApiToken(actor.userId, req.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Credentials & { role: StaffRole; merchantId?: string } }>(
    '/admin/users',
    { schema: { tags, security: SIGNED_IN, summary: 'Admin: create a merchant_staff, admin or auditor user', body: NewStaffBody, response: { 201: UserView, ...problems(400, 401, 403, 409) } } },
    async (req, reply) => {
      const actor = requireActor(req, 'admin');
      const { user } = await accounts.createUser(actor.userId, req.body);
      return reply.code(201).send(user);
    },
  );
};
