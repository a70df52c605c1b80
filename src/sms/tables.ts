import type { Generated } from 'kysely';

/**
 * One SMS one-time code. The code itself is never stored: code_hash is scrypt over (code, id,
 * context), and the context it authorizes is kept only as its SHA-256 (context_hash). At most one
 * code per (user, purpose) is open (used_at and superseded_at both null): a unique partial index.
 */
export interface SmsCodeTable {
  id: string;
  user_id: string;
  purpose: string;
  /** Hex SHA-256 of the context the code authorizes (e.g. 'checkout:<hash>' or 'order:<id>'). */
  context_hash: string;
  /** 32 bytes: scrypt(code, salt(id, context)). */
  code_hash: Uint8Array;
  /** Verification attempts spent, wrong or right; counted outside the caller's transaction. */
  attempts: Generated<number>;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** Set when a newer request replaced this code, or when sending it failed. */
  superseded_at: string | null;
}

/** One row per (user, purpose): locked by each request so that the rate limit is counted serially. */
export interface SmsLimitTable {
  user_id: string;
  purpose: string;
  touched_at: string;
}

export interface SmsTables {
  sms_code: SmsCodeTable;
  sms_limit: SmsLimitTable;
}
