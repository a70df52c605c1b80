import type { Generated } from 'kysely';

/** One check-in: at most one per (user, day), whatever races. day is YYYY-MM-DD in the check-in time zone. */
export interface GamesCheckinTable {
  user_id: string;
  day: string;
  /** Day of the streak this check-in made (1 after a gap). */
  streak: number;
  points: number;
  created_at: string;
}

/**
 * A lucky draw. state: open → closing → closed → revealed. seed is the secret (hex) whose SHA-256 is
 * seed_hash, published in draw.committed; no API serves it before the reveal. entrant_key (hex) keys
 * the HMAC that turns a user id into the draw's pseudonymous entrant id; it is never served.
 * The *_queue columns are the ledger tickets of draw.committed / draw.closed / draw.revealed.
 */
export interface GamesDrawTable {
  seq: Generated<number>;
  id: string;
  title: string;
  entry_cost: number;
  max_per_user: number;
  /** JSON array of prizes. */
  prizes: string;
  opens_at: string;
  closes_at: string;
  state: 'open' | 'closing' | 'closed' | 'revealed';
  seed: string;
  seed_hash: string;
  entrant_key: string;
  entry_count: number;
  commit_queue: number;
  closed_at: string | null;
  closed_early: number;
  checkpoint_size: number | null;
  checkpoint_root: string | null;
  checkpoint_text: string | null;
  entries_hash: string | null;
  close_queue: number | null;
  revealed_at: string | null;
  revealed_seed: string | null;
  /** JSON array of winning entry numbers, prize by prize. */
  winners: string | null;
  reveal_queue: number | null;
  created_by: string;
  created_at: string;
}

/** One paid entry: numbered 1.. per draw; user_entry_no counts the user's entries (unique, so a race cannot exceed the maximum). */
export interface GamesDrawEntryTable {
  draw_id: string;
  entry_no: number;
  user_id: string;
  user_entry_no: number;
  entrant: string;
  queue_id: number;
  created_at: string;
}

/** A prize handed out at the reveal; awarded 0/1 (coupon prizes are made after the reveal commits). */
export interface GamesDrawPrizeTable {
  draw_id: string;
  prize_no: number;
  entry_no: number;
  user_id: string;
  kind: 'points' | 'coupon';
  points: number | null;
  coupon_code: string | null;
  awarded: number;
  created_at: string;
}

export interface GamesTables {
  games_checkin: GamesCheckinTable;
  games_draw: GamesDrawTable;
  games_draw_entry: GamesDrawEntryTable;
  games_draw_prize: GamesDrawPrizeTable;
}
