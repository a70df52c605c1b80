// Service objects → JSON bodies: bigint amounts become decimal strings ("4990").
import type { Image, Merchant, Product, ProductSummary, Variant } from './service.ts';
import type { Page } from './rules.ts';

const minor = (n: bigint | null) => (n === null ? null : n.toString());

export const variantJson = (v: Variant) => ({ ...v, priceMinor: v.priceMinor.toString() });

export const imageJson = (i: Image) => i;

export const productJson = (p: Product) => ({
  ...p,
  minPriceMinor: minor(p.minPriceMinor),
  maxPriceMinor: minor(p.maxPriceMinor),
  variants: p.variants.map(variantJson),
});

export const summaryJson = (p: ProductSummary) => ({
  ...p,
  minPriceMinor: minor(p.minPriceMinor),
  maxPriceMinor: minor(p.maxPriceMinor),
  variants: p.variants.map((v) => ({ ...v, priceMinor: v.priceMinor.toString() })),
});

export const summaryPageJson = (page: Page<ProductSummary>) => ({ items: page.items.map(summaryJson), nextCursor: page.nextCursor });

export const publicMerchantJson = (m: Merchant) => ({ id: m.id, name: m.name, slug: m.slug, currency: m.currency, payOnReceipt: m.payOnReceipt });
