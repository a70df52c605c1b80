import type { Job } from '../jobs/index.ts';
import type { SettlementService } from './service.ts';

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `now` is in. */
export const startOfUtcDay = (now: Date): Date => new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);

/**
 * Daily settlement: once per UTC day, settles every receivable up to 00:00 UTC of that day, and on
 * every tick retries payouts still waiting for the gateway. Safe on every instance: settling a
 * period twice closes nothing new, and a payout is resolved once.
 */
export function settlementJob(service: SettlementService): Job {
  let settledDay: number | null = null;
  return {
    name: 'settlement',
    async tick(now: Date): Promise<number> {
      const day = startOfUtcDay(now);
      let done = 0;
      if (settledDay !== day.getTime()) {
        done += (await service.settle(day, 'system')).length;
        settledDay = day.getTime();
      }
      return done + (await service.settlePayouts());
    },
  };
}
