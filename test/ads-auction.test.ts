// The sponsored-slot auction and its relevance, without a database.
import { describe, expect, it } from 'vitest';
import { keywordRelevance, relevanceOf, runAuction, type Bidder } from '../src/ads/auction.ts';
import { signImpression, verifyImpression, adsTokenKey } from '../src/ads/rules.ts';

const b = (campaignId: string, productId: string, bidMinor: number, relevance: number): Bidder => ({ campaignId, productId, bidMinor, relevance });

describe('ads auction (GSP weighted by relevance)', () => {
  const bids = [
    b('cA', 'pA', 100, 1000), // score 100 000
    b('cB', 'pB', 150, 700), //  score 105 000
    b('cC', 'pC', 80, 1000), //  score  80 000
    b('cD', 'pD', 300, 400), //  score 120 000
    b('cE', 'pE', 50, 1000), //  score  50 000
    b('cF', 'pD', 90, 1000), //  score  90 000, same product as cD: does not compete
  ];

  it('ranks by bid × relevance and charges each winner what keeps its position', () => {
    const won = runAuction(bids, { slots: 3, reserveMinor: 1 });
    expect(won.map((w) => [w.position, w.campaignId, w.productId, w.priceMinor])).toEqual([
      [1, 'cD', 'pD', 263], // ceil(105 000 / 400)
      [2, 'cB', 'pB', 143], // ceil(100 000 / 700)
      [3, 'cA', 'pA', 80], //  ceil(80 000 / 1000): the first loser's score
    ]);
    for (const w of won) expect(w.priceMinor).toBeLessThanOrEqual(w.bidMinor);
  });

  it('is deterministic whatever the input order', () => {
    const a = runAuction(bids);
    const r = runAuction([...bids].reverse());
    expect(r).toEqual(a);
  });

  it('the last candidate pays the reserve; below the reserve nobody competes', () => {
    expect(runAuction([b('c1', 'p1', 40, 700)], { reserveMinor: 5 })).toMatchObject([{ campaignId: 'c1', priceMinor: 5 }]);
    expect(runAuction([b('c1', 'p1', 4, 1000)], { reserveMinor: 5 })).toEqual([]);
    // More slots than bidders: everyone wins, the last at the reserve.
    expect(runAuction([b('c1', 'p1', 40, 1000), b('c2', 'p2', 30, 1000)], { slots: 3, reserveMinor: 2 }).map((w) => w.priceMinor)).toEqual([30, 2]);
  });

  it('the reserve is a floor for every price, and a price never exceeds the bid', () => {
    const won = runAuction([b('c1', 'p1', 10, 1000), b('c2', 'p2', 9, 100)], { reserveMinor: 3 });
    expect(won.map((w) => w.priceMinor)).toEqual([3, 3]); // ceil(900/1000)=1 → reserve 3
    const capped = runAuction([b('c1', 'p1', 10, 500), b('c2', 'p2', 20, 250)], { reserveMinor: 1 }); // tie on score 5000
    expect(capped.map((w) => [w.campaignId, w.priceMinor])).toEqual([['c2', 20], ['c1', 1]]); // tie: higher bid first, pays its bid
  });

  it('breaks ties by bid, then campaign id', () => {
    const won = runAuction([b('cb', 'p2', 100, 1000), b('ca', 'p1', 100, 1000)], { slots: 1 });
    expect(won).toMatchObject([{ campaignId: 'ca', priceMinor: 100 }]);
  });

  it('zero slots or zero relevance: no winners', () => {
    expect(runAuction(bids, { slots: 0 })).toEqual([]);
    expect(runAuction([b('c', 'p', 100, 0)])).toEqual([]);
  });
});

describe('ads relevance', () => {
  it('exact, phrase, broad, none', () => {
    expect(keywordRelevance('green tea', 'Green  Tea')).toBe(1000);
    expect(keywordRelevance('green tea', 'organic green tea')).toBe(700);
    expect(keywordRelevance('tea green', 'green tea leaves')).toBe(700);
    expect(keywordRelevance('green tea', 'green coffee')).toBe(400);
    expect(keywordRelevance('green tea', 'black coffee')).toBe(0);
    expect(keywordRelevance('茶壶', '紫砂茶壶')).toBe(700);
    expect(keywordRelevance('茶壶', '茶壶')).toBe(1000);
  });

  it('category pages, and the better of query and category', () => {
    const t = { keywords: ['teapot'], categoryIds: ['cat_1'] };
    expect(relevanceOf(t, { categoryId: 'cat_1' })).toBe(1000);
    expect(relevanceOf(t, { categoryId: 'cat_2' })).toBe(0);
    expect(relevanceOf(t, { q: 'clay teapot', categoryId: 'cat_2' })).toBe(700);
    expect(relevanceOf(t, { q: 'mug' })).toBe(0);
    expect(relevanceOf(t, {})).toBe(0);
  });
});

describe('impression tokens', () => {
  const key = adsTokenKey(Buffer.alloc(32, 7));
  const imp = { campaignId: 'adc_1', productId: 'p_1', priceMinor: 30, viewer: 'v:vis_x', at: 1_700_000_000_000 };
  it('round-trip, and any change is refused', () => {
    const t = signImpression(key, imp);
    expect(verifyImpression(key, t)).toEqual(imp);
    expect(verifyImpression(adsTokenKey(Buffer.alloc(32, 8)), t)).toBeNull();
    const [pfx, payload, mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ c: 'adc_1', p: 'p_1', pr: 1, v: 'v:vis_x', t: imp.at })).toString('base64url');
    expect(verifyImpression(key, `${pfx}.${forged}.${mac}`)).toBeNull();
    expect(verifyImpression(key, `${pfx}.${payload}.${mac!.slice(0, -2)}AA`)).toBeNull();
    expect(verifyImpression(key, 'nonsense')).toBeNull();
  });
});
