import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DomainError } from '../shared/errors.ts';

/** The C2SP entry bundle prefixes each entry with a uint16 length. */
export const ENTRY_BYTES_MAX = 65_535;
const DEPTH_MAX = 16;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What a module hands to append(): the ledger fills in v and, if absent, at. */
export interface LedgerEventInput {
  kind: string;
  actor: string;
  subject: Record<string, string>;
  data?: Record<string, Json>;
  at?: string;
}

export interface LedgerEvent {
  v: 1;
  kind: string;
  at: string;
  actor: string;
  subject: Record<string, string>;
  data: Record<string, Json>;
}

const KIND = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
// Personal data never goes into the log in clear text (it could not be erased): refuse the obvious shapes.
const PII_KEY = /^(e-?mail|phone|mobile|tel|telephone|address|street|full_?name|real_?name|first_?name|last_?name|id_?card|passport|birth_?date)$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;

const reject = (why: string): never => {
  throw new DomainError('ledger.invalid_entry', `ledger entry rejected: ${why}`, 400);
};

function checkJson(v: unknown, where: string, depth: number): void {
  if (depth > DEPTH_MAX) reject(`${where} nests deeper than ${DEPTH_MAX}`);
  if (v === null || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    // Amounts are integer minor units; floats have no portable canonical form worth trusting.
    if (!Number.isSafeInteger(v)) reject(`${where} is not a safe integer (${v})`);
    return;
  }
  if (typeof v === 'string') {
    if (EMAIL.test(v)) reject(`${where} looks like an e-mail address; store a commitment or reference instead`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${where}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      if (PII_KEY.test(k)) reject(`${where}.${k} is personal data; store a commitment or reference instead`);
      checkJson(x, `${where}.${k}`, depth + 1);
    }
    return;
  }
  reject(`${where} is not JSON (${typeof v})`);
}

/** Validates and fills an event; throws DomainError before anything is written. */
export function toEvent(e: LedgerEventInput, now: Date = new Date()): LedgerEvent {
  if (typeof e !== 'object' || e === null) reject('not an object');
  if (typeof e.kind !== 'string' || !KIND.test(e.kind) || e.kind.length > 64) reject(`kind ${JSON.stringify(e.kind)} is not like "order.created"`);
  if (typeof e.actor !== 'string' || e.actor.length === 0 || e.actor.length > 128) reject('actor must be a non-empty id');
  if (typeof e.subject !== 'object' || e.subject === null || Array.isArray(e.subject)) reject('subject must be an object of ids');
  for (const [k, id] of Object.entries(e.subject)) {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) reject(`subject.${k} must be a non-empty id string`);
  }
  const at = e.at ?? now.toISOString();
  if (!AT.test(at)) reject(`at ${JSON.stringify(at)} is not an RFC 3339 UTC time`);
  const data = e.data ?? {};
  checkJson(data, 'data', 0);
  checkJson(e.subject, 'subject', 0);
  return { v: 1, kind: e.kind, at, actor: e.actor, subject: e.subject, data };
}

/** RFC 8785 canonical bytes of a validated event. */
export function eventBytes(ev: LedgerEvent): Uint8Array {
  const text = canonicalize(ev);
  if (text === undefined) reject('not serialisable');
  const bytes = Buffer.from(text!, 'utf8');
  if (bytes.length > ENTRY_BYTES_MAX) reject(`${bytes.length} bytes is over the ${ENTRY_BYTES_MAX}-byte limit`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export const entryBytes = (e: LedgerEventInput, now?: Date): Uint8Array => eventBytes(toEvent(e, now));

/**
 * Parses entry bytes and insists they are exactly the canonical form of a valid event,
 * so that one event has one byte string (and one leaf hash).
 */
export function parseEntry(bytes: Uint8Array): LedgerEvent {
  if (bytes.length > ENTRY_BYTES_MAX) reject(`${bytes.length} bytes is over the ${ENTRY_BYTES_MAX}-byte limit`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    reject('not UTF-8 JSON');
  }
  const p = parsed as LedgerEvent;
  if (typeof p !== 'object' || p === null || p.v !== 1) reject('v must be 1');
  const keys = Object.keys(p).sort().join(',');
  if (keys !== 'actor,at,data,kind,subject,v') reject(`fields must be exactly v, kind, at, actor, subject, data (got ${keys})`);
  const ev = toEvent(p);
  if (!Buffer.from(eventBytes(ev)).equals(Buffer.from(bytes))) reject('bytes are not RFC 8785 canonical');
  return ev;
}

/** A salted commitment to a value that must not appear in clear (personal data): hex SHA-256(salt ‖ 0x00 ‖ value). */
export function commitment(value: string, salt: string): string {
  return createHash('sha256').update(salt).update(Buffer.from([0])).update(value).digest('hex');
}
