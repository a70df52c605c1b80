// Public surface of the money module: other modules import only from here.
export { MoneyService, STATEMENT_LIMIT_MAX } from './service.ts';
export { checkBalances, reconcileAccounts } from './reconcile.ts';
export { countersOf } from './rows.ts';
export type { Account, AccountBalance, Transfer, TransferOutcome, Statement, StatementLine, Imbalance } from './rows.ts';
export {
  parseAmount,
  parseCurrency,
  formatMinor,
  minorDigits,
  balanceOf,
  limitProblem,
  moveFor,
  replayMoney,
  systemAccountId,
  ownedAccountId,
  ACCOUNT_KINDS,
  SYSTEM_KINDS,
  NORMAL_SIDE,
  ENTRY_KINDS,
  ACCOUNT_OPENED,
  AMOUNT_MAX,
  DEFAULT_CURRENCY,
  POINTS_UNIT,
  TRANSFERS_BATCH_MAX,
  type AccountKind,
  type SystemKind,
  type AccountSpec,
  type AccountFlags,
  type Balance,
  type Counters,
  type TransferInput,
  type TransferType,
  type PendingStatus,
  type Replayed,
} from './rules.ts';
export { moneyMigrations } from './migrations/index.ts';
export type { MoneyTables } from './tables.ts';
