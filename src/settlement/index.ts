// Public surface of the settlement module: other modules import only from here.
export { SettlementService, type Batch, type BatchWithLines, type BatchPage, type SettlementPayoutPort } from './service.ts';
export { settlementJob, startOfUtcDay } from './job.ts';
export {
  verifyLineProof,
  leafBytes,
  lineKindOf,
  orderIdOf,
  takeLines,
  totalsOf,
  treeOf,
  BatchTree,
  BATCH_CLOSED,
  PAYOUT_CODE,
  LINE_KINDS,
  PAYOUT_STATES,
  payoutTransferId,
  type Line,
  type LineKind,
  type LineProof,
  type PayoutState,
} from './rules.ts';
export { settlementRoutes } from './routes.ts';
export { settlementMigrations } from './migrations/index.ts';
export type { SettlementTables } from './tables.ts';
