// Item-to-item co-occurrence with exponential time decay: pure, incremental, no I/O.
//
// Two signals: "bought" (products sharing a purchase basket) and "viewed" (products viewed or added
// to the cart by one subject within a session: a new session starts after a gap of sessionGapMs).
// Each item and each unordered pair carries a raw count n (for explanations) and a decayed weight w.
// Weights use forward decay (Cormode et al.): an event at time t adds 2^((t - landmark)/halfLife), so
// adding never needs "now" and every stored weight decays by the same factor. Similarity
// w_ab / sqrt(w_a · w_b) · n_ab / (n_ab + shrink) is a ratio of such weights, so the common decay
// cancels: rankings are those of the decayed values at any time. The shrink factor keeps one lucky
// co-occurrence from outranking well-supported ones.
//
// Updates are two-phase so that a caller can persist a batch before showing it: plan(events) reads
// the state and returns a Delta without changing anything; commit(delta) applies it and recomputes
// the top-K lists of the items the batch touched only.
import { assert } from '../shared/assert.ts';

export const SIGNALS = ['bought', 'viewed'] as const;
export type Signal = (typeof SIGNALS)[number];
/** What an item tally counts: occurrences per signal, and decayed popularity. */
export type Tally = 'bought' | 'viewed' | 'popular';
export const TALLIES = ['bought', 'viewed', 'popular'] as const;

/** One behaviour event as the model reads it (analytics' BehaviourEvent with a parsed time). */
export interface ModelEvent {
  id: number;
  subject: string;
  kind: string;
  productId: string | null;
  basketId: string | null;
  atMs: number;
}

export interface ModelOptions {
  halfLifeMs: number;
  sessionGapMs: number;
  /** Neighbours kept per item and signal. */
  topK: number;
  /** Added to the co-count in n/(n + shrink). */
  shrink: number;
  /** Earlier items of a session a new item is paired with. */
  tailMax: number;
  /** Distinct (kind, product) facts remembered per session; beyond, the session (a bot?) adds nothing. */
  seenMax: number;
  /** Length of the precomputed popularity list. */
  popularMax: number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  halfLifeMs: 30 * DAY_MS,
  sessionGapMs: 30 * 60_000,
  topK: 50,
  shrink: 1,
  tailMax: 30,
  seenMax: 200,
  popularMax: 500,
};

/** Popularity per event kind, counted once per session (or basket) and product. */
export const KIND_WEIGHT: Readonly<Record<string, number>> = { view: 1, cart_add: 2, purchase: 4 };
/** Weights are rebased when they would exceed 2^REBASE_EXPONENT (doubles end near 2^1023). */
const REBASE_EXPONENT = 600;

export interface Count {
  n: number;
  w: number;
}

export interface Neighbour {
  productId: string;
  score: number;
  /** Baskets (bought) or sessions (viewed) holding both products. */
  coCount: number;
}

interface Group {
  lastAt: number;
  /** The first event of the session: where a restart replays from to rebuild open sessions. */
  firstId: number;
  /** The latest distinct items, which a new item is paired with. */
  recent: string[];
  /** `i:<product>` for items counted, `<kind>:<product>` for popularity counted. */
  seen: Set<string>;
}

export interface ItemDelta {
  tally: Tally;
  productId: string;
  n: number;
  w: number;
}

export interface PairDelta {
  signal: Signal;
  /** a < b */
  a: string;
  b: string;
  n: number;
  w: number;
}

export interface Delta {
  fromCursor: number;
  toCursor: number;
  landmarkMs: number | null;
  /** Set when the landmark moved: every existing weight is multiplied by it first. */
  rescale: number | null;
  streamAtMs: number;
  items: Map<string, ItemDelta>;
  pairs: Map<string, PairDelta>;
  /** New states of the sessions the batch touched; null: the session is over. */
  groups: Map<string, Group | null>;
}

/** A persisted model, as loaded. */
export interface Snapshot {
  cursor: number;
  landmarkMs: number | null;
  streamAtMs: number;
  items: ItemDelta[];
  pairs: PairDelta[];
}

export interface HistoryEvent {
  productId: string | null;
  kind: string;
}

export interface Pick {
  productId: string;
  score: number;
  /** The history items that led here, strongest first, with what the subject did with them. */
  anchors: { productId: string; action: 'view' | 'cart_add' | 'purchase' }[];
}

const ACTIONS = ['view', 'cart_add', 'purchase'] as const;
type Action = (typeof ACTIONS)[number];
const isAction = (k: string): k is Action => (ACTIONS as readonly string[]).includes(k);
/** How much a history item speaks for the subject's taste, by what they did with it. */
const ACTION_WEIGHT: Record<Action, number> = { view: 1, cart_add: 1.5, purchase: 1.2 };
/** Each older distinct history item counts this much less than the next newer one. */
const HISTORY_DECAY = 0.5;
/** With HISTORY_DECAY 0.5, items older than the 10th weigh under 0.2 % of the newest: not worth reading. */
const HISTORY_ANCHORS_MAX = 10;
/** Neighbours read per history item and signal. */
const HISTORY_NEIGHBOURS = 20;

const pairKey = (signal: Signal, a: string, b: string) => `${signal}\u0000${a}\u0000${b}`;
const itemKey = (tally: Tally, p: string) => `${tally}\u0000${p}`;
const byScore = (x: { score: number; productId: string }, y: { score: number; productId: string }) =>
  y.score - x.score || (x.productId < y.productId ? -1 : x.productId > y.productId ? 1 : 0);

export class RecsModel {
  readonly options: ModelOptions;
  /** Id of the last event applied. */
  cursor = 0;
  landmarkMs: number | null = null;
  /** Latest event time seen: the clock that ends sessions (deterministic, unlike wall time). */
  streamAtMs = 0;
  private readonly items = new Map<Tally, Map<string, Count>>(TALLIES.map((t) => [t, new Map()]));
  private readonly adj = new Map<Signal, Map<string, Map<string, Count>>>(SIGNALS.map((s) => [s, new Map()]));
  /**
   * Per item, its best neighbours when it was last touched (2·topK of them). Their scores are
   * computed afresh on every read, so a listed neighbour's score is always exact even when only the
   * other item changed since; which items are listed is refreshed when this one is touched.
   */
  private readonly top = new Map<Signal, Map<string, string[]>>(SIGNALS.map((s) => [s, new Map()]));
  /** neighbours() answers until the next commit or load: reads between updates cost a lookup. */
  private readonly scoredCache = new Map<string, Neighbour[]>();
  private popularList: { productId: string; score: number }[] = [];
  private readonly groups = new Map<string, Group>();

  constructor(options: Partial<ModelOptions> = {}) {
    this.options = { ...DEFAULT_MODEL_OPTIONS, ...options };
    assert(this.options.halfLifeMs > 0 && this.options.sessionGapMs > 0, 'recs: half-life and session gap must be positive');
    assert(this.options.topK > 0 && this.options.tailMax > 0, 'recs: topK and tailMax must be positive');
  }

  // ------------------------------------------------------------------ updates

  /**
   * The effect of a batch of events (ascending id, all after the cursor), without applying it.
   * tailsOnly: only rebuild open sessions (a restart replaying events already counted).
   */
  plan(events: readonly ModelEvent[], opts: { tailsOnly?: boolean } = {}): Delta {
    const o = this.options;
    const tailsOnly = opts.tailsOnly === true;
    let streamAt = this.streamAtMs;
    for (const e of events) if (e.atMs > streamAt) streamAt = e.atMs;
    let landmark = this.landmarkMs ?? (events.length ? Math.floor(events.reduce((m, e) => Math.min(m, e.atMs), Infinity) / DAY_MS) * DAY_MS : null);
    let rescale: number | null = null;
    if (landmark !== null && (streamAt - landmark) / o.halfLifeMs > REBASE_EXPONENT && !tailsOnly) {
      const moved = Math.floor(streamAt / DAY_MS) * DAY_MS;
      rescale = 2 ** (-(moved - landmark) / o.halfLifeMs);
      landmark = moved;
    }
    const base = landmark ?? 0;
    const weight = (at: number) => 2 ** ((at - base) / o.halfLifeMs);
    const delta: Delta = {
      fromCursor: this.cursor,
      toCursor: this.cursor,
      landmarkMs: landmark,
      rescale,
      streamAtMs: streamAt,
      items: new Map(),
      pairs: new Map(),
      groups: new Map(),
    };
    const group = (key: string): Group | undefined => {
      if (delta.groups.has(key)) return delta.groups.get(key) ?? undefined;
      const g = this.groups.get(key);
      return g && { lastAt: g.lastAt, firstId: g.firstId, recent: [...g.recent], seen: new Set(g.seen) };
    };
    const addItem = (tally: Tally, p: string, n: number, w: number) => {
      const k = itemKey(tally, p);
      const d = delta.items.get(k);
      if (d) {
        d.n += n;
        d.w += w;
      } else delta.items.set(k, { tally, productId: p, n, w });
    };
    const addPair = (signal: Signal, x: string, y: string, w: number) => {
      const [a, b] = x < y ? [x, y] : [y, x];
      const k = pairKey(signal, a, b);
      const d = delta.pairs.get(k);
      if (d) {
        d.n += 1;
        d.w += w;
      } else delta.pairs.set(k, { signal, a, b, n: 1, w });
    };

    for (const e of events) {
      assert(e.id > delta.toCursor || tailsOnly, `recs: event ${e.id} is not after ${delta.toCursor}`);
      if (!tailsOnly) delta.toCursor = e.id;
      if (e.productId === null || !isAction(e.kind)) continue;
      const signal: Signal = e.kind === 'purchase' ? 'bought' : 'viewed';
      const key = signal === 'bought' ? `b\u0000${e.basketId ?? `${e.subject}:${e.id}`}` : `v\u0000${e.subject}`;
      const w = weight(e.atMs);
      let g = group(key);
      if (g && e.atMs - g.lastAt > o.sessionGapMs) g = undefined; // the old session is over
      if (g && g.lastAt - e.atMs > o.sessionGapMs) {
        // Late: long before the subject's current session. It counts for popularity, pairs with nothing.
        if (!tailsOnly) addItem('popular', e.productId, 1, KIND_WEIGHT[e.kind]! * w);
        continue;
      }
      g ??= { lastAt: e.atMs, firstId: e.id, recent: [], seen: new Set() };
      g.lastAt = Math.max(g.lastAt, e.atMs);
      delta.groups.set(key, g);
      if (g.seen.size >= o.seenMax) continue;
      const fact = `${e.kind}:${e.productId}`;
      if (!g.seen.has(fact)) {
        g.seen.add(fact);
        if (!tailsOnly) addItem('popular', e.productId, 1, KIND_WEIGHT[e.kind]! * w);
      }
      const item = `i:${e.productId}`;
      if (g.seen.has(item)) continue;
      g.seen.add(item);
      if (!tailsOnly) {
        addItem(signal, e.productId, 1, w);
        for (const other of g.recent) addPair(signal, other, e.productId, w);
      }
      g.recent.push(e.productId);
      if (g.recent.length > o.tailMax) g.recent.shift();
    }

    // Sessions that ended by the stream's clock are dropped: nothing later can pair with them.
    for (const [key, g] of this.groups) if (!delta.groups.has(key) && streamAt - g.lastAt > o.sessionGapMs) delta.groups.set(key, null);
    for (const [key, g] of delta.groups) if (g && streamAt - g.lastAt > o.sessionGapMs) delta.groups.set(key, null);
    return delta;
  }

  /** Applies a planned delta; only the touched items' neighbour lists are recomputed. */
  commit(delta: Delta): void {
    assert(delta.fromCursor === this.cursor, `recs: delta planned at cursor ${delta.fromCursor}, model is at ${this.cursor}`);
    assert(delta.toCursor >= this.cursor, 'recs: the cursor never moves back');
    this.scoredCache.clear();
    if (delta.rescale !== null) this.rescale(delta.rescale);
    this.landmarkMs = delta.landmarkMs;
    this.streamAtMs = Math.max(this.streamAtMs, delta.streamAtMs);
    this.cursor = delta.toCursor;
    for (const [key, g] of delta.groups) {
      if (g) this.groups.set(key, g);
      else this.groups.delete(key);
    }
    const touched = new Map<Signal, Set<string>>(SIGNALS.map((s) => [s, new Set()]));
    for (const d of delta.items.values()) {
      bump(this.items.get(d.tally)!, d.productId, d.n, d.w);
      if (d.tally !== 'popular') touched.get(d.tally)!.add(d.productId);
    }
    for (const d of delta.pairs.values()) {
      const adj = this.adj.get(d.signal)!;
      bump(neighbours(adj, d.a), d.b, d.n, d.w);
      bump(neighbours(adj, d.b), d.a, d.n, d.w);
      touched.get(d.signal)!.add(d.a).add(d.b);
    }
    for (const s of SIGNALS) for (const p of touched.get(s)!) this.recomputeTop(s, p);
    if (delta.items.size > 0) this.recomputePopular();
  }

  /** Replaces the state with a persisted one (sessions start empty: replay rebuilds them). */
  load(s: Snapshot): void {
    for (const m of this.items.values()) m.clear();
    for (const m of this.adj.values()) m.clear();
    for (const m of this.top.values()) m.clear();
    this.scoredCache.clear();
    this.groups.clear();
    this.cursor = s.cursor;
    this.landmarkMs = s.landmarkMs;
    this.streamAtMs = s.streamAtMs;
    for (const d of s.items) bump(this.items.get(d.tally)!, d.productId, d.n, d.w);
    for (const d of s.pairs) {
      const adj = this.adj.get(d.signal)!;
      bump(neighbours(adj, d.a), d.b, d.n, d.w);
      bump(neighbours(adj, d.b), d.a, d.n, d.w);
    }
    for (const s2 of SIGNALS) for (const p of this.adj.get(s2)!.keys()) this.recomputeTop(s2, p);
    this.recomputePopular();
  }

  /** After the delta, the id just before the oldest event of a session still open: where a restart replays from. */
  replayFromAfter(delta: Delta): number {
    let min = delta.toCursor + 1;
    for (const [key, g] of this.groups) if (!delta.groups.has(key) && g.firstId < min) min = g.firstId;
    for (const g of delta.groups.values()) if (g && g.firstId < min) min = g.firstId;
    return min - 1;
  }

  /** Forgets the open sessions of these subjects (consent withdrawn, erasure): they pair with nothing more. */
  forgetSubjects(subjects: readonly string[]): void {
    for (const s of subjects) this.groups.delete(`v\u0000${s}`);
  }

  // ------------------------------------------------------------------ reads (all in memory)

  /** The item's best neighbours for the signal, best first, at most topK. */
  neighbours(signal: Signal, productId: string): readonly Neighbour[] {
    const key = `${signal}\u0000${productId}`;
    let list = this.scoredCache.get(key);
    if (!list) {
      const ids = this.top.get(signal)!.get(productId);
      list = ids ? this.scored(signal, productId, ids).slice(0, this.options.topK) : [];
      this.scoredCache.set(key, list);
    }
    return list;
  }

  /** Decayed popularity, most popular first; score relative to the top item (1). */
  popular(): readonly { productId: string; score: number }[] {
    return this.popularList;
  }

  /** Counts of one product: for tests and explanations. */
  count(tally: Tally, productId: string): Count | undefined {
    return this.items.get(tally)!.get(productId);
  }

  coCount(signal: Signal, a: string, b: string): number {
    return this.adj.get(signal)!.get(a)?.get(b)?.n ?? 0;
  }

  get size(): { products: number; pairs: number; sessions: number } {
    let pairs = 0;
    for (const adj of this.adj.values()) for (const m of adj.values()) pairs += m.size;
    return { products: this.items.get('popular')!.size, pairs: pairs / 2, sessions: this.groups.size };
  }

  /**
   * "For you" from a subject's history (newest first): the neighbours of their recent items,
   * weighted by recency and by what they did, summed over both signals. Items in the history
   * (viewed, in the cart or bought) are never proposed.
   */
  forYou(history: readonly HistoryEvent[], limit: number): Pick[] {
    const anchors: { productId: string; action: Action }[] = [];
    const at = new Map<string, number>();
    for (const e of history) {
      if (e.productId === null || !isAction(e.kind)) continue;
      const i = at.get(e.productId);
      if (i === undefined) {
        at.set(e.productId, anchors.length);
        anchors.push({ productId: e.productId, action: e.kind });
      } else if (ACTIONS.indexOf(e.kind) > ACTIONS.indexOf(anchors[i]!.action)) anchors[i]!.action = e.kind;
    }
    const acc = new Map<string, { score: number; by: Map<string, number> }>();
    anchors.slice(0, HISTORY_ANCHORS_MAX).forEach((a, rank) => {
      const r = ACTION_WEIGHT[a.action] * HISTORY_DECAY ** rank;
      for (const s of SIGNALS) {
        for (const nb of this.neighbours(s, a.productId).slice(0, HISTORY_NEIGHBOURS)) {
          if (at.has(nb.productId)) continue;
          const c = r * nb.score;
          let x = acc.get(nb.productId);
          if (!x) acc.set(nb.productId, (x = { score: 0, by: new Map() }));
          x.score += c;
          x.by.set(a.productId, (x.by.get(a.productId) ?? 0) + c);
        }
      }
    });
    const action = new Map(anchors.map((a) => [a.productId, a.action]));
    return [...acc]
      .map(([productId, x]) => ({ productId, score: x.score, by: x.by }))
      .sort(byScore)
      .slice(0, limit)
      .map(({ productId, score, by }) => ({
        productId,
        score,
        anchors: [...by].sort((p, q) => q[1] - p[1]).slice(0, 3).map(([id]) => ({ productId: id, action: action.get(id)! })),
      }));
  }

  // ------------------------------------------------------------------ internals

  private recomputeTop(signal: Signal, p: string): void {
    const adj = this.adj.get(signal)!.get(p);
    const list = adj ? this.scored(signal, p, adj.keys()) : [];
    if (list.length === 0) this.top.get(signal)!.delete(p);
    else this.top.get(signal)!.set(p, list.slice(0, 2 * this.options.topK).map((n) => n.productId));
  }

  /** Similarity of p to each of the ids, best first: w_pq / sqrt(w_p · w_q) · n_pq / (n_pq + shrink). */
  private scored(signal: Signal, p: string, ids: Iterable<string>): Neighbour[] {
    const items = this.items.get(signal)!;
    const own = items.get(p);
    const adj = this.adj.get(signal)!.get(p);
    const list: Neighbour[] = [];
    if (!own || !adj || own.w <= 0) return list;
    for (const q of ids) {
      const c = adj.get(q);
      const other = items.get(q);
      if (!c || !other || other.w <= 0) continue;
      list.push({ productId: q, score: (c.w / Math.sqrt(own.w * other.w)) * (c.n / (c.n + this.options.shrink)), coCount: c.n });
    }
    return list.sort((x, y) => byScore(x, y) || y.coCount - x.coCount);
  }

  private recomputePopular(): void {
    const all = [...this.items.get('popular')!].map(([productId, c]) => ({ productId, score: c.w }));
    all.sort(byScore);
    const best = all[0]?.score ?? 1;
    this.popularList = all.slice(0, this.options.popularMax).map((x) => ({ productId: x.productId, score: x.score / best }));
  }

  private rescale(f: number): void {
    assert(f > 0 && f <= 1, `recs: rescale factor ${f} out of range`);
    for (const m of this.items.values()) for (const c of m.values()) c.w *= f;
    for (const adj of this.adj.values()) for (const m of adj.values()) for (const c of m.values()) c.w *= f;
  }
}

function neighbours(adj: Map<string, Map<string, Count>>, p: string): Map<string, Count> {
  let m = adj.get(p);
  if (!m) adj.set(p, (m = new Map()));
  return m;
}

function bump(m: Map<string, Count>, p: string, n: number, w: number): void {
  const c = m.get(p);
  if (c) {
    c.n += n;
    c.w += w;
  } else m.set(p, { n, w });
}
