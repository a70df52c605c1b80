/**
 * A DomainError is the caller's fault or a known business refusal: it maps to an
 * RFC 9457 problem with its status and a stable machine-readable code.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`, 404);
export const badRequest = (code: string, message: string) => new DomainError(code, message, 400);
