// Shapes of the API answers the merchant console reads (see the server's schema.ts files).
export interface OrderItem { sku: string; name: string; qty: number; unitPriceMinor: string }
export interface Address { recipient: string; phone: string; country: string; region?: string; city: string; line1: string; line2?: string; postalCode?: string }
export interface TimelineStep { seq: number; kind: string; from: string | null; to: string; at: string; actor: string; data: Record<string, unknown>; leafIndex: number | null }
export interface Order {
  id: string; number: string; buyerId: string; merchantId: string; mode: string; state: string; currency: string; totalMinor: string;
  commissionMinor?: string; paid: boolean; overdue: boolean; locationId: string | null; carrier: string | null; trackingNumber: string | null;
  refundMinor: string | null; createdAt: string; updatedAt: string; shippedAt?: string | null; deliveredAt?: string | null; receivedAt?: string | null;
  items: OrderItem[]; shippingAddress?: Address | null; timeline?: TimelineStep[];
}
export interface Location { id: string; merchantId: string; name: string; code: string; createdAt: string }
export interface StockLevel { variantId: string; locationId: string; onHand: number; reserved: number; available: number; lowStockThreshold: number; updatedAt: string }
export interface Variant { id: string; productId: string; sku: string; title: string; options: Record<string, string>; priceMinor: string; currency: string; status: string }
export interface Product { id: string; merchantId: string; title: string; description: string; categoryId: string | null; status: string; currency: string; minPriceMinor: string | null; maxPriceMinor: string | null; variants: Variant[]; createdAt: string; updatedAt: string }
export interface ProductSummary { id: string; title: string; categoryId: string | null; status: string; currency: string; minPriceMinor: string | null; maxPriceMinor: string | null; variants: { id: string; sku: string; title: string; priceMinor: string; status: string }[]; updatedAt: string }
export interface Category { id: string; parentId: string | null; slug: string; name: string }
export interface Balance { account: string; currency: string; posted: string; pending: string; incoming: string; available: string }
export interface Batch { id: string; merchantId: string; currency: string; number: number; periodEnd: string; opening: string; total: string; closing: string; payoutMinor: string; lineCount: number; rootHash: string; payoutState: string; ledgerLeafIndex: number | null; createdAt: string; paidAt: string | null }
export interface BatchLine { lineNo: number; transferId: string; kind: string; orderId: string | null; amountMinor: string; currency: string; at: string }
export interface LineProof { batchId: string; merchantId: string; line: BatchLine; leafHash: string; index: number; treeSize: number; proof: string[]; rootHash: string; ledgerEntry: string; ledgerLeafIndex: number | null; ledgerReceipt: unknown }
export interface Review { id: string; productId: string; sku: string; rating: number; text: string; reply: { text: string; repliedAt: string } | null; createdAt: string; hidden: boolean; hiddenReason: string | null }
export interface Endpoint { id: string; url: string; events: string[]; enabled: boolean; createdAt: string; secret?: string }
