// Public surface of the notifications module: other modules import only from here.
export { NotificationsService, WEBHOOK_TIMEOUT_MS, noticeView } from './service.ts';
export type { NotificationsOptions, NoticeView, EndpointView, NewEndpointView, DeliveryView, DeliveryState, Page } from './service.ts';
export { notificationsRoutes } from './routes.ts';
export { notificationsJob } from './job.ts';
export { signWebhook, verifyWebhook, newWebhookSecret, secretKey, SECRET_PREFIX, TOLERANCE_S_DEFAULT, type WebhookHeaders } from './signing.ts';
export { isNonPublicAddress, parseWebhookUrl, checkWebhookTarget } from './address.ts';
export { RETRY_SCHEDULE_MS, ATTEMPTS_MAX, TEST_KIND, nextAttemptAt, subscribes, parseEvents } from './rules.ts';
export { sees, type Audience } from './hub.ts';
export { notificationsMigrations } from './migrations/index.ts';
export type { NotificationsTables } from './tables.ts';
