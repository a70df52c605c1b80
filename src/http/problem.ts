import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../shared/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  instance?: string;
  [k: string]: unknown;
}

export const ProblemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  additionalProperties: true,
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  const body: Problem = {
    type: `https://chainmall.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    instance: reply.request.url,
    ...extra,
  };
  return reply.code(status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}

/**
 * Fastify's `frameworkErrors`: errors the router raises before any route or error handler runs (a
 * malformed percent-encoding in the path, a path parameter over maxParamLength) would otherwise be
 * answered as plain JSON; answer them as problem+json like every other error.
 */
export function frameworkErrorAsProblem(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 500;
  if (status >= 500) return sendProblem(reply, 500, 'internal', 'An internal error occurred; it has been logged.');
  const detail = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : err.code === 'FST_ERR_BAD_URL' ? 'the URL is not validly encoded' : err.message;
  return sendProblem(reply, status, (err.code ?? 'bad_request').toLowerCase(), detail);
}

/**
 * Every error leaves as problem+json; internals never leak into a 500. A 429 carries Retry-After.
 * `pages`: answers GETs for the web app's own paths (client-side routes) before the 404.
 */
export function installProblemHandlers(app: FastifyInstance, pages?: () => ((req: FastifyRequest, reply: FastifyReply) => FastifyReply | null) | null): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof DomainError) {
      if (err.status === 429 && err.extra['retryAfter'] !== undefined) reply.header('retry-after', String(err.extra['retryAfter']));
      return sendProblem(reply, err.status, err.code, err.message, err.extra);
    }
    if (err.code === 'FST_RESPONSE_VALIDATION_FAILED_VALIDATION') {
      // Our answer broke its own schema: a bug, never the caller's fault.
      req.log.error({ err }, 'response failed its schema');
      return sendProblem(reply, 500, 'internal', `the response failed its schema: ${err.message}`);
    }
    if (err.validation) {
      return sendProblem(reply, 400, 'validation', err.message, {
        errors: err.validation.map((v) => ({ path: v.instancePath || v.params?.['missingProperty'] || '', message: v.message ?? '' })),
      });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendProblem(reply, status, (err.code ?? 'bad_request').toLowerCase(), err.message);
    req.log.error({ err }, 'unhandled error');
    return sendProblem(reply, 500, 'internal', 'An internal error occurred; it has been logged.');
  });
  app.setNotFoundHandler((req, reply) => pages?.()?.(req, reply) ?? sendProblem(reply, 404, 'not_found', `No route for ${req.method} ${req.url.split('?')[0]}`));
}
