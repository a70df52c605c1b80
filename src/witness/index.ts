// Public surface of the witness module: cosignatures (pure), the witness server, the log's submitter.
export * from './cosignature.ts';
export { formatAddCheckpoint, parseAddCheckpoint, MAX_PROOF_LINES, type AddCheckpoint } from './protocol.ts';
export { Witness, type WitnessOptions, type WitnessReply } from './witness.ts';
export { WitnessStore, type WitnessedState } from './store.ts';
export { witnessHttp } from './server.ts';
export { startWitness, witnessCli, loadCosigner, parseLogFlag, type RunningWitness, type WitnessCliOptions } from './cli.ts';
export { WitnessingService, parseWitnessList, type WitnessEndpoint, type WitnessingOptions } from './service.ts';
export { witnessLogRoutes } from './routes.ts';
export { witnessMigrations } from './migrations/index.ts';
export type { WitnessTables } from './tables.ts';
export { cosignatureThroughput } from './bench.ts';
