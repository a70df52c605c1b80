// Demo behaviour for a fresh install: the demo buyers (and some anonymous visitors) consent, browse
// and buy according to generated sessions over the catalog's categories, so that every strategy of
// GET /api/recommendations has something to show. Everything goes through analytics and privacy
// like real traffic; purchases are behaviour events only (no orders are placed).
import type { Purpose, Subject } from '../privacy/index.ts';
import type { ProductSummary } from '../catalog/index.ts';
import { newVisitorId } from '../privacy/index.ts';
import { generateSessions, type GenEvent } from './generator.ts';

export interface DemoBehaviourDeps {
  catalog: { searchProducts(q: { limit?: number; cursor?: string }): Promise<{ items: ProductSummary[]; nextCursor: string | null }> };
  privacy: { setConsent(subject: Subject, choices: Partial<Record<Purpose, boolean>>): Promise<unknown> };
  analytics: {
    ingest(subject: Subject, events: { id: string; kind: 'view' | 'cart_add'; productId: string; at: string }[]): Promise<unknown>;
    recordPurchase(buyerId: string, basketId: string, productIds: string[]): Promise<void>;
  };
  recommendations: { refresh(now: Date): Promise<number> };
}

const HOUR = 3600_000;
const VISITORS = 40;

/** Generated sessions for the buyers (user ids) and VISITORS anonymous visitors; returns the events stored. */
export async function seedDemoBehaviour(deps: DemoBehaviourDeps, buyerIds: string[], now = new Date()): Promise<number> {
  const products: ProductSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: ProductSummary[]; nextCursor: string | null } = await deps.catalog.searchProducts({ limit: 100, ...(cursor ? { cursor } : {}) });
    products.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (products.length < 2) return 0;
  const subjects: Subject[] = [...buyerIds.map((userId) => ({ userId })), ...Array.from({ length: VISITORS }, () => ({ visitorId: newVisitorId() }))];
  const catalog = products.map((p) => ({ key: p.id, category: p.categoryId ?? 'none' }));
  // The last 20 hours: analytics keeps client times within a day.
  const window = { startMs: now.getTime() - 21 * HOUR, spanMs: 20 * HOUR };
  // Only signed-in buyers' purchases are recorded, so the few demo buyers shop often: their baskets make "bought together".
  const buying = generateSessions(catalog, { ...window, users: buyerIds.length, seed: 2026, sessionsPerUser: [8, 12], cartRate: 0.4, purchaseRate: 0.9 });
  const browsing = generateSessions(catalog, { ...window, users: VISITORS, seed: 2027, sessionsPerUser: [2, 5] });
  const byUser = new Map<number, GenEvent[]>();
  for (const e of [...buying, ...browsing.map((e) => ({ ...e, user: e.user + buyerIds.length }))]) (byUser.get(e.user) ?? byUser.set(e.user, []).get(e.user)!).push(e);
  let stored = 0;
  for (const [u, list] of byUser) {
    const subject = subjects[u]!;
    await deps.privacy.setConsent(subject, { analytics: true, personalisation: true });
    const seen = list.filter((e) => e.kind !== 'purchase');
    await deps.analytics.ingest(subject, seen.map((e, i) => ({ id: `demo-${u}-${i}`, kind: e.kind as 'view' | 'cart_add', productId: e.product, at: new Date(e.atMs).toISOString() })));
    stored += seen.length;
    // Purchases are recorded by the server for signed-in buyers only.
    if (!('userId' in subject)) continue;
    const baskets = new Map<string, string[]>();
    for (const e of list) if (e.kind === 'purchase') (baskets.get(e.basket!) ?? baskets.set(e.basket!, []).get(e.basket!)!).push(e.product);
    for (const [basket, ids] of baskets) {
      await deps.analytics.recordPurchase(subject.userId, `demo-${basket}`, ids);
      stored += ids.length;
    }
  }
  while ((await deps.recommendations.refresh(now)) > 0);
  return stored;
}
