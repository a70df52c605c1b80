import { newId } from '../shared/ids.ts';
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Json } from '../ledger/entry.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import type { Notice, Notify } from '../shared/notify.ts';
import { checkWebhookTarget, parseWebhookUrl } from './address.ts';
import { NoticeHub, type Audience, type Listener, type NoticeRow } from './hub.ts';
import {
  decodeCursor,
  encodeCursor,
  ENDPOINTS_PER_MERCHANT_MAX,
  isDelivered,
  KIND,
  KIND_CHARS_MAX,
  nextAttemptAt,
  NOTICE_DATA_CHARS_MAX,
  parseEvents,
  parseLimit,
  subscribes,
  TEST_KIND,
} from './rules.ts';
import { fetchSender, nodeSender, type Sender } from './sender.ts';
import { newWebhookSecret, signWebhook } from './signing.ts';
import type { Page } from '../shared/index.ts';
export type { Page };

export interface NotificationsOptions {
  /** Let endpoints target loopback/private/link-local addresses (development and tests only). */
  allowPrivateWebhooks: boolean;
  clock?: () => Date;
  /** Send webhooks with this fetch instead of node:http (the address is then checked by resolving first). */
  fetch?: typeof fetch;
  /** How often the SSE poller looks for notices committed by any instance. */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export interface NoticeView {
  id: string;
  /** The SSE event id: notices are numbered in the order they were written. */
  seq: number;
  kind: string;
  audience: 'user' | 'merchant';
  data: Record<string, Json>;
  createdAt: string;
  readAt: string | null;
}

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdAt: string;
}

export interface NewEndpointView extends EndpointView {
  /** whsec_…: shown once, at creation. */
  secret: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryView {
  /** The webhook-id header, the same on every attempt. */
  id: string;
  endpointId: string;
  kind: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}


/** The webhook request timeout: slower answers count as failures and are retried. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A claimed attempt owns its delivery until then; past it (a crashed worker) another instance may retry. */
const LEASE_MS = 60_000;
const CLAIM_BATCH_MAX = 32;
const SEND_CONCURRENCY_MAX = 8;
const REPLAY_BATCH_MAX = 500;
const ERROR_CHARS_MAX = 200;
const USER_AGENT = 'chainmall-webhooks/0.1';

const ID = (prefix: string) => new RegExp(`^${prefix}_[0-9a-f]{32}$`);
const NOTICE_ID = ID('ntf');
const ENDPOINT_ID = ID('whe');

type EndpointRow = Selectable<Database['notifications_webhook_endpoint']>;
type DeliveryRow = Selectable<Database['notifications_webhook_delivery']>;
type Reader = Kysely<Database> | Transaction<Database>;

export function noticeView(r: NoticeRow): NoticeView {
  return {
    id: r.id,
    seq: r.seq,
    kind: r.kind,
    audience: r.audience_user_id !== null ? 'user' : 'merchant',
    data: JSON.parse(r.data) as Record<string, Json>,
    createdAt: r.created_at,
    readAt: r.read_at,
  };
}

const endpointView = (r: EndpointRow): EndpointView => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  enabled: r.enabled === 1,
  createdAt: r.created_at,
});

const deliveryView = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  endpointId: r.endpoint_id,
  kind: r.kind,
  state: r.state as DeliveryState,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Why an attempt failed, in a few words for the merchant (never a stack or an internal detail). */
function describeError(err: unknown): string {
  if (err instanceof DomainError) return err.message;
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'EWEBHOOKPRIVATE') return 'the host resolves to a non-public address';
  return (code ? `connection failed (${code})` : 'connection failed').slice(0, ERROR_CHARS_MAX);
}

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * In-app notices (list, mark read, live SSE stream) and outgoing Standard Webhooks to merchants.
 * notify() writes in the caller's transaction (an outbox): the notice and its webhook deliveries
 * exist exactly when the business change committed. Notices are not ledger entries.
 */
export class NotificationsService {
  private readonly clock: () => Date;
  private readonly sender: Sender;
  private readonly hub: NoticeHub;

  constructor(private readonly db: Kysely<Database>, private readonly opts: NotificationsOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.sender = opts.fetch ? fetchSender(opts.fetch, opts.allowPrivateWebhooks) : nodeSender(opts.allowPrivateWebhooks);
    this.hub = new NoticeHub(db, { ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}), ...(opts.onError ? { onError: opts.onError } : {}) });
  }

  /** The outbox write; an arrow property so it can be handed to other services unbound. */
  readonly notify: Notify = async (trx: Transaction<Database>, notice: Notice): Promise<void> => {
    assert(trx.isTransaction, 'notify: needs the caller\'s transaction');
    const userId = 'userId' in notice.audience ? notice.audience.userId : null;
    const merchantId = 'merchantId' in notice.audience ? notice.audience.merchantId : null;
    assert((userId === null) !== (merchantId === null), 'notify: exactly one audience');
    assert((userId ?? merchantId ?? '').length > 0, 'notify: empty audience id');
    assert(notice.kind.length <= KIND_CHARS_MAX && KIND.test(notice.kind), `notify: bad kind ${notice.kind}`);
    assert(typeof notice.data === 'object' && notice.data !== null && !Array.isArray(notice.data), 'notify: data must be an object');
    const data = JSON.stringify(notice.data);
    assert(data.length <= NOTICE_DATA_CHARS_MAX, 'notify: data over limit');
    const now = this.clock().toISOString();
    await trx
      .insertInto('notifications_notice')
      .values({ id: newId('ntf'), audience_user_id: userId, audience_merchant_id: merchantId, kind: notice.kind, data, created_at: now, read_at: null })
      .execute();
    if (merchantId !== null) {
      const endpoints = await trx.selectFrom('notifications_webhook_endpoint').selectAll().where('merchant_id', '=', merchantId).where('enabled', '=', 1).execute();
      const payload = JSON.stringify({ type: notice.kind, timestamp: now, data: notice.data });
      const rows = endpoints
        .filter((e) => subscribes(JSON.parse(e.events) as string[], notice.kind))
        .map((e) => ({ id: newId('msg'), endpoint_id: e.id, kind: notice.kind, payload, state: 'pending', next_attempt_at: now, last_status: null, last_error: null, created_at: now, updated_at: now }));
      if (rows.length > 0) await trx.insertInto('notifications_webhook_delivery').values(rows).execute();
    }
    this.hub.pokeSoon();
  };

  // ---- in-app notices ----

  private audienceFilter(a: Audience) {
    return (eb: ExpressionBuilder<Database, 'notifications_notice'>) =>
      a.merchantId ? eb.or([eb('audience_user_id', '=', a.userId), eb('audience_merchant_id', '=', a.merchantId)]) : eb('audience_user_id', '=', a.userId);
  }

  /** The caller's own notices and their merchant's, newest first. */
  async list(who: Audience, opts: { cursor?: string | undefined; limit?: number | undefined; unread?: boolean | undefined } = {}): Promise<Page<NoticeView>> {
    const limit = parseLimit(opts.limit);
    const before = decodeCursor(opts.cursor);
    let q = this.db.selectFrom('notifications_notice').selectAll().where(this.audienceFilter(who));
    if (before !== undefined) q = q.where('seq', '<', before);
    if (opts.unread) q = q.where('read_at', 'is', null);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page.map(noticeView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null };
  }

  /** Marks one notice read (for a merchant's notice: read for all its staff). Someone else's: 404. */
  async markRead(who: Audience, id: string): Promise<NoticeView> {
    if (!NOTICE_ID.test(id)) throw notFound(`notification ${id}`);
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('notifications_notice').selectAll().where('id', '=', id).where(this.audienceFilter(who)).executeTakeFirst();
      if (!row) throw notFound(`notification ${id}`);
      if (row.read_at !== null) return noticeView(row);
      const readAt = this.clock().toISOString();
      await trx.updateTable('notifications_notice').set({ read_at: readAt }).where('seq', '=', row.seq).where('read_at', 'is', null).execute();
      return noticeView({ ...row, read_at: readAt });
    });
  }

  /** Notices for this audience written after seq, oldest first (the SSE replay after Last-Event-ID). */
  async noticesAfter(who: Audience, afterSeq: number, limit = REPLAY_BATCH_MAX): Promise<NoticeRow[]> {
    assert(Number.isSafeInteger(afterSeq) && afterSeq >= 0, 'noticesAfter: bad seq');
    return this.db.selectFrom('notifications_notice').selectAll().where(this.audienceFilter(who)).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  }

  /** Live notices for this audience, committed by any instance from the moment this resolves. */
  subscribe(who: Audience, listener: Listener): Promise<() => void> {
    return this.hub.subscribe(who, listener);
  }

  /** Stops the live poller (open streams should be closed first). */
  close(): void {
    this.hub.stop();
  }

  // ---- webhook endpoints ----

  async createEndpoint(merchantId: string, input: { url: string; events: string[] }): Promise<NewEndpointView> {
    const url = parseWebhookUrl(input.url);
    const events = parseEvents(input.events);
    await checkWebhookTarget(url, this.opts.allowPrivateWebhooks);
    const row: EndpointRow = { id: newId('whe'), merchant_id: merchantId, url: url.href, secret: newWebhookSecret(), events: JSON.stringify(events), enabled: 1, created_at: this.clock().toISOString() };
    await this.db.transaction().execute(async (trx) => {
      const { n } = await trx.selectFrom('notifications_webhook_endpoint').select((eb) => eb.fn.countAll<number>().as('n')).where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
      if (Number(n) >= ENDPOINTS_PER_MERCHANT_MAX) throw new DomainError('webhook.too_many_endpoints', `at most ${ENDPOINTS_PER_MERCHANT_MAX} webhook endpoints per merchant`, 409);
      await trx.insertInto('notifications_webhook_endpoint').values(row).execute();
    });
    return { ...endpointView(row), secret: row.secret };
  }

  async endpoints(merchantId: string): Promise<EndpointView[]> {
    const rows = await this.db.selectFrom('notifications_webhook_endpoint').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('id').limit(ENDPOINTS_PER_MERCHANT_MAX).execute();
    return rows.map(endpointView);
  }

  private async endpoint(db: Reader, merchantId: string, id: string): Promise<EndpointRow> {
    const row = ENDPOINT_ID.test(id)
      ? await db.selectFrom('notifications_webhook_endpoint').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst()
      : undefined;
    if (!row) throw notFound(`webhook endpoint ${id}`);
    return row;
  }

  /** Removes the endpoint and its delivery history; pending deliveries are not sent. */
  async deleteEndpoint(merchantId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await this.endpoint(trx, merchantId, id);
      await trx.deleteFrom('notifications_webhook_delivery').where('endpoint_id', '=', row.id).execute();
      await trx.deleteFrom('notifications_webhook_endpoint').where('id', '=', row.id).execute();
    });
  }

  async deliveries(merchantId: string, endpointId: string, opts: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<Page<DeliveryView>> {
    const limit = parseLimit(opts.limit);
    const before = decodeCursor(opts.cursor);
    const ep = await this.endpoint(this.db, merchantId, endpointId);
    let q = this.db.selectFrom('notifications_webhook_delivery').selectAll().where('endpoint_id', '=', ep.id);
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page.map(deliveryView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null };
  }

  /** Enqueues a webhook.test delivery to this endpoint, whatever it subscribes to. */
  async sendTest(merchantId: string, endpointId: string): Promise<DeliveryView> {
    return this.db.transaction().execute(async (trx) => {
      const ep = await this.endpoint(trx, merchantId, endpointId);
      if (ep.enabled !== 1) throw new DomainError('webhook.endpoint_disabled', 'this endpoint is disabled (it answered 410 Gone); create a new one', 409);
      const now = this.clock().toISOString();
      const id = newId('msg');
      const payload = JSON.stringify({ type: TEST_KIND, timestamp: now, data: { endpointId: ep.id } });
      await trx
        .insertInto('notifications_webhook_delivery')
        .values({ id, endpoint_id: ep.id, kind: TEST_KIND, payload, state: 'pending', next_attempt_at: now, last_status: null, last_error: null, created_at: now, updated_at: now })
        .execute();
      const row = await trx.selectFrom('notifications_webhook_delivery').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return deliveryView(row);
    });
  }

  // ---- delivery worker ----

  /**
   * One bounded batch: claims due deliveries (a conditional UPDATE moves next_attempt_at forward as a
   * lease, so no two instances send the same attempt), sends them a few at a time, records each
   * result. Returns how many attempts were made.
   */
  async deliverDue(now: Date): Promise<number> {
    const nowIso = now.toISOString();
    const due = await this.db
      .selectFrom('notifications_webhook_delivery')
      .selectAll()
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .orderBy('next_attempt_at')
      .limit(CLAIM_BATCH_MAX)
      .execute();
    const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
    const claimed: DeliveryRow[] = [];
    for (const d of due) {
      const r = await this.db
        .updateTable('notifications_webhook_delivery')
        .set({ attempts: d.attempts + 1, next_attempt_at: leaseUntil, updated_at: nowIso })
        .where('id', '=', d.id)
        .where('state', '=', 'pending')
        .where('attempts', '=', d.attempts)
        .where('next_attempt_at', '=', d.next_attempt_at)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) claimed.push({ ...d, attempts: d.attempts + 1 });
    }
    assert(claimed.length <= CLAIM_BATCH_MAX, 'webhooks: claimed over the batch limit');
    await inPool(claimed, SEND_CONCURRENCY_MAX, (d) => this.attempt(d, now));
    return claimed.length;
  }

  private async attempt(d: DeliveryRow, now: Date): Promise<void> {
    const ep = await this.db.selectFrom('notifications_webhook_endpoint').selectAll().where('id', '=', d.endpoint_id).executeTakeFirst();
    if (!ep) return; // deleted meanwhile, with its deliveries
    let status: number | null = null;
    let error: string | null = null;
    if (ep.enabled !== 1) {
      error = 'the endpoint is disabled';
    } else {
      const timestamp = Math.floor(now.getTime() / 1000);
      try {
        const url = parseWebhookUrl(ep.url);
        const res = await this.sender({
          url: url.href,
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'webhook-id': d.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(ep.secret, d.id, timestamp, d.payload),
          },
          body: d.payload,
          timeoutMs: WEBHOOK_TIMEOUT_MS,
        });
        status = res.status;
        if (!isDelivered(status)) error = `answered HTTP ${status}`;
      } catch (err) {
        error = describeError(err);
      }
    }
    const delivered = status !== null && isDelivered(status);
    // 410 Gone: the receiver wants no more (Standard Webhooks): stop and disable the endpoint.
    const gone = status === 410 || ep.enabled !== 1;
    const next = delivered || gone ? null : nextAttemptAt(d.attempts, now);
    const state: DeliveryState = delivered ? 'delivered' : next === null ? 'failed' : 'pending';
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('notifications_webhook_delivery')
        .set({ state, next_attempt_at: next?.toISOString() ?? null, last_status: status, last_error: error?.slice(0, ERROR_CHARS_MAX) ?? null, updated_at: now.toISOString() })
        .where('id', '=', d.id)
        .where('state', '=', 'pending')
        .where('attempts', '=', d.attempts)
        .execute();
      if (status === 410) await trx.updateTable('notifications_webhook_endpoint').set({ enabled: 0 }).where('id', '=', ep.id).execute();
    });
  }
}
