// For other areas (e.g. the buyer's or merchant's order page): hand a receipt to '/verify', which
// verifies it on arrival. Puts the JSON in sessionStorage under 'cm_receipt' (read once, then removed
// by the verify page) and navigates there. A plain link works too: '/verify?entry=<leaf index>' for a
// ledger entry, or '/verify?receipt=<encodeURIComponent(JSON)>' for a small receipt.
export const RECEIPT_STORAGE_KEY = 'cm_receipt';

/** Stores the receipt for '/verify' and returns the path to open (pass it to useLocation().route). */
export function handOverReceipt(receipt: unknown): string {
  sessionStorage.setItem(RECEIPT_STORAGE_KEY, typeof receipt === 'string' ? receipt : JSON.stringify(receipt));
  return '/verify';
}
