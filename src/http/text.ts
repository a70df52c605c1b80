import type { FastifyInstance } from 'fastify';
import { DomainError } from '../shared/errors.ts';

/**
 * Two holes in request validation, closed for every route:
 *
 * - NUL (U+0000) anywhere in a request's path parameters, query string or JSON body (keys and
 *   values) is refused before schema validation. PostgreSQL cannot store NUL in text ("invalid
 *   byte sequence for encoding UTF8: 0x00"), so such a value reached a query as a 500 there while
 *   SQLite stored it; no field of this API has a use for it, so it is a 400 on both backends.
 *   (/api only: the log's tile paths answer a NUL like any other absent tile, 404.)
 * - A non-finite number after validation is refused. Ajv's type coercion turns the strings
 *   "Infinity" or "1e400" into Infinity and then skips minimum/maximum (they only test finite
 *   numbers), so `?limit=Infinity` passed `integer, 1..200` and reached SQL as a 500.
 *
 * Raw (Buffer) bodies, such as payment providers' signed callbacks, are left to their handlers.
 */
export function installTextGuard(app: FastifyInstance): void {
  const refuse = (find: (v: unknown) => string | null, what: string, apiOnly = false) => async (req: { url: string; params: unknown; query: unknown; body: unknown }) => {
    if (apiOnly && !req.url.startsWith('/api/')) return;
    for (const [part, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
      const at = find(value);
      if (at !== null) throw new DomainError('validation', `${part}${at} ${what}`, 400, { errors: [{ path: at, message: what }] });
    }
  };
  app.addHook('preValidation', refuse((v) => walk(v, (x) => typeof x === 'string' && x.includes('\u0000'), true), 'must not contain NUL (U+0000) characters', true));
  app.addHook('preHandler', refuse((v) => walk(v, (x) => typeof x === 'number' && !Number.isFinite(x), false), 'must be a finite number'));
}

/** The JSON-pointer-ish path of the first value (or, with `keys`, key) that is `bad`, or null. Iterative: bodies may nest deeply. */
function walk(root: unknown, bad: (v: unknown) => boolean, keys: boolean): string | null {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (bad(v)) return path;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push([x, `${path}/${i}`]));
    } else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      for (const [k, x] of Object.entries(v)) {
        if (keys && bad(k)) return `${path}/${k.replace(/\u0000/g, '\\u0000')}`;
        stack.push([x, `${path}/${k}`]);
      }
    }
  }
  return null;
}
