// Schema pieces every module's routes share.

/** Error answers of a route, all problem+json (RFC 9457). */
export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { $ref: 'Problem#' }]));

/** A page of a cursor-paginated list: `{ items, nextCursor }`, nextCursor null on the last page. */
export const pageOf = <T extends object>(items: T) =>
  ({
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] } },
    additionalProperties: false,
  }) as const;
