import type { Generated } from 'kysely';

/** An in-app notice for one user or for every staff user of one merchant (exactly one audience). */
export interface NotificationsNoticeTable {
  /** Insertion order; the SSE event id. */
  seq: Generated<number>;
  /** Public id, ntf_…. */
  id: string;
  audience_user_id: string | null;
  audience_merchant_id: string | null;
  kind: string;
  /** JSON object text. */
  data: string;
  created_at: string;
  read_at: string | null;
}

export interface NotificationsWebhookEndpointTable {
  id: string;
  merchant_id: string;
  url: string;
  /** whsec_<base64>: the signing key, needed in clear to sign. */
  secret: string;
  /** JSON array of event kinds ('*' for all, 'order.*' for a family). */
  events: string;
  /** 0/1; an endpoint that answers 410 Gone is disabled. */
  enabled: Generated<number>;
  created_at: string;
}

export interface NotificationsWebhookDeliveryTable {
  seq: Generated<number>;
  /** msg_…, sent as webhook-id. */
  id: string;
  endpoint_id: string;
  kind: string;
  /** The exact body sent on every attempt, fixed at enqueue time. */
  payload: string;
  state: string;
  attempts: Generated<number>;
  /** Pending only: when the next attempt is due (while an attempt runs, the end of its lease). */
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationsTables {
  notifications_notice: NotificationsNoticeTable;
  notifications_webhook_endpoint: NotificationsWebhookEndpointTable;
  notifications_webhook_delivery: NotificationsWebhookDeliveryTable;
}
