// Pure rules of live shopping: input checks, the session state machine, the per-user chat rate
// limit, pin arithmetic and cursors. No I/O: tested without a database.
import { newId } from '../shared/ids.ts';
import { DomainError, badRequest as bad } from '../shared/errors.ts';

export const TITLE_CHARS_MAX = 120;
export const DESCRIPTION_CHARS_MAX = 2000;
export const STREAM_URL_CHARS_MAX = 2048;
export const CHAT_TEXT_CHARS_MAX = 500;
/** One chat message per user per session per this many ms. */
export const CHAT_INTERVAL_MS = 1000;
export const QUOTA_MAX = 100_000;
export const LIVE_PRICE_MINOR_MAX = 1_000_000_000_000;
export const PINS_ACTIVE_MAX = 20;
export const LIVE_LIMIT_DEFAULT = 50;
export const LIVE_LIMIT_MAX = 200;
/** Chat messages a new SSE connection gets first (the most recent ones, oldest first). */
export const CHAT_BACKLOG = 50;

export const SESSION_STATES = ['scheduled', 'live', 'ended'] as const;
export type SessionState = (typeof SESSION_STATES)[number];


export const newSessionId = () => newId('live', 12);
export const newPinId = () => newId('lpin', 12);
export const newMessageId = () => newId('lmsg', 12);

/** Where a transition may start, and where it leads. */
const TRANSITIONS = { start: { from: 'scheduled', to: 'live' }, end: { from: 'live', to: 'ended' } } as const;
export type SessionTransition = keyof typeof TRANSITIONS;

/** The state a transition leads to, or a 409 saying why it cannot happen from `state`. */
export function transition(state: SessionState, t: SessionTransition): SessionState {
  const rule = TRANSITIONS[t];
  if (state !== rule.from) {
    throw new DomainError(`live.cannot_${t}`, `a ${state} session cannot ${t} (only a ${rule.from} one)`, 409, { state });
  }
  return rule.to;
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** 1..max code points, trimmed, no control characters (newlines allowed where `multiline`). */
export function parseText(v: unknown, max: number, what: string, code = 'live.bad_text', multiline = false): string {
  if (typeof v !== 'string') throw bad(code, `${what} must be a string`);
  const t = v.trim();
  const n = [...t].length;
  if (n < 1 || n > max) throw bad(code, `${what} must be 1..${max} characters`);
  if (CONTROL.test(t) || (!multiline && /[\r\n]/.test(t))) throw bad(code, `${what} must not contain control characters`);
  return t;
}

export const parseChatText = (v: unknown) => parseText(v, CHAT_TEXT_CHARS_MAX, 'a chat message', 'live.bad_text');

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An HLS playlist from an existing streaming server: https, or http on loopback only (development);
 * the path ends in .m3u8; no credentials in the URL. Returns the normalized URL.
 */
export function parseStreamUrl(v: unknown): string {
  const fail = (why: string) => bad('live.bad_stream_url', `streamUrl ${why}`);
  if (typeof v !== 'string' || v.length === 0 || v.length > STREAM_URL_CHARS_MAX) throw fail(`must be a string of 1..${STREAM_URL_CHARS_MAX} characters`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw fail('must be an absolute URL');
  }
  if (u.protocol === 'http:') {
    if (!LOOPBACK.has(u.hostname)) throw fail('must be https (plain http only on localhost or 127.0.0.1)');
  } else if (u.protocol !== 'https:') {
    throw fail(`must be https (got ${u.protocol})`);
  }
  if (u.hostname === '') throw fail('needs a host');
  if (u.username !== '' || u.password !== '') throw fail('must not carry credentials');
  if (!u.pathname.toLowerCase().endsWith('.m3u8')) throw fail('must point at an HLS playlist (.m3u8)');
  if (u.hash !== '') throw fail('must not have a fragment');
  if (u.href.length > STREAM_URL_CHARS_MAX) throw fail(`is longer than ${STREAM_URL_CHARS_MAX} characters`);
  return u.href;
}

export function parseScheduledAt(v: unknown): string {
  if (typeof v !== 'string') throw bad('live.bad_time', 'scheduledAt must be a date-time');
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw bad('live.bad_time', 'scheduledAt must be a date-time');
  return new Date(t).toISOString();
}

export function parseQuota(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > QUOTA_MAX) throw bad('live.bad_quota', `quota must be a whole number in 1..${QUOTA_MAX}`);
  return v;
}

export function parseLivePrice(v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > LIVE_PRICE_MINOR_MAX) {
    throw bad('live.bad_price', `livePriceMinor must be a whole number of minor units in 1..${LIVE_PRICE_MINOR_MAX}`);
  }
  return BigInt(v);
}

/** What a pin has left to sell at the live price. */
export function remaining(quota: number, sold: number): number {
  if (sold < 0 || sold > quota) throw new DomainError('live.bad_pin', `pin sold ${sold} outside 0..${quota}`, 500);
  return quota - sold;
}

/**
 * At most one chat message per key per interval (a fixed spacing, not a bucket): `take` answers 0
 * when the message may go now (and records it), else the ms to wait. Old keys are swept as it goes.
 */
export class ChatRateLimit {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs = CHAT_INTERVAL_MS, private readonly maxKeys = 100_000) {}

  take(key: string, nowMs: number): number {
    const prev = this.last.get(key);
    if (prev !== undefined && nowMs - prev < this.intervalMs) return this.intervalMs - (nowMs - prev);
    this.last.delete(key);
    this.last.set(key, nowMs);
    if (this.last.size > this.maxKeys) this.sweep(nowMs);
    return 0;
  }

  /** A refused message (after take) gives its slot back. */
  release(key: string, nowMs: number): void {
    if (this.last.get(key) === nowMs) this.last.delete(key);
  }

  private sweep(nowMs: number): void {
    for (const [k, at] of this.last) {
      if (nowMs - at < this.intervalMs && this.last.size <= this.maxKeys) break;
      this.last.delete(k);
    }
  }

  get size(): number {
    return this.last.size;
  }
}

/** Whole seconds for Retry-After (at least 1). */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return LIVE_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIVE_LIMIT_MAX) throw bad('live.bad_limit', `limit must be in 1..${LIVE_LIMIT_MAX}`);
  return limit;
}

/** Opaque cursor: base64url of "l1:<seq>" of the last row handed out. */
export const encodeCursor = (seq: number) => Buffer.from(`l1:${seq}`, 'latin1').toString('base64url');

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^l1:([0-9]{1,16})$/.exec(/^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('live.bad_cursor', 'cursor is not one this API handed out');
  return n;
}

/** The stream URL's origin, for the player (and the Content-Security-Policy's media-src). */
export const streamOrigin = (url: string) => new URL(url).origin;

/**
 * The streaming servers the web app's Content-Security-Policy lets the player reach (media-src for
 * native HLS, connect-src for hls.js): from a space- or comma-separated list of origins
 * (LIVE_STREAM_ORIGINS). Only https origins (http on loopback) are kept, as " origin1 origin2".
 */
export function streamOriginsCsp(list: string | undefined): string {
  const out: string[] = [];
  for (const item of (list ?? '').split(/[\s,]+/).filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(item);
    } catch {
      continue;
    }
    const ok = u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
    if (ok && u.username === '' && u.password === '' && !out.includes(u.origin)) out.push(u.origin);
  }
  return out.map((o) => ` ${o}`).join('');
}
