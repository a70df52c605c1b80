import { type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import type { Actor } from '../http/auth.ts';
import type { Ledger } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import {
  decodeCursor,
  encodeCursor,
  HIDE_REASONS,
  newReviewId,
  pageLimit,
  parsePhotos,
  parseRating,
  parseReason,
  parseReviewText,
  replyContentHash,
  REPLY_TEXT_CHARS_MAX,
  REVIEWABLE_STATES,
  reviewContentHash,
  summarize,
  UNHIDE_REASONS,
  type RatingSummary,
} from './rules.ts';
import type { Page, PageRequest } from '../shared/index.ts';
export type { Page, PageRequest };

type ReviewRow = Selectable<Database['reviews_review']>;

/** What reviews need of an order: the orders module's view, read as the caller (404 if not theirs). */
export interface ReviewOrdersPort {
  order(actor: Actor, id: string): Promise<{ id: string; state: string; merchantId: string; buyerId: string; items: { sku: string }[] }>;
}

/** What reviews need of the catalog: the product as this viewer may see it (404 otherwise). */
export interface ReviewCatalogPort {
  product(id: string, viewer: { role: string; merchantId?: string | undefined } | null): Promise<{ id: string; merchantId: string }>;
}

export interface ReviewsDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  orders: ReviewOrdersPort;
  catalog: ReviewCatalogPort;
  now?: () => Date;
}

export interface NewReview {
  orderId: string;
  sku: string;
  rating: number;
  text: string;
  photos?: string[] | undefined;
}

export interface ReviewReply {
  text: string;
  repliedAt: string;
  updatedAt: string;
}

/** A review as the public sees it: no buyer, no order. */
export interface PublicReview {
  id: string;
  productId: string;
  merchantId: string;
  sku: string;
  rating: number;
  text: string;
  photos: string[];
  contentHash: string;
  reply: ReviewReply | null;
  createdAt: string;
  updatedAt: string;
}

/** A review as its author, the merchant's staff and admins see it. */
export interface Review extends PublicReview {
  orderId: string;
  buyerId: string;
  hidden: boolean;
  hiddenReason: string | null;
}



export type ProductRating = RatingSummary & { productId: string };

const notPurchased = () =>
  new DomainError('review.not_purchased', 'only a buyer whose order line was received can review it', 403);

function photosOf(json: string): string[] {
  const v: unknown = JSON.parse(json);
  assert(Array.isArray(v) && v.every((x) => typeof x === 'string'), 'reviews: stored photos are not a list of strings');
  return v as string[];
}

function toReview(r: ReviewRow): Review {
  assert(r.hidden === 0 || r.hidden === 1, `reviews: review ${r.id} hidden is not 0/1`);
  assert((r.hidden === 1) === (r.hidden_reason !== null), `reviews: review ${r.id} hidden without a reason`);
  return {
    id: r.id,
    productId: r.product_id,
    merchantId: r.merchant_id,
    sku: r.sku,
    rating: r.rating,
    text: r.text,
    photos: photosOf(r.photos),
    contentHash: r.content_hash,
    reply:
      r.reply_text === null
        ? null
        : { text: r.reply_text, repliedAt: r.replied_at!, updatedAt: r.reply_updated_at ?? r.replied_at! },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    orderId: r.order_id,
    buyerId: r.buyer_id,
    hidden: r.hidden === 1,
    hiddenReason: r.hidden_reason,
  };
}

export function publicReview(r: Review): PublicReview {
  const { orderId: _o, buyerId: _b, hidden: _h, hiddenReason: _r, ...pub } = r;
  return pub;
}

function pageOf(rows: ReviewRow[], limit: number): Page<Review> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(toReview), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.seq) : null };
}

/**
 * Verified-purchase reviews. A buyer reviews a line of one of their orders once the goods were
 * received; the merchant's staff reply once (and may edit the reply); admins hide and unhide. Each of
 * these commits a review.* ledger entry with the row, carrying hashes of the content, never the text.
 */
export class ReviewsService {
  readonly db: Kysely<Database>;
  private readonly ledger: Ledger;
  private readonly orders: ReviewOrdersPort;
  private readonly catalog: ReviewCatalogPort;
  private readonly now: () => Date;

  constructor(deps: ReviewsDeps) {
    this.db = deps.db;
    this.ledger = deps.ledger;
    this.orders = deps.orders;
    this.catalog = deps.catalog;
    this.now = deps.now ?? (() => new Date());
  }

  /** A buyer reviews one received line of their order: 403 review.not_purchased otherwise, 409 the second time. */
  async create(actor: Actor, input: NewReview): Promise<Review> {
    if (actor.role !== 'buyer') throw new DomainError('auth.forbidden', 'only buyers review what they bought', 403);
    const rating = parseRating(input.rating);
    const text = parseReviewText(input.text);
    const photos = parsePhotos(input.photos);
    if (typeof input.orderId !== 'string' || typeof input.sku !== 'string') throw new DomainError('review.bad_line', 'orderId and sku must be strings', 400);
    // The order as this buyer may see it: someone else's order is as unknown as a missing one.
    let order: Awaited<ReturnType<ReviewOrdersPort['order']>>;
    try {
      order = await this.orders.order(actor, input.orderId);
    } catch (err) {
      if (err instanceof DomainError && err.status === 404) throw notPurchased();
      throw err;
    }
    assert(order.buyerId === actor.userId, `reviews: order ${order.id} handed to a buyer who did not place it`);
    if (!(REVIEWABLE_STATES as readonly string[]).includes(order.state)) throw notPurchased();
    if (!order.items.some((i) => i.sku === input.sku)) throw notPurchased();
    const contentHash = reviewContentHash(text, photos);
    const at = this.now().toISOString();
    const id = newReviewId();
    return this.db.transaction().execute(async (trx) => {
      // The catalog has no lookup by (merchant, sku): read its variant table, read-only.
      const variant = await trx
        .selectFrom('catalog_variant')
        .select(['id', 'product_id'])
        .where('merchant_id', '=', order.merchantId)
        .where('sku', '=', input.sku)
        .executeTakeFirst();
      if (!variant) throw new DomainError('review.product_gone', `the product sold as ${input.sku.slice(0, 64)} is no longer in the catalog`, 409);
      const dup = await trx.selectFrom('reviews_review').select('id').where('order_id', '=', order.id).where('sku', '=', input.sku).executeTakeFirst();
      if (dup) throw duplicate(dup.id);
      const row = {
        id,
        product_id: variant.product_id,
        variant_id: variant.id,
        merchant_id: order.merchantId,
        order_id: order.id,
        sku: input.sku,
        buyer_id: actor.userId,
        rating,
        text,
        photos: JSON.stringify(photos),
        content_hash: contentHash,
        hidden: 0,
        hidden_reason: null,
        reply_text: null,
        reply_hash: null,
        reply_by: null,
        replied_at: null,
        reply_updated_at: null,
        created_at: at,
        updated_at: at,
      };
      try {
        await trx.insertInto('reviews_review').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(null);
        throw err;
      }
      await this.ledger.append(trx, [
        {
          kind: 'review.created',
          actor: actor.userId,
          subject: { review: id, product: variant.product_id, order: order.id, merchant: order.merchantId },
          data: { sku: input.sku, rating, photos: photos.length, contentHash },
          at,
        },
      ]);
      return toReview({ ...row, seq: 0 });
    });
  }

  /**
   * The merchant's staff answer a review of their merchant's product: once, then they may edit the
   * answer; each version is a review.replied entry with its hash. Another merchant's review is a 404.
   */
  async reply(actor: Actor, reviewId: string, input: { text: string }): Promise<Review> {
    if (actor.role !== 'merchant_staff' || actor.merchantId === undefined) throw new DomainError('auth.forbidden', 'only the merchant\'s staff reply', 403);
    const text = parseReviewText(input.text, REPLY_TEXT_CHARS_MAX, 'reply text');
    const hash = replyContentHash(text);
    const at = this.now().toISOString();
    return this.db.transaction().execute(async (trx) => {
      const row = await this.mine(trx, reviewId, { merchantId: actor.merchantId! });
      const edited = row.reply_text !== null;
      const set = { reply_text: text, reply_hash: hash, reply_by: actor.userId, replied_at: row.replied_at ?? at, reply_updated_at: at, updated_at: at };
      const res = await trx.updateTable('reviews_review').set(set).where('id', '=', row.id).where('updated_at', '=', row.updated_at).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new DomainError('review.conflict', 'the review changed meanwhile; try again', 409);
      await this.ledger.append(trx, [
        {
          kind: 'review.replied',
          actor: actor.userId,
          subject: { review: row.id, product: row.product_id, merchant: row.merchant_id },
          data: { contentHash: hash, edited },
          at,
        },
      ]);
      return toReview({ ...row, ...set });
    });
  }

  /** Admin moderation: the review leaves public lists; its rating still counts, its hash stays in the log. */
  async hide(actor: Actor, reviewId: string, reason: unknown): Promise<Review> {
    return this.moderate(actor, reviewId, true, parseReason(HIDE_REASONS, reason));
  }

  async unhide(actor: Actor, reviewId: string, reason: unknown): Promise<Review> {
    return this.moderate(actor, reviewId, false, parseReason(UNHIDE_REASONS, reason));
  }

  private async moderate(actor: Actor, reviewId: string, hide: boolean, reason: string): Promise<Review> {
    if (actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only admins moderate reviews', 403);
    const at = this.now().toISOString();
    return this.db.transaction().execute(async (trx) => {
      const row = await this.mine(trx, reviewId, {});
      const set = { hidden: hide ? 1 : 0, hidden_reason: hide ? reason : null, updated_at: at };
      // Conditional on the current state: of two racing hides, one wins and the other is told.
      const res = await trx.updateTable('reviews_review').set(set).where('id', '=', row.id).where('hidden', '=', hide ? 0 : 1).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        throw new DomainError(hide ? 'review.already_hidden' : 'review.not_hidden', hide ? 'the review is already hidden' : 'the review is not hidden', 409);
      }
      await this.ledger.append(trx, [
        {
          kind: hide ? 'review.hidden' : 'review.unhidden',
          actor: actor.userId,
          subject: { review: row.id, product: row.product_id, merchant: row.merchant_id },
          data: { reason },
          at,
        },
      ]);
      return toReview({ ...row, ...set });
    });
  }

  /** One review: the public sees visible ones; its author, its merchant's staff, admins and auditors see it hidden too. */
  async review(actor: Actor | null, reviewId: string): Promise<Review> {
    const row = await this.db.selectFrom('reviews_review').selectAll().where('id', '=', reviewId).executeTakeFirst();
    if (!row) throw notFound('review');
    const privileged =
      actor !== null &&
      (actor.role === 'admin' || actor.role === 'auditor' || actor.userId === row.buyer_id || (actor.role === 'merchant_staff' && actor.merchantId === row.merchant_id));
    if (row.hidden === 1 && !privileged) throw notFound('review');
    return toReview(row);
  }

  /** Public: the visible reviews of a product the viewer may see, newest first. */
  async productReviews(viewer: Actor | null, productId: string, page: PageRequest = {}): Promise<Page<PublicReview>> {
    await this.catalog.product(productId, viewer);
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('reviews_review').selectAll().where('product_id', '=', productId).where('hidden', '=', 0);
    if (before !== null) q = q.where('seq', '<', before);
    const p = pageOf(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
    return { items: p.items.map(publicReview), nextCursor: p.nextCursor };
  }

  /** Public: rating totals over all reviews of the product, hidden ones included (they stay countable). */
  async productRating(viewer: Actor | null, productId: string): Promise<ProductRating> {
    await this.catalog.product(productId, viewer);
    return { productId, ...(await this.ratingOf(this.db, productId)) };
  }

  /** Rating totals of a product, without checking the product: for other modules' reads. */
  async ratingOf(db: Kysely<Database> | Transaction<Database>, productId: string): Promise<RatingSummary> {
    const rows = await db
      .selectFrom('reviews_review')
      .select(['rating', 'hidden', (eb) => eb.fn.countAll().as('n')])
      .where('product_id', '=', productId)
      .groupBy(['rating', 'hidden'])
      .execute();
    return summarize(rows.map((r) => ({ rating: Number(r.rating), hidden: Number(r.hidden) === 1, n: Number(r.n) })));
  }

  /** The buyer's own reviews, hidden ones included (flagged), newest first. */
  async buyerReviews(actor: Actor, page: PageRequest = {}): Promise<Page<Review>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('reviews_review').selectAll().where('buyer_id', '=', actor.userId);
    if (before !== null) q = q.where('seq', '<', before);
    return pageOf(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
  }

  /** Merchant staff: every review of their merchant's products, hidden ones included, newest first. */
  async merchantReviews(merchantId: string, page: PageRequest & { unanswered?: boolean | undefined } = {}): Promise<Page<Review>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('reviews_review').selectAll().where('merchant_id', '=', merchantId);
    if (page.unanswered) q = q.where('reply_text', 'is', null);
    if (before !== null) q = q.where('seq', '<', before);
    return pageOf(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
  }

  /** Admin: all reviews, or only the hidden ones, newest first. */
  async allReviews(page: PageRequest & { hidden?: boolean | undefined } = {}): Promise<Page<Review>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('reviews_review').selectAll();
    if (page.hidden !== undefined) q = q.where('hidden', '=', page.hidden ? 1 : 0);
    if (before !== null) q = q.where('seq', '<', before);
    return pageOf(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
  }

  /** Tenancy: the review (of this merchant, when given), or 404 exactly as for a missing one. */
  private async mine(trx: Transaction<Database>, reviewId: string, scope: { merchantId?: string }): Promise<ReviewRow> {
    let q = trx.selectFrom('reviews_review').selectAll().where('id', '=', reviewId);
    if (scope.merchantId !== undefined) q = q.where('merchant_id', '=', scope.merchantId);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('review');
    return row;
  }
}

const duplicate = (existing: string | null) =>
  new DomainError('review.duplicate', 'this order line has already been reviewed', 409, existing ? { reviewId: existing } : {});
