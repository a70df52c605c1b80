import type { Generated } from 'kysely';

/** Entries committed by business transactions, waiting for the sequencer. */
export interface LedgerQueueTable {
  id: Generated<number>;
  body: Uint8Array;
}

/** Integrated entries: idx is the leaf index, dense from 0. */
export interface LedgerEntryTable {
  idx: number;
  queue_id: number;
  body: Uint8Array;
}

/** C2SP hash tiles: level L holds the hashes at tree level 8·L; hashes is the tile's (possibly partial) content. */
export interface LedgerTileTable {
  level: number;
  idx: number;
  hashes: Uint8Array;
  /** Inner nodes of heights 1..7 (see TileRow): proofs read them instead of rehashing. */
  inner: Uint8Array;
}

export interface LedgerBlockTable {
  height: number;
  prev_hash: Uint8Array;
  first_index: number;
  tree_size: number;
  root_hash: Uint8Array;
  time: string;
  checkpoint: string;
  block_hash: Uint8Array;
}

export interface LedgerTables {
  ledger_queue: LedgerQueueTable;
  ledger_entry: LedgerEntryTable;
  ledger_tile: LedgerTileTable;
  ledger_block: LedgerBlockTable;
}
