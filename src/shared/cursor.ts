import { DomainError } from './errors.ts';
import { assert } from './assert.ts';

/** An opaque cursor for lists ordered by (created_at, id): the last item's pair, base64url JSON. */
export const encodeTimeCursor = (createdAt: string, id: string): string => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

export function decodeTimeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new DomainError('bad_cursor', 'the cursor is not one this list handed out', 400);
}

/** One page of a list that grows, and where the next one starts (null: none). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** Every item of a paged list, page after page (a person's data export must not stop at one page). */
export async function everyPage<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    assert(page.nextCursor !== cursor, 'paging: a page handed back its own cursor');
    cursor = page.nextCursor;
  }
}
