// Public surface of the analytics module: other modules import only from here.
export {
  AnalyticsService,
  DEFAULT_LIMITS,
  type BehaviourEvent,
  type IngestResult,
  type AnalyticsDeps,
  type AnalyticsCatalogPort,
  type RateLimits,
  type PeriodQuery,
} from './service.ts';
export {
  EVENT_KINDS,
  CLIENT_KINDS,
  BATCH_MAX,
  QUERY_CHARS_MAX,
  FUNNEL_STEPS,
  checkClientEvents,
  clampTime,
  scrubQuery,
  suppressed,
  ratio,
  averageMinor,
  funnel,
  parsePeriod,
  daysOf,
  type EventKind,
  type EventInput,
  type CheckedEvent,
  type FunnelStep,
  type FunnelStepName,
} from './rules.ts';
export {
  merchantReport,
  merchantDaily,
  salesFigures,
  repeatBuyers,
  topProducts,
  TOP_PRODUCTS,
  type MerchantReport,
  type MerchantDaily,
  type SalesFigures,
  type TopProduct,
  type DayFigures,
} from './report.ts';
export { TokenBuckets, type BucketRule } from './limiter.ts';
export { analyticsRetentionJob } from './job.ts';
export { analyticsRoutes } from './routes.ts';
export { analyticsMigrations } from './migrations/index.ts';
export type { AnalyticsTables } from './tables.ts';
