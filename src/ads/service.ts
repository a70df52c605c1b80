import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { withSavepoint } from '../db/savepoint.ts';
import type { Actor } from '../http/auth.ts';
import type { Ledger, Ticket } from '../ledger/index.ts';
import { ownedAccountId, systemAccountId, type MoneyService } from '../money/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { DEFAULT_RESERVE_MINOR, DEFAULT_SLOTS, relevanceOf, runAuction, type Bidder } from './auction.ts';
import type { AdProduct, AdsCatalogPort } from './ports.ts';
import {
  ATTRIBUTION_MS,
  BID_MAX,
  BUDGET_MAX,
  checkBudgets,
  checkSchedule,
  checkTargeting,
  dayKey,
  decodeCursor,
  DEDUPE_WINDOW_MS,
  encodeCursor,
  newCampaignId,
  newClickId,
  pageLimit,
  parseCategoryIds,
  parseInstant,
  parseKeywords,
  parseMinor,
  parseName,
  parseProductIds,
  signImpression,
  TOKEN_TTL_MS,
  verifyImpression,
  viewerKey,
  viewerOf,
  type CampaignStatus,
} from './rules.ts';

type CampaignRow = Selectable<Database['ads_campaign']>;
type Fence = ((trx: Transaction<Database>) => Promise<void>) | undefined;

export interface AdsDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  money: MoneyService;
  catalog: AdsCatalogPort;
  /** HMAC key of impression tokens and viewer hashes (adsTokenKey(masterKey)). */
  tokenKey: Buffer;
  reserveMinor?: number;
  slots?: number;
  now?: () => Date;
}

export interface Campaign {
  id: string;
  merchantId: string;
  name: string;
  productIds: string[];
  keywords: string[];
  categoryIds: string[];
  currency: string;
  bidMinor: string;
  dailyBudgetMinor: string;
  totalBudgetMinor: string;
  spentTotalMinor: string;
  /** Spent on the current UTC day. */
  spentTodayMinor: string;
  status: CampaignStatus;
  startsAt: string;
  endsAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignInput {
  name?: unknown;
  productIds?: unknown;
  keywords?: unknown;
  categoryIds?: unknown;
  bidMinor?: unknown;
  dailyBudgetMinor?: unknown;
  totalBudgetMinor?: unknown;
  startsAt?: unknown;
  endsAt?: unknown;
}

export interface Slot {
  position: number;
  campaignId: string;
  productId: string;
  title: string;
  currency: string;
  minPriceMinor: string | null;
  image: { url: string; alt: string } | null;
  /** Where a click leads (after POST /api/ads/clicks). */
  url: string;
  /** Opaque, signed: pass it to POST /api/ads/clicks. */
  token: string;
}

export interface ClickOutcome {
  clickId: string;
  charged: boolean;
  /** Why not charged: duplicate, own_staff, no_viewer, viewer_mismatch, expired, inactive, budget, ad_balance. */
  reason: string | null;
  priceMinor: string;
  productId: string;
  url: string;
}

export interface AdBalance {
  account: string;
  currency: string;
  availableMinor: string;
  /** What the merchant's receivable could still move here. */
  receivableAvailableMinor: string;
}

export interface DayStats {
  day: string;
  impressions: number;
  clicks: number;
  chargedClicks: number;
  spendMinor: string;
  attributedOrders: number;
  attributedSalesMinor: string;
}

export interface CampaignStats {
  campaign: Campaign;
  totals: Omit<DayStats, 'day'>;
  days: DayStats[];
}

export interface Viewer {
  actor: Actor | null;
  /** The cm_visitor cookie, when valid. */
  visitorId?: string | undefined;
}

/** Thrown inside the charge savepoint to undo it and record the click as not charged. */
class NotCharged extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const productUrl = (productId: string) => `/products/${encodeURIComponent(productId)}`;
const big = (v: unknown) => BigInt(v as number | string);

/**
 * Sponsored listings: merchant ad balances (money accounts funded from the receivable), campaigns, the
 * slot auction on search and category pages with signed impression tokens, and clicks charged at the
 * clearing price under a budget that concurrency cannot overrun.
 */
export class AdsService {
  readonly db: Kysely<Database>;
  private readonly ledger: Ledger;
  private readonly money: MoneyService;
  private readonly catalog: AdsCatalogPort;
  private readonly key: Buffer;
  private readonly reserve: number;
  private readonly slotCount: number;
  private readonly now: () => Date;

  constructor(deps: AdsDeps) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.money = deps.money;
    this.catalog = deps.catalog;
    this.key = deps.tokenKey;
    this.reserve = deps.reserveMinor ?? DEFAULT_RESERVE_MINOR;
    this.slotCount = deps.slots ?? DEFAULT_SLOTS;
    this.now = deps.now ?? (() => new Date());
    assert(Number.isSafeInteger(this.reserve) && this.reserve >= 1, 'ads: reserve price must be at least 1');
  }

  adAccountId(merchantId: string, currency: string): string {
    return ownedAccountId('merchant_ads', merchantId, currency);
  }

  // ------------------------------------------------------------------ balance

  async balance(merchantId: string): Promise<AdBalance> {
    const currency = await this.catalog.merchantCurrency(merchantId);
    const account = this.adAccountId(merchantId, currency);
    return { account, currency, availableMinor: (await this.available(this.db, account)).toString(), receivableAvailableMinor: (await this.available(this.db, ownedAccountId('merchant_receivable', merchantId, currency))).toString() };
  }

  private async available(db: Kysely<Database> | Transaction<Database>, account: string): Promise<bigint> {
    const exists = await db.selectFrom('money_account').select('id').where('id', '=', account).executeTakeFirst();
    return exists ? (await this.money.balance(db as Kysely<Database>, account)).available : 0n;
  }

  async statement(merchantId: string, page: { cursor?: string | undefined; limit?: number | undefined }) {
    const currency = await this.catalog.merchantCurrency(merchantId);
    const account = this.adAccountId(merchantId, currency);
    const limit = pageLimit(page.limit);
    const exists = await this.db.selectFrom('money_account').select('id').where('id', '=', account).executeTakeFirst();
    if (!exists) return { account, currency, items: [], nextCursor: null };
    if (page.cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(page.cursor)) throw new DomainError('ads.bad_cursor', 'cursor is not one this API handed out', 400);
    const st = await this.money.statement(this.db, account, { cursor: page.cursor ?? null, limit });
    return {
      account,
      currency,
      items: st.lines.map((l) => ({
        transfer: l.transfer,
        direction: l.direction,
        amountMinor: l.amount.toString(),
        code: l.code,
        balanceAfterMinor: l.balanceAfter.toString(),
        createdAt: l.createdAt,
      })),
      nextCursor: st.nextCursor,
    };
  }

  /** Receivable → ad balance. Beyond the receivable's available balance: 409 ads.insufficient_receivable. */
  async fund(actor: Actor, amount: unknown, fence: Fence): Promise<AdBalance & { transfer: string }> {
    const merchantId = staffMerchant(actor);
    const amountMinor = BigInt(parseMinor(amount, 'amountMinor', BUDGET_MAX));
    const currency = await this.catalog.merchantCurrency(merchantId);
    const receivable = ownedAccountId('merchant_receivable', merchantId, currency);
    const ads = this.adAccountId(merchantId, currency);
    const transferId = `adfund_${randomBytes(12).toString('hex')}`;
    let ticket: Ticket | undefined;
    await this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      await this.money.ensureAccounts(trx, [
        { id: receivable, kind: 'merchant_receivable', owner: merchantId, currency },
        { id: ads, kind: 'merchant_ads', owner: merchantId, currency },
      ], { systemCurrency: currency, actor: actor.userId });
      const have = await this.available(trx, receivable);
      if (have < amountMinor) throw insufficient(have, amountMinor);
      try {
        const out = await this.money.transfer(trx, { id: transferId, debit: receivable, credit: ads, amount: amountMinor, currency, code: 'ads_funding', actor: actor.userId });
        ticket = out.ticket;
      } catch (err) {
        if (err instanceof DomainError && err.code === 'money.insufficient_funds') throw insufficient(have, amountMinor);
        throw err;
      }
    });
    if (ticket) await this.ledger.waitFor([ticket]);
    return { ...(await this.balance(merchantId)), transfer: transferId };
  }

  // ------------------------------------------------------------------ campaigns

  async create(actor: Actor, input: CampaignInput): Promise<Campaign> {
    const merchantId = staffMerchant(actor);
    const name = parseName(input.name);
    const productIds = parseProductIds(input.productIds);
    const keywords = parseKeywords(input.keywords);
    const categoryIds = parseCategoryIds(input.categoryIds);
    checkTargeting(keywords, categoryIds);
    const bidMinor = parseMinor(input.bidMinor, 'bidMinor', BID_MAX);
    const dailyBudgetMinor = parseMinor(input.dailyBudgetMinor, 'dailyBudgetMinor', BUDGET_MAX);
    const totalBudgetMinor = parseMinor(input.totalBudgetMinor, 'totalBudgetMinor', BUDGET_MAX);
    checkBudgets({ bidMinor, dailyBudgetMinor, totalBudgetMinor });
    const now = this.now();
    const startsAt = input.startsAt === undefined ? now.toISOString() : parseInstant(input.startsAt, 'startsAt');
    const endsAt = input.endsAt === undefined || input.endsAt === null ? null : parseInstant(input.endsAt, 'endsAt');
    checkSchedule(startsAt, endsAt);
    await this.ownProducts(merchantId, productIds);
    const currency = await this.catalog.merchantCurrency(merchantId);
    const at = now.toISOString();
    const row = {
      id: newCampaignId(),
      merchant_id: merchantId,
      name,
      product_ids: JSON.stringify(productIds),
      keywords: JSON.stringify(keywords),
      category_ids: JSON.stringify(categoryIds),
      currency,
      bid_minor: bidMinor,
      daily_budget_minor: dailyBudgetMinor,
      total_budget_minor: totalBudgetMinor,
      spent_total: 0,
      spent_today: 0,
      day_key: dayKey(now),
      status: 'active',
      starts_at: startsAt,
      ends_at: endsAt,
      created_by: actor.userId,
      created_at: at,
      updated_at: at,
    };
    await this.db.insertInto('ads_campaign').values(row).execute();
    return this.toCampaign({ ...row, seq: 0 });
  }

  /** Change any field; budgets cannot go below what was already spent (409). */
  async update(actor: Actor, id: string, input: CampaignInput): Promise<Campaign> {
    const merchantId = staffMerchant(actor);
    const cur = await this.mine(this.db, merchantId, id);
    const name = input.name === undefined ? cur.name : parseName(input.name);
    const productIds = input.productIds === undefined ? listOf(cur.product_ids) : parseProductIds(input.productIds);
    const keywords = input.keywords === undefined ? listOf(cur.keywords) : parseKeywords(input.keywords);
    const categoryIds = input.categoryIds === undefined ? listOf(cur.category_ids) : parseCategoryIds(input.categoryIds);
    checkTargeting(keywords, categoryIds);
    const bidMinor = input.bidMinor === undefined ? Number(cur.bid_minor) : parseMinor(input.bidMinor, 'bidMinor', BID_MAX);
    const dailyBudgetMinor = input.dailyBudgetMinor === undefined ? Number(cur.daily_budget_minor) : parseMinor(input.dailyBudgetMinor, 'dailyBudgetMinor', BUDGET_MAX);
    const totalBudgetMinor = input.totalBudgetMinor === undefined ? Number(cur.total_budget_minor) : parseMinor(input.totalBudgetMinor, 'totalBudgetMinor', BUDGET_MAX);
    checkBudgets({ bidMinor, dailyBudgetMinor, totalBudgetMinor });
    const startsAt = input.startsAt === undefined ? cur.starts_at : parseInstant(input.startsAt, 'startsAt');
    const endsAt = input.endsAt === undefined ? cur.ends_at : input.endsAt === null ? null : parseInstant(input.endsAt, 'endsAt');
    checkSchedule(startsAt, endsAt);
    if (input.productIds !== undefined) await this.ownProducts(merchantId, productIds);
    const now = this.now();
    const set = {
      name,
      product_ids: JSON.stringify(productIds),
      keywords: JSON.stringify(keywords),
      category_ids: JSON.stringify(categoryIds),
      bid_minor: bidMinor,
      daily_budget_minor: dailyBudgetMinor,
      total_budget_minor: totalBudgetMinor,
      starts_at: startsAt,
      ends_at: endsAt,
      updated_at: now.toISOString(),
    };
    const today = dayKey(now);
    // Conditional on the spend as it is now: a click landing meanwhile cannot be pushed over the new budgets.
    const res = await this.db
      .updateTable('ads_campaign')
      .set(set)
      .where('id', '=', cur.id)
      .where('merchant_id', '=', merchantId)
      .where('spent_total', '<=', totalBudgetMinor)
      .where(sql<boolean>`(case when day_key = ${today} then spent_today else 0 end) <= ${dailyBudgetMinor}`)
      .returningAll()
      .executeTakeFirst();
    if (!res) throw new DomainError('ads.budget_below_spend', 'a budget cannot be lower than what this campaign has already spent (in total, or today)', 409);
    return this.toCampaign(res);
  }

  async pause(actor: Actor, id: string): Promise<Campaign> {
    return this.setStatus(actor, id, ['active'], 'paused');
  }

  /** Back to active: only a paused one, or an exhausted one whose budget was raised, within its schedule. */
  async resume(actor: Actor, id: string): Promise<Campaign> {
    return this.setStatus(actor, id, ['paused', 'exhausted'], 'active', (cur) => {
      if (cur.ends_at !== null && Date.parse(cur.ends_at) <= this.now().getTime()) throw new DomainError('ads.campaign_ended', 'the campaign has ended: move endsAt later first', 409);
      if (Number(cur.total_budget_minor) - Number(cur.spent_total) < this.reserve) throw new DomainError('ads.budget_exhausted', 'the total budget is spent: raise totalBudgetMinor first', 409);
    });
  }

  /** Ends a campaign for good (it stays listed with its stats). */
  async end(actor: Actor, id: string): Promise<Campaign> {
    return this.setStatus(actor, id, ['active', 'paused', 'exhausted'], 'ended');
  }

  /** `check`: what else the campaign must satisfy for this change (refusing with a DomainError). */
  private async setStatus(actor: Actor, id: string, from: CampaignStatus[], to: CampaignStatus, check?: (cur: CampaignRow) => void): Promise<Campaign> {
    const merchantId = staffMerchant(actor);
    const cur = await this.mine(this.db, merchantId, id);
    check?.(cur);
    const res = await this.db
      .updateTable('ads_campaign')
      .set({ status: to, updated_at: this.now().toISOString() })
      .where('id', '=', cur.id)
      .where('merchant_id', '=', merchantId)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
    if (!res) throw new DomainError('ads.bad_status', `the campaign is ${this.statusOf(cur)}: it cannot become ${to}`, 409);
    return this.toCampaign(res);
  }

  async campaign(actor: Actor, id: string): Promise<Campaign> {
    return this.toCampaign(await this.mine(this.db, staffMerchant(actor), id));
  }

  async campaigns(actor: Actor, page: { cursor?: string | undefined; limit?: number | undefined }): Promise<{ items: Campaign[]; nextCursor: string | null }> {
    const merchantId = staffMerchant(actor);
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('ads_campaign').selectAll().where('merchant_id', '=', merchantId);
    if (before !== null) q = q.where('seq', '<', before);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    const kept = rows.slice(0, limit);
    return { items: kept.map((r) => this.toCampaign(r)), nextCursor: rows.length > limit ? encodeCursor(kept[kept.length - 1]!.seq) : null };
  }

  // ------------------------------------------------------------------ serving

  /** The sponsored slots of a search and/or category page, each with a signed impression token. */
  async slots(viewer: Viewer, page: { q?: string | undefined; categoryId?: string | undefined }): Promise<{ slots: Slot[] }> {
    const q = page.q?.trim() || undefined;
    const categoryId = page.categoryId || undefined;
    if (q === undefined && categoryId === undefined) return { slots: [] };
    const now = this.now();
    const nowIso = now.toISOString();
    const today = dayKey(now);
    const rows = await this.db
      .selectFrom('ads_campaign')
      .selectAll()
      .where('status', '=', 'active')
      .where('starts_at', '<=', nowIso)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', nowIso)]))
      .execute();
    const bidders: Bidder[] = [];
    // What each advertiser's ad balance can still pay: a campaign never bids beyond it either.
    // Read only for relevant campaigns, once per advertiser.
    const balances = new Map<string, number>();
    for (const r of rows) {
      const relevance = relevanceOf({ keywords: listOf(r.keywords), categoryIds: listOf(r.category_ids) }, { q, categoryId });
      if (relevance === 0) continue;
      const account = this.adAccountId(r.merchant_id, r.currency);
      if (!balances.has(account)) balances.set(account, Number(await this.available(this.db, account)));
      // A campaign never bids more than it can still pay today and in total.
      const leftToday = Number(r.daily_budget_minor) - (r.day_key === today ? Number(r.spent_today) : 0);
      const leftTotal = Number(r.total_budget_minor) - Number(r.spent_total);
      const bid = Math.min(Number(r.bid_minor), leftToday, leftTotal, balances.get(account)!);
      if (bid < this.reserve) continue;
      for (const productId of listOf(r.product_ids)) bidders.push({ campaignId: r.id, productId, bidMinor: bid, relevance });
    }
    // Only purchasable products compete (read together, once each; a merchant's other campaigns share them).
    const products = await this.catalog.publicProducts(bidders.map((b) => b.productId));
    const merchantOf = new Map(rows.map((r) => [r.id, r.merchant_id]));
    const eligible = bidders.filter((b) => {
      const p = products.get(b.productId);
      return p !== undefined && p.purchasable && p.merchantId === merchantOf.get(b.campaignId);
    });
    const winners = runAuction(eligible, { slots: this.slotCount, reserveMinor: this.reserve });
    const who = viewerOf(viewer.actor ? { userId: viewer.actor.userId } : viewer.visitorId ? { visitorId: viewer.visitorId } : null);
    if (winners.length > 0) {
      const counts = new Map<string, number>();
      for (const w of winners) counts.set(w.campaignId, (counts.get(w.campaignId) ?? 0) + 1);
      for (const [campaignId, n] of counts) {
        await this.db
          .insertInto('ads_impression_daily')
          .values({ campaign_id: campaignId, day: today, impressions: n })
          .onConflict((oc) => oc.columns(['campaign_id', 'day']).doUpdateSet({ impressions: sql`ads_impression_daily.impressions + ${n}` }))
          .execute();
      }
    }
    return {
      slots: winners.map((w) => {
        const p = products.get(w.productId)!;
        return {
          position: w.position,
          campaignId: w.campaignId,
          productId: p.id,
          title: p.title,
          currency: p.currency,
          minPriceMinor: p.minPriceMinor === null ? null : p.minPriceMinor.toString(),
          image: p.image,
          url: productUrl(p.id),
          token: signImpression(this.key, { campaignId: w.campaignId, productId: w.productId, priceMinor: w.priceMinor, viewer: who, at: now.getTime() }),
        };
      }),
    };
  }

  // ------------------------------------------------------------------ clicks

  /**
   * A click on a sponsored slot. A forged token is refused (400); every other click is recorded, and
   * charged at the token's clearing price unless: the viewer has no identity (no session, no
   * cm_visitor cookie: it cannot be deduplicated, so it is free), the clicker is not the viewer the
   * slot was served to, the token is older than an hour, the clicker is the merchant's own staff, the
   * same viewer had a charged click on this campaign and product in the last 30 minutes, the campaign
   * is no longer active, or its budget (today's or total) or the ad balance cannot pay it.
   *
   * The charge is one savepoint: a guard row claims the (campaign, product, viewer) window, one
   * conditional UPDATE adds the price to the spend only where spent + price stays within both budgets
   * (and marks the campaign exhausted when what is left cannot pay even the reserve), and a money
   * transfer moves the price from the ad balance to platform revenue. Any refusal undoes all three.
   */
  async click(viewer: Viewer, token: unknown, fence: Fence): Promise<ClickOutcome> {
    const imp = verifyImpression(this.key, token);
    if (!imp) throw new DomainError('ads.bad_token', 'this is not an impression token this server issued', 400);
    const now = this.now();
    const nowIso = now.toISOString();
    const today = dayKey(now);
    const who = viewerOf(viewer.actor ? { userId: viewer.actor.userId } : viewer.visitorId ? { visitorId: viewer.visitorId } : null);
    const vkey = who === '' ? null : viewerKey(this.key, who);
    const clickId = newClickId();
    const price = imp.priceMinor;
    let ticket: Ticket | undefined;
    const out = await this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      const c = await trx.selectFrom('ads_campaign').selectAll().where('id', '=', imp.campaignId).executeTakeFirst();
      // A token this server signed names a campaign it had: gone only if the data was removed.
      if (!c) throw notFound('campaign');
      let reason: string | null = null;
      if (who === '') reason = 'no_viewer';
      else if (imp.viewer !== who) reason = 'viewer_mismatch';
      else if (now.getTime() - imp.at > TOKEN_TTL_MS || imp.at > now.getTime() + 60_000) reason = 'expired';
      else if (viewer.actor?.role === 'merchant_staff' && viewer.actor.merchantId === c.merchant_id) reason = 'own_staff';
      let transferId: string | null = null;
      if (reason === null) {
        try {
          transferId = await withSavepoint(trx, 'ads', () => this.charge(trx, c, imp.productId, vkey!, price, clickId, now, (t) => (ticket = t)));
        } catch (err) {
          if (!(err instanceof NotCharged)) throw err;
          reason = err.reason;
          ticket = undefined;
        }
      }
      await trx
        .insertInto('ads_click')
        .values({
          id: clickId,
          campaign_id: c.id,
          merchant_id: c.merchant_id,
          product_id: imp.productId,
          viewer_key: vkey,
          user_id: viewer.actor?.userId ?? null,
          price_minor: price,
          charged: reason === null ? 1 : 0,
          reason,
          transfer_id: transferId,
          day: today,
          created_at: nowIso,
        })
        .execute();
      return { clickId, charged: reason === null, reason, priceMinor: String(price), productId: imp.productId, url: productUrl(imp.productId) };
    });
    if (ticket) await this.ledger.waitFor([ticket]);
    return out;
  }

  private async charge(trx: Transaction<Database>, c: CampaignRow, productId: string, vkey: string, price: number, clickId: string, now: Date, onTicket: (t: Ticket | undefined) => void): Promise<string> {
    const nowIso = now.toISOString();
    const today = dayKey(now);
    // 1. The dedupe window, claimed atomically: a row for this viewer that is still blocked is left alone.
    const until = new Date(now.getTime() + DEDUPE_WINDOW_MS).toISOString();
    const claimed = await trx
      .insertInto('ads_click_guard')
      .values({ campaign_id: c.id, product_id: productId, viewer_key: vkey, blocked_until: until })
      .onConflict((oc) => oc.columns(['campaign_id', 'product_id', 'viewer_key']).doUpdateSet({ blocked_until: until }).where('ads_click_guard.blocked_until', '<=', nowIso))
      .returning('blocked_until')
      .executeTakeFirst();
    if (!claimed) throw new NotCharged('duplicate');
    // 2. The budget: check and increment in one conditional UPDATE, the daily counter reset by day key.
    const spentToday = sql<number>`(case when day_key = ${today} then spent_today else 0 end)`;
    const updated = await trx
      .updateTable('ads_campaign')
      .set({
        spent_today: sql`(case when day_key = ${today} then spent_today else 0 end) + ${price}`,
        spent_total: sql`spent_total + ${price}`,
        day_key: today,
        status: sql`(case when total_budget_minor - (spent_total + ${price}) < ${this.reserve} then 'exhausted' else status end)`,
        updated_at: nowIso,
      })
      .where('id', '=', c.id)
      .where('status', '=', 'active')
      .where('starts_at', '<=', nowIso)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', nowIso)]))
      .where(sql<boolean>`spent_total + ${price} <= total_budget_minor`)
      .where(sql<boolean>`${spentToday} + ${price} <= daily_budget_minor`)
      .returning(['spent_total', 'spent_today', 'total_budget_minor', 'daily_budget_minor'])
      .executeTakeFirst();
    if (!updated) {
      const fresh = await trx.selectFrom('ads_campaign').select(['status', 'ends_at', 'starts_at']).where('id', '=', c.id).executeTakeFirstOrThrow();
      const live = fresh.status === 'active' && fresh.starts_at <= nowIso && (fresh.ends_at === null || fresh.ends_at > nowIso);
      throw new NotCharged(live ? 'budget' : 'inactive');
    }
    assert(big(updated.spent_total) <= big(updated.total_budget_minor), 'ads: total spend beyond the total budget');
    assert(big(updated.spent_today) <= big(updated.daily_budget_minor), 'ads: daily spend beyond the daily budget');
    // 3. The money: ad balance → platform revenue, refused (and everything above undone) if the balance is short.
    const transferId = `adclick_${clickId}`;
    try {
      const outcome = await this.money.transfer(trx, {
        id: transferId,
        debit: this.adAccountId(c.merchant_id, c.currency),
        credit: systemAccountId('platform_revenue', c.currency),
        amount: BigInt(price),
        currency: c.currency,
        code: 'ad_click',
        actor: 'system',
      });
      onTicket(outcome.ticket);
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'money.insufficient_funds' || err.code === 'money.account_not_found')) throw new NotCharged('ad_balance');
      throw err;
    }
    return transferId;
  }

  // ------------------------------------------------------------------ stats

  /** Per day: impressions, clicks (charged or not), spend, and sales attributed to charged clicks. */
  async stats(actor: Actor, id: string): Promise<CampaignStats> {
    const merchantId = staffMerchant(actor);
    const row = await this.mine(this.db, merchantId, id);
    const days = new Map<string, DayStats>();
    const dayOf = (d: string) => {
      let s = days.get(d);
      if (!s) days.set(d, (s = { day: d, impressions: 0, clicks: 0, chargedClicks: 0, spendMinor: '0', attributedOrders: 0, attributedSalesMinor: '0' }));
      return s;
    };
    for (const r of await this.db.selectFrom('ads_impression_daily').select(['day', 'impressions']).where('campaign_id', '=', row.id).execute()) {
      dayOf(r.day).impressions += Number(r.impressions);
    }
    const clickRows = await this.db
      .selectFrom('ads_click')
      .select(['day', 'charged', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.sum('price_minor').as('spend')])
      .where('campaign_id', '=', row.id)
      .groupBy(['day', 'charged'])
      .execute();
    for (const r of clickRows) {
      const s = dayOf(r.day);
      s.clicks += Number(r.n);
      if (Number(r.charged) === 1) {
        s.chargedClicks += Number(r.n);
        s.spendMinor = (BigInt(s.spendMinor) + big(r.spend ?? 0)).toString();
      }
    }
    await this.attribute(row, dayOf);
    const list = [...days.values()].sort((a, b) => (a.day < b.day ? 1 : -1));
    const totals = list.reduce(
      (t, d) => ({
        impressions: t.impressions + d.impressions,
        clicks: t.clicks + d.clicks,
        chargedClicks: t.chargedClicks + d.chargedClicks,
        spendMinor: (BigInt(t.spendMinor) + BigInt(d.spendMinor)).toString(),
        attributedOrders: t.attributedOrders + d.attributedOrders,
        attributedSalesMinor: (BigInt(t.attributedSalesMinor) + BigInt(d.attributedSalesMinor)).toString(),
      }),
      { impressions: 0, clicks: 0, chargedClicks: 0, spendMinor: '0', attributedOrders: 0, attributedSalesMinor: '0' },
    );
    const campaign = this.toCampaign(row);
    assert(BigInt(totals.spendMinor) === BigInt(campaign.spentTotalMinor), 'ads: charged clicks add up to the campaign spend');
    return { campaign, totals, days: list };
  }

  /**
   * Attributed sales: an order of the campaign's merchant, by a signed-in buyer who had a charged click
   * on one of its products, placed within 7 days after that click, with a line of that product; counted
   * once per order (its lines of advertised products), on the day the order was placed. Orders
   * cancelled or rejected do not count.
   */
  private async attribute(c: CampaignRow, dayOf: (d: string) => DayStats): Promise<void> {
    const clicks = await this.db
      .selectFrom('ads_click')
      .select(['user_id', 'product_id', 'created_at'])
      .where('campaign_id', '=', c.id)
      .where('charged', '=', 1)
      .where('user_id', 'is not', null)
      .execute();
    if (clicks.length === 0) return;
    const skusOf = new Map<string, Set<string>>();
    for (const pid of new Set(clicks.map((k) => k.product_id))) {
      const p = await this.catalog.merchantProduct(c.merchant_id, pid);
      skusOf.set(pid, new Set(p?.skus ?? []));
    }
    const buyers = [...new Set(clicks.map((k) => k.user_id!))];
    const first = clicks.reduce((m, k) => (k.created_at < m ? k.created_at : m), clicks[0]!.created_at);
    const orders = await this.db
      .selectFrom('orders_order')
      .select(['id', 'buyer_id', 'document', 'created_at', 'state'])
      .where('merchant_id', '=', c.merchant_id)
      .where('buyer_id', 'in', buyers)
      .where('created_at', '>=', first)
      .where('state', 'not in', ['cancelled', 'rejected'])
      .execute();
    for (const o of orders) {
      const placed = Date.parse(o.created_at);
      const products = new Set(
        clicks
          .filter((k) => k.user_id === o.buyer_id && Date.parse(k.created_at) <= placed && placed - Date.parse(k.created_at) <= ATTRIBUTION_MS)
          .map((k) => k.product_id),
      );
      if (products.size === 0) continue;
      const skus = new Set([...products].flatMap((p) => [...(skusOf.get(p) ?? [])]));
      const doc = JSON.parse(o.document) as { items?: { sku: string; qty: number; unitPriceMinor: string }[] };
      const lines = (doc.items ?? []).filter((i) => skus.has(i.sku));
      if (lines.length === 0) continue;
      const s = dayOf(dayKey(new Date(placed)));
      s.attributedOrders += 1;
      s.attributedSalesMinor = (BigInt(s.attributedSalesMinor) + lines.reduce((t, i) => t + BigInt(i.qty) * BigInt(i.unitPriceMinor), 0n)).toString();
    }
  }

  // ------------------------------------------------------------------ privacy

  /** Erasure: the clicks keep their counts and money, lose the user. */
  async forgetUser(trx: Transaction<Database>, userId: string): Promise<void> {
    await trx.updateTable('ads_click').set({ user_id: null }).where('user_id', '=', userId).execute();
  }

  // ------------------------------------------------------------------ helpers

  private async ownProducts(merchantId: string, ids: string[]): Promise<void> {
    for (const id of ids) {
      const p = await this.catalog.merchantProduct(merchantId, id);
      if (!p) throw new DomainError('ads.not_your_product', `product ${id.slice(0, 64)} is not one of your products`, 400, { productId: id });
    }
  }

  private async mine(db: Kysely<Database>, merchantId: string, id: string): Promise<CampaignRow> {
    const row = await db.selectFrom('ads_campaign').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw notFound('campaign');
    return row;
  }

  private statusOf(r: Pick<CampaignRow, 'status' | 'ends_at'>): CampaignStatus {
    if (r.status === 'active' && r.ends_at !== null && Date.parse(r.ends_at) <= this.now().getTime()) return 'ended';
    return r.status as CampaignStatus;
  }

  private toCampaign(r: CampaignRow): Campaign {
    const today = dayKey(this.now());
    return {
      id: r.id,
      merchantId: r.merchant_id,
      name: r.name,
      productIds: listOf(r.product_ids),
      keywords: listOf(r.keywords),
      categoryIds: listOf(r.category_ids),
      currency: r.currency,
      bidMinor: String(r.bid_minor),
      dailyBudgetMinor: String(r.daily_budget_minor),
      totalBudgetMinor: String(r.total_budget_minor),
      spentTotalMinor: String(r.spent_total),
      spentTodayMinor: r.day_key === today ? String(r.spent_today) : '0',
      status: this.statusOf(r),
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

function listOf(json: string): string[] {
  const v: unknown = JSON.parse(json);
  assert(Array.isArray(v) && v.every((x) => typeof x === 'string'), 'ads: a stored list is not a list of strings');
  return v as string[];
}

function staffMerchant(actor: Actor): string {
  if (actor.role !== 'merchant_staff' || actor.merchantId === undefined) throw new DomainError('auth.forbidden', 'only merchant staff manage ads', 403);
  return actor.merchantId;
}

const insufficient = (have: bigint, want: bigint) =>
  new DomainError('ads.insufficient_receivable', `the receivable has ${have} minor units available; cannot move ${want} to the ad balance`, 409, { availableMinor: have.toString() });
