export { compileContracts, type Artifact, type Artifacts, type ContractName } from './compile.ts';
export { chainClients, deployContract, deployAnchor, ANCHOR_ABI, latestAnchor, anchorHistory, originKey, type ChainClients, type ChainConfig, type AnchorRecord } from './connector.ts';
export { anchorJob, anchorJobFromConfig, Anchorer, type AnchorJobOptions } from './anchor-job.ts';
export { checkAnchors, type AnchorCheck } from './verify-anchor.ts';
export type { ChainTables } from './tables.ts';
export { EscrowClient, chainOrderId, type Sent } from './escrow.ts';
