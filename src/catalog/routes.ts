import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import type { ProductStatus } from './rules.ts';
import {
  CategoryPage,
  CategoryView,
  CommissionRulePage,
  CommissionRuleView,
  IdParam,
  ImageView,
  MerchantPage,
  MerchantPatchBody,
  MerchantProductQuery,
  MerchantView,
  NewCategoryBody,
  NewCommissionRuleBody,
  NewImageBody,
  NewMerchantBody,
  NewProductBody,
  NewVariantBody,
  PageQuery,
  problems,
  ProductPage,
  ProductPatchBody,
  ProductQuery,
  ProductView,
  PublicMerchantView,
  VariantPatchBody,
  VariantView,
} from './schema.ts';
import type { CatalogService, MerchantPatch, NewCategory, NewCommissionRule, NewImage, NewMerchant, NewProduct, NewVariant, ProductPatch, VariantPatch } from './service.ts';
import { imageJson, productJson, publicMerchantJson, summaryPageJson, variantJson } from './views.ts';

type Id = { Params: { id: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };

/** The merchant a merchant_staff caller acts for (403 for every other role). */
function staff(req: FastifyRequest): { userId: string; merchantId: string } {
  const actor = requireActor(req, 'merchant_staff');
  assert(actor.merchantId !== undefined, 'catalog: merchant_staff actor without a merchantId');
  return { userId: actor.userId, merchantId: actor.merchantId };
}

/** Catalog: public browsing and search, the merchant console's product writes, and admin set-up. */
export const catalogRoutes: FastifyPluginAsync<{ catalog: CatalogService }> = async (app, { catalog }) => {
  const tags = ['catalog'];

  // ---------------------------------------------------------------- public

  app.get<{ Querystring: { q?: string; categoryId?: string; merchantId?: string; cursor?: string; limit?: number } }>(
    '/products',
    {
      schema: {
        tags,
        summary: 'Search and browse active products of active merchants, newest first',
        querystring: ProductQuery,
        response: { 200: ProductPage, ...problems(400) },
      },
    },
    async (req) => summaryPageJson(await catalog.searchProducts(req.query)),
  );

  app.get<Id>(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'One product with its variants and images',
        description: 'Drafts, archived products and those of suspended merchants are 404 except for the merchant\'s staff and admins.',
        params: IdParam,
        response: { 200: ProductView, ...problems(404) },
      },
    },
    async (req, reply) => {
      const product = await catalog.product(req.params.id, req.actor);
      if (req.actor) reply.header('cache-control', 'private, no-store');
      return productJson(product);
    },
  );

  app.get<PageQ>(
    '/categories',
    { schema: { tags, summary: 'Categories in creation order (a parent before its children)', querystring: PageQuery, response: { 200: CategoryPage, ...problems(400) } } },
    async (req) => catalog.categories(req.query),
  );

  app.get<Id>(
    '/merchants/:id',
    { schema: { tags, summary: 'A merchant\'s public profile', params: IdParam, response: { 200: PublicMerchantView, ...problems(404) } } },
    async (req) => publicMerchantJson(await catalog.merchant(catalog.db, req.params.id)),
  );

  // ---------------------------------------------------------------- merchant staff

  app.get<{ Querystring: { status?: ProductStatus; cursor?: string; limit?: number } }>(
    '/merchant/products',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: your merchant\'s products, drafts and archived ones included',
        querystring: MerchantProductQuery,
        response: { 200: ProductPage, ...problems(400, 401, 403) },
      },
    },
    async (req) => summaryPageJson(await catalog.merchantProducts(staff(req).merchantId, req.query)),
  );

  app.post<{ Body: NewProduct }>(
    '/merchant/products',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: create a product (draft unless status says otherwise), optionally with variants and images',
        body: NewProductBody,
        response: { 201: ProductView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const s = staff(req);
      return reply.code(201).send(productJson(await catalog.createProduct(s.merchantId, s.userId, req.body)));
    },
  );

  app.patch<Id & { Body: ProductPatch }>(
    '/merchant/products/:id',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: edit a product or change its status (draft, active, archived)',
        params: IdParam,
        body: ProductPatchBody,
        response: { 200: ProductView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const s = staff(req);
      return productJson(await catalog.updateProduct(s.merchantId, s.userId, req.params.id, req.body));
    },
  );

  app.post<Id & { Body: NewVariant }>(
    '/merchant/products/:id/variants',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: add a variant (SKU unique per merchant, price in the merchant\'s currency)',
        params: IdParam,
        body: NewVariantBody,
        response: { 201: VariantView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const s = staff(req);
      return reply.code(201).send(variantJson(await catalog.addVariant(s.merchantId, s.userId, req.params.id, req.body)));
    },
  );

  app.patch<Id & { Body: VariantPatch }>(
    '/merchant/variants/:id',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: edit a variant (price, SKU, options, status)',
        params: IdParam,
        body: VariantPatchBody,
        response: { 200: VariantView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const s = staff(req);
      return variantJson(await catalog.updateVariant(s.merchantId, s.userId, req.params.id, req.body));
    },
  );

  app.post<Id & { Body: NewImage }>(
    '/merchant/products/:id/images',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Merchant staff: add an image by URL (https or http)',
        params: IdParam,
        body: NewImageBody,
        response: { 201: ImageView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const s = staff(req);
      return reply.code(201).send(imageJson(await catalog.addImage(s.merchantId, s.userId, req.params.id, req.body)));
    },
  );

  // ---------------------------------------------------------------- admin

  app.post<{ Body: NewMerchant }>(
    '/admin/merchants',
    { schema: { tags, security: SIGNED_IN, summary: 'Admin: create a merchant', body: NewMerchantBody, response: { 201: MerchantView, ...problems(400, 401, 403, 409) } } },
    async (req, reply) => {
      const actor = requireActor(req, 'admin');
      return reply.code(201).send(await catalog.createMerchant(actor.userId, req.body));
    },
  );

  app.patch<Id & { Body: MerchantPatch }>(
    '/admin/merchants/:id',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: suspend or reactivate a merchant, change its commission, pay-on-receipt, unpaid limit or terms',
        description: 'Changes of terms and status are ledger entries (merchant.terms_changed, merchant.status_changed).',
        params: IdParam,
        body: MerchantPatchBody,
        response: { 200: MerchantView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = requireActor(req, 'admin');
      return catalog.updateMerchant(actor.userId, req.params.id, req.body);
    },
  );

  app.get<PageQ>(
    '/admin/merchants',
    { schema: { tags, security: SIGNED_IN, summary: 'Admin and auditor: every merchant with its terms', querystring: PageQuery, response: { 200: MerchantPage, ...problems(400, 401, 403) } } },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return catalog.merchants(req.query);
    },
  );

  app.post<{ Body: NewCommissionRule }>(
    '/admin/commission-rules',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Admin: set the commission for a category, or for one merchant in a category',
        description:
          'Resolution, most specific first: merchant + category, then category; then the same for each parent category; else the merchant\'s commissionBps. Setting an existing rule replaces its bps.',
        body: NewCommissionRuleBody,
        response: { 200: CommissionRuleView, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const actor = requireActor(req, 'admin');
      return catalog.setCommissionRule(actor.userId, req.body);
    },
  );

  app.get<PageQ>(
    '/admin/commission-rules',
    { schema: { tags, security: SIGNED_IN, summary: 'Admin and auditor: commission rules', querystring: PageQuery, response: { 200: CommissionRulePage, ...problems(400, 401, 403) } } },
    async (req) => {
      requireActor(req, 'admin', 'auditor');
      return catalog.commissionRules(req.query);
    },
  );

  app.post<{ Body: NewCategory }>(
    '/admin/categories',
    { schema: { tags, security: SIGNED_IN, summary: 'Admin: create a category, optionally under a parent', body: NewCategoryBody, response: { 201: CategoryView, ...problems(400, 401, 403, 409) } } },
    async (req, reply) => {
      const actor = requireActor(req, 'admin');
      return reply.code(201).send(await catalog.createCategory(actor.userId, req.body));
    },
  );
};
