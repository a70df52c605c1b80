import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isSqlite } from '../db/config.ts';
import type { Database } from '../db/database.ts';
import type { Actor } from '../http/auth.ts';
import type { Ledger, Ticket } from '../ledger/index.ts';
import type { CheckoutVariant, LivePort, Reader } from '../orders/ports.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { LiveHub, type LiveListener } from './hub.ts';
import {
  CHAT_BACKLOG,
  ChatRateLimit,
  DESCRIPTION_CHARS_MAX,
  decodeCursor,
  encodeCursor,
  newMessageId,
  newPinId,
  newSessionId,
  pageLimit,
  parseChatText,
  parseLivePrice,
  parseQuota,
  parseScheduledAt,
  parseStreamUrl,
  parseText,
  PINS_ACTIVE_MAX,
  remaining,
  retryAfterSeconds,
  TITLE_CHARS_MAX,
  transition,
  type SessionState,
  type SessionTransition,
} from './rules.ts';
import type { Page, PageRequest } from '../shared/index.ts';
export type { Page, PageRequest };

type SessionRow = Selectable<Database['live_session']>;
type PinRow = Selectable<Database['live_pin']>;
type MessageRow = Selectable<Database['live_message']>;

/** What live shopping needs of the catalog: variants with their merchant, price and names. */
export interface LiveCatalogPort {
  variantsForCheckout(db: Reader, variantIds: string[]): Promise<CheckoutVariant[]>;
}

export interface LiveDeps {
  db: Kysely<Database>;
  ledger: Ledger;
  catalog: LiveCatalogPort;
  now?: () => Date;
  onError?: (err: unknown) => void;
}

export interface PinView {
  id: string;
  sessionId: string;
  variantId: string;
  productId: string | null;
  sku: string | null;
  name: string | null;
  listPriceMinor: string | null;
  livePriceMinor: string;
  currency: string;
  quota: number;
  sold: number;
  remaining: number;
  pinnedAt: string;
  unpinnedAt: string | null;
}

export interface SessionView {
  id: string;
  merchantId: string;
  title: string;
  description: string;
  streamUrl: string;
  state: SessionState;
  scheduledAt: string;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
  /** Pinned now (unpinned ones are in the replay). */
  pins: PinView[];
  /** Open event streams for this session on the answering instance. */
  viewers: number;
}

export interface MessageView {
  id: string;
  sessionId: string;
  /** A per-session pseudonym of the author (stable within the session, unlinkable across sessions). */
  author: string;
  /** The author's user id: for the session's moderators only (null for everyone else). */
  userId: string | null;
  text: string;
  createdAt: string;
}



export interface NewSession {
  title: string;
  description?: string | undefined;
  scheduledAt: string;
  streamUrl: string;
}

export interface NewPin {
  variantId: string;
  livePriceMinor: number;
  quota: number;
}

export const authorOf = (sessionId: string, userId: string) => `viewer-${createHash('sha256').update(`${sessionId}\0${userId}`).digest('hex').slice(0, 8)}`;

const notLive = (state: string) => new DomainError('live.not_live', `the session is ${state}: live prices apply only while it is live`, 409, { state });

function toSession(r: SessionRow, pins: PinView[], viewers: number): SessionView {
  return {
    id: r.id, merchantId: r.merchant_id, title: r.title, description: r.description, streamUrl: r.stream_url, state: r.state,
    scheduledAt: r.scheduled_at, startedAt: r.started_at, endedAt: r.ended_at, createdAt: r.created_at, pins, viewers,
  };
}

/** × PINS_ACTIVE_MAX = 500 variants: what the catalog's variantsForCheckout takes at once. */
const SESSIONS_PER_PIN_LOOKUP = 25;
/** Pins changes close together go out as one broadcast; also the poll interval while one waits for a commit. */
const PIN_BROADCAST_DELAY_MS = 30;
/** A transaction still open after this long: broadcast what is committed (a later change sends again). */
const PIN_COMMIT_WAIT_MS = 5_000;

const moderates = (actor: Actor | null, merchantId: string): boolean =>
  actor?.role === 'admin' || (actor?.role === 'merchant_staff' && actor.merchantId === merchantId);

/**
 * Live shopping: a merchant's staff schedule a session with an HLS stream, start and end it, pin
 * their variants at a live-only price and quota, and moderate the chat. Checkout asks it (LivePort)
 * for the live price and takes quota in its own transaction; cancelled and rejected orders give it back.
 */
export class LiveService implements LivePort {
  readonly db: Kysely<Database>;
  readonly hub: LiveHub;
  private readonly ledger: Ledger;
  private readonly catalog: LiveCatalogPort;
  private readonly now: () => Date;
  private readonly onError: (err: unknown) => void;
  private readonly chatLimit = new ChatRateLimit();
  /** Sessions with a pins broadcast scheduled, and the uncommitted transactions it waits for. */
  private readonly pinBroadcasts = new Map<string, Set<string>>();
  private readonly rowLocks: boolean;

  constructor(deps: LiveDeps) {
    this.db = deps.db;
    this.rowLocks = !isSqlite(deps.db);
    this.ledger = deps.ledger;
    this.catalog = deps.catalog;
    this.now = deps.now ?? (() => new Date());
    this.onError = deps.onError ?? (() => {});
    this.hub = new LiveHub(this.onError);
  }

  // ------------------------------------------------------------------ sessions

  async schedule(actor: Actor, input: NewSession): Promise<SessionView> {
    const merchantId = staffMerchant(actor);
    const row: SessionRow = {
      seq: 0,
      id: newSessionId(),
      merchant_id: merchantId,
      title: parseText(input.title, TITLE_CHARS_MAX, 'title'),
      description: input.description === undefined || input.description.trim() === '' ? '' : parseText(input.description, DESCRIPTION_CHARS_MAX, 'description', 'live.bad_text', true),
      stream_url: parseStreamUrl(input.streamUrl),
      state: 'scheduled',
      scheduled_at: parseScheduledAt(input.scheduledAt),
      started_at: null,
      ended_at: null,
      created_by: actor.userId,
      created_at: this.now().toISOString(),
      updated_at: this.now().toISOString(),
    };
    const { seq: _s, ...values } = row;
    await this.db.insertInto('live_session').values(values).execute();
    return toSession(row, [], 0);
  }

  start(actor: Actor, id: string): Promise<SessionView> {
    return this.step(actor, id, 'start');
  }

  end(actor: Actor, id: string): Promise<SessionView> {
    return this.step(actor, id, 'end');
  }

  /** scheduled → live → ended: one conditional UPDATE, and its live.started / live.ended entry (ids only). */
  private async step(actor: Actor, id: string, t: SessionTransition): Promise<SessionView> {
    const at = this.now().toISOString();
    let tickets: Ticket[] = [];
    const row = await this.db.transaction().execute(async (trx) => {
      const s = await this.moderated(trx, actor, id);
      const to = transition(s.state, t);
      const set = t === 'start' ? { state: to, started_at: at, updated_at: at } : { state: to, ended_at: at, updated_at: at };
      const res = await trx.updateTable('live_session').set(set).where('id', '=', s.id).where('state', '=', s.state).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new DomainError(`live.cannot_${t}`, 'the session changed meanwhile; reload it', 409);
      tickets = await this.ledger.append(trx, [
        { kind: t === 'start' ? 'live.started' : 'live.ended', actor: actor.userId, subject: { session: s.id, merchant: s.merchant_id }, data: {}, at },
      ]);
      return { ...s, ...set };
    });
    await this.ledger.waitFor(tickets);
    this.hub.publish(id, { type: 'state', data: { state: row.state } });
    if (row.state === 'ended') this.broadcastPinsSoon(id);
    return this.view(row);
  }

  /** Public: one session with its pins. */
  async session(id: string): Promise<SessionView> {
    const row = await this.db.selectFrom('live_session').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('live session');
    return this.view(row);
  }

  /** Public: upcoming and live sessions, newest first. */
  async list(page: PageRequest = {}): Promise<Page<SessionView>> {
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('live_session').selectAll().where('state', 'in', ['scheduled', 'live']);
    if (before !== null) q = q.where('seq', '<', before);
    return this.sessionPage(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
  }

  /** Merchant staff: their merchant's sessions in every state, newest first. */
  async merchantSessions(actor: Actor, page: PageRequest = {}): Promise<Page<SessionView>> {
    const merchantId = staffMerchant(actor);
    const limit = pageLimit(page.limit);
    const before = decodeCursor(page.cursor);
    let q = this.db.selectFrom('live_session').selectAll().where('merchant_id', '=', merchantId);
    if (before !== null) q = q.where('seq', '<', before);
    return this.sessionPage(await q.orderBy('seq', 'desc').limit(limit + 1).execute(), limit);
  }

  private async sessionPage(rows: SessionRow[], limit: number): Promise<Page<SessionView>> {
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    // The page's active pins in a query or two, not two per session.
    const pins = new Map<string, PinView[]>();
    for (let i = 0; i < kept.length; i += SESSIONS_PER_PIN_LOOKUP) {
      const ids = kept.slice(i, i + SESSIONS_PER_PIN_LOOKUP).map((r) => r.id);
      const rows = await this.db.selectFrom('live_pin').selectAll().where('session_id', 'in', ids).where('unpinned_at', 'is', null).orderBy('seq').execute();
      for (const p of await this.pinViews(this.db, rows)) {
        const list = pins.get(p.sessionId);
        if (list) list.push(p);
        else pins.set(p.sessionId, [p]);
      }
    }
    return { items: kept.map((r) => toSession(r, pins.get(r.id) ?? [], this.hub.viewers(r.id))), nextCursor: more ? encodeCursor(Number(kept[kept.length - 1]!.seq)) : null };
  }

  private async view(row: SessionRow): Promise<SessionView> {
    return toSession(row, await this.pins(this.db, row.id, true), this.hub.viewers(row.id));
  }

  // ------------------------------------------------------------------ pins

  async pin(actor: Actor, sessionId: string, input: NewPin): Promise<PinView> {
    const price = parseLivePrice(input.livePriceMinor);
    const quota = parseQuota(input.quota);
    const at = this.now().toISOString();
    let tickets: Ticket[] = [];
    const row = await this.db.transaction().execute(async (trx) => {
      const s = await this.moderated(trx, actor, sessionId);
      if (s.state === 'ended') throw new DomainError('live.ended', 'the session has ended', 409);
      const [v] = await this.catalog.variantsForCheckout(trx, [String(input.variantId)]);
      // Another merchant's variant is as unknown as a missing one.
      if (!v || v.merchantId !== s.merchant_id) throw new DomainError('live.variant_not_found', 'product variant not found', 404);
      if (!v.purchasable) throw new DomainError('live.not_purchasable', 'this variant is not for sale', 409);
      const active = await trx.selectFrom('live_pin').select(['id', 'variant_id']).where('session_id', '=', s.id).where('unpinned_at', 'is', null).execute();
      if (active.some((p) => p.variant_id === v.variantId)) throw new DomainError('live.already_pinned', 'this variant is already pinned in the session: unpin it first', 409);
      if (active.length >= PINS_ACTIVE_MAX) throw new DomainError('live.too_many_pins', `at most ${PINS_ACTIVE_MAX} pinned products at once`, 409);
      const pin: PinRow = {
        seq: 0, id: newPinId(), session_id: s.id, merchant_id: s.merchant_id, variant_id: v.variantId, live_price_minor: price.toString(), currency: v.currency,
        quota, sold: 0, pinned_by: actor.userId, pinned_at: at, unpinned_at: null,
      };
      const { seq: _s, ...values } = pin;
      await trx.insertInto('live_pin').values(values).execute();
      tickets = await this.ledger.append(trx, [
        { kind: 'live.pinned', actor: actor.userId, subject: { session: s.id, merchant: s.merchant_id, pin: pin.id, variant: v.variantId }, data: { livePriceMinor: price.toString(), currency: v.currency, quota }, at },
      ]);
      return pin;
    });
    await this.ledger.waitFor(tickets);
    this.broadcastPinsSoon(sessionId);
    return (await this.pinViews(this.db, [row]))[0]!;
  }

  async unpin(actor: Actor, sessionId: string, pinId: string): Promise<PinView> {
    const at = this.now().toISOString();
    let tickets: Ticket[] = [];
    const row = await this.db.transaction().execute(async (trx) => {
      const s = await this.moderated(trx, actor, sessionId);
      const pin = await trx.selectFrom('live_pin').selectAll().where('id', '=', pinId).where('session_id', '=', s.id).executeTakeFirst();
      if (!pin) throw notFound('pin');
      const res = await trx.updateTable('live_pin').set({ unpinned_at: at }).where('id', '=', pin.id).where('unpinned_at', 'is', null).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new DomainError('live.not_pinned', 'this product is no longer pinned', 409);
      tickets = await this.ledger.append(trx, [{ kind: 'live.unpinned', actor: actor.userId, subject: { session: s.id, merchant: s.merchant_id, pin: pin.id, variant: pin.variant_id }, data: { sold: pin.sold }, at }]);
      return { ...pin, unpinned_at: at };
    });
    await this.ledger.waitFor(tickets);
    this.broadcastPinsSoon(sessionId);
    return (await this.pinViews(this.db, [row]))[0]!;
  }

  private async pins(db: Reader, sessionId: string, activeOnly: boolean): Promise<PinView[]> {
    let q = db.selectFrom('live_pin').selectAll().where('session_id', '=', sessionId);
    if (activeOnly) q = q.where('unpinned_at', 'is', null);
    return this.pinViews(db, await q.orderBy('seq').execute());
  }

  private async pinViews(db: Reader, rows: PinRow[]): Promise<PinView[]> {
    const variants = new Map((await this.catalog.variantsForCheckout(db, rows.map((r) => r.variant_id))).map((v) => [v.variantId, v]));
    return rows.map((r) => {
      const v = variants.get(r.variant_id);
      const quota = Number(r.quota);
      const sold = Number(r.sold);
      return {
        id: r.id, sessionId: r.session_id, variantId: r.variant_id, productId: v?.productId ?? null, sku: v?.sku ?? null, name: v?.name ?? null,
        listPriceMinor: v ? v.priceMinor.toString() : null, livePriceMinor: BigInt(r.live_price_minor).toString(), currency: r.currency,
        quota, sold, remaining: remaining(quota, sold), pinnedAt: r.pinned_at, unpinnedAt: r.unpinned_at,
      };
    });
  }

  /**
   * Pins changed (a pin, a checkout, a return): tell the viewers shortly, once the change has committed.
   * `xid` is the PostgreSQL transaction that changed them when it has not committed yet (a checkout's
   * claim, an order's return): the broadcast waits until it has ended, or it would show the old counts.
   * SQLite needs no wait: its one connection serves the pins read only after that transaction ends.
   */
  private broadcastPinsSoon(sessionId: string, xid: string | null = null): void {
    if (this.hub.viewers(sessionId) === 0) return;
    const pending = this.pinBroadcasts.get(sessionId);
    if (pending) {
      if (xid !== null) pending.add(xid);
      return;
    }
    const xids = new Set(xid === null ? [] : [xid]);
    this.pinBroadcasts.set(sessionId, xids);
    setTimeout(() => void this.publishPins(sessionId, xids).catch(this.onError), PIN_BROADCAST_DELAY_MS).unref();
  }

  private async publishPins(sessionId: string, xids: Set<string>): Promise<void> {
    const giveUpAt = Date.now() + PIN_COMMIT_WAIT_MS;
    for (;;) {
      // One query for all of them: those still open stay in the set.
      const asked = [...xids];
      const open = asked.length === 0 ? new Set<string>() : new Set((await sql<{ x: string }>`select x from unnest(${asked}::text[]) as x where txid_status(x::bigint) = 'in progress'`.execute(this.db)).rows.map((r) => r.x));
      for (const x of asked) if (!open.has(x)) xids.delete(x);
      // Checked and removed in one turn of the event loop: a claim arriving later schedules its own broadcast.
      if (xids.size === 0 || Date.now() >= giveUpAt) {
        this.pinBroadcasts.delete(sessionId);
        break;
      }
      await new Promise((r) => setTimeout(r, PIN_BROADCAST_DELAY_MS));
    }
    this.hub.publish(sessionId, { type: 'pins', data: await this.pins(this.db, sessionId, true) });
  }

  /** The open PostgreSQL transaction's id, for broadcastPinsSoon; null on SQLite. */
  private async openXid(trx: Transaction<Database>, sessionId: string): Promise<string | null> {
    if (!this.rowLocks || this.hub.viewers(sessionId) === 0) return null;
    return (await sql<{ x: string }>`select txid_current()::text as x`.execute(trx)).rows[0]!.x;
  }

  // ------------------------------------------------------------------ checkout (LivePort)

  /** The live price of a variant pinned in a live session, for checkout; refused unless the session is live now. */
  async livePrice(trx: Transaction<Database>, sessionId: string, variantId: string): Promise<{ priceMinor: bigint; currency: string }> {
    // PostgreSQL: a share lock on the session row until the checkout commits, so ending the session
    // (an UPDATE of that row) waits for checkouts already buying at its price, and one that starts
    // after the end sees it ended. SQLite has one writer: nothing can interleave.
    let q = trx.selectFrom('live_session').select(['id', 'state']).where('id', '=', sessionId);
    if (this.rowLocks) q = q.forShare();
    const s = await q.executeTakeFirst();
    if (!s) throw new DomainError('live.not_found', 'live session not found', 404);
    if (s.state !== 'live') throw notLive(s.state);
    const pin = await trx.selectFrom('live_pin').select(['live_price_minor', 'currency']).where('session_id', '=', s.id).where('variant_id', '=', variantId).where('unpinned_at', 'is', null).executeTakeFirst();
    if (!pin) throw new DomainError('live.not_pinned', `variant ${variantId} is not pinned in this live session`, 409, { variantId });
    return { priceMinor: BigInt(pin.live_price_minor), currency: pin.currency };
  }

  /**
   * Takes qty units of the pin's quota for this order: ONE conditional UPDATE (sold + qty <= quota,
   * session live), so concurrent checkouts never oversell (PostgreSQL re-checks the condition on the
   * locked row; SQLite has one writer). 409 live.quota_exhausted when it cannot.
   */
  async claim(trx: Transaction<Database>, input: { sessionId: string; variantId: string; orderId: string; qty: number }): Promise<void> {
    assert(Number.isSafeInteger(input.qty) && input.qty > 0, 'live: claim of a non-positive quantity');
    const taken = await trx
      .updateTable('live_pin')
      .set({ sold: sql`sold + ${input.qty}` })
      .where('session_id', '=', input.sessionId)
      .where('variant_id', '=', input.variantId)
      .where('unpinned_at', 'is', null)
      .where(sql<boolean>`sold + ${input.qty} <= quota`)
      .where((eb) => eb.exists(eb.selectFrom('live_session').select('id').where('id', '=', input.sessionId).where('state', '=', 'live')))
      .returning(['id', 'sold', 'quota'])
      .execute();
    if (taken.length === 0) {
      const s = await trx.selectFrom('live_session').select('state').where('id', '=', input.sessionId).executeTakeFirst();
      if (!s || s.state !== 'live') throw notLive(s?.state ?? 'gone');
      const pin = await trx.selectFrom('live_pin').select(['quota', 'sold']).where('session_id', '=', input.sessionId).where('variant_id', '=', input.variantId).where('unpinned_at', 'is', null).executeTakeFirst();
      if (!pin) throw new DomainError('live.not_pinned', `variant ${input.variantId} is not pinned in this live session`, 409, { variantId: input.variantId });
      throw new DomainError('live.quota_exhausted', 'the live quota for this product is sold out', 409, { variantId: input.variantId, remaining: Number(pin.quota) - Number(pin.sold) });
    }
    assert(taken.length === 1, 'live: two active pins of one variant in a session');
    const t = taken[0]!;
    assert(Number(t.sold) <= Number(t.quota), `live: pin ${t.id} oversold`);
    await trx.insertInto('live_claim').values({ order_id: input.orderId, pin_id: t.id, session_id: input.sessionId, qty: input.qty, returned: 0, created_at: this.now().toISOString() }).execute();
    this.broadcastPinsSoon(input.sessionId, await this.openXid(trx, input.sessionId));
  }

  /** An order that took live quota was cancelled or rejected: its units go back to the pins (once). */
  async returnQuota(trx: Transaction<Database>, orderId: string): Promise<void> {
    const claims = await trx.updateTable('live_claim').set({ returned: 1 }).where('order_id', '=', orderId).where('returned', '=', 0).returning(['pin_id', 'qty', 'session_id']).execute();
    for (const c of claims) {
      const res = await trx.updateTable('live_pin').set({ sold: sql`sold - ${c.qty}` }).where('id', '=', c.pin_id).where('sold', '>=', c.qty).executeTakeFirst();
      assert(Number(res.numUpdatedRows) === 1, `live: returning ${c.qty} to pin ${c.pin_id} would make sold negative`);
      this.broadcastPinsSoon(c.session_id, await this.openXid(trx, c.session_id));
    }
  }

  // ------------------------------------------------------------------ chat and moderation

  async chat(actor: Actor, sessionId: string, text: unknown): Promise<MessageView> {
    if (actor.role === 'auditor') throw new DomainError('auth.read_only', 'auditors have read-only access', 403);
    const body = parseChatText(text);
    const s = await this.db.selectFrom('live_session').select(['id', 'state', 'merchant_id']).where('id', '=', sessionId).executeTakeFirst();
    if (!s) throw notFound('live session');
    if (s.state === 'ended') throw new DomainError('live.ended', 'the session has ended: the chat is closed', 409);
    const muted = await this.db.selectFrom('live_mute').select('user_id').where('session_id', '=', s.id).where('user_id', '=', actor.userId).executeTakeFirst();
    if (muted) throw new DomainError('live.muted', 'you have been muted in this session', 403);
    const nowMs = this.now().getTime();
    const wait = this.chatLimit.take(actor.userId, nowMs);
    if (wait > 0) throw new DomainError('live.rate_limited', 'one message per second: wait a moment', 429, { retryAfter: retryAfterSeconds(wait) });
    const row = { id: newMessageId(), session_id: s.id, user_id: actor.userId, text: body, created_at: new Date(nowMs).toISOString(), deleted_at: null, deleted_by: null };
    try {
      await this.db.insertInto('live_message').values(row).execute();
    } catch (err) {
      this.chatLimit.release(actor.userId, nowMs);
      throw err;
    }
    const view = messageView({ ...row, seq: 0 }, true);
    // With the author's id: each stream strips it for viewers who do not moderate (src/live/stream.ts).
    this.hub.publish(s.id, { type: 'chat', data: view });
    return view;
  }

  /** Moderators delete a message: it disappears for every viewer and from the replay. */
  async deleteMessage(actor: Actor, sessionId: string, messageId: string): Promise<void> {
    const s = await this.moderated(this.db, actor, sessionId);
    const res = await this.db.updateTable('live_message').set({ deleted_at: this.now().toISOString(), deleted_by: actor.userId }).where('id', '=', messageId).where('session_id', '=', s.id).where('deleted_at', 'is', null).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      const m = await this.db.selectFrom('live_message').select('id').where('id', '=', messageId).where('session_id', '=', s.id).executeTakeFirst();
      if (!m) throw notFound('message');
      // Deleted already: the outcome the moderator asked for.
    }
    this.hub.publish(s.id, { type: 'chat.deleted', data: { id: messageId } });
  }

  /** Moderators mute a user in the session, named directly or by one of their messages. */
  async mute(actor: Actor, sessionId: string, who: { userId?: string | undefined; messageId?: string | undefined }): Promise<{ sessionId: string; userId: string; muted: boolean }> {
    const s = await this.moderated(this.db, actor, sessionId);
    const userId = await this.target(s.id, who);
    if (userId === actor.userId) throw new DomainError('live.bad_mute', 'you cannot mute yourself', 400);
    await this.db.insertInto('live_mute').values({ session_id: s.id, user_id: userId, muted_by: actor.userId, muted_at: this.now().toISOString() }).onConflict((oc) => oc.doNothing()).execute();
    return { sessionId: s.id, userId, muted: true };
  }

  async unmute(actor: Actor, sessionId: string, who: { userId?: string | undefined; messageId?: string | undefined }): Promise<{ sessionId: string; userId: string; muted: boolean }> {
    const s = await this.moderated(this.db, actor, sessionId);
    const userId = await this.target(s.id, who);
    await this.db.deleteFrom('live_mute').where('session_id', '=', s.id).where('user_id', '=', userId).execute();
    return { sessionId: s.id, userId, muted: false };
  }

  private async target(sessionId: string, who: { userId?: string | undefined; messageId?: string | undefined }): Promise<string> {
    if (who.userId !== undefined) return who.userId;
    if (who.messageId === undefined) throw new DomainError('live.bad_mute', 'name the userId or a messageId of theirs', 400);
    const m = await this.db.selectFrom('live_message').select('user_id').where('id', '=', who.messageId).where('session_id', '=', sessionId).executeTakeFirst();
    if (!m) throw notFound('message');
    return m.user_id;
  }

  /** The most recent visible messages, oldest first (what a new viewer sees first). */
  async recentMessages(sessionId: string, moderator: boolean, n = CHAT_BACKLOG): Promise<MessageView[]> {
    const rows = await this.db.selectFrom('live_message').selectAll().where('session_id', '=', sessionId).where('deleted_at', 'is', null).orderBy('seq', 'desc').limit(n).execute();
    return rows.reverse().map((r) => messageView(r, moderator));
  }

  /** Whether the actor moderates this session (admins, the merchant's staff); 404 for an unknown session. */
  async isModerator(actor: Actor | null, sessionId: string): Promise<boolean> {
    const s = await this.db.selectFrom('live_session').select('merchant_id').where('id', '=', sessionId).executeTakeFirst();
    if (!s) throw notFound('live session');
    return moderates(actor, s.merchant_id);
  }

  /** A viewer's stream: the hub's events for this session (the caller holds the returned leave function). */
  join(sessionId: string, listener: LiveListener): () => void {
    return this.hub.join(sessionId, listener);
  }

  // ------------------------------------------------------------------ replay

  /** After the session: the chat without deleted messages (paged, oldest first) and every pin it had. */
  async replay(actor: Actor | null, sessionId: string, page: PageRequest = {}): Promise<{ session: SessionView; pins: PinView[]; items: MessageView[]; nextCursor: string | null }> {
    const limit = pageLimit(page.limit);
    const after = decodeCursor(page.cursor);
    const s = await this.db.selectFrom('live_session').selectAll().where('id', '=', sessionId).executeTakeFirst();
    if (!s) throw notFound('live session');
    if (s.state !== 'ended') throw new DomainError('live.not_ended', 'the replay is available once the session has ended', 409, { state: s.state });
    const moderator = moderates(actor, s.merchant_id);
    let q = this.db.selectFrom('live_message').selectAll().where('session_id', '=', s.id).where('deleted_at', 'is', null);
    if (after !== null) q = q.where('seq', '>', after);
    const rows = await q.orderBy('seq', 'asc').limit(limit + 1).execute();
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    return {
      session: await this.view(s),
      pins: await this.pins(this.db, s.id, false),
      items: kept.map((r) => messageView(r, moderator)),
      nextCursor: more ? encodeCursor(Number(kept[kept.length - 1]!.seq)) : null,
    };
  }

  // ------------------------------------------------------------------ personal data

  /** Erasure: the person's chat text goes (their messages count as deleted), and their mutes. */
  async forget(trx: Transaction<Database>, userId: string): Promise<void> {
    await trx.updateTable('live_message').set({ text: '', deleted_at: this.now().toISOString(), deleted_by: 'erasure' }).where('user_id', '=', userId).execute();
    await trx.deleteFrom('live_mute').where('user_id', '=', userId).execute();
  }

  /** Export: every chat message of the person, deleted ones included, newest first. */
  async exportFor(userId: string): Promise<{ sessionId: string; text: string; createdAt: string; deleted: boolean }[]> {
    const rows = await this.db.selectFrom('live_message').selectAll().where('user_id', '=', userId).orderBy('seq', 'desc').execute();
    return rows.map((r) => ({ sessionId: r.session_id, text: r.text, createdAt: r.created_at, deleted: r.deleted_at !== null }));
  }

  // ------------------------------------------------------------------ tenancy

  /** The session if `actor` moderates it (its merchant's staff, or an admin); 404 for anyone else's. */
  private async moderated(db: Reader, actor: Actor, id: string): Promise<SessionRow> {
    if (actor.role !== 'merchant_staff' && actor.role !== 'admin') throw new DomainError('auth.forbidden', 'only the merchant\'s staff and admins run live sessions', 403);
    let q = db.selectFrom('live_session').selectAll().where('id', '=', id);
    if (actor.role === 'merchant_staff') {
      assert(actor.merchantId !== undefined, 'live: merchant_staff actor without a merchantId');
      q = q.where('merchant_id', '=', actor.merchantId);
    }
    const row = await q.executeTakeFirst();
    if (!row) throw notFound('live session');
    return row;
  }
}

function staffMerchant(actor: Actor): string {
  if (actor.role !== 'merchant_staff' || actor.merchantId === undefined) throw new DomainError('auth.forbidden', 'only the merchant\'s staff schedule live sessions', 403);
  return actor.merchantId;
}

function messageView(r: MessageRow, moderator: boolean): MessageView {
  return { id: r.id, sessionId: r.session_id, author: authorOf(r.session_id, r.user_id), userId: moderator ? r.user_id : null, text: r.text, createdAt: r.created_at };
}
