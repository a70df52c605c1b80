import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/savepoint.ts';
import type { Ledger, LedgerEventInput } from '../ledger/index.ts';
import { parseCurrency } from '../money/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import {
  ALT_CHARS_MAX,
  ancestry,
  CHECKOUT_VARIANTS_MAX,
  decodeCursor,
  DEFAULT_COMMISSION_BPS,
  DEFAULT_CURRENCY,
  DEFAULT_MERCHANT_TERMS,
  DEFAULT_UNPAID_LIMIT,
  DESCRIPTION_CHARS_MAX,
  ftsQuery,
  IMAGES_PER_PRODUCT_MAX,
  isStatus,
  MERCHANT_STATUSES,
  NAME_CHARS_MAX,
  newId,
  pageLimit,
  pageOf,
  parseBps,
  parseDays,
  parseImageUrl,
  parseOptions,
  parsePrice,
  parseSku,
  parseSlug,
  parseText,
  parseUnpaidLimit,
  PRODUCT_STATUSES,
  queryWords,
  resolveCommission,
  searchDocument,
  slugFor,
  TITLE_CHARS_MAX,
  tsQuery,
  VARIANT_STATUSES,
  VARIANTS_PER_PRODUCT_MAX,
  type MerchantStatus,
  type Page,
  type PageRequest,
  type ProductStatus,
  type VariantStatus,
} from './rules.ts';

export type Reader = Kysely<Database> | Transaction<Database>;

export interface MerchantTerms {
  autoConfirmDays: number;
  reviewDays: number;
  paymentDays: number;
}

export interface Merchant {
  id: string;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  currency: string;
  payOnReceipt: boolean;
  unpaidLimit: number;
  commissionBps: number;
  terms: { autoConfirmDays: number; reviewDays: number; paymentDays: number };
  createdAt: string;
}

export interface NewMerchant {
  name: string;
  slug?: string;
  currency?: string;
  payOnReceipt?: boolean;
  unpaidLimit?: number;
  commissionBps?: number;
  terms?: Partial<Merchant['terms']>;
}

export interface MerchantPatch {
  name?: string;
  status?: MerchantStatus;
  payOnReceipt?: boolean;
  unpaidLimit?: number;
  commissionBps?: number;
  terms?: Partial<Merchant['terms']>;
}

export interface CheckoutVariant {
  variantId: string;
  productId: string;
  merchantId: string;
  sku: string;
  /** product title + ' — ' + variant title */
  name: string;
  priceMinor: bigint;
  currency: string;
  categoryId: string | null;
  /** variant active AND product active AND merchant active */
  purchasable: boolean;
}

export interface Category {
  id: string;
  parentId: string | null;
  slug: string;
  name: string;
  createdAt: string;
}

export interface NewCategory {
  name: string;
  slug?: string;
  parentId?: string | null;
}

export interface CommissionRule {
  id: string;
  merchantId: string | null;
  categoryId: string;
  bps: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewCommissionRule {
  categoryId: string;
  merchantId?: string | null;
  bps: number;
}

export interface Image {
  id: string;
  url: string;
  alt: string;
  position: number;
}

export interface NewImage {
  url: string;
  alt?: string;
  position?: number;
}

export interface Variant {
  id: string;
  productId: string;
  sku: string;
  title: string;
  options: Record<string, string>;
  priceMinor: bigint;
  currency: string;
  status: VariantStatus;
  createdAt: string;
  updatedAt: string;
}

export interface NewVariant {
  sku: string;
  title: string;
  options?: Record<string, string>;
  /** Integer minor units: a bigint, a safe integer or a decimal string. */
  priceMinor: bigint | number | string;
  /** Must be the merchant's currency; defaults to it. */
  currency?: string;
  status?: VariantStatus;
}

export interface VariantPatch {
  sku?: string;
  title?: string;
  options?: Record<string, string>;
  priceMinor?: bigint | number | string;
  status?: VariantStatus;
}

export interface Product {
  id: string;
  merchantId: string;
  title: string;
  description: string;
  categoryId: string | null;
  status: ProductStatus;
  currency: string;
  /** Over the variants listed (active ones only for the public); null without any. */
  minPriceMinor: bigint | null;
  maxPriceMinor: bigint | null;
  variants: Variant[];
  images: Image[];
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  title: string;
  description?: string;
  categoryId?: string | null;
  /** Default 'draft'. */
  status?: ProductStatus;
  variants?: NewVariant[];
  images?: NewImage[];
}

export interface ProductPatch {
  title?: string;
  description?: string;
  categoryId?: string | null;
  status?: ProductStatus;
}

/** A product in a list: its first image and a summary of its variants. */
export interface ProductSummary {
  id: string;
  merchantId: string;
  title: string;
  categoryId: string | null;
  status: ProductStatus;
  currency: string;
  minPriceMinor: bigint | null;
  maxPriceMinor: bigint | null;
  image: { url: string; alt: string } | null;
  variants: { id: string; sku: string; title: string; options: Record<string, string>; priceMinor: bigint; status: VariantStatus }[];
  createdAt: string;
  updatedAt: string;
}

export interface ProductQuery extends PageRequest {
  q?: string | undefined;
  categoryId?: string | undefined;
  merchantId?: string | undefined;
}

/** Who looks at a product: decides whether drafts and archived variants show. */
export interface Viewer {
  role: string;
  merchantId?: string | undefined;
}

type MerchantRow = Selectable<Database['catalog_merchant']>;
type ProductRow = Selectable<Database['catalog_product']>;
type VariantRow = Selectable<Database['catalog_variant']>;
type ImageRow = Selectable<Database['catalog_image']>;
type CategoryRow = Selectable<Database['catalog_category']>;
type CommissionRow = Selectable<Database['catalog_commission']>;

export const CATEGORY_DEPTH_MAX = 8;
/** Ids per query when summaries are read by id (well inside both databases' parameter limits). */
const SUMMARIES_PER_QUERY = 500;


const merchantNotFound = (id: string) => new DomainError('catalog.merchant_not_found', `merchant ${id.slice(0, 64)} not found`, 404);

function toMerchant(r: MerchantRow): Merchant {
  assert(isStatus(MERCHANT_STATUSES, r.status), `catalog: merchant ${r.id} has unknown status ${r.status}`);
  assert(r.pay_on_receipt === 0 || r.pay_on_receipt === 1, `catalog: merchant ${r.id} pay_on_receipt is not 0/1`);
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    status: r.status,
    currency: r.currency,
    payOnReceipt: r.pay_on_receipt === 1,
    unpaidLimit: r.unpaid_limit,
    commissionBps: r.commission_bps,
    terms: { autoConfirmDays: r.auto_confirm_days, reviewDays: r.review_days, paymentDays: r.payment_days },
    createdAt: r.created_at,
  };
}

function priceOf(n: number): bigint {
  assert(Number.isSafeInteger(n) && n > 0, `catalog: stored price ${n} is not a positive safe integer`);
  return BigInt(n);
}

function optionsOf(json: string): Record<string, string> {
  const v: unknown = JSON.parse(json);
  assert(typeof v === 'object' && v !== null && !Array.isArray(v), 'catalog: stored options are not an object');
  return v as Record<string, string>;
}

function toVariant(r: VariantRow): Variant {
  assert(isStatus(VARIANT_STATUSES, r.status), `catalog: variant ${r.id} has unknown status ${r.status}`);
  return {
    id: r.id,
    productId: r.product_id,
    sku: r.sku,
    title: r.title,
    options: optionsOf(r.options),
    priceMinor: priceOf(r.price_minor),
    currency: r.currency,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const toImage = (r: ImageRow): Image => ({ id: r.id, url: r.url, alt: r.alt, position: r.position });

const toCategory = (r: CategoryRow): Category => ({ id: r.id, parentId: r.parent_id, slug: r.slug, name: r.name, createdAt: r.created_at });

const toRule = (r: CommissionRow): CommissionRule => ({
  id: r.id,
  merchantId: r.merchant_id,
  categoryId: r.category_id,
  bps: r.bps,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

function priceRange(prices: bigint[]): { minPriceMinor: bigint | null; maxPriceMinor: bigint | null } {
  if (prices.length === 0) return { minPriceMinor: null, maxPriceMinor: null };
  let min = prices[0]!;
  let max = prices[0]!;
  for (const p of prices) {
    if (p < min) min = p;
    if (p > max) max = p;
  }
  return { minPriceMinor: min, maxPriceMinor: max };
}

function checkStatus<T extends string>(list: readonly T[], v: unknown, what: string): T {
  if (!isStatus(list, v)) throw new DomainError('catalog.bad_status', `${what} status must be one of ${list.join(', ')}`, 400);
  return v;
}

/** The data of merchant.created / merchant.terms_changed: ids, numbers and flags, never names. */
const termsData = (m: Merchant) => ({
  currency: m.currency,
  payOnReceipt: m.payOnReceipt,
  unpaidLimit: m.unpaidLimit,
  commissionBps: m.commissionBps,
  autoConfirmDays: m.terms.autoConfirmDays,
  reviewDays: m.terms.reviewDays,
  paymentDays: m.terms.paymentDays,
});

/**
 * Merchants, categories, commission rules, products with variants and images, and full-text search.
 * Reads that other modules need inside their own transaction take the Reader first. Every write runs
 * in one transaction; the merchant's terms (what orders and settlement depend on) are ledger entries
 * committed with the row.
 */
export class CatalogService {
  private readonly sqlite: boolean;

  constructor(
    readonly db: Kysely<Database>,
    readonly ledger: Ledger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sqlite = isSqlite(db);
  }

  // ------------------------------------------------------------------ merchants

  async merchant(db: Reader, id: string): Promise<Merchant> {
    const row = await db.selectFrom('catalog_merchant').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw merchantNotFound(id);
    return toMerchant(row);
  }

  async createMerchant(actor: string, input: NewMerchant): Promise<Merchant> {
    const name = parseText(input.name, 'name', NAME_CHARS_MAX);
    const slug = slugFor(input.slug, name);
    const currency = parseCurrency(input.currency ?? DEFAULT_CURRENCY);
    const t = input.terms ?? {};
    const row: MerchantRow = {
      seq: 0,
      id: newId('mer'),
      name,
      slug,
      status: 'active',
      currency,
      pay_on_receipt: input.payOnReceipt === undefined ? 0 : input.payOnReceipt ? 1 : 0,
      unpaid_limit: input.unpaidLimit === undefined ? DEFAULT_UNPAID_LIMIT : parseUnpaidLimit(input.unpaidLimit),
      commission_bps: input.commissionBps === undefined ? DEFAULT_COMMISSION_BPS : parseBps(input.commissionBps),
      auto_confirm_days: parseDays(t.autoConfirmDays ?? DEFAULT_MERCHANT_TERMS.autoConfirmDays, 'terms.autoConfirmDays'),
      review_days: parseDays(t.reviewDays ?? DEFAULT_MERCHANT_TERMS.reviewDays, 'terms.reviewDays'),
      payment_days: parseDays(t.paymentDays ?? DEFAULT_MERCHANT_TERMS.paymentDays, 'terms.paymentDays'),
      created_at: this.now().toISOString(),
    };
    if (input.payOnReceipt !== undefined && typeof input.payOnReceipt !== 'boolean') throw new DomainError('catalog.bad_flag', 'payOnReceipt must be true or false', 400);
    const { seq: _seq, ...values } = row;
    const merchant = toMerchant(row);
    await this.db.transaction().execute(async (trx) => {
      try {
        await trx.insertInto('catalog_merchant').values(values).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DomainError('catalog.slug_taken', `the slug ${slug} is taken`, 409);
        throw err;
      }
      await this.ledger.append(trx, [{ kind: 'merchant.created', actor, subject: { merchant: merchant.id }, data: { status: merchant.status, ...termsData(merchant) } }]);
    });
    return merchant;
  }

  /** Admin: status, commission, pay-on-receipt, unpaid limit and terms; each change of terms is a ledger entry. */
  async updateMerchant(actor: string, id: string, patch: MerchantPatch): Promise<Merchant> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('catalog_merchant').selectAll().where('id', '=', id);
      if (!this.sqlite) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw merchantNotFound(id);
      const before = toMerchant(row);
      const next: MerchantRow = { ...row };
      if (patch.name !== undefined) next.name = parseText(patch.name, 'name', NAME_CHARS_MAX);
      if (patch.status !== undefined) next.status = checkStatus(MERCHANT_STATUSES, patch.status, 'merchant');
      if (patch.payOnReceipt !== undefined) {
        if (typeof patch.payOnReceipt !== 'boolean') throw new DomainError('catalog.bad_flag', 'payOnReceipt must be true or false', 400);
        next.pay_on_receipt = patch.payOnReceipt ? 1 : 0;
      }
      if (patch.unpaidLimit !== undefined) next.unpaid_limit = parseUnpaidLimit(patch.unpaidLimit);
      if (patch.commissionBps !== undefined) next.commission_bps = parseBps(patch.commissionBps);
      const t = patch.terms ?? {};
      if (t.autoConfirmDays !== undefined) next.auto_confirm_days = parseDays(t.autoConfirmDays, 'terms.autoConfirmDays');
      if (t.reviewDays !== undefined) next.review_days = parseDays(t.reviewDays, 'terms.reviewDays');
      if (t.paymentDays !== undefined) next.payment_days = parseDays(t.paymentDays, 'terms.paymentDays');
      const after = toMerchant(next);
      const changed = (Object.keys(termsData(after)) as (keyof ReturnType<typeof termsData>)[]).filter((k) => termsData(after)[k] !== termsData(before)[k]);
      const events: LedgerEventInput[] = [];
      if (changed.length > 0) {
        events.push({ kind: 'merchant.terms_changed', actor, subject: { merchant: id }, data: { changed, ...termsData(after) } });
      }
      if (after.status !== before.status) {
        events.push({ kind: 'merchant.status_changed', actor, subject: { merchant: id }, data: { from: before.status, to: after.status } });
      }
      const { seq: _seq, id: _id, created_at: _c, currency: _cur, slug: _slug, ...values } = next;
      await trx.updateTable('catalog_merchant').set(values).where('id', '=', id).execute();
      await this.ledger.append(trx, events);
      return after;
    });
  }

  async merchants(page: PageRequest = {}): Promise<Page<Merchant>> {
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor);
    let q = this.db.selectFrom('catalog_merchant').selectAll();
    if (after !== null) q = q.where('seq', '>', after);
    const rows = await q.orderBy('seq', 'asc').limit(limit + 1).execute();
    return pageOf(rows, limit, (rs) => rs.map(toMerchant));
  }

  // ------------------------------------------------------------------ categories and commission

  async createCategory(actor: string, input: NewCategory): Promise<Category> {
    assert(actor.length > 0, 'catalog: actor required');
    const name = parseText(input.name, 'name', NAME_CHARS_MAX);
    const slug = slugFor(input.slug, name);
    const parentId = input.parentId ?? null;
    return this.db.transaction().execute(async (trx) => {
      if (parentId !== null) {
        const depth = (await this.categoryChain(trx, parentId)).length;
        if (depth === 0) throw new DomainError('catalog.unknown_category', `parent category ${parentId.slice(0, 64)} does not exist`, 400);
        if (depth >= CATEGORY_DEPTH_MAX) throw new DomainError('catalog.category_too_deep', `categories nest at most ${CATEGORY_DEPTH_MAX} deep`, 400);
      }
      const row = { id: newId('cat'), parent_id: parentId, slug, name, created_at: this.now().toISOString() };
      try {
        await trx.insertInto('catalog_category').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DomainError('catalog.slug_taken', `the category slug ${slug} is taken`, 409);
        throw err;
      }
      return toCategory({ seq: 0, ...row });
    });
  }

  /** In creation order, so that a parent always comes before its children. */
  async categories(page: PageRequest = {}): Promise<Page<Category>> {
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor);
    let q = this.db.selectFrom('catalog_category').selectAll();
    if (after !== null) q = q.where('seq', '>', after);
    const rows = await q.orderBy('seq', 'asc').limit(limit + 1).execute();
    return pageOf(rows, limit, (rs) => rs.map(toCategory));
  }

  /** The category and its ancestors, nearest first; [] when it does not exist. */
  private async categoryChain(db: Reader, categoryId: string): Promise<string[]> {
    const { rows } = await sql<{ id: string; parent_id: string | null }>`
      with recursive chain(id, parent_id, depth) as (
        select id, parent_id, 0 from catalog_category where id = ${categoryId}
        union all
        select c.id, c.parent_id, chain.depth + 1 from catalog_category c join chain on c.id = chain.parent_id
        where chain.depth < ${CATEGORY_DEPTH_MAX + 1}
      ) select id, parent_id from chain order by depth`.execute(db);
    return ancestry(categoryId, new Map(rows.map((r) => [r.id, r.parent_id])));
  }

  /** The category and all its descendants. */
  private async categorySubtree(db: Reader, categoryId: string): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      with recursive sub(id, depth) as (
        select id, 0 from catalog_category where id = ${categoryId}
        union all
        select c.id, sub.depth + 1 from catalog_category c join sub on c.parent_id = sub.id
        where sub.depth < ${CATEGORY_DEPTH_MAX + 1}
      ) select id from sub`.execute(db);
    return rows.map((r) => r.id);
  }

  /** Sets (creates or replaces) the rule for a category, or for a merchant in a category. */
  async setCommissionRule(actor: string, input: NewCommissionRule): Promise<CommissionRule> {
    const bps = parseBps(input.bps, 'bps');
    const merchantId = input.merchantId ?? null;
    const categoryId = input.categoryId;
    const scope = `${merchantId ?? '*'}|${categoryId}`;
    return this.db.transaction().execute(async (trx) => {
      if (merchantId !== null) await this.merchant(trx, merchantId);
      const cat = await trx.selectFrom('catalog_category').select('id').where('id', '=', categoryId).executeTakeFirst();
      if (!cat) throw new DomainError('catalog.unknown_category', `category ${String(categoryId).slice(0, 64)} does not exist`, 400);
      const at = this.now().toISOString();
      let q = trx.selectFrom('catalog_commission').selectAll().where('scope', '=', scope);
      if (!this.sqlite) q = q.forUpdate();
      const old = await q.executeTakeFirst();
      let rule: CommissionRule;
      if (old) {
        await trx.updateTable('catalog_commission').set({ bps, updated_at: at }).where('id', '=', old.id).execute();
        rule = toRule({ ...old, bps, updated_at: at });
      } else {
        const row = { id: newId('com'), merchant_id: merchantId, category_id: categoryId, scope, bps, created_at: at, updated_at: at };
        try {
          await trx.insertInto('catalog_commission').values(row).execute();
        } catch (err) {
          if (isUniqueViolation(err)) throw new DomainError('catalog.conflict', 'the rule was set concurrently; retry', 409);
          throw err;
        }
        rule = toRule({ seq: 0, ...row });
      }
      const subject: Record<string, string> = { rule: rule.id, category: categoryId };
      if (merchantId !== null) subject['merchant'] = merchantId;
      await this.ledger.append(trx, [{ kind: 'commission.rule_set', actor, subject, data: { bps, previousBps: old ? old.bps : null } }]);
      return rule;
    });
  }

  async commissionRules(page: PageRequest = {}): Promise<Page<CommissionRule>> {
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor);
    let q = this.db.selectFrom('catalog_commission').selectAll();
    if (after !== null) q = q.where('seq', '>', after);
    const rows = await q.orderBy('seq', 'asc').limit(limit + 1).execute();
    return pageOf(rows, limit, (rs) => rs.map(toRule));
  }

  /**
   * Platform commission in basis points for a sale by this merchant in this category: a rule for the
   * merchant and the category, else for the category; then the same for each ancestor category;
   * else the merchant's commission_bps.
   */
  async commissionBps(db: Reader, merchantId: string, categoryId: string | null): Promise<number> {
    const merchant = await this.merchant(db, merchantId);
    if (categoryId === null) return merchant.commissionBps;
    const chain = await this.categoryChain(db, categoryId);
    if (chain.length === 0) return merchant.commissionBps;
    const rules = await db
      .selectFrom('catalog_commission')
      .select(['merchant_id', 'category_id', 'bps'])
      .where('category_id', 'in', chain)
      .where((eb) => eb.or([eb('merchant_id', 'is', null), eb('merchant_id', '=', merchantId)]))
      .execute();
    const bps = resolveCommission(chain, rules.map((r) => ({ merchantId: r.merchant_id, categoryId: r.category_id, bps: r.bps })), merchantId, merchant.commissionBps);
    assert(Number.isInteger(bps) && bps >= 0 && bps <= 10_000, `catalog: commission ${bps} out of range`);
    return bps;
  }

  // ------------------------------------------------------------------ products (merchant side)

  async createProduct(merchantId: string, actor: string, input: NewProduct): Promise<Product> {
    assert(actor.length > 0, 'catalog: actor required');
    const title = parseText(input.title, 'title', TITLE_CHARS_MAX);
    const description = input.description === undefined ? '' : parseText(input.description, 'description', DESCRIPTION_CHARS_MAX, true);
    const status = checkStatus(PRODUCT_STATUSES, input.status ?? 'draft', 'product');
    const variants = input.variants ?? [];
    const images = input.images ?? [];
    if (variants.length > VARIANTS_PER_PRODUCT_MAX) throw new DomainError('catalog.too_many_variants', `at most ${VARIANTS_PER_PRODUCT_MAX} variants per product`, 400);
    if (images.length > IMAGES_PER_PRODUCT_MAX) throw new DomainError('catalog.too_many_images', `at most ${IMAGES_PER_PRODUCT_MAX} images per product`, 400);
    return this.db.transaction().execute(async (trx) => {
      const merchant = await this.merchant(trx, merchantId);
      const categoryId = await this.checkCategory(trx, input.categoryId ?? null);
      const at = this.now().toISOString();
      const id = newId('prd');
      await trx
        .insertInto('catalog_product')
        .values({ id, merchant_id: merchantId, title, description, category_id: categoryId, status, search_text: searchDocument(title, description, []), created_at: at, updated_at: at })
        .execute();
      for (const v of variants) await this.insertVariant(trx, merchant, id, v, at);
      for (const img of images) await this.insertImage(trx, id, img, at);
      await this.reindex(trx, id);
      return this.loadProduct(trx, id, true);
    });
  }

  async updateProduct(merchantId: string, actor: string, productId: string, patch: ProductPatch): Promise<Product> {
    assert(actor.length > 0, 'catalog: actor required');
    return this.db.transaction().execute(async (trx) => {
      await this.lockProduct(trx, merchantId, productId);
      const set: Partial<ProductRow> = { updated_at: this.now().toISOString() };
      if (patch.title !== undefined) set.title = parseText(patch.title, 'title', TITLE_CHARS_MAX);
      if (patch.description !== undefined) set.description = parseText(patch.description, 'description', DESCRIPTION_CHARS_MAX, true);
      if (patch.categoryId !== undefined) set.category_id = await this.checkCategory(trx, patch.categoryId);
      if (patch.status !== undefined) set.status = checkStatus(PRODUCT_STATUSES, patch.status, 'product');
      await trx.updateTable('catalog_product').set(set).where('id', '=', productId).execute();
      await this.reindex(trx, productId);
      return this.loadProduct(trx, productId, true);
    });
  }

  async addVariant(merchantId: string, actor: string, productId: string, input: NewVariant): Promise<Variant> {
    assert(actor.length > 0, 'catalog: actor required');
    return this.db.transaction().execute(async (trx) => {
      await this.lockProduct(trx, merchantId, productId);
      const merchant = await this.merchant(trx, merchantId);
      const count = await trx.selectFrom('catalog_variant').select((eb) => eb.fn.countAll<number>().as('n')).where('product_id', '=', productId).executeTakeFirstOrThrow();
      if (Number(count.n) >= VARIANTS_PER_PRODUCT_MAX) throw new DomainError('catalog.too_many_variants', `at most ${VARIANTS_PER_PRODUCT_MAX} variants per product`, 409);
      const at = this.now().toISOString();
      const id = await this.insertVariant(trx, merchant, productId, input, at);
      await trx.updateTable('catalog_product').set({ updated_at: at }).where('id', '=', productId).execute();
      await this.reindex(trx, productId);
      return toVariant(await trx.selectFrom('catalog_variant').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  async updateVariant(merchantId: string, actor: string, variantId: string, patch: VariantPatch): Promise<Variant> {
    assert(actor.length > 0, 'catalog: actor required');
    return this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('catalog_variant').select('product_id').where('id', '=', variantId).where('merchant_id', '=', merchantId).executeTakeFirst();
      if (!found) throw notFound('variant');
      await this.lockProduct(trx, merchantId, found.product_id);
      const at = this.now().toISOString();
      const set: Partial<VariantRow> = { updated_at: at };
      if (patch.sku !== undefined) set.sku = parseSku(patch.sku);
      if (patch.title !== undefined) set.title = parseText(patch.title, 'title', NAME_CHARS_MAX);
      if (patch.options !== undefined) set.options = JSON.stringify(parseOptions(patch.options));
      if (patch.priceMinor !== undefined) set.price_minor = Number(parsePrice(patch.priceMinor));
      if (patch.status !== undefined) set.status = checkStatus(VARIANT_STATUSES, patch.status, 'variant');
      try {
        await trx.updateTable('catalog_variant').set(set).where('id', '=', variantId).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new DomainError('catalog.sku_taken', `the sku ${set.sku} is already used by another variant of this merchant`, 409);
        throw err;
      }
      await trx.updateTable('catalog_product').set({ updated_at: at }).where('id', '=', found.product_id).execute();
      await this.reindex(trx, found.product_id);
      return toVariant(await trx.selectFrom('catalog_variant').selectAll().where('id', '=', variantId).executeTakeFirstOrThrow());
    });
  }

  async addImage(merchantId: string, actor: string, productId: string, input: NewImage): Promise<Image> {
    assert(actor.length > 0, 'catalog: actor required');
    return this.db.transaction().execute(async (trx) => {
      await this.lockProduct(trx, merchantId, productId);
      const count = await trx.selectFrom('catalog_image').select((eb) => eb.fn.countAll<number>().as('n')).where('product_id', '=', productId).executeTakeFirstOrThrow();
      if (Number(count.n) >= IMAGES_PER_PRODUCT_MAX) throw new DomainError('catalog.too_many_images', `at most ${IMAGES_PER_PRODUCT_MAX} images per product`, 409);
      const at = this.now().toISOString();
      const id = await this.insertImage(trx, productId, input, at);
      await trx.updateTable('catalog_product').set({ updated_at: at }).where('id', '=', productId).execute();
      return toImage(await trx.selectFrom('catalog_image').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    });
  }

  /** The merchant's own products, drafts and archived ones included, newest first. */
  async merchantProducts(merchantId: string, page: PageRequest & { status?: ProductStatus | undefined } = {}): Promise<Page<ProductSummary>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db
      .selectFrom('catalog_product as p')
      .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
      .selectAll('p')
      .select('m.currency')
      .where('p.merchant_id', '=', merchantId);
    if (page.status !== undefined) q = q.where('p.status', '=', checkStatus(PRODUCT_STATUSES, page.status, 'product'));
    if (before !== null) q = q.where('p.seq', '<', before);
    const rows = await q.orderBy('p.seq', 'desc').limit(limit + 1).execute();
    const kept = rows.slice(0, limit);
    const summaries = await this.summaries(kept, false);
    return pageOf(rows, limit, () => summaries);
  }

  // ------------------------------------------------------------------ products (public side)

  /**
   * Public search: active products of active merchants, newest first; q matches words of the title,
   * description and SKUs (every word must match); categoryId includes its subcategories.
   */
  async searchProducts(query: ProductQuery): Promise<Page<ProductSummary>> {
    const limit = pageLimit(query.limit);
    const before = decodeCursor(query.cursor);
    const words = query.q === undefined ? null : queryWords(query.q);
    let q = this.db
      .selectFrom('catalog_product as p')
      .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
      .selectAll('p')
      .select('m.currency')
      .where('p.status', '=', 'active')
      .where('m.status', '=', 'active');
    if (query.merchantId !== undefined) q = q.where('p.merchant_id', '=', query.merchantId);
    if (query.categoryId !== undefined) {
      const ids = await this.categorySubtree(this.db, query.categoryId);
      if (ids.length === 0) return { items: [], nextCursor: null };
      q = q.where('p.category_id', 'in', ids);
    }
    if (words !== null) {
      q = this.sqlite
        ? q.where(sql<boolean>`p.seq in (select rowid from catalog_product_fts where catalog_product_fts match ${ftsQuery(words)})`)
        : q.where(sql<boolean>`p.search @@ websearch_to_tsquery('simple', ${tsQuery(words)})`);
    }
    if (before !== null) q = q.where('p.seq', '<', before);
    const rows = await q.orderBy('p.seq', 'desc').limit(limit + 1).execute();
    const summaries = await this.summaries(rows.slice(0, limit), true);
    return pageOf(rows, limit, () => summaries);
  }

  /**
   * One product with its variants and images. Drafts, archived products and products of suspended
   * merchants exist only for that merchant's staff, admins and auditors: anyone else gets a 404.
   */
  async product(id: string, viewer: Viewer | null): Promise<Product> {
    const row = await this.db
      .selectFrom('catalog_product as p')
      .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
      .select(['p.merchant_id', 'p.status', 'm.status as merchant_status'])
      .where('p.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('product');
    const privileged =
      viewer !== null && (viewer.role === 'admin' || viewer.role === 'auditor' || (viewer.role === 'merchant_staff' && viewer.merchantId === row.merchant_id));
    if (!privileged && (row.status !== 'active' || row.merchant_status !== 'active')) throw notFound('product');
    return this.loadProduct(this.db, id, privileged);
  }

  /**
   * The products among `ids` that the public can see (active, of an active merchant), as list
   * summaries with their active variants: three queries per 500 ids. Unknown or hidden ids are
   * left out. For callers that show many known products at once (sponsored slots).
   */
  async publicSummaries(ids: readonly string[]): Promise<Map<string, ProductSummary>> {
    const list = [...new Set(ids)];
    const out = new Map<string, ProductSummary>();
    for (let i = 0; i < list.length; i += SUMMARIES_PER_QUERY) {
      const rows = await this.db
        .selectFrom('catalog_product as p')
        .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
        .selectAll('p')
        .select('m.currency')
        .where('p.id', 'in', list.slice(i, i + SUMMARIES_PER_QUERY))
        .where('p.status', '=', 'active')
        .where('m.status', '=', 'active')
        .execute();
      for (const summary of await this.summaries(rows, true)) out.set(summary.id, summary);
    }
    return out;
  }

  // ------------------------------------------------------------------ checkout

  /** The variants found among the ids (unknown ids are left out), with what checkout needs to price them. */
  /** The categories of a merchant's SKUs (orders name their lines by SKU): sku → category id or null. */
  async categoriesOfSkus(db: Reader, merchantId: string, skus: string[]): Promise<Map<string, string | null>> {
    const list = [...new Set(skus)];
    if (list.length === 0) return new Map();
    const rows = await db
      .selectFrom('catalog_variant as v')
      .innerJoin('catalog_product as p', 'p.id', 'v.product_id')
      .select(['v.sku', 'p.category_id'])
      .where('v.merchant_id', '=', merchantId)
      .where('v.sku', 'in', list.slice(0, CHECKOUT_VARIANTS_MAX))
      .execute();
    return new Map(rows.map((r) => [r.sku, r.category_id]));
  }

  async variantsForCheckout(db: Reader, variantIds: string[]): Promise<CheckoutVariant[]> {
    const ids = [...new Set(variantIds)];
    if (ids.length === 0) return [];
    if (ids.length > CHECKOUT_VARIANTS_MAX) throw new DomainError('catalog.too_many_variants', `at most ${CHECKOUT_VARIANTS_MAX} variants at once`, 400);
    const rows = await db
      .selectFrom('catalog_variant as v')
      .innerJoin('catalog_product as p', 'p.id', 'v.product_id')
      .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
      .select([
        'v.id',
        'v.product_id',
        'v.merchant_id',
        'v.sku',
        'v.title',
        'v.price_minor',
        'v.currency',
        'v.status',
        'p.title as product_title',
        'p.category_id',
        'p.status as product_status',
        'p.merchant_id as product_merchant_id',
        'm.status as merchant_status',
        'm.currency as merchant_currency',
      ])
      .where('v.id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out: CheckoutVariant[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (!r) continue;
      assert(r.merchant_id === r.product_merchant_id, `catalog: variant ${r.id} and its product disagree on the merchant`);
      assert(r.currency === r.merchant_currency, `catalog: variant ${r.id} is priced in ${r.currency}, its merchant in ${r.merchant_currency}`);
      out.push({
        variantId: r.id,
        productId: r.product_id,
        merchantId: r.merchant_id,
        sku: r.sku,
        name: `${r.product_title} — ${r.title}`,
        priceMinor: priceOf(r.price_minor),
        currency: r.currency,
        categoryId: r.category_id,
        purchasable: r.status === 'active' && r.product_status === 'active' && r.merchant_status === 'active',
      });
    }
    return out;
  }

  // ------------------------------------------------------------------ internals

  /** Tenancy and concurrency in one: the product of this merchant, its row locked (PostgreSQL), or 404. */
  private async lockProduct(trx: Transaction<Database>, merchantId: string, productId: string): Promise<void> {
    let q = trx.selectFrom('catalog_product').select('id').where('id', '=', productId).where('merchant_id', '=', merchantId);
    if (!this.sqlite) q = q.forUpdate();
    if (!(await q.executeTakeFirst())) throw notFound('product');
  }

  private async checkCategory(db: Reader, categoryId: string | null): Promise<string | null> {
    if (categoryId === null) return null;
    const row = await db.selectFrom('catalog_category').select('id').where('id', '=', categoryId).executeTakeFirst();
    if (!row) throw new DomainError('catalog.unknown_category', `category ${String(categoryId).slice(0, 64)} does not exist`, 400);
    return row.id;
  }

  private async insertVariant(trx: Transaction<Database>, merchant: Merchant, productId: string, input: NewVariant, at: string): Promise<string> {
    const sku = parseSku(input.sku);
    const title = parseText(input.title, 'variant title', NAME_CHARS_MAX);
    const options = parseOptions(input.options ?? {});
    const price = parsePrice(input.priceMinor);
    const currency = parseCurrency(input.currency ?? merchant.currency);
    if (currency !== merchant.currency) {
      throw new DomainError('catalog.currency_mismatch', `prices of this merchant are in ${merchant.currency}, not ${currency}`, 400);
    }
    const status = checkStatus(VARIANT_STATUSES, input.status ?? 'active', 'variant');
    const id = newId('var');
    try {
      await trx
        .insertInto('catalog_variant')
        .values({ id, product_id: productId, merchant_id: merchant.id, sku, title, options: JSON.stringify(options), price_minor: Number(price), currency, status, created_at: at, updated_at: at })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('catalog.sku_taken', `the sku ${sku} is already used by another variant of this merchant`, 409);
      throw err;
    }
    return id;
  }

  private async insertImage(trx: Transaction<Database>, productId: string, input: NewImage, at: string): Promise<string> {
    const url = parseImageUrl(input.url);
    const alt = input.alt === undefined ? '' : parseText(input.alt, 'alt', ALT_CHARS_MAX, true);
    let position = input.position;
    if (position === undefined) {
      const last = await trx.selectFrom('catalog_image').select((eb) => eb.fn.max('position').as('p')).where('product_id', '=', productId).executeTakeFirst();
      position = last?.p == null ? 0 : Number(last.p) + 1;
    }
    if (!Number.isInteger(position) || position < 0 || position > 1000) throw new DomainError('catalog.bad_position', 'position must be a whole number in 0..1000', 400);
    const id = newId('img');
    await trx.insertInto('catalog_image').values({ id, product_id: productId, url, alt, position, created_at: at }).execute();
    return id;
  }

  /** Recomputes the product's searchable words after any change to it or its variants. */
  private async reindex(trx: Transaction<Database>, productId: string): Promise<void> {
    const p = await trx.selectFrom('catalog_product').select(['title', 'description', 'search_text']).where('id', '=', productId).executeTakeFirstOrThrow();
    const skus = await trx.selectFrom('catalog_variant').select('sku').where('product_id', '=', productId).where('status', '=', 'active').orderBy('seq').execute();
    const text = searchDocument(p.title, p.description, skus.map((s) => s.sku));
    if (text !== p.search_text) await trx.updateTable('catalog_product').set({ search_text: text }).where('id', '=', productId).execute();
  }

  private async loadProduct(db: Reader, id: string, all: boolean): Promise<Product> {
    const p = await db
      .selectFrom('catalog_product as p')
      .innerJoin('catalog_merchant as m', 'm.id', 'p.merchant_id')
      .selectAll('p')
      .select('m.currency')
      .where('p.id', '=', id)
      .executeTakeFirstOrThrow();
    assert(isStatus(PRODUCT_STATUSES, p.status), `catalog: product ${id} has unknown status ${p.status}`);
    let vq = db.selectFrom('catalog_variant').selectAll().where('product_id', '=', id);
    if (!all) vq = vq.where('status', '=', 'active');
    const variants = (await vq.orderBy('seq').execute()).map(toVariant);
    const images = (await db.selectFrom('catalog_image').selectAll().where('product_id', '=', id).orderBy('position').orderBy('seq').execute()).map(toImage);
    return {
      id: p.id,
      merchantId: p.merchant_id,
      title: p.title,
      description: p.description,
      categoryId: p.category_id,
      status: p.status,
      currency: p.currency,
      ...priceRange(variants.filter((v) => v.status === 'active').map((v) => v.priceMinor)),
      variants,
      images,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
    };
  }

  /** List rows → summaries with two more queries (variants, images) for the whole page. */
  private async summaries(rows: (ProductRow & { currency: string })[], activeOnly: boolean): Promise<ProductSummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    let vq = this.db.selectFrom('catalog_variant').selectAll().where('product_id', 'in', ids);
    if (activeOnly) vq = vq.where('status', '=', 'active');
    const variants = (await vq.orderBy('seq').execute()).map(toVariant);
    const images = await this.db.selectFrom('catalog_image').select(['product_id', 'url', 'alt']).where('product_id', 'in', ids).orderBy('position').orderBy('seq').execute();
    const firstImage = new Map<string, { url: string; alt: string }>();
    for (const i of images) if (!firstImage.has(i.product_id)) firstImage.set(i.product_id, { url: i.url, alt: i.alt });
    return rows.map((r) => {
      assert(isStatus(PRODUCT_STATUSES, r.status), `catalog: product ${r.id} has unknown status ${r.status}`);
      const vs = variants.filter((v) => v.productId === r.id);
      return {
        id: r.id,
        merchantId: r.merchant_id,
        title: r.title,
        categoryId: r.category_id,
        status: r.status,
        currency: r.currency,
        ...priceRange(vs.filter((v) => v.status === 'active').map((v) => v.priceMinor)),
        image: firstImage.get(r.id) ?? null,
        variants: vs.map((v) => ({ id: v.id, sku: v.sku, title: v.title, options: v.options, priceMinor: v.priceMinor, status: v.status })),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
    });
  }
}
