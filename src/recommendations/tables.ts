/**
 * The recommendation model's persisted aggregates (no personal data: no subject, no pseudonym).
 * Weights are forward-decayed relative to recs_state.landmark_ms (see model.ts), so adding events
 * is an increment and never rewrites old rows.
 */
export interface RecsStateTable {
  /** Always 1: one model. */
  id: number;
  /** Id of the last analytics event counted: the next batch starts after it. */
  cursor: number;
  /** Restarts replay events after this id (already counted) to rebuild the sessions still open. */
  replay_from: number;
  /** The forward-decay landmark; null until the first event. */
  landmark_ms: number | null;
  /** The latest event time seen. */
  stream_at_ms: number;
  updated_at: string;
}

/** Per product: occurrences in baskets ('bought') and sessions ('viewed'), and 'popular' weight. */
export interface RecsItemTable {
  tally: string;
  product_id: string;
  n: number;
  w: number;
}

/** Per unordered product pair (a < b) and signal: baskets or sessions holding both. */
export interface RecsPairTable {
  signal: string;
  a: string;
  b: string;
  n: number;
  w: number;
}

export interface RecsTables {
  recs_state: RecsStateTable;
  recs_item: RecsItemTable;
  recs_pair: RecsPairTable;
}
