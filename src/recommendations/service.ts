// Recommendations: a precomputed item-to-item model kept in memory, refreshed by a job from the
// analytics events, persisted as aggregates (recs_* tables) so a restart resumes where it stopped.
//
// Why persisted and not rebuilt from event 0 at start: analytics deletes events after its retention
// period (and on withdrawal or erasure), so a rebuild would forget the decayed history the model
// still weighs, and it would grow slower with every event kept. The stored aggregates hold no
// subject or pseudonym; only the open sessions (pseudonym → last items, at most sessionGap old) live
// in memory, and a restart rebuilds them by replaying the events after recs_state.replay_from.
//
// Serving reads only the in-memory lists, plus one catalog read that keeps out products no longer
// for sale and names the items. Personal picks only with personalisation consent, asked per request.
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { BehaviourEvent } from '../analytics/index.ts';
import type { Job } from '../jobs/index.ts';
import type { Purpose, Subject } from '../privacy/index.ts';
import { assert } from '../shared/assert.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { RecsModel, type Delta, type ModelEvent, type ModelOptions, type Neighbour, type Signal } from './model.ts';
import { HISTORY_EVENTS, historyReason, limitOf, popularReason, togetherReason, type PopularWhy, type Reason, type Strategy } from './rules.ts';
import { RecsStore } from './store.ts';

/** The analytics reads the model needs. */
export interface RecsEventsPort {
  /** Analytics-consented events after the id, ascending. */
  eventsAfter(afterId: number, limit: number): Promise<BehaviourEvent[]>;
  /** The subject's personalisation-consented events, newest first. */
  recentEvents(pseudonyms: string[], limit: number): Promise<BehaviourEvent[]>;
}

export interface RecsPrivacyPort {
  granted(subject: Subject): Promise<Set<Purpose>>;
  pseudonyms(subject: Subject): Promise<string[]>;
}

export interface RecsCatalogPort {
  /** The products among the ids that the public may see (active, of an active merchant), with their names. */
  publicProducts(productIds: string[]): Promise<Map<string, { name: string }>>;
}

export interface RecommendationsDeps {
  db: Kysely<Database>;
  events: RecsEventsPort;
  privacy: RecsPrivacyPort;
  catalog: RecsCatalogPort;
  model?: Partial<ModelOptions>;
  /** Events read per batch. */
  batch?: number;
  /** One job tick stops starting batches after this long (a big backlog is caught up over several ticks). */
  tickBudgetMs?: number;
}

export interface RecommendationQuery {
  strategy: Strategy;
  productId?: string | undefined;
  limit?: number | undefined;
}

export interface RecommendedItem {
  productId: string;
  name: string;
  score: number;
  reason: Reason;
}

export interface Recommendations {
  strategy: Strategy;
  items: RecommendedItem[];
}

const BATCH_DEFAULT = 5000;
const HISTORY_KINDS: ReadonlySet<string> = new Set(['view', 'cart_add', 'purchase']);
const TICK_BUDGET_MS = 500;

const toModelEvent = (e: BehaviourEvent): ModelEvent => ({ id: e.id, subject: e.subject, kind: e.kind, productId: e.productId, basketId: e.basketId, atMs: Date.parse(e.at) });

export class RecommendationsService {
  readonly model: RecsModel;
  private readonly store: RecsStore;
  private readonly events: RecsEventsPort;
  private readonly privacy: RecsPrivacyPort;
  private readonly catalog: RecsCatalogPort;
  private readonly batch: number;
  private readonly tickBudgetMs: number;
  private loading: Promise<void> | null = null;
  /** One refresh at a time per instance: the model's plan/commit must not interleave. */
  private refreshing: Promise<number> | null = null;

  constructor(deps: RecommendationsDeps) {
    this.model = new RecsModel(deps.model);
    this.store = new RecsStore(deps.db);
    this.events = deps.events;
    this.privacy = deps.privacy;
    this.catalog = deps.catalog;
    this.batch = deps.batch ?? BATCH_DEFAULT;
    this.tickBudgetMs = deps.tickBudgetMs ?? TICK_BUDGET_MS;
    assert(Number.isSafeInteger(this.batch) && this.batch > 0, 'recs: batch must be a positive integer');
  }

  // ------------------------------------------------------------------ the model's life

  /** Loads the stored model once (the first request or job tick waits for it). */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = null;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const snap = await this.store.load();
    this.model.load(snap);
    // Rebuild the sessions open at the last save: their events are counted, their pairs to come are not.
    let after = snap.replayFrom;
    while (after < snap.cursor) {
      const events = (await this.events.eventsAfter(after, this.batch)).filter((e) => e.id <= snap.cursor);
      if (events.length === 0) break;
      this.model.commit(this.model.plan(events.map(toModelEvent), { tailsOnly: true }));
      after = events[events.length - 1]!.id;
    }
  }

  /** The job's tick: count new events, batch by batch, each saved before it is served. */
  refresh(now: Date): Promise<number> {
    this.refreshing ??= this.refreshNow(now).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshNow(now: Date): Promise<number> {
    await this.ready();
    const started = performance.now();
    let handled = 0;
    while (performance.now() - started < this.tickBudgetMs) {
      const stored = (await this.store.state()).cursor;
      if (stored < this.model.cursor) {
        // The tables were reset under us: start again from what they hold.
        this.loading = null;
        await this.ready();
        continue;
      }
      const events = await this.events.eventsAfter(this.model.cursor, this.batch);
      if (stored > this.model.cursor) {
        // Another instance saved these events: count them in memory only, up to its cursor.
        const mine = events.filter((e) => e.id <= stored);
        const delta = this.model.plan(mine.map(toModelEvent));
        // Every stored event up to its cursor is in hand unless a full batch ended before it.
        if (mine.length < events.length || events.length < this.batch) delta.toCursor = stored;
        this.model.commit(delta);
        handled += mine.length;
        continue;
      }
      if (events.length === 0) break;
      const delta: Delta = this.model.plan(events.map(toModelEvent));
      // Saved first: what is served is always what a restart finds again.
      if (await this.store.save(delta, this.model.replayFromAfter(delta), now)) {
        this.model.commit(delta);
        handled += events.length;
      }
      if (events.length < this.batch) break;
    }
    return handled;
  }

  /** A subject's open sessions are dropped (analytics consent withdrawn, or erasure). */
  forget(pseudonyms: readonly string[]): void {
    this.model.forgetSubjects(pseudonyms);
  }

  // ------------------------------------------------------------------ serving

  async recommend(subject: Subject | null, query: RecommendationQuery): Promise<Recommendations> {
    const limit = limitOf(query.limit);
    await this.ready();
    switch (query.strategy) {
      case 'bought_together':
        return this.together('bought', query.strategy, query.productId, limit);
      case 'viewed_together':
        return this.together('viewed', query.strategy, query.productId, limit);
      case 'for_you':
        return this.forYou(subject, limit);
      case 'popular':
        return this.popular('asked', new Set(), limit);
    }
  }

  private async together(signal: Signal, strategy: Strategy, productId: string | undefined, limit: number): Promise<Recommendations> {
    if (productId === undefined) throw new DomainError('recs.product_required', `${strategy} needs a productId`, 400);
    const neighbours: readonly Neighbour[] = this.model.neighbours(signal, productId);
    const fill = this.popularCandidates(limit + neighbours.length + 1);
    const names = await this.catalog.publicProducts([productId, ...neighbours.map((n) => n.productId), ...fill.map((p) => p.productId)]);
    if (!names.has(productId)) throw notFound('product');
    const anchorName = names.get(productId)!.name;
    const out = new Out(limit, names, new Set([productId]));
    for (const n of neighbours) out.add(n.productId, n.score, togetherReason(signal === 'bought' ? 'bought_together' : 'viewed_together', productId, anchorName, n.coCount));
    // Nothing co-occurs (yet) with a product for sale: popularity, and the strategy says so.
    const used: Strategy = out.items.length === 0 ? 'popular' : strategy;
    return { strategy: used, items: this.fillPopular(out, fill, 'no_neighbours').items };
  }

  private async forYou(subject: Subject | null, limit: number): Promise<Recommendations> {
    if (subject === null) return this.popular('anonymous', new Set(), limit);
    // Asked on every request: a withdrawal takes effect at once, whatever was read before.
    if (!(await this.privacy.granted(subject)).has('personalisation')) return this.popular('no_consent', new Set(), limit);
    const history = await this.events.recentEvents(await this.privacy.pseudonyms(subject), HISTORY_EVENTS);
    // What they looked at, carted or bought is not proposed again (recommendations merely shown may be).
    const seen = new Set(history.flatMap((e) => (e.productId !== null && HISTORY_KINDS.has(e.kind) ? [e.productId] : [])));
    if (seen.size === 0) return this.popular('no_history', seen, limit);
    const picks = this.model.forYou(history, limit * 3);
    const fill = this.popularCandidates(limit + seen.size);
    const anchorIds = picks.flatMap((p) => p.anchors.map((a) => a.productId));
    const names = await this.catalog.publicProducts([...picks.map((p) => p.productId), ...anchorIds, ...fill.map((p) => p.productId)]);
    const nameOf = new Map([...names].map(([id, v]) => [id, v.name]));
    const out = new Out(limit, names, seen);
    for (const p of picks) out.add(p.productId, p.score, historyReason(p.anchors, nameOf));
    const personal = out.items.length > 0;
    return { strategy: personal ? 'for_you' : 'popular', items: this.fillPopular(out, fill, personal ? 'asked' : 'no_history').items };
  }

  private async popular(why: PopularWhy, exclude: ReadonlySet<string>, limit: number): Promise<Recommendations> {
    const fill = this.popularCandidates(limit + exclude.size);
    const names = await this.catalog.publicProducts(fill.map((p) => p.productId));
    return { strategy: 'popular', items: this.fillPopular(new Out(limit, names, exclude), fill, why).items };
  }

  /** Popular products to fill with: a margin over what is needed, for those no longer for sale. */
  private popularCandidates(needed: number) {
    return this.model.popular().slice(0, needed * 2 + 10);
  }

  private fillPopular(out: Out, fill: readonly { productId: string; score: number }[], why: PopularWhy): Out {
    const reason = popularReason(why);
    for (const p of fill) out.add(p.productId, p.score, reason);
    return out;
  }
}

/** The answer being built: only products the public may see, none twice, none excluded, up to the limit. */
class Out {
  readonly items: RecommendedItem[] = [];
  private readonly taken = new Set<string>();

  constructor(private readonly limit: number, private readonly names: ReadonlyMap<string, { name: string }>, private readonly exclude: ReadonlySet<string>) {}

  add(productId: string, score: number, reason: Reason): void {
    if (this.items.length >= this.limit || this.taken.has(productId) || this.exclude.has(productId)) return;
    const p = this.names.get(productId);
    if (!p) return;
    this.taken.add(productId);
    this.items.push({ productId, name: p.name, score: Math.round(score * 1e6) / 1e6, reason });
  }
}

export const recommendationsJob = (recs: RecommendationsService): Job => ({ name: 'recommendations', tick: (now) => recs.refresh(now) });
