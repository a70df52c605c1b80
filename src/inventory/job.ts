import type { Job } from '../jobs/index.ts';
import type { InventoryService } from './service.ts';

const EXPIRE_BATCH = 100;

/**
 * Releases reservations whose order was never paid in time (reason 'expired'). Wire it only when no
 * orders module cancels those orders itself (that path calls release() through the order's cancellation).
 */
export const inventoryJob = (inventory: InventoryService): Job => ({
  name: 'inventory.expire',
  tick: (now: Date) => inventory.releaseExpired(now, EXPIRE_BATCH),
});
