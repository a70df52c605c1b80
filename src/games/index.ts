// Public surface of the games module: daily check-in and provably fair lucky draws.
export { GamesService, type GamesDeps, type GamesCouponsPort, type CheckinResult, type CheckinStatus, type DrawView, type DrawSummary, type DrawState, type EntryView, type MyDraw } from './service.ts';
export * from './draw.ts';
export { CHECKIN_REWARDS, CHECKIN_TIME_ZONE_DEFAULT, dayOf, addDays, previousDay, daysBetween, nextStreak, currentStreak, rewardFor, isDay } from './streak.ts';
export { parseNewDraw, entrantOf, type NewDraw, type Prize, type PointsPrize, type CouponPrize } from './rules.ts';
export { gamesRoutes } from './routes.ts';
export { gamesMigrations } from './migrations/index.ts';
export type { GamesTables } from './tables.ts';
import type { Job } from '../jobs/index.ts';
import type { GamesService } from './service.ts';

export const gamesJob = (games: GamesService): Job => ({ name: 'games.draws', tick: (now) => games.tick(now) });
