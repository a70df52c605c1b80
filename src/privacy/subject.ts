// Who behaviour data is about, from a request: the signed-in user, or the anonymous visitor's cookie.
import type { FastifyRequest } from 'fastify';
import { cookieValue } from '../http/auth.ts';
import type { Subject } from './service.ts';

export const VISITOR_COOKIE = 'cm_visitor';
const VISITOR_ID = /^vis_[0-9a-f]{32}$/;
const VISITOR_MAX_AGE_S = 365 * 24 * 3600;

/** The request's subject, or null for an anonymous visitor who has made no choice yet (no cookie). */
export function requestSubject(req: FastifyRequest): Subject | null {
  if (req.actor) return { userId: req.actor.userId };
  const v = cookieValue(req, VISITOR_COOKIE);
  return v !== undefined && VISITOR_ID.test(v) ? { visitorId: v } : null;
}

/** The visitor cookie: random, HTTP-only, set only once the visitor made a consent choice. */
export function visitorCookie(id: string, secure: boolean): string {
  const parts = [`${VISITOR_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${VISITOR_MAX_AGE_S}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
