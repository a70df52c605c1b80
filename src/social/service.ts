// Social: follows and the feed, wishlists, share links with referral rewards, product Q&A.
// Reads the catalog's and orders' tables read-only (products, variants, order documents); writes only
// its own tables; points move only through PointsService; rewards and reversals are ledger entries.
import { type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Actor } from '../http/auth.ts';
import type { Ledger, Ticket } from '../ledger/index.ts';
import type { OrderFacts, TransitionName } from '../orders/flow.ts';
import type { PointsService } from '../points/index.ts';
import { assert, decodeTimeCursor, DomainError, encodeTimeCursor, everyPage, newId, notFound } from '../shared/index.ts';
import {
  ANSWERS_PER_QUESTION_MAX,
  attribute,
  feedKey,
  isPayment,
  isReversal,
  LIMIT_MAX,
  mergeFeed,
  newReferralCode,
  pageLimit,
  parseAnswer,
  parseQuestion,
  parseWishlistName,
  REFERRAL_CODE,
  REFERRAL_REWARD_POINTS_DEFAULT,
  REFERRAL_WINDOW_DAYS_DEFAULT,
  referralUrl,
  VERIFIED_BUYER_STATES,
  WISHLIST_ITEMS_MAX,
  WISHLISTS_MAX,
  type FeedCursor,
  type FeedItem,
} from './rules.ts';
import type { Page, PageRequest } from '../shared/index.ts';
export type { Page, PageRequest };

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Another module's contribution to the feed: items of these merchants strictly older than `before`
 * in the feed's order (at desc, then kind:id desc — see rules.isBefore), newest first, at most `limit`.
 */
export type FeedSource = (db: Kysely<Database>, merchantIds: readonly string[], before: FeedCursor | null, limit: number) => Promise<FeedItem[]>;

/** What social needs of the catalog: the product as this viewer may see it (404 otherwise), a merchant (404 if none). */
export interface SocialCatalogPort {
  product(id: string, viewer: { role: string; merchantId?: string | undefined } | null): Promise<{ id: string; merchantId: string; title: string }>;
  merchant(db: Kysely<Database>, id: string): Promise<{ id: string; name: string; status: string }>;
}

export interface SocialDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  points: Pick<PointsService, 'grant' | 'revoke'>;
  catalog: SocialCatalogPort;
  referralWindowDays?: number;
  referralRewardPoints?: number;
  now?: () => Date;
}


export interface Follow {
  merchantId: string;
  merchantName: string;
  followedAt: string;
}

export interface ProductCard {
  productId: string;
  title: string;
  merchantId: string;
  available: boolean;
  priceMinor: string | null;
  currency: string | null;
}

export interface WishlistSummary {
  id: string;
  name: string;
  public: boolean;
  itemCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface Wishlist extends WishlistSummary {
  /** True when the viewer owns it. */
  mine: boolean;
  items: (ProductCard & { addedAt: string })[];
}

export interface ReferralLink {
  id: string;
  code: string;
  url: string;
  productId: string;
  createdAt: string;
}

export interface ReferralLinkStats extends ReferralLink {
  productTitle: string | null;
  visits: number;
  orders: number;
  /** Points granted and not reversed. */
  pointsEarned: string;
  reversed: number;
}

export interface Answer {
  id: string;
  questionId: string;
  badge: 'seller' | 'verified_buyer';
  text: string;
  hidden: boolean;
  createdAt: string;
}

export interface Question {
  id: string;
  productId: string;
  text: string;
  hidden: boolean;
  createdAt: string;
  answers: Answer[];
}

type WishlistRow = Selectable<Database['social_wishlist']>;
type QuestionRow = Selectable<Database['social_question']>;
type AnswerRow = Selectable<Database['social_answer']>;

const PRODUCT_KIND = 'product.new';

function buyerOnly(actor: Actor, what: string): void {
  if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', `only buyers ${what}`, 403);
}

/** (created_at, id) keyset condition for "newest first" lists. */
function olderThan(cursor: string | undefined): [string, string] | null {
  return cursor === undefined || cursor === '' ? null : decodeTimeCursor(cursor);
}

function pageFrom<T>(rows: T[], limit: number, key: (r: T) => [string, string]): Page<T> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: more && last !== undefined ? encodeTimeCursor(...key(last)) : null };
}

export class SocialService {
  readonly db: Kysely<Database>;
  private readonly ledger: Ledger;
  private readonly points: SocialDeps['points'];
  private readonly catalog: SocialCatalogPort;
  private readonly now: () => Date;
  readonly windowDays: number;
  readonly rewardPoints: bigint;
  private readonly feedSources: FeedSource[] = [];

  constructor(deps: SocialDeps) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.points = deps.points;
    this.catalog = deps.catalog;
    this.now = deps.now ?? (() => new Date());
    this.windowDays = deps.referralWindowDays ?? REFERRAL_WINDOW_DAYS_DEFAULT;
    this.rewardPoints = BigInt(deps.referralRewardPoints ?? REFERRAL_REWARD_POINTS_DEFAULT);
    assert(this.windowDays > 0 && this.rewardPoints > 0n, 'social: referral window and reward must be positive');
    this.feedSources.push(newProductsSource);
  }

  /** Another module adds items to followers' feeds (live sessions, promotions…). */
  addFeedSource(source: FeedSource): void {
    this.feedSources.push(source);
  }

  // ------------------------------------------------------------------ follows and feed

  private async activeMerchant(id: string): Promise<{ id: string; name: string }> {
    const m = await this.catalog.merchant(this.db, id);
    if (m.status !== 'active') throw notFound('merchant');
    return m;
  }

  async follow(actor: Actor, merchantId: string): Promise<{ merchantId: string; following: boolean; followers: number }> {
    buyerOnly(actor, 'follow merchants');
    await this.activeMerchant(merchantId);
    await this.db
      .insertInto('social_follow')
      .values({ user_id: actor.userId, merchant_id: merchantId, created_at: this.now().toISOString() })
      .onConflict((oc) => oc.columns(['user_id', 'merchant_id']).doNothing())
      .execute();
    return { merchantId, following: true, followers: await this.followerCount(merchantId) };
  }

  async unfollow(actor: Actor, merchantId: string): Promise<{ merchantId: string; following: boolean; followers: number }> {
    buyerOnly(actor, 'follow merchants');
    await this.db.deleteFrom('social_follow').where('user_id', '=', actor.userId).where('merchant_id', '=', merchantId).execute();
    return { merchantId, following: false, followers: await this.followerCount(merchantId) };
  }

  private async followerCount(merchantId: string): Promise<number> {
    const r = await this.db.selectFrom('social_follow').select((eb) => eb.fn.countAll().as('n')).where('merchant_id', '=', merchantId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Public: how many follow the merchant, and whether the viewer does. */
  async followers(viewer: Actor | null, merchantId: string): Promise<{ merchantId: string; followers: number; following: boolean }> {
    await this.activeMerchant(merchantId);
    const following =
      viewer !== null &&
      (await this.db.selectFrom('social_follow').select('merchant_id').where('user_id', '=', viewer.userId).where('merchant_id', '=', merchantId).executeTakeFirst()) !== undefined;
    return { merchantId, followers: await this.followerCount(merchantId), following };
  }

  async follows(actor: Actor, page: PageRequest = {}): Promise<Page<Follow>> {
    const limit = pageLimit(page.limit);
    const before = olderThan(page.cursor);
    let q = this.db
      .selectFrom('social_follow as f')
      .innerJoin('catalog_merchant as m', 'm.id', 'f.merchant_id')
      .select(['f.merchant_id', 'f.created_at', 'm.name'])
      .where('f.user_id', '=', actor.userId);
    if (before) q = q.where((eb) => eb.or([eb('f.created_at', '<', before[0]), eb.and([eb('f.created_at', '=', before[0]), eb('f.merchant_id', '<', before[1])])]));
    const rows = await q.orderBy('f.created_at', 'desc').orderBy('f.merchant_id', 'desc').limit(limit + 1).execute();
    const p = pageFrom(rows, limit, (r) => [r.created_at, r.merchant_id]);
    return { items: p.items.map((r) => ({ merchantId: r.merchant_id, merchantName: r.name, followedAt: r.created_at })), nextCursor: p.nextCursor };
  }

  /** What the merchants the buyer follows did, newest first, from every feed source. */
  async feed(actor: Actor, page: PageRequest = {}): Promise<Page<FeedItem>> {
    const limit = pageLimit(page.limit);
    const c = olderThan(page.cursor);
    const before: FeedCursor | null = c && { at: c[0], key: c[1] };
    const merchantIds = (await this.db.selectFrom('social_follow').select('merchant_id').where('user_id', '=', actor.userId).execute()).map((r) => r.merchant_id);
    if (merchantIds.length === 0) return { items: [], nextCursor: null };
    const lists = await Promise.all(this.feedSources.map((s) => s(this.db, merchantIds, before, limit + 1)));
    const { items, more } = mergeFeed(lists, before, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeTimeCursor(last.at, feedKey(last)) : null };
  }

  // ------------------------------------------------------------------ wishlists

  async createWishlist(actor: Actor, input: { name: unknown; public?: boolean | undefined }): Promise<Wishlist> {
    buyerOnly(actor, 'keep wishlists');
    const name = parseWishlistName(input.name);
    const at = this.now().toISOString();
    const row: WishlistRow = { id: newId('wl'), owner_id: actor.userId, name, public: input.public ? 1 : 0, created_at: at, updated_at: at };
    await this.db.transaction().execute(async (trx) => {
      const n = await trx.selectFrom('social_wishlist').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', actor.userId).executeTakeFirst();
      if (Number(n?.n ?? 0) >= WISHLISTS_MAX) throw new DomainError('wishlist.too_many', `at most ${WISHLISTS_MAX} wishlists`, 409);
      await trx.insertInto('social_wishlist').values(row).execute();
    });
    return { ...summary(row, 0), mine: true, items: [] };
  }

  async updateWishlist(actor: Actor, id: string, input: { name?: unknown; public?: boolean | undefined }): Promise<Wishlist> {
    const row = await this.own(actor, id);
    const set: Partial<WishlistRow> = { updated_at: this.now().toISOString() };
    if (input.name !== undefined) set.name = parseWishlistName(input.name);
    if (input.public !== undefined) set.public = input.public ? 1 : 0;
    await this.db.updateTable('social_wishlist').set(set).where('id', '=', row.id).execute();
    return this.wishlistView({ ...row, ...set }, true);
  }

  async deleteWishlist(actor: Actor, id: string): Promise<void> {
    const row = await this.own(actor, id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('social_wishlist_item').where('wishlist_id', '=', row.id).execute();
      await trx.deleteFrom('social_wishlist').where('id', '=', row.id).execute();
    });
  }

  async addToWishlist(actor: Actor, id: string, productId: string): Promise<Wishlist> {
    const row = await this.own(actor, id);
    await this.catalog.product(productId, actor);
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const n = await trx.selectFrom('social_wishlist_item').select((eb) => eb.fn.countAll().as('n')).where('wishlist_id', '=', row.id).executeTakeFirst();
      if (Number(n?.n ?? 0) >= WISHLIST_ITEMS_MAX) throw new DomainError('wishlist.full', `a wishlist holds at most ${WISHLIST_ITEMS_MAX} products`, 409);
      await trx
        .insertInto('social_wishlist_item')
        .values({ wishlist_id: row.id, product_id: productId, added_at: at })
        .onConflict((oc) => oc.columns(['wishlist_id', 'product_id']).doNothing())
        .execute();
      await trx.updateTable('social_wishlist').set({ updated_at: at }).where('id', '=', row.id).execute();
    });
    return this.wishlistView({ ...row, updated_at: at }, true);
  }

  async removeFromWishlist(actor: Actor, id: string, productId: string): Promise<Wishlist> {
    const row = await this.own(actor, id);
    await this.db.deleteFrom('social_wishlist_item').where('wishlist_id', '=', row.id).where('product_id', '=', productId).execute();
    return this.wishlistView(row, true);
  }

  async myWishlists(actor: Actor, page: PageRequest = {}): Promise<Page<WishlistSummary>> {
    const limit = pageLimit(page.limit);
    const before = olderThan(page.cursor);
    let q = this.db.selectFrom('social_wishlist').selectAll().where('owner_id', '=', actor.userId);
    if (before) q = q.where((eb) => eb.or([eb('created_at', '<', before[0]), eb.and([eb('created_at', '=', before[0]), eb('id', '<', before[1])])]));
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const p = pageFrom(rows, limit, (r) => [r.created_at, r.id]);
    const counts = p.items.length
      ? await this.db
          .selectFrom('social_wishlist_item')
          .select(['wishlist_id', (eb) => eb.fn.countAll().as('n')])
          .where('wishlist_id', 'in', p.items.map((r) => r.id))
          .groupBy('wishlist_id')
          .execute()
      : [];
    const n = new Map(counts.map((c) => [c.wishlist_id, Number(c.n)]));
    return { items: p.items.map((r) => summary(r, n.get(r.id) ?? 0)), nextCursor: p.nextCursor };
  }

  /** A wishlist: its owner sees it always (unavailable products flagged); others only a public one, available products only. */
  async wishlist(viewer: Actor | null, id: string): Promise<Wishlist> {
    const row = await this.db.selectFrom('social_wishlist').selectAll().where('id', '=', id).executeTakeFirst();
    const mine = row !== undefined && viewer !== null && row.owner_id === viewer.userId;
    if (!row || (!mine && row.public !== 1)) throw notFound('wishlist');
    return this.wishlistView(row, mine);
  }

  /** A wishlist row as its viewer sees it (the owner's changes answer with it without reading the row again). */
  private async wishlistView(row: WishlistRow, mine: boolean): Promise<Wishlist> {
    const items = await this.db.selectFrom('social_wishlist_item').selectAll().where('wishlist_id', '=', row.id).orderBy('added_at', 'desc').orderBy('product_id').execute();
    const cards = await productCards(this.db, items.map((i) => i.product_id));
    const shown = items
      .map((i) => ({ ...(cards.get(i.product_id) ?? gone(i.product_id)), addedAt: i.added_at }))
      .filter((c) => mine || c.available);
    return { ...summary(row, shown.length), mine, items: shown };
  }

  private async own(actor: Actor, id: string): Promise<WishlistRow> {
    const row = await this.db.selectFrom('social_wishlist').selectAll().where('id', '=', id).where('owner_id', '=', actor.userId).executeTakeFirst();
    if (!row) throw notFound('wishlist');
    return row;
  }

  // ------------------------------------------------------------------ referrals

  /** A share link for a product the caller can see: a fresh unguessable code each time. */
  async createLink(actor: Actor, productId: string): Promise<ReferralLink> {
    await this.catalog.product(productId, actor);
    const row = { id: newId('rfl'), code: newReferralCode(), referrer_id: actor.userId, product_id: productId, created_at: this.now().toISOString() };
    assert(REFERRAL_CODE.test(row.code), 'social: referral code has the wrong shape');
    await this.db.insertInto('social_referral_link').values(row).execute();
    return { id: row.id, code: row.code, url: referralUrl(productId, row.code), productId, createdAt: row.created_at };
  }

  /** A signed-in buyer arrived with ?ref=code: remembered (latest arrival per link) for attribution at payment. */
  async recordVisit(actor: Actor, code: string): Promise<{ productId: string; visitedAt: string }> {
    buyerOnly(actor, 'are referred');
    const link = REFERRAL_CODE.test(code) ? await this.db.selectFrom('social_referral_link').selectAll().where('code', '=', code).executeTakeFirst() : undefined;
    if (!link) throw new DomainError('referral.not_found', 'no share link has this code', 404);
    if (link.referrer_id === actor.userId) throw new DomainError('referral.self', 'you cannot be referred by your own link', 422);
    const at = this.now().toISOString();
    await this.db
      .insertInto('social_referral_visit')
      .values({ link_id: link.id, buyer_id: actor.userId, referrer_id: link.referrer_id, product_id: link.product_id, visited_at: at })
      .onConflict((oc) => oc.columns(['link_id', 'buyer_id']).doUpdateSet({ visited_at: at }))
      .execute();
    return { productId: link.product_id, visitedAt: at };
  }

  /** The referrer's links, newest first, each with its visits, attributed orders and points earned. */
  async myLinks(actor: Actor, page: PageRequest = {}): Promise<Page<ReferralLinkStats>> {
    const limit = pageLimit(page.limit);
    const before = olderThan(page.cursor);
    let q = this.db.selectFrom('social_referral_link').selectAll().where('referrer_id', '=', actor.userId);
    if (before) q = q.where((eb) => eb.or([eb('created_at', '<', before[0]), eb.and([eb('created_at', '=', before[0]), eb('id', '<', before[1])])]));
    const p = pageFrom(await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute(), limit, (r) => [r.created_at, r.id]);
    const ids = p.items.map((r) => r.id);
    if (ids.length === 0) return { items: [], nextCursor: null };
    const visits = await this.db.selectFrom('social_referral_visit').select(['link_id', (eb) => eb.fn.countAll().as('n')]).where('link_id', 'in', ids).groupBy('link_id').execute();
    const rewards = await this.db.selectFrom('social_referral_reward').select(['link_id', 'state', 'points']).where('link_id', 'in', ids).execute();
    const titles = await productCards(this.db, [...new Set(p.items.map((r) => r.product_id))]);
    const v = new Map(visits.map((r) => [r.link_id, Number(r.n)]));
    return {
      items: p.items.map((r) => {
        const mine = rewards.filter((x) => x.link_id === r.id);
        const earned = mine.filter((x) => x.state === 'granted').reduce((s, x) => s + BigInt(x.points), 0n);
        return {
          id: r.id, code: r.code, url: referralUrl(r.product_id, r.code), productId: r.product_id, createdAt: r.created_at,
          productTitle: titles.get(r.product_id)?.title ?? null, visits: v.get(r.id) ?? 0, orders: mine.length,
          pointsEarned: earned.toString(), reversed: mine.filter((x) => x.state === 'reversed').length,
        };
      }),
      nextCursor: p.nextCursor,
    };
  }

  /**
   * The order-step hook (inside the step's transaction): the payment of an order attributes it to the
   * buyer's latest qualifying visit and grants the referrer a fixed reward, once per order; a refund,
   * cancellation or rejection takes it back. Tickets of the ledger entries are returned for tests.
   */
  async onOrderStep(trx: Transaction<Database>, t: TransitionName, before: OrderFacts, after: OrderFacts): Promise<Ticket[]> {
    if (isPayment(before.paid, after.paid)) return this.reward(trx, after);
    if (isReversal(t)) return this.reverse(trx, after.id);
    return [];
  }

  private async reward(trx: Transaction<Database>, o: OrderFacts): Promise<Ticket[]> {
    if (await trx.selectFrom('social_referral_reward').select('order_id').where('order_id', '=', o.id).executeTakeFirst()) return [];
    const productIds = await orderProducts(trx, o.id, o.merchantId);
    if (productIds.length === 0) return [];
    const visits = await trx
      .selectFrom('social_referral_visit')
      .selectAll()
      .where('buyer_id', '=', o.buyerId)
      .where('product_id', 'in', productIds)
      .where('referrer_id', '<>', o.buyerId)
      .execute();
    const paidAt = this.now();
    const v = attribute(
      visits.map((x) => ({ linkId: x.link_id, referrerId: x.referrer_id, productId: x.product_id, visitedAt: x.visited_at })),
      { buyerId: o.buyerId, productIds, paidAt, windowDays: this.windowDays },
    );
    if (!v) return [];
    assert(v.referrerId !== o.buyerId, 'social: self-referral attributed');
    const at = paidAt.toISOString();
    const res = await trx
      .insertInto('social_referral_reward')
      .values({ order_id: o.id, link_id: v.linkId, referrer_id: v.referrerId, buyer_id: o.buyerId, product_id: v.productId, points: Number(this.rewardPoints), state: 'granted', created_at: at, reversed_at: null })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) !== 1) return [];
    const granted = await this.points.grant(trx, {
      userId: v.referrerId, points: this.rewardPoints, ref: `referral:${o.id}`, code: 'referral_reward', at: paidAt, meta: { order: o.id, link: v.linkId },
    });
    assert(granted, `social: the referral grant for order ${o.id} existed before its attribution`);
    return this.ledger.append(trx, [
      { kind: 'referral.rewarded', actor: 'system', subject: { order: o.id, link: v.linkId, referrer: v.referrerId, product: v.productId }, data: { points: Number(this.rewardPoints) }, at },
    ]);
  }

  private async reverse(trx: Transaction<Database>, orderId: string): Promise<Ticket[]> {
    const r = await trx.selectFrom('social_referral_reward').selectAll().where('order_id', '=', orderId).where('state', '=', 'granted').executeTakeFirst();
    if (!r) return [];
    const at = this.now().toISOString();
    const upd = await trx.updateTable('social_referral_reward').set({ state: 'reversed', reversed_at: at }).where('order_id', '=', orderId).where('state', '=', 'granted').executeTakeFirst();
    if (Number(upd.numUpdatedRows) !== 1) return [];
    const taken = await this.points.revoke(trx, `referral:${orderId}`, 'referral_reversed');
    return this.ledger.append(trx, [
      { kind: 'referral.reversed', actor: 'system', subject: { order: orderId, link: r.link_id, referrer: r.referrer_id }, data: { points: Number(r.points), taken: Number(taken) }, at },
    ]);
  }

  // ------------------------------------------------------------------ privacy

  /**
   * Erasure (inside the privacy transaction): follows, wishlists and pending referral visits go; the
   * user's questions and answers stay as text but lose their author and are hidden. Rewards already
   * granted keep their ids (the ledger holds them anyway).
   */
  async forgetUser(trx: Transaction<Database>, userId: string): Promise<void> {
    await trx.deleteFrom('social_follow').where('user_id', '=', userId).execute();
    const lists = (await trx.selectFrom('social_wishlist').select('id').where('owner_id', '=', userId).execute()).map((r) => r.id);
    if (lists.length) await trx.deleteFrom('social_wishlist_item').where('wishlist_id', 'in', lists).execute();
    await trx.deleteFrom('social_wishlist').where('owner_id', '=', userId).execute();
    await trx.deleteFrom('social_referral_visit').where('buyer_id', '=', userId).execute();
    await trx.updateTable('social_question').set({ author_id: 'erased', hidden: 1 }).where('author_id', '=', userId).execute();
    await trx.updateTable('social_answer').set({ author_id: 'erased', hidden: 1 }).where('author_id', '=', userId).execute();
  }

  /** Export: what this module holds about the user, all of it (every page). */
  async exportFor(userId: string): Promise<Record<string, unknown>> {
    const actor: Actor = { userId, role: 'buyer', via: 'session' };
    const all = { limit: LIMIT_MAX };
    const lists = await everyPage((cursor) => this.myWishlists(actor, { ...all, cursor }));
    return {
      follows: await everyPage((cursor) => this.follows(actor, { ...all, cursor })),
      wishlists: await Promise.all(lists.map((s) => this.wishlist(actor, s.id))),
      referralLinks: await everyPage((cursor) => this.myLinks(actor, { ...all, cursor })),
      questions: await this.db.selectFrom('social_question').select(['id', 'product_id', 'text', 'created_at']).where('author_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
      answers: await this.db.selectFrom('social_answer').select(['id', 'question_id', 'badge', 'text', 'created_at']).where('author_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
    };
  }

  // ------------------------------------------------------------------ Q&A

  async ask(actor: Actor, productId: string, input: { text: unknown }): Promise<Question> {
    buyerOnly(actor, 'ask questions');
    const text = parseQuestion(input.text);
    const product = await this.catalog.product(productId, actor);
    const row = { id: newId('qst'), product_id: productId, merchant_id: product.merchantId, author_id: actor.userId, text, hidden: 0, created_at: this.now().toISOString() };
    await this.db.insertInto('social_question').values(row).execute();
    return toQuestion({ ...row, seq: 0 }, []);
  }

  /** Public: the visible questions of a product, newest first, each with its visible answers (oldest first). */
  async questions(viewer: Actor | null, productId: string, page: PageRequest = {}): Promise<Page<Question>> {
    await this.catalog.product(productId, viewer);
    const limit = pageLimit(page.limit);
    const before = olderThan(page.cursor);
    let q = this.db.selectFrom('social_question').selectAll().where('product_id', '=', productId).where('hidden', '=', 0);
    if (before) q = q.where((eb) => eb.or([eb('created_at', '<', before[0]), eb.and([eb('created_at', '=', before[0]), eb('id', '<', before[1])])]));
    const p = pageFrom(await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute(), limit, (r) => [r.created_at, r.id]);
    const answers = p.items.length
      ? await this.db.selectFrom('social_answer').selectAll().where('question_id', 'in', p.items.map((r) => r.id)).where('hidden', '=', 0).orderBy('seq').execute()
      : [];
    return {
      items: p.items.map((r) => toQuestion(r, answers.filter((a) => a.question_id === r.id).slice(0, ANSWERS_PER_QUESTION_MAX))),
      nextCursor: p.nextCursor,
    };
  }

  /** The product merchant's staff answer as "seller"; a buyer whose order of it was received as "verified buyer"; anyone else 403. */
  async answer(actor: Actor, questionId: string, input: { text: unknown }): Promise<Answer> {
    const text = parseAnswer(input.text);
    const q = await this.db.selectFrom('social_question').selectAll().where('id', '=', questionId).executeTakeFirst();
    if (!q || q.hidden === 1) throw notFound('question');
    await this.catalog.product(q.product_id, actor);
    let badge: 'seller' | 'verified_buyer';
    if (actor.role === 'merchant_staff' && actor.merchantId === q.merchant_id) badge = 'seller';
    else if (actor.role === 'buyer' && (await boughtProduct(this.db, actor.userId, q.merchant_id, q.product_id))) badge = 'verified_buyer';
    else throw new DomainError('qa.not_allowed', 'only the seller\'s staff and buyers who received this product may answer', 403);
    const row = { id: newId('ans'), question_id: q.id, author_id: actor.userId, badge, text, hidden: 0, created_at: this.now().toISOString() };
    await this.db.insertInto('social_answer').values(row).execute();
    return toAnswer({ ...row, seq: 0 });
  }

  async moderateQuestion(actor: Actor, id: string, hidden: boolean): Promise<Question> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only admins moderate questions', 403);
    const res = await this.db.updateTable('social_question').set({ hidden: hidden ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw notFound('question');
    const q = await this.db.selectFrom('social_question').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const answers = await this.db.selectFrom('social_answer').selectAll().where('question_id', '=', id).orderBy('seq').limit(ANSWERS_PER_QUESTION_MAX).execute();
    return toQuestion(q, answers);
  }

  async moderateAnswer(actor: Actor, id: string, hidden: boolean): Promise<Answer> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only admins moderate answers', 403);
    const res = await this.db.updateTable('social_answer').set({ hidden: hidden ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw notFound('answer');
    return toAnswer(await this.db.selectFrom('social_answer').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }
}

function summary(r: WishlistRow, itemCount: number): WishlistSummary {
  assert(r.public === 0 || r.public === 1, `social: wishlist ${r.id} public is not 0/1`);
  return { id: r.id, name: r.name, public: r.public === 1, itemCount, createdAt: r.created_at, updatedAt: r.updated_at };
}

const gone = (productId: string): ProductCard => ({ productId, title: '', merchantId: '', available: false, priceMinor: null, currency: null });

function toAnswer(a: AnswerRow): Answer {
  assert(a.badge === 'seller' || a.badge === 'verified_buyer', `social: answer ${a.id} has badge ${a.badge}`);
  return { id: a.id, questionId: a.question_id, badge: a.badge, text: a.text, hidden: a.hidden === 1, createdAt: a.created_at };
}

function toQuestion(q: QuestionRow, answers: AnswerRow[]): Question {
  return { id: q.id, productId: q.product_id, text: q.text, hidden: q.hidden === 1, createdAt: q.created_at, answers: answers.map(toAnswer) };
}

/** Title, merchant, lowest active price and availability of products, read from the catalog's tables. */
async function productCards(db: Db, ids: readonly string[]): Promise<Map<string, ProductCard>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('catalog_product as p')
    .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
    .select(['p.id', 'p.title', 'p.merchant_id', 'p.status', 'm.status as merchant_status'])
    .where('p.id', 'in', ids)
    .execute();
  const prices = await db
    .selectFrom('catalog_variant')
    .select(['product_id', 'currency', (eb) => eb.fn.min('price_minor').as('min')])
    .where('product_id', 'in', ids)
    .where('status', '=', 'active')
    .groupBy(['product_id', 'currency'])
    .execute();
  const price = new Map(prices.map((p) => [p.product_id, p]));
  return new Map(
    rows.map((r) => {
      const pr = price.get(r.id);
      return [r.id, {
        productId: r.id, title: r.title, merchantId: r.merchant_id, available: r.status === 'active' && r.merchant_status === 'active',
        priceMinor: pr ? String(pr.min) : null, currency: pr?.currency ?? null,
      }];
    }),
  );
}

/** The products an order holds: its document's SKUs, resolved in its merchant's catalog. */
async function orderProducts(db: Db, orderId: string, merchantId: string): Promise<string[]> {
  const o = await db.selectFrom('orders_order').select('document').where('id', '=', orderId).executeTakeFirst();
  if (!o) return [];
  const skus = skusOf(o.document);
  if (skus.length === 0) return [];
  const rows = await db.selectFrom('catalog_variant').select('product_id').where('merchant_id', '=', merchantId).where('sku', 'in', skus).execute();
  return [...new Set(rows.map((r) => r.product_id))];
}

function skusOf(document: string): string[] {
  const doc = JSON.parse(document) as { items?: { sku?: unknown }[] };
  assert(Array.isArray(doc.items), 'social: an order document without items');
  return doc.items.map((i) => i.sku).filter((s): s is string => typeof s === 'string');
}

/** Whether the buyer has an order of the merchant containing the product that reached `received`. */
async function boughtProduct(db: Db, buyerId: string, merchantId: string, productId: string): Promise<boolean> {
  const skus = new Set((await db.selectFrom('catalog_variant').select('sku').where('product_id', '=', productId).execute()).map((r) => r.sku));
  if (skus.size === 0) return false;
  const orders = await db
    .selectFrom('orders_order')
    .select('document')
    .where('buyer_id', '=', buyerId)
    .where('merchant_id', '=', merchantId)
    .where('state', 'in', [...VERIFIED_BUYER_STATES])
    .execute();
  return orders.some((o) => skusOf(o.document).some((s) => skus.has(s)));
}

/** The built-in feed source: new active products of the followed merchants. */
export const newProductsSource: FeedSource = async (db, merchantIds, before, limit) => {
  if (merchantIds.length === 0) return [];
  let q = db
    .selectFrom('catalog_product as p')
    .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
    .select(['p.id', 'p.title', 'p.merchant_id', 'p.created_at'])
    .where('p.merchant_id', 'in', [...merchantIds])
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'active');
  if (before) {
    const prefix = `${PRODUCT_KIND}:`;
    // Same instant: ordered by "kind:id"; a cursor of another kind sorts all of this kind before or after it.
    if (before.key.startsWith(prefix)) {
      const id = before.key.slice(prefix.length);
      q = q.where((eb) => eb.or([eb('p.created_at', '<', before.at), eb.and([eb('p.created_at', '=', before.at), eb('p.id', '<', id)])]));
    } else if (before.key > prefix) q = q.where('p.created_at', '<=', before.at);
    else q = q.where('p.created_at', '<', before.at);
  }
  const rows = await q.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(limit).execute();
  const cards = await productCards(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    kind: PRODUCT_KIND, id: r.id, at: r.created_at, merchantId: r.merchant_id, productId: r.id, title: r.title,
    href: `/products/${encodeURIComponent(r.id)}`, priceMinor: cards.get(r.id)?.priceMinor ?? null, currency: cards.get(r.id)?.currency ?? null,
  }));
};

