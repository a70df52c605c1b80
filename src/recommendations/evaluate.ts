// Offline evaluation: hold out each buyer's last new item, train on everything else, and count how
// often it is in the top 10 — for "for you", for item-to-item from the buyer's last item, and for
// the popularity baseline, all from the same trained model and with the same exclusions.
import type { GenEvent } from './generator.ts';
import { RecsModel, SIGNALS, type HistoryEvent, type ModelEvent, type ModelOptions } from './model.ts';

export interface Evaluation {
  users: number;
  /** Buyers with a held-out item and some history before it. */
  evaluated: number;
  trainEvents: number;
  hitRate: number;
  itemToItemHitRate: number;
  popularityHitRate: number;
}

const K = 10;

/** Top-k of the ranked ids, skipping excluded ones, then filled from popularity. */
export function topWithFill(ranked: readonly string[], popular: readonly { productId: string }[], exclude: ReadonlySet<string>, k: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of [...ranked, ...popular.map((p) => p.productId)]) {
    if (out.length >= k) break;
    if (exclude.has(id) || seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/** events: in time order (as generateSessions returns them). */
export function evaluate(events: readonly GenEvent[], options: Partial<ModelOptions> = {}): Evaluation {
  // The held-out item: per buyer, the last event whose product they had not touched before.
  const lastNew = new Map<number, number>();
  const touched = new Map<number, Set<string>>();
  events.forEach((e, i) => {
    const t = touched.get(e.user) ?? touched.set(e.user, new Set()).get(e.user)!;
    if (!t.has(e.product)) lastNew.set(e.user, i);
    t.add(e.product);
  });
  const train: ModelEvent[] = [];
  const history = new Map<number, HistoryEvent[]>();
  events.forEach((e, i) => {
    const cut = lastNew.get(e.user);
    if (cut !== undefined && i >= cut) return; // the held-out event and what followed it
    train.push({ id: train.length + 1, subject: `u${e.user}`, kind: e.kind, productId: e.product, basketId: e.basket, atMs: e.atMs });
    (history.get(e.user) ?? history.set(e.user, []).get(e.user)!).push({ productId: e.product, kind: e.kind });
  });
  const model = new RecsModel(options);
  model.commit(model.plan(train));
  const popular = model.popular();

  let evaluated = 0;
  let hits = 0;
  let itemHits = 0;
  let popularHits = 0;
  for (const [user, cut] of lastNew) {
    const h = history.get(user);
    if (!h || h.length === 0) continue;
    evaluated++;
    const target = events[cut]!.product;
    const newestFirst = [...h].reverse();
    const exclude = new Set(h.map((x) => x.productId!));
    if (topWithFill(model.forYou(newestFirst, K).map((p) => p.productId), popular, exclude, K).includes(target)) hits++;
    const last = newestFirst[0]!.productId!;
    const items = SIGNALS.flatMap((s) => model.neighbours(s, last)).sort((a, b) => b.score - a.score).map((n) => n.productId);
    if (topWithFill(items, popular, exclude, K).includes(target)) itemHits++;
    if (topWithFill([], popular, exclude, K).includes(target)) popularHits++;
  }
  const rate = (n: number) => (evaluated === 0 ? 0 : n / evaluated);
  return { users: touched.size, evaluated, trainEvents: train.length, hitRate: rate(hits), itemToItemHitRate: rate(itemHits), popularityHitRate: rate(popularHits) };
}
