// Behaviour events with privacy by design, and merchant analytics.
//
// Collection stores nothing without a subject who consented to analytics or personalisation; each
// row carries the subject's pseudonym only and the purposes consented at collection time. The
// merchant is resolved from the product through the catalog, never taken from the client.
// Merchant analytics combine order figures (read by the orders module) with the funnel over
// analytics-consented events, and withhold any figure about fewer than minGroup people.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import type { Actor } from '../http/auth.ts';
import type { Json } from '../ledger/index.ts';
import type { OrderAnalytics } from '../orders/index.ts';
import type { PrivacyService, Purpose, Subject } from '../privacy/index.ts';
import { subjectRef } from '../privacy/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { TokenBuckets, type BucketRule } from './limiter.ts';
import { merchantDaily, merchantReport, type MerchantDaily, type MerchantReport } from './report.ts';
import { checkClientEvents, parsePeriod, type CheckedEvent, type EventInput, type EventKind } from './rules.ts';

type EventRow = Selectable<Database['analytics_event']>;
type Insert = Omit<EventRow, 'id'>;

/** One stored event as consumers (recommendations) read it. */
export interface BehaviourEvent {
  id: number;
  subject: string;
  kind: EventKind;
  productId: string | null;
  merchantId: string | null;
  basketId: string | null;
  list: string | null;
  at: string;
  forAnalytics: boolean;
  forPersonalisation: boolean;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  dropped: number;
}

/** What analytics needs of the catalog. */
export interface AnalyticsCatalogPort {
  /** product id → merchant id for the ids found; `publicOnly` leaves out drafts, archived products and suspended merchants'. */
  productMerchants(productIds: string[], publicOnly: boolean): Promise<Map<string, string>>;
  merchantExists(merchantId: string): Promise<boolean>;
}

export interface RateLimits {
  /** Per subject, in events (a request costs its events + 1). */
  subject: BucketRule;
  /** Per client address, in events. */
  address: BucketRule;
}

/** A browser sends a few events a second; a full 500-event batch is a burst, not a rate. */
export const DEFAULT_LIMITS: RateLimits = {
  subject: { capacity: 1_000, perSecond: 50 },
  address: { capacity: 50_000, perSecond: 25_000 },
};

export interface AnalyticsDeps {
  db: Kysely<Database>;
  privacy: PrivacyService;
  catalog: AnalyticsCatalogPort;
  orders: OrderAnalytics;
  retentionDays: number;
  /** k of k-anonymity: figures about fewer distinct people are withheld. */
  minGroup: number;
  limits?: RateLimits;
  now?: () => Date;
}

const INSERT_CHUNK = 500;
const PURGE_BATCH = 5_000;
const READ_LIMIT_MAX = 10_000;
const PRODUCT_CACHE_MS = 60_000;
const PRODUCT_CACHE_MAX = 100_000;
const EXPORT_PAGE = 5_000;
const FUNNEL_KINDS: EventKind[] = ['view', 'cart_add', 'purchase'];
/** PostgreSQL advisory lock spaces (two-int keys, apart from any single-bigint lock): per subject, and the append order. */
const SUBJECT_LOCK = 0x616e6c73;
const APPEND_LOCK = 0x616e6c61;

const toEvent = (r: EventRow): BehaviourEvent => ({
  id: Number(r.id),
  subject: r.subject,
  kind: r.kind as EventKind,
  productId: r.product_id,
  merchantId: r.merchant_id,
  basketId: r.basket_id,
  list: r.list,
  at: r.at,
  forAnalytics: Number(r.for_analytics) === 1,
  forPersonalisation: Number(r.for_personalisation) === 1,
});

const rateLimited = (retryAfter: number, who: string) =>
  new DomainError('analytics.rate_limited', `too many events from this ${who}; try again in ${retryAfter} s`, 429, { retryAfter });

export class AnalyticsService {
  private readonly db: Kysely<Database>;
  private readonly privacy: PrivacyService;
  private readonly catalog: AnalyticsCatalogPort;
  private readonly orders: OrderAnalytics;
  readonly retentionDays: number;
  readonly minGroup: number;
  private readonly now: () => Date;
  private readonly bySubject: TokenBuckets;
  private readonly byAddress: TokenBuckets;
  /** product id → merchant id (null: not publicly visible), briefly: a batch costs no catalog read when warm. */
  private readonly products = new Map<string, { merchantId: string | null; at: number }>();
  /** SQLite runs one transaction at a time; PostgreSQL needs the locks below. */
  private readonly sqlite: boolean;

  constructor(deps: AnalyticsDeps) {
    assert(Number.isSafeInteger(deps.retentionDays) && deps.retentionDays >= 1, 'analytics: retention must be at least one day');
    assert(Number.isSafeInteger(deps.minGroup) && deps.minGroup >= 1, 'analytics: the minimum group must be at least 1');
    this.db = deps.db;
    this.privacy = deps.privacy;
    this.catalog = deps.catalog;
    this.orders = deps.orders;
    this.retentionDays = deps.retentionDays;
    this.minGroup = deps.minGroup;
    this.now = deps.now ?? (() => new Date());
    this.sqlite = isSqlite(deps.db);
    const limits = deps.limits ?? DEFAULT_LIMITS;
    this.bySubject = new TokenBuckets(limits.subject);
    this.byAddress = new TokenBuckets(limits.address);
  }

  // ---- collection -----------------------------------------------------------------------

  /**
   * POST /api/events: rate limits per client address and per subject, then ingest. A subject of
   * null (an anonymous visitor who made no choice) stores nothing.
   */
  async collect(subject: Subject | null, address: string, events: EventInput[]): Promise<IngestResult & { reason?: 'no consent' }> {
    const nowMs = Date.now();
    const cost = events.length + 1;
    const wait = this.byAddress.take(`ip:${address}`, cost, nowMs);
    if (wait > 0) throw rateLimited(wait, 'address');
    if (subject) {
      const w = this.bySubject.take(subjectRef(subject), cost, nowMs);
      if (w > 0) throw rateLimited(w, 'visitor');
    }
    return this.ingestChecked(subject, checkClientEvents(events, this.now()));
  }

  /** Stores a client batch for the subject as far as consent allows; purchases are refused (server-side only). */
  async ingest(subject: Subject, events: EventInput[]): Promise<IngestResult> {
    const { accepted, duplicates, dropped } = await this.ingestChecked(subject, checkClientEvents(events, this.now()));
    return { accepted, duplicates, dropped };
  }

  private async ingestChecked(subject: Subject | null, events: CheckedEvent[]): Promise<IngestResult & { reason?: 'no consent' }> {
    const none = { accepted: 0, duplicates: 0, dropped: events.length, reason: 'no consent' as const };
    if (!subject || events.length === 0) return subject ? { accepted: 0, duplicates: 0, dropped: 0 } : none;
    // Cheap early answer for the many visitors who said no: no product lookups, no transaction.
    if (!collecting(await this.privacy.granted(subject))) return none;
    const { pseudonym } = await this.privacy.pseudonym(subject);
    const merchants = await this.merchantsOf(events.filter((e) => e.productId !== null).map((e) => e.productId!));
    const receivedAt = this.now().toISOString();
    const kept = events.filter((e) => e.productId === null || merchants.get(e.productId) != null);
    const dropped = events.length - kept.length;
    const inserted = await this.db.transaction().execute(async (trx) => {
      // Read again with the insert, under the subject's lock that withdrawal and erasure also take:
      // a withdrawal that committed first is seen here, one that comes later finds these rows.
      await this.lockSubjects(trx, [pseudonym]);
      const granted = await this.privacy.granted(subject, trx);
      if (!collecting(granted)) return null;
      const flags = { for_analytics: granted.has('analytics') ? 1 : 0, for_personalisation: granted.has('personalisation') ? 1 : 0 };
      return this.insert(trx, kept.map((e) => ({
        subject: pseudonym, kind: e.kind, product_id: e.productId, merchant_id: e.productId === null ? null : merchants.get(e.productId)!,
        query: e.query, list: e.list, basket_id: null, client_event_id: e.clientId, ...flags, at: e.at, received_at: receivedAt,
      })));
    });
    if (inserted === null) return none;
    return { accepted: inserted, duplicates: kept.length - inserted, dropped };
  }

  /**
   * Server-side purchase events, one per distinct product of the checkout, grouped by basketId.
   * Consent-checked like any event; call after the checkout committed.
   */
  async recordPurchase(buyerId: string, basketId: string, productIds: string[]): Promise<void> {
    const subject = { userId: buyerId };
    if (!collecting(await this.privacy.granted(subject))) return;
    const ids = [...new Set(productIds)];
    if (ids.length === 0) return;
    const { pseudonym } = await this.privacy.pseudonym(subject);
    // What was just bought may have been unlisted since: its merchant still counts the sale.
    const merchants = await this.catalog.productMerchants(ids, false);
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      await this.lockSubjects(trx, [pseudonym]);
      const granted = await this.privacy.granted(subject, trx);
      if (!collecting(granted)) return;
      const flags = { for_analytics: granted.has('analytics') ? 1 : 0, for_personalisation: granted.has('personalisation') ? 1 : 0 };
      await this.insert(trx, ids.map((productId) => ({
        subject: pseudonym, kind: 'purchase', product_id: productId, merchant_id: merchants.get(productId) ?? null,
        query: null, list: null, basket_id: basketId, client_event_id: null, ...flags, at, received_at: at,
      })));
    });
  }

  /** Multi-row inserts, duplicates of (subject, client id) skipped; the number of rows stored. */
  private async insert(trx: Transaction<Database>, rows: Insert[]): Promise<number> {
    if (rows.length === 0) return 0;
    // Ids in commit order, so a reader following the id cursor (eventsAfter) never skips a row that
    // commits late with a lower id. Held from the insert to the commit only.
    if (!this.sqlite) await sql`select pg_advisory_xact_lock(${APPEND_LOCK}::int, 0)`.execute(trx);
    let n = 0;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const res = await trx.insertInto('analytics_event').values(rows.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.columns(['subject', 'client_event_id']).doNothing())
        .executeTakeFirst();
      n += Number(res.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  /** Serializes collection with withdrawal and erasure per subject (PostgreSQL; until the transaction ends). */
  private async lockSubjects(trx: Transaction<Database>, pseudonyms: string[]): Promise<void> {
    if (this.sqlite) return;
    for (const p of [...new Set(pseudonyms)].sort()) await sql`select pg_advisory_xact_lock(${SUBJECT_LOCK}::int, hashtext(${p}))`.execute(trx);
  }

  /** product id → merchant id of publicly visible products, from a short-lived cache filled per batch. */
  private async merchantsOf(productIds: string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const misses: string[] = [];
    const nowMs = Date.now();
    for (const id of new Set(productIds)) {
      const hit = this.products.get(id);
      if (hit && nowMs - hit.at < PRODUCT_CACHE_MS) out.set(id, hit.merchantId);
      else misses.push(id);
    }
    if (misses.length > 0) {
      const found = await this.catalog.productMerchants(misses, true);
      if (this.products.size + misses.length > PRODUCT_CACHE_MAX) this.products.clear();
      for (const id of misses) {
        const merchantId = found.get(id) ?? null;
        out.set(id, merchantId);
        this.products.set(id, { merchantId, at: nowMs });
      }
    }
    return out;
  }

  // ---- reading (the recommendations engine) ---------------------------------------------

  /** Events kept for analytics after the cursor `afterId`, ascending: input of aggregate models. */
  async eventsAfter(afterId: number, limit: number): Promise<BehaviourEvent[]> {
    const rows = await this.db.selectFrom('analytics_event').selectAll()
      .where('id', '>', afterId).where('for_analytics', '=', 1)
      .orderBy('id').limit(readLimit(limit)).execute();
    return rows.map(toEvent);
  }

  /** The subject's events kept for personalisation, newest first. */
  async recentEvents(pseudonyms: string[], limit: number): Promise<BehaviourEvent[]> {
    if (pseudonyms.length === 0) return [];
    const rows = await this.db.selectFrom('analytics_event').selectAll()
      .where('subject', 'in', pseudonyms).where('for_personalisation', '=', 1)
      .orderBy('id', 'desc').limit(readLimit(limit)).execute();
    return rows.map(toEvent);
  }

  // ---- privacy hooks ----------------------------------------------------------------------

  /**
   * Consent withdrawn for a purpose: the subject's events are no longer kept for it, and those kept
   * for nothing else are deleted. Runs inside the consent change's transaction.
   */
  async withdrawn(trx: Transaction<Database>, pseudonyms: string[], purpose: Purpose): Promise<void> {
    if (pseudonyms.length === 0 || (purpose !== 'analytics' && purpose !== 'personalisation')) return;
    const flag = purpose === 'analytics' ? 'for_analytics' : 'for_personalisation';
    const other = purpose === 'analytics' ? 'for_personalisation' : 'for_analytics';
    await this.lockSubjects(trx, pseudonyms);
    await trx.deleteFrom('analytics_event').where('subject', 'in', pseudonyms).where(other, '=', 0).execute();
    await trx.updateTable('analytics_event').set({ [flag]: 0 }).where('subject', 'in', pseudonyms).where(flag, '=', 1).execute();
  }

  /** Erasure: every event of the subject goes, inside the erasure's transaction. */
  async erased(trx: Transaction<Database>, pseudonyms: string[]): Promise<void> {
    if (pseudonyms.length === 0) return;
    await this.lockSubjects(trx, pseudonyms);
    await trx.deleteFrom('analytics_event').where('subject', 'in', pseudonyms).execute();
  }

  /** The subject's events for their data export, oldest first. */
  async exportFor(pseudonyms: string[]): Promise<Json> {
    const out: Json[] = [];
    if (pseudonyms.length === 0) return out;
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('analytics_event').selectAll().where('subject', 'in', pseudonyms).where('id', '>', after).orderBy('id').limit(EXPORT_PAGE).execute();
      for (const r of rows) {
        const purposes = [...(Number(r.for_analytics) === 1 ? ['analytics'] : []), ...(Number(r.for_personalisation) === 1 ? ['personalisation'] : [])];
        out.push({ kind: r.kind, productId: r.product_id, merchantId: r.merchant_id, query: r.query, list: r.list, basketId: r.basket_id, at: r.at, receivedAt: r.received_at, pseudonym: r.subject, purposes });
      }
      if (rows.length < EXPORT_PAGE) break;
      after = Number(rows[rows.length - 1]!.id);
    }
    return out;
  }

  // ---- retention --------------------------------------------------------------------------

  /** Deletes one bounded batch of events older than the retention; the number deleted. */
  async purge(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000).toISOString();
    const res = await this.db.deleteFrom('analytics_event')
      .where('id', 'in', (eb) => eb.selectFrom('analytics_event').select('id').where('at', '<', cutoff).limit(PURGE_BATCH))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  // ---- merchant analytics -----------------------------------------------------------------

  async merchantReport(actor: Actor, query: PeriodQuery): Promise<MerchantReport> {
    const head = await this.head(actor, query);
    const [sales, products, funnelCounts] = [
      await this.orders.sales(head.merchantId, head.from, head.to),
      await this.orders.products(head.merchantId, head.from, head.to),
      await this.funnelCounts(head.merchantId, head.from, head.to),
    ];
    return merchantReport(head, sales, products, funnelCounts);
  }

  async merchantDaily(actor: Actor, query: PeriodQuery): Promise<MerchantDaily> {
    const head = await this.head(actor, query);
    return merchantDaily(head, await this.orders.daily(head.merchantId, head.from, head.to));
  }

  /** Whose figures: staff see their own merchant's; admins and auditors name one. Then the period. */
  private async head(actor: Actor, query: PeriodQuery): Promise<{ merchantId: string; from: string; to: string; minGroup: number }> {
    let merchantId: string;
    if (actor.role === 'merchant_staff') {
      assert(actor.merchantId !== undefined, 'analytics: merchant_staff actor without a merchantId');
      // Another merchant's figures are as unknown as a missing merchant's.
      if (query.merchantId !== undefined && query.merchantId !== actor.merchantId) throw notFound('merchant');
      merchantId = actor.merchantId;
    } else if (actor.role === 'admin' || actor.role === 'auditor') {
      if (query.merchantId === undefined) throw new DomainError('analytics.merchant_required', 'name the merchant: ?merchantId=mer_…', 400);
      if (!(await this.catalog.merchantExists(query.merchantId))) throw notFound('merchant');
      merchantId = query.merchantId;
    } else {
      throw new DomainError('auth.forbidden', 'merchant analytics are for the merchant\'s staff, admins and auditors', 403);
    }
    return { merchantId, ...parsePeriod(query.from, query.to, this.now()), minGroup: this.minGroup };
  }

  /**
   * Distinct subjects (analytics-consented events of the merchant's products in the period) who
   * viewed; who viewed and added to cart; who viewed, added and bought. Nested by construction.
   */
  async funnelCounts(merchantId: string, from: string, to: string): Promise<[number, number, number]> {
    const flag = (kind: EventKind) => sql<number>`max(case when kind = ${kind} then 1 else 0 end)`;
    const perSubject = this.db.selectFrom('analytics_event')
      .select(['subject', flag('view').as('v'), flag('cart_add').as('c'), flag('purchase').as('p')])
      .where('merchant_id', '=', merchantId).where('kind', 'in', FUNNEL_KINDS)
      .where('at', '>=', from).where('at', '<', to).where('for_analytics', '=', 1)
      .groupBy('subject');
    const r = await this.db.selectFrom(perSubject.as('s'))
      .select([
        sql<number>`coalesce(sum(s.v), 0)`.as('viewed'),
        sql<number>`coalesce(sum(s.v * s.c), 0)`.as('carted'),
        sql<number>`coalesce(sum(s.v * s.c * s.p), 0)`.as('bought'),
      ])
      .executeTakeFirstOrThrow();
    return [Number(r.viewed), Number(r.carted), Number(r.bought)];
  }
}

export interface PeriodQuery {
  from?: string | undefined;
  to?: string | undefined;
  merchantId?: string | undefined;
}

/** Collection needs one of the two purposes events serve; marketing alone collects nothing. */
const collecting = (granted: Set<Purpose>): boolean => granted.has('analytics') || granted.has('personalisation');

function readLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new DomainError('analytics.bad_limit', 'limit must be a positive whole number', 400);
  return Math.min(limit, READ_LIMIT_MAX);
}
