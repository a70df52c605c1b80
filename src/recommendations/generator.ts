// Synthetic buyer behaviour with latent preferences, for the demo data and the offline benchmark.
//
// Products are grouped by category and have an appeal (a few are much more popular: Zipf-like) and,
// most of them, a complement in another category (a teapot and its tea). Each buyer favours one to
// three categories. A session stays in one category (a favourite most of the time), browses
// related items (products close by in the category's list) or appealing ones, adds some to the
// cart, and sometimes buys the cart, often with the first item's complement. Deterministic per seed.

export interface GenProduct {
  key: string;
  category: string;
}

export type GenKind = 'view' | 'cart_add' | 'purchase';

export interface GenEvent {
  user: number;
  kind: GenKind;
  product: string;
  /** Purchases: the basket (checkout) they belong to. */
  basket: string | null;
  atMs: number;
}

export interface GenOptions {
  seed: number;
  users: number;
  sessionsPerUser: [min: number, max: number];
  viewsPerSession: [min: number, max: number];
  /** Sessions fall in [startMs, startMs + spanMs). */
  startMs: number;
  spanMs: number;
  /** Probability that a session browses a favourite category. */
  loyalty: number;
  cartRate: number;
  purchaseRate: number;
  complementRate: number;
}

export const DEFAULT_GEN_OPTIONS: GenOptions = {
  seed: 1,
  users: 1000,
  sessionsPerUser: [2, 8],
  viewsPerSession: [2, 7],
  startMs: Date.UTC(2026, 9, 1),
  spanMs: 28 * 86_400_000,
  loyalty: 0.85,
  cartRate: 0.2,
  purchaseRate: 0.6,
  complementRate: 0.5,
};

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `categories` × `perCategory` synthetic products, keys `c<i>-p<j>`. */
export function syntheticCatalog(categories: number, perCategory: number): GenProduct[] {
  const out: GenProduct[] = [];
  for (let c = 0; c < categories; c++) for (let p = 0; p < perCategory; p++) out.push({ key: `c${c}-p${p}`, category: `c${c}` });
  return out;
}

function shuffled<T>(r: () => number, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const between = (r: () => number, [lo, hi]: [number, number]) => lo + Math.floor(r() * (hi - lo + 1));

function weighted<T>(r: () => number, items: readonly T[], weight: (t: T) => number): T {
  let total = 0;
  for (const i of items) total += weight(i);
  let x = r() * total;
  for (const i of items) {
    x -= weight(i);
    if (x <= 0) return i;
  }
  return items[items.length - 1]!;
}

/** Every buyer's sessions, all events in time order. */
export function generateSessions(products: readonly GenProduct[], options: Partial<GenOptions> = {}): GenEvent[] {
  const o = { ...DEFAULT_GEN_OPTIONS, ...options };
  if (products.length === 0) return [];
  const r = rng(o.seed);
  const byCategory = new Map<string, GenProduct[]>();
  for (const p of products) (byCategory.get(p.category) ?? byCategory.set(p.category, []).get(p.category)!).push(p);
  const categories = [...byCategory.keys()];
  // Appeal: Zipf-like within each category, in a shuffled order so it is unrelated to position.
  const appeal = new Map<string, number>();
  for (const list of byCategory.values()) {
    const ranks = shuffled(r, list.map((_, i) => i));
    list.forEach((p, i) => appeal.set(p.key, 1 / (1 + ranks[i]!)));
  }
  // A complement in the "next" category, for most products.
  const complement = new Map<string, GenProduct>();
  categories.forEach((c, i) => {
    const next = byCategory.get(categories[(i + 1) % categories.length]!)!;
    byCategory.get(c)!.forEach((p, j) => {
      if (categories.length > 1 && r() < 0.8) complement.set(p.key, next[j % next.length]!);
    });
  });

  const events: GenEvent[] = [];
  let baskets = 0;
  for (let u = 0; u < o.users; u++) {
    const favourites = shuffled(r, categories).slice(0, between(r, [1, Math.min(3, categories.length)]));
    const sessions = between(r, o.sessionsPerUser);
    for (let s = 0; s < sessions; s++) {
      let at = o.startMs + Math.floor(r() * o.spanMs);
      const category = r() < o.loyalty ? favourites[Math.floor(r() * favourites.length)]! : categories[Math.floor(r() * categories.length)]!;
      const list = byCategory.get(category)!;
      const views = between(r, o.viewsPerSession);
      let current = weighted(r, list, (p) => appeal.get(p.key)!);
      const cart: GenProduct[] = [];
      for (let v = 0; v < views; v++) {
        events.push({ user: u, kind: 'view', product: current.key, basket: null, atMs: at });
        at += 15_000 + Math.floor(r() * 120_000);
        if (r() < o.cartRate && !cart.includes(current)) {
          cart.push(current);
          events.push({ user: u, kind: 'cart_add', product: current.key, basket: null, atMs: at });
          at += 5_000 + Math.floor(r() * 30_000);
        }
        // Next: a related item (near in the category's list) or another appealing one.
        const i = list.indexOf(current);
        current = r() < 0.6 && list.length > 1
          ? list[(i + list.length + (r() < 0.5 ? -1 : 1) * between(r, [1, Math.min(3, list.length - 1)])) % list.length]!
          : weighted(r, list, (p) => appeal.get(p.key)!);
      }
      if (cart.length > 0 && r() < o.purchaseRate) {
        const basket = `bsk-${o.seed}-${++baskets}`;
        const extra = complement.get(cart[0]!.key);
        if (extra && !cart.includes(extra) && r() < o.complementRate) cart.push(extra);
        for (const p of cart) events.push({ user: u, kind: 'purchase', product: p.key, basket, atMs: at });
      }
    }
  }
  // Stable: events of one session keep their order when times tie.
  return events.map((e, i) => [e, i] as const).sort((x, y) => x[0].atMs - y[0].atMs || x[1] - y[1]).map(([e]) => e);
}
