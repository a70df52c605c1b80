// Public surface of the inventory module: other modules import only from here.
export {
  InventoryService,
  type Reservation,
  type ReservationLine,
  type ReserveInput,
  type Location,
  type StockLevel,
  type StockActor,
  type Page,
  type Fence,
  type InventoryOptions,
  type VariantMerchant,
} from './service.ts';
export {
  pickLocations,
  crossedLow,
  thresholdOf,
  mergeLines,
  canMove,
  RESERVATION_FLOW,
  RESERVATION_STATES,
  DEFAULT_LOW_STOCK_THRESHOLD,
  QTY_MAX,
  RESERVATION_LINES_MAX,
  type ReservationState,
} from './rules.ts';
export { inventoryJob } from './job.ts';
export { inventoryRoutes } from './routes.ts';
export { inventoryMigrations } from './migrations/index.ts';
export type { InventoryTables } from './tables.ts';
