import type { Generated } from 'kysely';

/** One data key per user, wrapped by the key-encryption key. Deleting the row is the erasure. */
export interface PrivacyDataKeyTable {
  user_id: string;
  /** The 256-bit key sealed under the KEK with 'key:<user id>' as associated data. */
  wrapped: string;
  created_at: string;
}

/** Pseudonym keys by version; the newest live one names new events. Deleting a retired one unlinks its events for good. */
export interface PrivacyPseudonymKeyTable {
  version: number;
  wrapped: string;
  created_at: string;
  retired_at: string | null;
}

/** The current choice per subject ('user:usr_…' or 'visitor:vis_…') and purpose; its history is in the ledger. */
export interface PrivacyConsentTable {
  subject: string;
  purpose: string;
  granted: number;
  updated_at: string;
  /** The ledger queue id of the consent.* entry that made this choice. */
  queue_id: number;
}

/** Name, phone and saved addresses: one sealed JSON document per user. */
export interface PrivacyProfileTable {
  user_id: string;
  sealed: string;
  updated_at: string;
}

/** That a user was erased, when, and on whose request; nothing personal. */
export interface PrivacyErasureTable {
  user_id: string;
  requested_by: string;
  erased_at: string;
}

/** Every change of consent, oldest first: the user's own view of what the ledger holds. */
export interface PrivacyConsentLogTable {
  id: Generated<number>;
  subject: string;
  purpose: string;
  granted: number;
  pseudonym: string;
  at: string;
  queue_id: number;
}

/** Every staff read of a user's personal data (also a pii.accessed ledger entry), for the user's export. */
export interface PrivacyAccessLogTable {
  id: Generated<number>;
  user_id: string;
  actor: string;
  actor_role: string;
  fields: string;
  purpose: string;
  /** What the read was for, e.g. 'order:ord_…'. */
  ref: string | null;
  at: string;
  queue_id: number;
}

export interface PrivacyTables {
  privacy_consent_log: PrivacyConsentLogTable;
  privacy_access_log: PrivacyAccessLogTable;
  privacy_data_key: PrivacyDataKeyTable;
  privacy_pseudonym_key: PrivacyPseudonymKeyTable;
  privacy_consent: PrivacyConsentTable;
  privacy_profile: PrivacyProfileTable;
  privacy_erasure: PrivacyErasureTable;
}
