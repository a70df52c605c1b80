import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Job } from '../jobs/index.ts';
import type { MoneyService } from '../money/index.ts';

export const MONEY_EXPIRY_BATCH = 100;

/**
 * Voids pending money transfers whose timeout has passed (checkout holds that were never posted),
 * one bounded batch per tick in one transaction. Safe on every instance: each void has a
 * deterministic id, so two sweepers racing make it once. The time is money's own clock (the
 * tick's `now` is not passed through: money.expirePending reads its clock itself).
 */
export function moneyExpiryJob(db: Kysely<Database>, money: MoneyService, batch = MONEY_EXPIRY_BATCH): Job {
  return {
    name: 'money.expire_pending',
    async tick() {
      const voided = await db.transaction().execute((trx) => money.expirePending(trx, batch));
      return voided.length;
    },
  };
}
