// Public surface of the ledger module: other modules import only from here.
export * from './merkle.ts';
export { Ledger, type Ticket } from './service.ts';
export { LedgerStore, type Block } from './store.ts';
export { Sequencer, BATCH_ENTRIES_MAX, type Integrated } from './sequencer.ts';
export { advisoryLeader, soleLeader, type Leadership } from './leadership.ts';
export { toEvent, entryBytes, eventBytes, parseEntry, commitment, ENTRY_BYTES_MAX, type LedgerEvent, type LedgerEventInput, type Json } from './entry.ts';
export { loadSigner } from './keys.ts';
export { ledgerRoutes } from './routes.ts';
export { logRoutes } from './log-routes.ts';
export { blockHash, GENESIS_PREV_HASH } from './block.ts';
export * from './note.ts';
export * from './checkpoint.ts';
export * from './tiles.ts';
export * from './receipt.ts';
export type { LedgerTables } from './tables.ts';
