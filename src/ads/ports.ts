// What ads need of the catalog, as a narrow port, and its adapter over the catalog service.
import type { CatalogService, Product, ProductSummary } from '../catalog/index.ts';
import { DomainError } from '../shared/errors.ts';

export interface AdProduct {
  id: string;
  merchantId: string;
  title: string;
  categoryId: string | null;
  currency: string;
  minPriceMinor: bigint | null;
  image: { url: string; alt: string } | null;
  /** Active product of an active merchant with at least one active variant. */
  purchasable: boolean;
  skus: string[];
}

export interface AdsCatalogPort {
  /** The products among `ids` as the public sees them; those it cannot see (missing, draft, suspended merchant) are left out. */
  publicProducts(ids: readonly string[]): Promise<Map<string, AdProduct>>;
  /** The product if it belongs to this merchant (any status), else null. */
  merchantProduct(merchantId: string, id: string): Promise<AdProduct | null>;
  merchantCurrency(merchantId: string): Promise<string>;
}

const nullOn404 = (err: unknown) => {
  if (err instanceof DomainError && err.status === 404) return null;
  throw err;
};

export function catalogPort(catalog: CatalogService): AdsCatalogPort {
  const view = (p: Product | ProductSummary, publicView: boolean): AdProduct => {
    const active = p.variants.filter((v) => v.status === 'active');
    const image = 'images' in p ? p.images[0] : p.image;
    return {
      id: p.id,
      merchantId: p.merchantId,
      title: p.title,
      categoryId: p.categoryId,
      currency: p.currency,
      minPriceMinor: p.minPriceMinor,
      image: image ? { url: image.url, alt: image.alt } : null,
      purchasable: publicView && p.status === 'active' && active.length > 0,
      skus: p.variants.map((v) => v.sku),
    };
  };
  return {
    publicProducts: async (ids) => {
      const found = await catalog.publicSummaries(ids);
      return new Map([...found].map(([id, p]) => [id, view(p, true)]));
    },
    merchantProduct: (merchantId, id) =>
      catalog.product(id, { role: 'merchant_staff', merchantId }).then((p) => (p.merchantId === merchantId ? view(p, false) : null), nullOn404),
    merchantCurrency: async (merchantId) => (await catalog.merchant(catalog.db, merchantId)).currency,
  };
}
