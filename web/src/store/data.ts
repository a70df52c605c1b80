// The storefront's data: API shapes, merchants' public profiles (cached), the cart (the server's for
// a signed-in buyer; kept in this browser for a visitor until they sign in).
import { signal } from '@preact/signals';
import { api, qs } from '../lib/api.ts';
import { user } from '../lib/session.ts';

export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Category { id: string; name: string; slug: string; parentId: string | null }
export interface VariantSummary { id: string; sku: string; title: string; options: Record<string, string>; priceMinor: string; status: string }
export interface ProductSummary {
  id: string; merchantId: string; title: string; categoryId: string | null; status: string; currency: string;
  minPriceMinor: string | null; maxPriceMinor: string | null; image: { url: string; alt: string } | null; variants: VariantSummary[];
}
export interface Variant extends VariantSummary { productId: string; currency: string }
export interface Product {
  id: string; merchantId: string; title: string; description: string; categoryId: string | null; status: string; currency: string;
  minPriceMinor: string | null; maxPriceMinor: string | null; variants: Variant[]; images: { id: string; url: string; alt: string }[];
}
export interface Merchant { id: string; name: string; slug: string; currency: string; payOnReceipt: boolean }
export interface Rec { productId: string; name: string; score: number; reason: { kind: string; text: string; anchors: string[]; coCount?: number } }
export interface Recs { strategy: string; items: Rec[] }
export interface Rating { productId: string; average: string | null; count: number; visibleCount: number; hiddenCount: number; distribution: Record<'1' | '2' | '3' | '4' | '5', number> }
export interface Review { id: string; sku: string; rating: number; text: string; createdAt: string; reply: { text: string; repliedAt: string } | null }
export interface Availability { items: { variantId: string; available: number; inStock: boolean }[] }
export interface CartLine { variantId: string; qty: number; sku: string; name: string; merchantId: string; unitPriceMinor: string; currency: string; purchasable: boolean }
export interface Cart { lines: CartLine[]; merchants: { merchantId: string; currency: string; itemsMinor: string }[] }
export interface Address { label?: string; recipient: string; phone: string; country: string; region?: string; city: string; line1: string; line2?: string; postalCode?: string }
export interface Profile { name: string | null; phone: string | null; addresses: (Address & { label: string })[] }
export interface TimelineStep { seq: number; kind: string; from: string | null; to: string; at: string; actor: string; data: Record<string, unknown>; leafIndex: number | null }
export interface Order {
  id: string; number: string; checkoutId: string; buyerId: string; merchantId: string; mode: 'prepaid' | 'pay_on_receipt'; state: string;
  currency: string; totalMinor: string; paid: boolean; paymentId?: string | null; overdue: boolean; carrier?: string | null; trackingNumber?: string | null;
  refundMinor?: string | null; commitment: string; createdAt: string; updatedAt: string; receivedAt?: string | null; reviewEndsAt?: string | null;
  paymentDueAt?: string | null; autoConfirmAt?: string | null;
  items: { sku: string; name: string; qty: number; unitPriceMinor: string }[];
  shippingAddress?: Address | null; timeline?: TimelineStep[];
}
export interface Checkout { id: string; buyerId: string; createdAt: string; orders: Order[] }
export interface Payment {
  id: string; orderId: string | null; provider: string; amountMinor: string; currency: string; state: string; failure: string | null;
  clientParams: Record<string, unknown> | null; expiresAt: string;
}

const merchants = new Map<string, Promise<Merchant>>();
/** A merchant's public profile, fetched once per page load. */
export function merchant(id: string): Promise<Merchant> {
  let p = merchants.get(id);
  if (!p) {
    p = api.get<Merchant>(`/api/merchants/${encodeURIComponent(id)}`);
    p.catch(() => merchants.delete(id));
    merchants.set(id, p);
  }
  return p;
}
export const merchantsOf = async (ids: string[]): Promise<Map<string, Merchant>> =>
  new Map(await Promise.all([...new Set(ids)].map(async (id) => [id, await merchant(id)] as const)));

export const availability = (variantIds: string[]) =>
  variantIds.length === 0 ? Promise.resolve({ items: [] } as Availability) : api.get<Availability>(`/api/stock/availability${qs({ variantIds: variantIds.join(',') })}`);

export const recommendations = (strategy: string, productId?: string, limit = 6) =>
  api.get<Recs>(`/api/recommendations${qs({ strategy, productId, limit })}`);

// ---------------------------------------------------------------- the cart

const LOCAL_KEY = 'cm_cart';
/** A visitor's cart in this browser: what is needed to show it, until sign-in moves it to the server. */
export interface LocalLine { variantId: string; qty: number; sku: string; name: string; merchantId: string; unitPriceMinor: string; currency: string }

export function localCart(): LocalLine[] {
  try {
    const v = JSON.parse(localStorage.getItem(LOCAL_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as LocalLine[]).filter((l) => typeof l.variantId === 'string' && Number.isInteger(l.qty) && l.qty > 0) : [];
  } catch {
    return [];
  }
}
function saveLocal(lines: LocalLine[]): void {
  if (lines.length === 0) localStorage.removeItem(LOCAL_KEY);
  else localStorage.setItem(LOCAL_KEY, JSON.stringify(lines));
  cartVersion.value++;
}

/** Bumped whenever the cart changes, so views reload. */
export const cartVersion = signal(0);

export const getCart = () => api.get<Cart>('/api/cart');

export async function setCartQty(line: LocalLine, qty: number): Promise<void> {
  if (user.value?.role === 'buyer') {
    await api.put<Cart>(`/api/cart/items/${encodeURIComponent(line.variantId)}`, { qty });
    cartVersion.value++;
    return;
  }
  const lines = localCart().filter((l) => l.variantId !== line.variantId);
  if (qty > 0) lines.push({ ...line, qty });
  saveLocal(lines);
}

export async function addToCart(line: LocalLine): Promise<void> {
  if (user.value?.role === 'buyer') {
    const cart = await getCart();
    const have = cart.lines.find((l) => l.variantId === line.variantId)?.qty ?? 0;
    await setCartQty(line, have + line.qty);
    return;
  }
  const have = localCart().find((l) => l.variantId === line.variantId)?.qty ?? 0;
  await setCartQty(line, have + line.qty);
}

/** After sign-in: the visitor's lines join the buyer's cart on the server. */
export async function mergeLocalCart(): Promise<void> {
  if (user.value?.role !== 'buyer') return;
  const lines = localCart();
  if (lines.length === 0) return;
  const cart = await getCart();
  for (const l of lines) {
    const have = cart.lines.find((c) => c.variantId === l.variantId)?.qty ?? 0;
    await api.put<Cart>(`/api/cart/items/${encodeURIComponent(l.variantId)}`, { qty: have + l.qty });
  }
  saveLocal([]);
}

/** Downloads JSON as a file, without leaving the page. */
export function downloadJson(data: unknown, filename: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The stock state of a variant in words' keys. */
export const stockKey = (a: { available: number; inStock: boolean } | undefined): string =>
  a === undefined ? 'store.stock.unknown' : !a.inStock || a.available <= 0 ? 'store.stock.out' : a.available <= 5 ? 'store.stock.low' : 'store.stock.in';
