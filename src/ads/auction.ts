// The sponsored-slot auction: pure, integer-only, deterministic. No I/O.
//
// Relevance (how well a campaign fits the page) is an integer in per mille, 1..1000, i.e. a value in
// (0, 1] scaled by 1000 so that no float ever decides a price:
//   - category page: 1000 when the page's category is one of the campaign's category ids;
//   - search query, best of the campaign's keywords (text NFKC-normalised, lower-cased, split into
//     runs of letters and digits; a CJK run is one token):
//       exact   1000  the keyword's tokens are the query's tokens, in order;
//       phrase   700  every keyword token is among the query's tokens, or the keyword (spaces removed)
//                     is a substring of the query (spaces removed): "茶壶" in "紫砂茶壶";
//       broad    400  at least one keyword token is among the query's tokens;
//   - both a query and a category: the better of the two; neither matches: 0 (not eligible).
//
// Generalized second price, weighted by relevance: score = bid × relevance. Candidates are ranked by
// score (ties: higher bid, then campaign id, then product id — total and deterministic). At most one
// slot per product: of several campaigns advertising the same product only the best ranked competes
// (a merchant never bids against itself). The first N win; winner i pays the least bid that keeps its
// rank above the next candidate (winner or loser):
//   price_i = min(bid_i, max(reserve, ceil(score_{i+1} / relevance_i)))
// and the last candidate, with nobody below, pays the reserve. A bid below the reserve does not compete.
import { assert } from '../shared/assert.ts';

export const RELEVANCE_MAX = 1000;
export const RELEVANCE_EXACT = 1000;
export const RELEVANCE_PHRASE = 700;
export const RELEVANCE_BROAD = 400;
export const RELEVANCE_CATEGORY = 1000;
export const DEFAULT_SLOTS = 3;
export const DEFAULT_RESERVE_MINOR = 1;

export interface Bidder {
  campaignId: string;
  productId: string;
  /** Integer minor units, at least 1. */
  bidMinor: number;
  /** Per mille, 0..1000; 0 does not compete. */
  relevance: number;
}

export interface Winner extends Bidder {
  /** 1-based slot. */
  position: number;
  score: number;
  /** What a click on this slot costs: the clearing price. */
  priceMinor: number;
}

export interface AuctionOptions {
  slots?: number;
  reserveMinor?: number;
}

/** Lower-cased NFKC tokens: runs of letters, marks and digits. */
export function tokens(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** How well one keyword fits a query, per mille (0: not at all). */
export function keywordRelevance(keyword: string, query: string): number {
  const k = tokens(keyword);
  const q = tokens(query);
  if (k.length === 0 || q.length === 0) return 0;
  if (k.length === q.length && k.every((t, i) => t === q[i])) return RELEVANCE_EXACT;
  const qs = new Set(q);
  if (k.every((t) => qs.has(t)) || q.join('').includes(k.join(''))) return RELEVANCE_PHRASE;
  if (k.some((t) => qs.has(t))) return RELEVANCE_BROAD;
  return 0;
}

/** A campaign's relevance to a page (a search query and/or a category), per mille. */
export function relevanceOf(target: { keywords: readonly string[]; categoryIds: readonly string[] }, page: { q?: string | undefined; categoryId?: string | undefined }): number {
  let best = 0;
  if (page.categoryId !== undefined && target.categoryIds.includes(page.categoryId)) best = RELEVANCE_CATEGORY;
  if (page.q !== undefined && page.q.trim() !== '') {
    for (const k of target.keywords) best = Math.max(best, keywordRelevance(k, page.q));
  }
  assert(Number.isInteger(best) && best >= 0 && best <= RELEVANCE_MAX, 'ads: relevance out of range');
  return best;
}

const ceilDiv = (a: number, b: number) => Math.floor((a + b - 1) / b);

/** Rank order: score desc, bid desc, campaign id asc, product id asc. */
function compare(a: Bidder & { score: number }, b: Bidder & { score: number }): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.bidMinor !== b.bidMinor) return b.bidMinor - a.bidMinor;
  if (a.campaignId !== b.campaignId) return a.campaignId < b.campaignId ? -1 : 1;
  return a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0;
}

/** The winners of N slots with their clearing prices. Pure: the same bids give the same answer. */
export function runAuction(bidders: readonly Bidder[], opts: AuctionOptions = {}): Winner[] {
  const slots = opts.slots ?? DEFAULT_SLOTS;
  const reserve = opts.reserveMinor ?? DEFAULT_RESERVE_MINOR;
  assert(Number.isSafeInteger(slots) && slots >= 0, 'ads: slots must be a whole number');
  assert(Number.isSafeInteger(reserve) && reserve >= 1, 'ads: the reserve price must be at least 1 minor unit');
  const scored = bidders
    .filter((b) => b.relevance > 0 && b.bidMinor >= reserve)
    .map((b) => {
      assert(Number.isSafeInteger(b.bidMinor) && Number.isSafeInteger(b.relevance) && b.relevance <= RELEVANCE_MAX, `ads: bad bidder ${b.campaignId}`);
      const score = b.bidMinor * b.relevance;
      assert(Number.isSafeInteger(score), 'ads: score beyond a safe integer');
      return { ...b, score };
    })
    .sort(compare);
  // One slot per product: the best ranked campaign of each product competes.
  const seen = new Set<string>();
  const ranked = scored.filter((b) => (seen.has(b.productId) ? false : (seen.add(b.productId), true)));
  const winners: Winner[] = [];
  for (let i = 0; i < Math.min(slots, ranked.length); i++) {
    const me = ranked[i]!;
    const next = ranked[i + 1];
    const keep = next === undefined ? reserve : Math.max(reserve, ceilDiv(next.score, me.relevance));
    const priceMinor = Math.min(me.bidMinor, keep);
    assert(priceMinor >= reserve && priceMinor <= me.bidMinor, 'ads: a price is between the reserve and the bid');
    assert(next === undefined || me.score >= next.score, 'ads: ranks are by score');
    // At its price the winner still out-scores (or ties) the next one: it keeps its position.
    assert(next === undefined || priceMinor * me.relevance >= next.score || priceMinor === me.bidMinor, 'ads: a price keeps the position');
    winners.push({ campaignId: me.campaignId, productId: me.productId, bidMinor: me.bidMinor, relevance: me.relevance, position: i + 1, score: me.score, priceMinor });
  }
  return winners;
}
