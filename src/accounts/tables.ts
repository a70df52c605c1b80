import type { Generated } from 'kysely';

/** A person or integration that signs in. The e-mail is here to log in with; it never reaches the ledger. */
export interface AccountsUserTable {
  /** 'usr_…': what the ledger, other modules and logs see. */
  id: string;
  /** The trimmed, lower-cased address sealed with the user's data key ('pii1.…'); 'erased:<id>' after erasure. */
  email: string;
  /** Keyed HMAC of the normalized address: unique, the login lookup. Null only on rows from before sealing. */
  email_index: string | null;
  /** PHC-style scrypt string (see password.ts): parameters, salt and key. Never leaves the service. */
  password_hash: string;
  role: string;
  /** merchant_staff only: the merchant they act for. */
  merchant_id: string | null;
  created_at: string;
}

/** A browser session: only the SHA-256 of the cookie's random token is stored. */
export interface AccountsSessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/** An integration token (`cm_…`): shown once, stored as its SHA-256, revoked by deleting the row. */
export interface AccountsApiTokenTable {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  /** The first characters of the token, so a person can tell their tokens apart; not a secret. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/**
 * Login attempts per (account, IP) bucket within the rate-limit window, kept in the database so
 * the limit holds across instances. bucket = SHA-256 of the normalized e-mail and the IP, never the e-mail.
 */
export interface AccountsLoginAttemptTable {
  id: Generated<number>;
  bucket: string;
  at: string;
}

export interface AccountsTables {
  accounts_user: AccountsUserTable;
  accounts_session: AccountsSessionTable;
  accounts_api_token: AccountsApiTokenTable;
  accounts_login_attempt: AccountsLoginAttemptTable;
}
