import type { Job } from '../jobs/index.ts';
import type { AnalyticsService } from './service.ts';

/** Retention: events older than ANALYTICS_RETENTION_DAYS go, one bounded batch per tick. */
export const analyticsRetentionJob = (analytics: AnalyticsService): Job => ({
  name: 'analytics.retention',
  tick: (now) => analytics.purge(now),
});
