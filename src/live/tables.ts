import type { Generated } from 'kysely';

/** A live shopping session of one merchant: scheduled → live → ended. */
export interface LiveSessionTable {
  seq: Generated<number>;
  /** 'live_…' */
  id: string;
  merchant_id: string;
  title: string;
  description: string;
  stream_url: string;
  state: 'scheduled' | 'live' | 'ended';
  scheduled_at: string;
  started_at: string | null;
  ended_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/**
 * A variant pinned in a session at a live-only price, up to `quota` units. `sold` only moves by one
 * conditional UPDATE (sold + qty <= quota) inside the checkout's transaction, and back when an order
 * that claimed units is cancelled or rejected. unpinned_at set: no longer offered (history stays).
 */
export interface LivePinTable {
  seq: Generated<number>;
  /** 'lpin_…' */
  id: string;
  session_id: string;
  merchant_id: string;
  variant_id: string;
  live_price_minor: number | bigint | string;
  currency: string;
  quota: number;
  sold: number;
  pinned_by: string;
  pinned_at: string;
  unpinned_at: string | null;
}

/** Units of a pin an order took at the live price: returned (returned = 1) if the order is cancelled or rejected. */
export interface LiveClaimTable {
  order_id: string;
  pin_id: string;
  session_id: string;
  qty: number;
  returned: number;
  created_at: string;
}

export interface LiveMessageTable {
  seq: Generated<number>;
  /** 'lmsg_…' */
  id: string;
  session_id: string;
  user_id: string;
  text: string;
  created_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface LiveMuteTable {
  session_id: string;
  user_id: string;
  muted_by: string;
  muted_at: string;
}

export interface LiveTables {
  live_session: LiveSessionTable;
  live_pin: LivePinTable;
  live_claim: LiveClaimTable;
  live_message: LiveMessageTable;
  live_mute: LiveMuteTable;
}
