import type { Job } from '../jobs/index.ts';
import type { NotificationsService } from './service.ts';

/** The webhook delivery worker: each tick sends one bounded batch of due attempts. */
export const notificationsJob = (service: NotificationsService): Job => ({
  name: 'notifications.webhooks',
  tick: (now) => service.deliverDue(now),
});
