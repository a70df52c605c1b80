// Pure rules of the recommendations API: strategies, limits, and how each reason reads.
import { DomainError } from '../shared/errors.ts';

export const STRATEGIES = ['bought_together', 'viewed_together', 'for_you', 'popular'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const REASON_KINDS = ['bought_together', 'viewed_together', 'your_history', 'popular'] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

export const RECS_LIMIT_DEFAULT = 10;
export const RECS_LIMIT_MAX = 50;
/** History events read for "for you". */
export const HISTORY_EVENTS = 50;

export interface Reason {
  kind: ReasonKind;
  text: string;
  /** The products this recommendation comes from (none for popularity). */
  anchors: string[];
  /** Item-to-item: baskets or sessions that held both products. */
  coCount?: number;
}

/** Why popularity is shown instead of personal picks. */
export type PopularWhy = 'asked' | 'anonymous' | 'no_consent' | 'no_history' | 'no_neighbours';

export function limitOf(limit: number | undefined): number {
  if (limit === undefined) return RECS_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > RECS_LIMIT_MAX) throw new DomainError('recs.bad_limit', `limit must be in 1..${RECS_LIMIT_MAX}`, 400);
  return limit;
}

const quoted = (name: string | undefined) => (name === undefined ? 'a product no longer listed' : `“${name}”`);
const times = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function togetherReason(kind: 'bought_together' | 'viewed_together', anchor: string, anchorName: string | undefined, coCount: number): Reason {
  const text = kind === 'bought_together'
    ? `Often bought together with ${quoted(anchorName)} (in ${times(coCount, 'basket', 'baskets')})`
    : `Customers who viewed ${quoted(anchorName)} also viewed this (in ${times(coCount, 'session', 'sessions')})`;
  return { kind, text, anchors: [anchor], coCount };
}

const DID = { view: 'viewed', cart_add: 'added to your cart', purchase: 'bought' } as const;

export function historyReason(anchors: { productId: string; action: keyof typeof DID }[], names: ReadonlyMap<string, string>): Reason {
  const first = anchors[0]!;
  return { kind: 'your_history', text: `Because you ${DID[first.action]} ${quoted(names.get(first.productId))}`, anchors: anchors.map((a) => a.productId) };
}

const POPULAR_TEXT: Record<PopularWhy, string> = {
  asked: 'Popular right now',
  anonymous: 'Popular right now (sign in or allow personalisation to get picks from your activity)',
  no_consent: 'Popular right now: personalisation is off, so nothing you did is used',
  no_history: 'Popular right now (not enough of your activity yet for personal picks)',
  no_neighbours: 'Popular right now',
};

export const popularReason = (why: PopularWhy): Reason => ({ kind: 'popular', text: POPULAR_TEXT[why], anchors: [] });
