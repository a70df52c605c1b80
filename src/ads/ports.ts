// What ads need of the catalog, as a narrow port, and its adapter over the catalog service.
import type { CatalogService } from '../catalog/index.ts';
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
  /** The product as the public sees it; null when the public cannot see it (missing, draft, suspended merchant). */
  publicProduct(id: string): Promise<AdProduct | null>;
  /** The product if it belongs to this merchant (any status), else null. */
  merchantProduct(merchantId: string, id: string): Promise<AdProduct | null>;
  merchantCurrency(merchantId: string): Promise<string>;
}

const nullOn404 = (err: unknown) => {
  if (err instanceof DomainError && err.status === 404) return null;
  throw err;
};

export function catalogPort(catalog: CatalogService): AdsCatalogPort {
  const view = (p: Awaited<ReturnType<CatalogService['product']>>, publicView: boolean): AdProduct => {
    const active = p.variants.filter((v) => v.status === 'active');
    return {
      id: p.id,
      merchantId: p.merchantId,
      title: p.title,
      categoryId: p.categoryId,
      currency: p.currency,
      minPriceMinor: p.minPriceMinor,
      image: p.images[0] ? { url: p.images[0].url, alt: p.images[0].alt } : null,
      purchasable: publicView && p.status === 'active' && active.length > 0,
      skus: p.variants.map((v) => v.sku),
    };
  };
  return {
    publicProduct: (id) => catalog.product(id, null).then((p) => view(p, true), nullOn404),
    merchantProduct: (merchantId, id) =>
      catalog.product(id, { role: 'merchant_staff', merchantId }).then((p) => (p.merchantId === merchantId ? view(p, false) : null), nullOn404),
    merchantCurrency: async (merchantId) => (await catalog.merchant(catalog.db, merchantId)).currency,
  };
}
