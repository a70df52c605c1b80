// Public surface of the wallet module: other modules import only from here.
export {
  WalletService,
  type WalletConfig,
  type WalletBalance,
  type WalletLine,
  type WalletStatement,
  type PageOptions,
  type TopUpResult,
  type P2PResult,
  type Withdrawal,
  type WithdrawalPage,
  type CommandOptions,
  type Fence,
} from './service.ts';
export {
  WITHDRAWAL_STATES,
  WITHDRAWAL_FLOW,
  DEV_TOP_UP_MAJOR_MAX,
  TRANSFER_CODES,
  devTopUpMax,
  decisionProblem,
  holdTransferId,
  resolveTransferId,
  type WithdrawalState,
  type Decision,
} from './rules.ts';
export { moneyExpiryJob, MONEY_EXPIRY_BATCH } from './jobs.ts';
export { walletRoutes } from './routes.ts';
export { walletMigrations } from './migrations/index.ts';
export type { WalletTables } from './tables.ts';
