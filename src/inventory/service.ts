import { newId } from '../shared/ids.ts';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import { isUniqueViolation, withSavepoint } from '../db/savepoint.ts';
import type { Json, Ledger } from '../ledger/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import type { Notify } from '../shared/notify.ts';
import {
  AVAILABILITY_IDS_MAX,
  crossedLow,
  decodeCursor,
  DEFAULT_LOW_STOCK_THRESHOLD,
  encodeCursor,
  EXPIRE_BATCH_MAX,
  isHolding,
  LOCATION_ID,
  mergeLines,
  parseExpiry,
  parseLimit,
  parseOpaqueId,
  parseQty,
  parseReason,
  parseState,
  pickLocations,
  QTY_MAX,
  thresholdOf,
  totalAvailable,
  VARIANT_ID,
  type LineInput,
  type ReservationState,
  type StockState,
} from './rules.ts';
import type { InventoryLevelTable, InventoryLocationTable, InventoryReservationTable } from './tables.ts';
import type { Page } from '../shared/index.ts';
export type { Page };

export type Reader = Kysely<Database>;

export interface ReservationLine {
  variantId: string;
  locationId: string;
  qty: number;
}

export interface Reservation {
  id: string;
  orderId: string;
  merchantId: string;
  state: ReservationState;
  expiresAt: string | null;
  /** The location the merchant allocated the order to, once allocated. */
  locationId: string | null;
  createdAt: string;
  /** Sorted by variant, then location. */
  lines: ReservationLine[];
}

export interface ReserveInput {
  orderId: string;
  merchantId: string;
  lines: { variantId: string; qty: number }[];
  expiresAt: string | null;
  actor: string;
  /** Paid already (a wallet checkout): reserved and committed in one step, never expiring. */
  committed?: boolean;
}

export interface Location {
  id: string;
  merchantId: string;
  name: string;
  code: string;
  createdAt: string;
}

export interface StockLevel {
  variantId: string;
  locationId: string;
  merchantId: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  updatedAt: string;
}


/** Who acts through the merchant API: a merchant's staff (for their merchant) or an admin (merchantId null: any merchant). */
export interface StockActor {
  userId: string;
  merchantId: string | null;
}

/**
 * Which merchant a catalog variant belongs to (null: no such variant). Wire it to the catalog service
 * so that a merchant can stock only their own variants; without it, a variant's stock belongs to the
 * first merchant who stocks it.
 */
export type VariantMerchant = (db: Reader, variantId: string) => Promise<string | null>;

export interface InventoryOptions {
  variantMerchant?: VariantMerchant;
}

/** Called inside the command's transaction before it writes (the HTTP Idempotency-Key fence). */
export type Fence = (trx: Transaction<Database>) => Promise<void>;

type LevelRow = Selectable<InventoryLevelTable>;
type ReservationRow = Selectable<InventoryReservationTable>;

const NAME_CHARS_MAX = 100;
const CODE = /^[A-Za-z0-9_.-]{1,32}$/;
const ACTOR_CHARS_MAX = 128;



const updated = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows);

function parseActor(actor: unknown): string {
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > ACTOR_CHARS_MAX) throw new DomainError('stock.bad_actor', 'actor must be a non-empty id', 400);
  return actor;
}

function toLevel(r: LevelRow): StockLevel {
  const onHand = Number(r.on_hand);
  const reserved = Number(r.reserved);
  assert(reserved >= 0 && reserved <= onHand, `inventory: level ${r.variant_id}@${r.location_id} breaks 0 <= reserved <= on_hand`);
  return {
    variantId: r.variant_id,
    locationId: r.location_id,
    merchantId: r.merchant_id,
    onHand,
    reserved,
    available: onHand - reserved,
    lowStockThreshold: r.low_stock_threshold,
    updatedAt: r.updated_at,
  };
}

const toLocation = (r: Selectable<InventoryLocationTable>): Location => ({ id: r.id, merchantId: r.merchant_id, name: r.name, code: r.code, createdAt: r.created_at });

/** The variant's total and threshold over the given levels (all of one merchant). */
function stateOf(levels: StockLevel[]): StockState {
  return { available: totalAvailable(levels), threshold: thresholdOf(levels) };
}

const linesJson = (lines: ReservationLine[]): Json => lines.map((l) => ({ variantId: l.variantId, locationId: l.locationId, qty: l.qty }));

/** Lines sorted by (variant, location): the order in which level rows are written. */
const byVariantLocation = (a: { variantId: string; locationId: string }, b: { variantId: string; locationId: string }) =>
  a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0;

/**
 * Stock per variant per location, and reservations that hold it for orders. Concurrency: every writer
 * of a variant's levels first locks the variant's inventory_item row (PostgreSQL; sorted by variant id,
 * after the reservation row when there is one), so per-variant totals and low-stock crossings are exact
 * and writers never deadlock; SQLite runs one writer at a time. Every level change is also a conditional
 * UPDATE whose WHERE keeps 0 ≤ reserved ≤ on_hand, and a CHECK backs it: stock is never oversold.
 */
export class InventoryService {
  private readonly rowLocks: boolean;

  constructor(
    readonly db: Kysely<Database>,
    readonly ledger: Ledger,
    private readonly notify: Notify,
    private readonly clock: () => Date = () => new Date(),
    private readonly opts: InventoryOptions = {},
  ) {
    this.rowLocks = !isSqlite(db);
  }

  // ------------------------------------------------------------------ reservations (called by checkout / orders)

  /**
   * Holds stock for an order: every line or none. Each variant is taken from the one location with the
   * most available (ties by id), or split over several when no single one has enough. Replaying the
   * same order with the same lines returns the existing reservation.
   */
  async reserve(trx: Transaction<Database>, input: ReserveInput): Promise<Reservation> {
    const orderId = parseOpaqueId(input?.orderId, 'orderId');
    const merchantId = parseOpaqueId(input.merchantId, 'merchantId');
    const lines = mergeLines(input.lines);
    const expiresAt = parseExpiry(input.expiresAt);
    const actor = parseActor(input.actor);
    const committed = input.committed === true;
    if (committed && expiresAt !== null) throw new DomainError('stock.bad_reservation', 'a committed reservation does not expire', 400);
    try {
      return await withSavepoint(trx, 'inventory', () => this.reserveNow(trx, { orderId, merchantId, lines, expiresAt, actor, committed }));
    } catch (err) {
      // Another transaction reserved for this order between our check and our insert.
      if (isUniqueViolation(err)) throw new DomainError('stock.reservation_exists', `order ${orderId} already has a reservation`, 409, { orderId });
      throw err;
    }
  }

  private async reserveNow(
    trx: Transaction<Database>,
    p: { orderId: string; merchantId: string; lines: LineInput[]; expiresAt: string | null; actor: string; committed: boolean },
  ): Promise<Reservation> {
    const existing = await this.lockReservation(trx, p.orderId);
    if (existing) {
      const had = await this.toReservation(trx, existing);
      if (isHolding(had.state) && had.merchantId === p.merchantId && sameTotals(had.lines, p.lines) && (had.state === 'committed') === p.committed) return had;
      throw new DomainError('stock.reservation_exists', `order ${p.orderId} already has a reservation with other lines or state ${had.state}`, 409, { orderId: p.orderId });
    }
    const now = this.clock().toISOString();
    const id = newId('res');
    // The reservation row first: every command locks its reservation before its variants.
    await trx
      .insertInto('inventory_reservation')
      .values({ id, order_id: p.orderId, merchant_id: p.merchantId, state: p.committed ? 'committed' : 'reserved', expires_at: p.expiresAt, location_id: null, created_at: now, updated_at: now })
      .execute();
    const levels = await this.lockVariants(trx, p.merchantId, p.lines.map((l) => l.variantId));

    const taken: ReservationLine[] = [];
    const lows: { variantId: string; state: StockState }[] = [];
    for (const line of p.lines) {
      const at = levels.get(line.variantId) ?? [];
      const picks = pickLocations(at, line.qty);
      const before = stateOf(at);
      if (!picks) {
        throw new DomainError('stock.insufficient', `variant ${line.variantId}: ${line.qty} requested, ${before.available} available`, 409, {
          variantId: line.variantId,
          requested: line.qty,
          available: before.available,
        });
      }
      for (const t of picks) taken.push({ variantId: line.variantId, locationId: t.locationId, qty: t.qty });
      const after = { available: before.available - line.qty, threshold: before.threshold };
      if (crossedLow(before, after)) lows.push({ variantId: line.variantId, state: after });
    }
    taken.sort(byVariantLocation);
    for (const t of taken) await this.addReserved(trx, t, t.qty, now);
    await trx.insertInto('inventory_reservation_line').values(taken.map((t) => ({ reservation_id: id, variant_id: t.variantId, location_id: t.locationId, qty: t.qty }))).execute();

    const subject = { order: p.orderId, reservation: id, merchant: p.merchantId };
    await this.ledger.append(trx, [
      { kind: 'stock.reserved', actor: p.actor, subject, data: { lines: linesJson(taken), expiresAt: p.expiresAt } },
      ...(p.committed ? [{ kind: 'stock.committed', actor: p.actor, subject, data: { lines: linesJson(taken) } }] : []),
    ]);
    for (const low of lows) await this.noticeLow(trx, p.merchantId, low.variantId, low.state);
    const state = p.committed ? 'committed' : 'reserved';
    return { id, orderId: p.orderId, merchantId: p.merchantId, state, expiresAt: p.expiresAt, locationId: null, createdAt: now, lines: taken };
  }

  /** Payment happened: the reservation stops expiring; its stock stays reserved until shipment. Idempotent. */
  async commit(trx: Transaction<Database>, orderId: string, actor: string): Promise<void> {
    parseOpaqueId(orderId, 'orderId');
    parseActor(actor);
    await withSavepoint(trx, 'inventory', async () => {
      const row = await this.mustLockReservation(trx, orderId);
      const state = parseState(row.state);
      if (state === 'committed' || state === 'shipped') return;
      if (state === 'released') throw released(orderId);
      await this.setState(trx, row, 'committed', { expires_at: null });
      const r = await this.toReservation(trx, row);
      await this.ledger.append(trx, [{ kind: 'stock.committed', actor, subject: subjectOf(row), data: { lines: linesJson(r.lines) } }]);
    });
  }

  /**
   * The merchant allocates the order to one location. null keeps where the stock is reserved (only when
   * that is a single location). Another location gets the reserved units moved to it, all or nothing
   * (409 stock.insufficient when it lacks them). Returns the location; allocating again to the same one is a no-op.
   */
  async allocate(trx: Transaction<Database>, orderId: string, locationId: string | null, actor: string): Promise<string> {
    parseOpaqueId(orderId, 'orderId');
    parseActor(actor);
    return withSavepoint(trx, 'inventory', async () => {
      const row = await this.mustLockReservation(trx, orderId);
      const state = parseState(row.state);
      if (!isHolding(state)) throw new DomainError('stock.reservation_closed', `the reservation of order ${orderId} is ${state}`, 409, { orderId, state });
      const res = await this.toReservation(trx, row);
      const here = [...new Set(res.lines.map((l) => l.locationId))];
      let target: string;
      if (locationId === null) {
        if (here.length !== 1) {
          throw new DomainError('stock.location_required', `order ${orderId} is reserved at ${here.length} locations: name the one to allocate from`, 409, { orderId });
        }
        target = here[0]!;
      } else {
        const loc = await trx.selectFrom('inventory_location').select('id').where('id', '=', locationId).where('merchant_id', '=', row.merchant_id).executeTakeFirst();
        if (!loc) throw notFound(`location ${locationId}`);
        target = loc.id;
      }
      if (row.location_id === target && here.length === 1 && here[0] === target) return target;

      const now = this.clock().toISOString();
      const moving = res.lines.filter((l) => l.locationId !== target);
      const moved: { variantId: string; fromLocationId: string; qty: number }[] = [];
      if (moving.length > 0) {
        const levels = await this.lockVariants(trx, row.merchant_id, moving.map((l) => l.variantId));
        const perVariant = new Map<string, number>();
        for (const l of moving) perVariant.set(l.variantId, (perVariant.get(l.variantId) ?? 0) + l.qty);
        for (const [variantId, qty] of [...perVariant].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          const there = levels.get(variantId)?.find((l) => l.locationId === target);
          const ok = there ? await this.tryAddReserved(trx, { variantId, locationId: target }, qty, now) : false;
          if (!ok) {
            throw new DomainError('stock.insufficient', `variant ${variantId}: ${qty} to move to ${target}, ${there?.available ?? 0} available there`, 409, {
              variantId,
              requested: qty,
              available: there?.available ?? 0,
            });
          }
        }
        for (const l of moving) {
          await this.addReserved(trx, l, -l.qty, now);
          moved.push({ variantId: l.variantId, fromLocationId: l.locationId, qty: l.qty });
        }
        const merged = new Map<string, number>();
        for (const l of res.lines) merged.set(l.variantId, (merged.get(l.variantId) ?? 0) + l.qty);
        await trx.deleteFrom('inventory_reservation_line').where('reservation_id', '=', row.id).execute();
        await trx
          .insertInto('inventory_reservation_line')
          .values([...merged].map(([variantId, qty]) => ({ reservation_id: row.id, variant_id: variantId, location_id: target, qty })))
          .execute();
      }
      const r = await trx.updateTable('inventory_reservation').set({ location_id: target, updated_at: now }).where('id', '=', row.id).executeTakeFirst();
      assert(updated(r) === 1, `inventory: reservation ${row.id} vanished under its lock`);
      await this.ledger.append(trx, [
        { kind: 'stock.allocated', actor, subject: subjectOf(row), data: { locationId: target, moved: moved.map((m) => ({ ...m })) } },
      ]);
      return target;
    });
  }

  /** The goods leave: on_hand and reserved both drop by each line's qty at its location. Idempotent once shipped. */
  async ship(trx: Transaction<Database>, orderId: string, actor: string): Promise<void> {
    parseOpaqueId(orderId, 'orderId');
    parseActor(actor);
    await withSavepoint(trx, 'inventory', async () => {
      const row = await this.mustLockReservation(trx, orderId);
      const state = parseState(row.state);
      if (state === 'shipped') return;
      if (state === 'released') throw released(orderId);
      const res = await this.toReservation(trx, row);
      await this.lockVariants(trx, row.merchant_id, res.lines.map((l) => l.variantId));
      const now = this.clock().toISOString();
      for (const l of res.lines) {
        const r = await trx
          .updateTable('inventory_level')
          .set({ on_hand: sql`on_hand - ${l.qty}`, reserved: sql`reserved - ${l.qty}`, updated_at: now })
          .where('variant_id', '=', l.variantId)
          .where('location_id', '=', l.locationId)
          .where('reserved', '>=', l.qty)
          .executeTakeFirst();
        assert(updated(r) === 1, `inventory: ${l.variantId}@${l.locationId} holds less than reservation ${row.id} reserved`);
      }
      await this.setState(trx, row, 'shipped', { expires_at: null });
      await this.ledger.append(trx, [{ kind: 'stock.shipped', actor, subject: subjectOf(row), data: { lines: linesJson(res.lines) } }]);
    });
  }

  /** Cancellation or expiry: the held units become available again. Idempotent once released; 409 once shipped. */
  async release(trx: Transaction<Database>, orderId: string, reason: string, actor: string): Promise<void> {
    parseOpaqueId(orderId, 'orderId');
    parseReason(reason);
    parseActor(actor);
    await withSavepoint(trx, 'inventory', async () => {
      const row = await this.mustLockReservation(trx, orderId);
      await this.releaseLocked(trx, row, reason, actor);
    });
  }

  private async releaseLocked(trx: Transaction<Database>, row: ReservationRow, reason: string, actor: string): Promise<boolean> {
    const state = parseState(row.state);
    if (state === 'released') return false;
    if (state === 'shipped') {
      throw new DomainError('stock.already_shipped', `order ${row.order_id} has shipped: its stock cannot be released (returns are separate)`, 409, { orderId: row.order_id });
    }
    const res = await this.toReservation(trx, row);
    await this.lockVariants(trx, row.merchant_id, res.lines.map((l) => l.variantId));
    const now = this.clock().toISOString();
    for (const l of res.lines) await this.addReserved(trx, l, -l.qty, now);
    await this.setState(trx, row, 'released', {});
    await this.ledger.append(trx, [{ kind: 'stock.released', actor, subject: subjectOf(row), data: { lines: linesJson(res.lines), reason } }]);
    return true;
  }

  /**
   * Reservations still unpaid whose time is up, oldest first (the orders module cancels their orders),
   * leaving out the orders in `exceptOrders` (those its job holds back after a failure).
   */
  async expiredReservations(db: Reader, now: Date, limit: number, exceptOrders: readonly string[] = []): Promise<{ reservationId: string; orderId: string }[]> {
    const n = Math.min(Math.max(1, Math.floor(limit)), EXPIRE_BATCH_MAX);
    const rows = await db
      .selectFrom('inventory_reservation')
      .select(['id', 'order_id'])
      .where('state', '=', 'reserved')
      .where('expires_at', '<=', now.toISOString())
      .$if(exceptOrders.length > 0, (qb) => qb.where('order_id', 'not in', exceptOrders))
      .orderBy('expires_at')
      .orderBy('id')
      .limit(n)
      .execute();
    return rows.map((r) => ({ reservationId: r.id, orderId: r.order_id }));
  }

  /**
   * Releases expired reservations directly (reason 'expired'), each in its own transaction and only if
   * still unpaid and expired under its lock: a payment that committed meanwhile wins. Returns how many.
   */
  async releaseExpired(now: Date, limit = 100): Promise<number> {
    let done = 0;
    for (const due of await this.expiredReservations(this.db, now, limit)) {
      const released = await this.db.transaction().execute(async (trx) =>
        withSavepoint(trx, 'inventory', async () => {
          const row = await this.lockReservation(trx, due.orderId);
          if (!row || row.state !== 'reserved' || row.expires_at === null || row.expires_at > now.toISOString()) return false;
          return this.releaseLocked(trx, row, 'expired', 'system');
        }),
      );
      if (released) done++;
    }
    return done;
  }

  async reservationFor(db: Reader, orderId: string): Promise<Reservation | null> {
    const row = await db.selectFrom('inventory_reservation').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    return row ? this.toReservation(db, row) : null;
  }

  /** Available units (on_hand − reserved summed over locations) per variant; 0 for unknown variants. */
  async available(db: Reader, variantIds: string[]): Promise<Map<string, number>> {
    const ids = [...new Set(variantIds)];
    const out = new Map<string, number>(ids.map((id) => [id, 0]));
    if (ids.length === 0) return out;
    const rows = await db
      .selectFrom('inventory_level')
      .select(['variant_id', sql<number | string>`cast(sum(on_hand - reserved) as bigint)`.as('available')])
      .where('variant_id', 'in', ids)
      .groupBy('variant_id')
      .execute();
    for (const r of rows) {
      const n = Number(r.available);
      assert(Number.isSafeInteger(n) && n >= 0, `inventory: available of ${r.variant_id} is ${String(r.available)}`);
      out.set(r.variant_id, n);
    }
    return out;
  }

  /** The public view: one item per requested variant, in the order asked. */
  async availability(db: Reader, variantIds: string[]): Promise<{ items: { variantId: string; available: number; inStock: boolean }[] }> {
    const ids = [...new Set(variantIds)];
    if (ids.length > AVAILABILITY_IDS_MAX) throw new DomainError('stock.too_many_ids', `at most ${AVAILABILITY_IDS_MAX} variants at once`, 400);
    for (const id of ids) if (!VARIANT_ID.test(id)) throw new DomainError('stock.bad_id', `${id} is not a variant id`, 400);
    const avail = await this.available(db, ids);
    return { items: ids.map((variantId) => ({ variantId, available: avail.get(variantId) ?? 0, inStock: (avail.get(variantId) ?? 0) > 0 })) };
  }

  // ------------------------------------------------------------------ merchant API (opens its own transactions)

  async createLocation(actor: StockActor, input: { merchantId?: string | undefined; name: string; code: string }): Promise<Location> {
    const merchantId = merchantOf(actor, input.merchantId);
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0 || name.length > NAME_CHARS_MAX) throw new DomainError('inventory.bad_name', `name must be 1..${NAME_CHARS_MAX} characters`, 400);
    if (typeof input.code !== 'string' || !CODE.test(input.code)) throw new DomainError('inventory.bad_code', 'code must be 1..32 characters of [A-Za-z0-9_.-]', 400);
    const row = { id: newId('loc'), merchant_id: merchantId, name, code: input.code, created_at: this.clock().toISOString() };
    try {
      await this.db.insertInto('inventory_location').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('inventory.location_exists', `a location with code ${input.code} exists`, 409);
      throw err;
    }
    return toLocation(row);
  }

  async locations(db: Reader, actor: StockActor, opts: { merchantId?: string | undefined; cursor?: string | undefined; limit?: number | undefined }): Promise<Page<Location>> {
    const merchantId = merchantOf(actor, opts.merchantId);
    const limit = parseLimit(opts.limit);
    const after = decodeCursor(opts.cursor, 1);
    let q = db.selectFrom('inventory_location').selectAll().where('merchant_id', '=', merchantId);
    if (after) q = q.where('code', '>', after[0]!);
    const rows = await q.orderBy('code').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page.map(toLocation), nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.code]) : null };
  }

  async levels(
    db: Reader,
    actor: StockActor,
    opts: { merchantId?: string | undefined; variantId?: string | undefined; locationId?: string | undefined; cursor?: string | undefined; limit?: number | undefined },
  ): Promise<Page<StockLevel>> {
    const merchantId = merchantOf(actor, opts.merchantId);
    const limit = parseLimit(opts.limit);
    const after = decodeCursor(opts.cursor, 2);
    let q = db.selectFrom('inventory_level').selectAll().where('merchant_id', '=', merchantId);
    if (opts.variantId) q = q.where('variant_id', '=', opts.variantId);
    if (opts.locationId) q = q.where('location_id', '=', opts.locationId);
    if (after) {
      const [v, l] = after as [string, string];
      q = q.where((eb) => eb.or([eb('variant_id', '>', v), eb.and([eb('variant_id', '=', v), eb('location_id', '>', l)])]));
    }
    const rows = await q.orderBy('variant_id').orderBy('location_id').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toLevel), nextCursor: rows.length > limit && last ? encodeCursor([last.variant_id, last.location_id]) : null };
  }

  /** Sets on_hand after a count (refused below what is reserved) and optionally the low-stock threshold: stock.adjusted. */
  async setStock(actor: StockActor, input: { variantId: string; locationId: string; onHand: number; lowStockThreshold?: number | undefined }, fence?: Fence): Promise<StockLevel> {
    const { variantId, locationId } = parseLevelKey(input);
    const onHand = input.onHand;
    if (!Number.isSafeInteger(onHand) || onHand < 0 || onHand > QTY_MAX) throw new DomainError('stock.bad_quantity', `onHand must be an integer from 0 to ${QTY_MAX}`, 400);
    const threshold = input.lowStockThreshold;
    if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 0 || threshold > QTY_MAX)) {
      throw new DomainError('stock.bad_threshold', `lowStockThreshold must be an integer from 0 to ${QTY_MAX}`, 400);
    }
    return this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      return this.changeLevel(trx, actor, variantId, locationId, async (lvl, now) => {
        const set = { on_hand: onHand, updated_at: now, ...(threshold !== undefined ? { low_stock_threshold: threshold } : {}) };
        const r = await trx
          .updateTable('inventory_level')
          .set(set)
          .where('variant_id', '=', variantId)
          .where('location_id', '=', locationId)
          .where('reserved', '<=', onHand)
          .executeTakeFirst();
        if (updated(r) !== 1) {
          throw new DomainError('stock.below_reserved', `${lvl.reserved} units are reserved at this location: on hand cannot go below that`, 409, { reserved: lvl.reserved });
        }
        return { kind: 'stock.adjusted', delta: onHand - lvl.onHand };
      });
    });
  }

  /** Adds received units to on_hand: stock.received. */
  async receive(actor: StockActor, input: { variantId: string; locationId: string; qty: number }, fence?: Fence): Promise<StockLevel> {
    const { variantId, locationId } = parseLevelKey(input);
    const qty = parseQty(input.qty);
    return this.db.transaction().execute(async (trx) => {
      await fence?.(trx);
      return this.changeLevel(trx, actor, variantId, locationId, async (_lvl, now) => {
        const r = await trx
          .updateTable('inventory_level')
          .set({ on_hand: sql`on_hand + ${qty}`, updated_at: now })
          .where('variant_id', '=', variantId)
          .where('location_id', '=', locationId)
          .where('on_hand', '<=', QTY_MAX - qty)
          .executeTakeFirst();
        if (updated(r) !== 1) throw new DomainError('stock.too_much', `on hand would exceed ${QTY_MAX} units`, 409);
        return { kind: 'stock.received', delta: qty };
      });
    });
  }

  /**
   * The shared part of a merchant's level change: the location must be the caller's (404 otherwise),
   * the variant's stock must be this merchant's (first come), the level row exists (created at 0), the
   * variant is locked; then `change` runs, the entry is appended and a low-stock crossing is notified.
   */
  private async changeLevel(
    trx: Transaction<Database>,
    actor: StockActor,
    variantId: string,
    locationId: string,
    change: (before: StockLevel, now: string) => Promise<{ kind: 'stock.adjusted' | 'stock.received'; delta: number }>,
  ): Promise<StockLevel> {
    let lq = trx.selectFrom('inventory_location').select(['id', 'merchant_id']).where('id', '=', locationId);
    if (actor.merchantId !== null) lq = lq.where('merchant_id', '=', actor.merchantId);
    const loc = await lq.executeTakeFirst();
    if (!loc) throw notFound(`location ${locationId}`);
    const merchantId = loc.merchant_id;
    if (this.opts.variantMerchant && (await this.opts.variantMerchant(trx, variantId)) !== merchantId) throw notFound(`variant ${variantId}`);
    const now = this.clock().toISOString();

    await trx.insertInto('inventory_item').values({ variant_id: variantId, merchant_id: merchantId, created_at: now }).onConflict((oc) => oc.column('variant_id').doNothing()).execute();
    const levels = await this.lockVariants(trx, merchantId, [variantId]);
    // Stocked by another merchant: to this one, the variant does not exist.
    if (!levels.has(variantId)) throw notFound(`variant ${variantId}`);
    let at = levels.get(variantId)!;
    const before = stateOf(at);
    let lvl = at.find((l) => l.locationId === locationId);
    if (!lvl) {
      await trx
        .insertInto('inventory_level')
        .values({ variant_id: variantId, location_id: locationId, merchant_id: merchantId, on_hand: 0, reserved: 0, low_stock_threshold: DEFAULT_LOW_STOCK_THRESHOLD, updated_at: now })
        .execute();
      lvl = { variantId, locationId, merchantId, onHand: 0, reserved: 0, available: 0, lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD, updatedAt: now };
    }
    const { kind, delta } = await change(lvl, now);
    at = await this.levelsOf(trx, merchantId, variantId);
    const after = stateOf(at);
    const level = at.find((l) => l.locationId === locationId);
    assert(level, `inventory: level ${variantId}@${locationId} vanished`);
    assert(level.onHand - lvl.onHand === delta, `inventory: ${kind} moved ${level.onHand - lvl.onHand}, not ${delta}`);
    await this.ledger.append(trx, [
      {
        kind,
        actor: actor.userId,
        subject: { merchant: merchantId, variant: variantId, location: locationId },
        data: { variantId, locationId, delta, onHand: level.onHand, lowStockThreshold: level.lowStockThreshold },
      },
    ]);
    if (crossedLow(before, after)) await this.noticeLow(trx, merchantId, variantId, after);
    return level;
  }

  // ------------------------------------------------------------------ internals

  /**
   * Locks the variants' inventory_item rows in id order (PostgreSQL) and returns the levels of those
   * that are this merchant's stock. A variant missing from the map has no stock of this merchant.
   */
  private async lockVariants(trx: Transaction<Database>, merchantId: string, variantIds: string[]): Promise<Map<string, StockLevel[]>> {
    const ids = [...new Set(variantIds)].sort();
    const out = new Map<string, StockLevel[]>();
    if (ids.length === 0) return out;
    let q = trx.selectFrom('inventory_item').select(['variant_id', 'merchant_id']).where('variant_id', 'in', ids).orderBy('variant_id');
    if (this.rowLocks) q = q.forUpdate();
    const mine = (await q.execute()).filter((i) => i.merchant_id === merchantId).map((i) => i.variant_id);
    if (mine.length === 0) return out;
    for (const v of mine) out.set(v, []);
    const rows = await trx.selectFrom('inventory_level').selectAll().where('variant_id', 'in', mine).where('merchant_id', '=', merchantId).orderBy('variant_id').orderBy('location_id').execute();
    for (const r of rows) out.get(r.variant_id)!.push(toLevel(r));
    return out;
  }

  private async levelsOf(db: Reader, merchantId: string, variantId: string): Promise<StockLevel[]> {
    const rows = await db.selectFrom('inventory_level').selectAll().where('variant_id', '=', variantId).where('merchant_id', '=', merchantId).orderBy('location_id').execute();
    return rows.map(toLevel);
  }

  /** reserved += delta at one level, guarded so that 0 ≤ reserved ≤ on_hand; false when the guard refuses. */
  private async tryAddReserved(trx: Transaction<Database>, at: { variantId: string; locationId: string }, delta: number, now: string): Promise<boolean> {
    assert(Number.isSafeInteger(delta) && delta !== 0, 'inventory: a reserved change is a non-zero integer');
    const q = trx
      .updateTable('inventory_level')
      .set({ reserved: sql`reserved + ${delta}`, updated_at: now })
      .where('variant_id', '=', at.variantId)
      .where('location_id', '=', at.locationId);
    const r = await (delta > 0 ? q.where(sql<boolean>`on_hand - reserved >= ${delta}`) : q.where('reserved', '>=', -delta)).executeTakeFirst();
    return updated(r) === 1;
  }

  /** As tryAddReserved, where the caller has checked under the variant's lock that the change fits: a refusal is a bug. */
  private async addReserved(trx: Transaction<Database>, at: { variantId: string; locationId: string }, delta: number, now: string): Promise<void> {
    const ok = await this.tryAddReserved(trx, at, delta, now);
    assert(ok, `inventory: reserved ${delta > 0 ? '+' : ''}${delta} at ${at.variantId}@${at.locationId} refused under the variant's lock`);
  }

  private async lockReservation(trx: Transaction<Database>, orderId: string): Promise<ReservationRow | undefined> {
    let q = trx.selectFrom('inventory_reservation').selectAll().where('order_id', '=', orderId);
    if (this.rowLocks) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  private async mustLockReservation(trx: Transaction<Database>, orderId: string): Promise<ReservationRow> {
    const row = await this.lockReservation(trx, orderId);
    if (!row) throw notFound(`reservation of order ${orderId}`);
    return row;
  }

  private async setState(trx: Transaction<Database>, row: ReservationRow, to: ReservationState, extra: { expires_at?: null }): Promise<void> {
    const from = parseState(row.state);
    assert(from !== to && (from === 'reserved' || from === 'committed'), `inventory: reservation ${row.id} cannot go from ${from} to ${to}`);
    const r = await trx
      .updateTable('inventory_reservation')
      .set({ state: to, updated_at: this.clock().toISOString(), ...extra })
      .where('id', '=', row.id)
      .where('state', '=', from)
      .executeTakeFirst();
    assert(updated(r) === 1, `inventory: reservation ${row.id} changed state under its lock`);
  }

  private async toReservation(db: Reader, row: ReservationRow): Promise<Reservation> {
    const lines = await db.selectFrom('inventory_reservation_line').selectAll().where('reservation_id', '=', row.id).orderBy('variant_id').orderBy('location_id').execute();
    return {
      id: row.id,
      orderId: row.order_id,
      merchantId: row.merchant_id,
      state: parseState(row.state),
      expiresAt: row.expires_at,
      locationId: row.location_id,
      createdAt: row.created_at,
      lines: lines.map((l) => ({ variantId: l.variant_id, locationId: l.location_id, qty: Number(l.qty) })),
    };
  }

  private async noticeLow(trx: Transaction<Database>, merchantId: string, variantId: string, s: StockState): Promise<void> {
    assert(s.threshold !== null, 'inventory: a low-stock notice needs a threshold');
    await this.notify(trx, { audience: { merchantId }, kind: 'stock.low', data: { variantId, available: s.available, threshold: s.threshold } });
  }
}

const subjectOf = (row: ReservationRow): Record<string, string> => ({ order: row.order_id, reservation: row.id, merchant: row.merchant_id });

const released = (orderId: string) =>
  new DomainError('stock.reservation_released', `the reservation of order ${orderId} was released (cancelled or expired)`, 409, { orderId });

function sameTotals(held: ReservationLine[], wanted: LineInput[]): boolean {
  const sums = new Map<string, number>();
  for (const l of held) sums.set(l.variantId, (sums.get(l.variantId) ?? 0) + l.qty);
  return sums.size === wanted.length && wanted.every((w) => sums.get(w.variantId) === w.qty);
}

/** The merchant a call acts for: staff always their own (another merchant's id reads as missing); an admin names one. */
function merchantOf(actor: StockActor, requested: string | undefined): string {
  if (actor.merchantId !== null) {
    if (requested !== undefined && requested !== actor.merchantId) throw notFound(`merchant ${requested}`);
    return actor.merchantId;
  }
  if (requested === undefined) throw new DomainError('inventory.merchant_required', 'as an admin, name the merchant (merchantId)', 400);
  return parseOpaqueId(requested, 'merchantId');
}

function parseLevelKey(input: { variantId: string; locationId: string }): { variantId: string; locationId: string } {
  if (typeof input.variantId !== 'string' || !VARIANT_ID.test(input.variantId)) throw notFound(`variant ${String(input.variantId)}`);
  if (typeof input.locationId !== 'string' || !LOCATION_ID.test(input.locationId)) throw notFound(`location ${String(input.locationId)}`);
  return { variantId: input.variantId, locationId: input.locationId };
}

