import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../accounts/index.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Who is calling: resolved once per request from the session cookie or an `Authorization: Bearer cm_…`
 * token, and null for an anonymous caller. Modules receive it from the route and decide with it.
 *
 * Tenancy convention, for every module: a resource that exists but belongs to someone else is answered
 * exactly like one that does not exist: 404, never 403. Query by (id AND owner) and throw notFound()
 * when nothing comes back, so ids cannot be probed. 403 is only for "your role may never do this"
 * (a buyer calling an admin route, an auditor writing), which reveals nothing about any resource.
 */
export interface Actor {
  userId: string;
  role: Role;
  /** merchant_staff only. */
  merchantId?: string;
  /** How the caller proved it: a browser session cookie or an integration token. */
  via: 'session' | 'token';
}

/** What the accounts service provides to authenticate; auth itself knows nothing of tables. */
export interface ActorResolver {
  actorForSession(token: string): Promise<Actor | null>;
  actorForApiToken(token: string): Promise<Actor | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export const SESSION_COOKIE = 'cm_session';
/** OpenAPI `security` for routes that need a caller (schemes declared in buildHttp). */
export const SIGNED_IN: { [scheme: string]: string[] }[] = [{ session: [] }, { apiToken: [] }];
const BEARER = /^Bearer[ ]+(cm_[A-Za-z0-9_-]{20,100})[ ]*$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie from the Cookie header (RFC 6265 §5.4 syntax), or undefined. */
export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v;
  }
  return undefined;
}

/**
 * Secure only when the request came over https: a laptop on http://localhost must still get its
 * cookie. Behind a TLS-terminating proxy, Fastify's trustProxy makes req.protocol read X-Forwarded-Proto.
 */
export const isHttps = (req: FastifyRequest) => req.protocol === 'https';

export interface CookieOptions {
  maxAgeS: number;
  secure: boolean;
}

/** The session cookie: HTTP-only (no script reads it), SameSite=Lax (no cross-site POSTs carry it). */
export function sessionCookie(token: string, { maxAgeS, secure }: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeS))}`];
  if (maxAgeS > 0) parts.push(`Expires=${new Date(Date.now() + maxAgeS * 1000).toUTCString()}`);
  else parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export const clearedSessionCookie = (secure: boolean) => sessionCookie('', { maxAgeS: 0, secure });

const unauthorized = (code: string, message: string) => new DomainError(code, message, 401);

/**
 * Resolves request.actor for every request. A bearer token that is malformed, unknown, expired or
 * revoked is refused (401): an integration must learn that its credential is dead. A stale session
 * cookie just means anonymous: browsers keep cookies longer than we honour them.
 */
export function installAuth(app: FastifyInstance, resolver: ActorResolver): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req, reply) => {
    const authz = req.headers.authorization;
    if (authz !== undefined) {
      const m = BEARER.exec(authz);
      const actor = m ? await resolver.actorForApiToken(m[1]!) : null;
      if (!actor) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"'); // RFC 6750 §3
        throw unauthorized('auth.invalid_token', m ? 'the API token is unknown, expired or revoked' : 'Authorization must be "Bearer cm_…" with an API token');
      }
      req.actor = actor;
      return;
    }
    const token = cookieValue(req, SESSION_COOKIE);
    if (!token) return;
    const actor = await resolver.actorForSession(token);
    if (!actor) return;
    // SameSite=Lax already keeps the cookie off cross-site POSTs; a mismatching Origin on a cookie-
    // authenticated write is refused as well (same-site subdomains, older browsers).
    const origin = req.headers.origin;
    if (!SAFE_METHODS.has(req.method) && origin !== undefined && !sameOrigin(origin, req)) {
      throw new DomainError('auth.cross_origin', 'a cookie-authenticated write must come from this site', 403);
    }
    req.actor = actor;
  });
}

/** Origin's host:port against the Host header's, default ports normalized (http://h:80 is h). */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  const host = req.headers.host;
  try {
    return host !== undefined && new URL(origin).host === new URL(`${req.protocol}://${host}`).host;
  } catch {
    return false;
  }
}

/**
 * The caller, or a 401 problem when anonymous; a 403 problem when roles are listed and the actor
 * has none of them. Auditors are read-only: on a write (POST, PUT, PATCH, DELETE) an auditor passes
 * only where the route lists 'auditor' explicitly (their own session and tokens), never by default.
 */
export function requireActor(req: FastifyRequest, ...roles: Role[]): Actor {
  const actor = req.actor;
  if (!actor) throw unauthorized('auth.required', 'sign in or send an API token');
  if (roles.length > 0 && !roles.includes(actor.role)) {
    throw new DomainError('auth.forbidden', `this needs the role ${roles.join(' or ')}`, 403);
  }
  if (actor.role === 'auditor' && !SAFE_METHODS.has(req.method) && !roles.includes('auditor')) {
    throw new DomainError('auth.read_only', 'auditors have read-only access', 403);
  }
  return actor;
}
