import type { Generated } from 'kysely';

/**
 * One behaviour event, keyed by the subject's pseudonym only: never a user id, e-mail, name, phone
 * or IP address. The flags are the consent at collection time (0/1: SQLite has no boolean); a row
 * with neither flag is never kept. id is the cursor consumers (recommendations) follow.
 */
export interface AnalyticsEventTable {
  id: Generated<number>;
  /** 'ps<keyVersion>_<hex>' */
  subject: string;
  /** EventKind */
  kind: string;
  product_id: string | null;
  /** Resolved server-side from the product via the catalog, never taken from the client. */
  merchant_id: string | null;
  /** search: the query, at most 100 characters, e-mail addresses and long digit runs masked. */
  query: string | null;
  /** rec_shown / rec_clicked: which recommendation list. */
  list: string | null;
  /** purchase: the checkout id, grouping the products bought together. */
  basket_id: string | null;
  /** The client's id of the event (dedupe); null for server events. */
  client_event_id: string | null;
  for_analytics: number;
  for_personalisation: number;
  /** ISO time: the client's time clamped to [received - 24 h, received]. */
  at: string;
  received_at: string;
}

export interface AnalyticsTables {
  analytics_event: AnalyticsEventTable;
}
