import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import { assert } from '../shared/assert.ts';
import {
  AvailabilityQuery,
  AvailabilityView,
  LevelParams,
  LocationList,
  LocationsQuery,
  LocationView,
  NewLocationBody,
  problems,
  ReceiveBody,
  SetStockBody,
  StockLevelView,
  StockList,
  StockQuery,
} from './schema.ts';
import type { Fence, InventoryService, StockActor } from './service.ts';

type Level = { variantId: string; locationId: string };
type Paging = { merchantId?: string; cursor?: string; limit?: number };

/** Staff act for their merchant; admins (and auditors, reading) for any merchant they name. */
function stockActor(req: FastifyRequest, write: boolean): StockActor {
  const actor = write ? requireActor(req, 'merchant_staff', 'admin') : requireActor(req, 'merchant_staff', 'admin', 'auditor');
  if (actor.role !== 'merchant_staff') return { userId: actor.userId, merchantId: null };
  assert(actor.merchantId, 'inventory: merchant_staff without a merchant');
  return { userId: actor.userId, merchantId: actor.merchantId };
}

const fenceOf = (req: FastifyRequest): Fence => async (trx) => {
  await req.idempotency?.fence(trx);
};

/** Locations, stock levels and their changes for merchants; public availability. */
export const inventoryRoutes: FastifyPluginAsync<{ inventory: InventoryService }> = async (app, { inventory }) => {
  const tags = ['inventory'];

  app.get<{ Querystring: Paging }>(
    '/merchant/locations',
    { schema: { tags, security: SIGNED_IN, summary: 'Your stock locations, by code', querystring: LocationsQuery, response: { 200: LocationList, ...problems(400, 401, 403, 404) } } },
    async (req) => inventory.locations(inventory.db, stockActor(req, false), req.query),
  );

  app.post<{ Body: { name: string; code: string; merchantId?: string } }>(
    '/merchant/locations',
    { schema: { tags, security: SIGNED_IN, summary: 'Add a stock location (warehouse, shop)', body: NewLocationBody, response: { 201: LocationView, ...problems(400, 401, 403, 404, 409) } } },
    async (req, reply) => reply.code(201).send(await inventory.createLocation(stockActor(req, true), req.body)),
  );

  app.get<{ Querystring: Paging & { variantId?: string; locationId?: string } }>(
    '/merchant/stock',
    {
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Your stock levels per variant and location, by variant then location',
        querystring: StockQuery,
        response: { 200: StockList, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => inventory.levels(inventory.db, stockActor(req, false), req.query),
  );

  app.post<{ Params: Level; Body: { onHand: number; lowStockThreshold?: number } }>(
    '/merchant/stock/:variantId/:locationId',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Set the units on hand at a location after a count (and optionally the low-stock threshold)',
        description: 'Creates the level if new. Refused (409 stock.below_reserved) below the units reserved there. Writes a stock.adjusted ledger entry with the delta.',
        params: LevelParams,
        body: SetStockBody,
        response: { 200: StockLevelView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => inventory.setStock(stockActor(req, true), { ...req.params, ...req.body }, fenceOf(req)),
  );

  app.post<{ Params: Level; Body: { qty: number } }>(
    '/merchant/stock/:variantId/:locationId/receive',
    {
      config: { idempotent: true },
      schema: {
        tags,
        security: SIGNED_IN,
        summary: 'Add received units to a location',
        description: 'Creates the level if new. Writes a stock.received ledger entry.',
        params: LevelParams,
        body: ReceiveBody,
        response: { 200: StockLevelView, ...problems(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => inventory.receive(stockActor(req, true), { ...req.params, qty: req.body.qty }, fenceOf(req)),
  );

  app.get<{ Querystring: { variantIds: string } }>(
    '/stock/availability',
    { schema: { tags, summary: 'Units available to buy per variant (all locations)', querystring: AvailabilityQuery, response: { 200: AvailabilityView, ...problems(400) } } },
    async (req) => inventory.availability(inventory.db, req.query.variantIds.split(',')),
  );
};
