import type { Job } from '../jobs/index.ts';
import type { Leadership } from '../ledger/index.ts';

/** "chainrol" in ASCII: the advisory lock of the instance that signs chain transactions. */
export const CHAIN_ROLE_LOCK = '7163082312785227628';

/**
 * Runs the jobs that sign with the platform's chain key on one instance at a time: two instances
 * sending from one account would hand out the same nonce. The role moves when its holder dies.
 */
export function chainRoleJob(leadership: Leadership, jobs: Job[]): Job {
  return {
    name: 'chain.role',
    async tick(now) {
      if (!(await leadership.acquire())) return 0;
      let done = 0;
      let failed: unknown;
      // In turn, never at once: the anchor and the outbox share the platform account's nonces.
      for (const j of jobs) done += await j.tick(now).catch((err: unknown) => ((failed ??= err), 0));
      if (failed !== undefined) throw failed;
      return done;
    },
  };
}
