// Public surface of the points module.
export { PointsService, type PointsBalance, type PointsOrder } from './service.ts';
export { DEFAULT_POINTS_RULES, parseRules, pointsEarned, pointsValueMinor, redeemProblem, pointsBack, type PointsRules, type PointsPromotion, type EarnLine } from './rules.ts';
export { pointsRoutes } from './routes.ts';
export { pointsMigrations } from './migrations/index.ts';
export type { PointsTables } from './tables.ts';
import type { Job } from '../jobs/index.ts';
import type { PointsService } from './service.ts';

export const pointsJob = (points: PointsService): Job => ({ name: 'points.expire', tick: (now) => points.tick(now) });
