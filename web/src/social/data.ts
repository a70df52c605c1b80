// Types of the social API and the pending-referral memory (a visitor not yet signed in).
import { api, ApiError } from '../lib/api.ts';

export interface Page<T> { items: T[]; nextCursor: string | null }
export interface FollowState { merchantId: string; followers: number; following: boolean }
export interface Follow { merchantId: string; merchantName: string; followedAt: string }
export interface FeedItem { kind: string; id: string; at: string; merchantId: string; productId: string | null; title: string; href: string; priceMinor: string | null; currency: string | null }
export interface WishlistSummary { id: string; name: string; public: boolean; itemCount: number; createdAt: string; updatedAt: string }
export interface WishlistItem { productId: string; title: string; merchantId: string; available: boolean; priceMinor: string | null; currency: string | null; addedAt: string }
export interface Wishlist extends WishlistSummary { mine: boolean; items: WishlistItem[] }
export interface ReferralLink { id: string; code: string; url: string; productId: string; createdAt: string }
export interface ReferralStats extends ReferralLink { productTitle: string | null; visits: number; orders: number; pointsEarned: string; reversed: number }
export interface Answer { id: string; questionId: string; badge: 'seller' | 'verified_buyer'; text: string; hidden: boolean; createdAt: string }
export interface Question { id: string; productId: string; text: string; hidden: boolean; createdAt: string; answers: Answer[] }

const PENDING = 'cm_ref';
const CODE = /^[A-Za-z0-9_-]{22}$/;

/** Keeps a ?ref= code until the visitor signs in as a buyer. */
export function rememberReferral(code: string): void {
  if (CODE.test(code)) localStorage.setItem(PENDING, code);
}

/**
 * Posts a referral code for the signed-in buyer: the one given, or the one kept from before sign-in.
 * Refusals (own link, unknown code) are final and forget it; a network failure keeps it for later.
 */
export async function recordReferral(code?: string): Promise<boolean> {
  const c = code ?? localStorage.getItem(PENDING);
  if (!c || !CODE.test(c)) return false;
  try {
    await api.post('/api/referrals/visits', { code: c });
    localStorage.removeItem(PENDING);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0 && err.status < 500) localStorage.removeItem(PENDING);
    return false;
  }
}
