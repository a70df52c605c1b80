/** What the log keeps about its witnesses (tlog-witness client side). */
export interface WitnessStateTable {
  /** The witness's cosigner verifier key: identifies it across URL changes. */
  witness: string;
  /** The size of the latest checkpoint this witness cosigned, as far as the log knows (0: none). */
  size: number;
  updated_at: string;
}

export interface WitnessCosignatureTable {
  witness: string;
  tree_size: number;
  /** The log-signed checkpoint note the witness cosigned. */
  checkpoint: string;
  /** The cosignature note line, with its newline. */
  line: string;
  /** The witness's timestamp (POSIX seconds). */
  cosigned_at: number;
}

export interface WitnessTables {
  witness_state: WitnessStateTable;
  witness_cosignature: WitnessCosignatureTable;
}
