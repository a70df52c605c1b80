/** viem clients for an Ethereum-compatible chain (a Hardhat node in tests; Besu/Geth or an L2 in production). */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  toBytes,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
} from 'viem';
import { nonceManager, privateKeyToAccount } from 'viem/accounts';
import { compileContracts, type ContractName } from './compile.ts';
import { ANCHOR_ABI } from './abi.ts';

export interface ChainConfig {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
}

export interface ChainClients {
  chain: Chain;
  account: Account;
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
}

export function chainClients(c: ChainConfig): ChainClients {
  const chain = defineChain({
    id: c.chainId,
    name: `chain-${c.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [c.rpcUrl] } },
  });
  // The nonce manager hands out consecutive nonces to concurrent sends from this process.
  const account = privateKeyToAccount(c.privateKey, { nonceManager });
  const transport = http(c.rpcUrl);
  return {
    chain,
    account,
    public: createPublicClient({ chain, transport }),
    wallet: createWalletClient({ account, chain, transport }),
  };
}

/** Deploys one of our contracts and waits for it to be mined. */
export async function deployContract(c: ChainClients, name: ContractName, args: readonly unknown[]): Promise<{ address: Address; gasUsed: bigint }> {
  const { abi, bytecode } = compileContracts()[name];
  const hash = await c.wallet.deployContract({ abi, bytecode, args });
  const receipt = await c.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deploying ${name} failed (tx ${hash})`);
  return { address: receipt.contractAddress, gasUsed: receipt.gasUsed };
}

/** CheckpointAnchor with the deploying account as admin and anchorer unless another anchorer is named. */
export async function deployAnchor(c: ChainClients, anchorer: Address = c.account.address): Promise<Address> {
  return (await deployContract(c, 'CheckpointAnchor', [c.account.address, anchorer])).address;
}

export const originKey = (origin: string): Hex => keccak256(toBytes(origin));

export interface AnchorRecord {
  treeSize: number;
  rootHash: Uint8Array;
  txHash: Hex;
  blockNumber: bigint;
}

export { ANCHOR_ABI };
export const anchorAbi = () => ANCHOR_ABI;

/** The latest anchor of a log from the contract's view (treeSize 0: never anchored). */
export async function latestAnchor(client: PublicClient, contract: Address, origin: string): Promise<{ treeSize: number; rootHash: Uint8Array }> {
  const [size, root] = await client.readContract({ address: contract, abi: ANCHOR_ABI, functionName: 'latest', args: [origin] });
  return { treeSize: Number(size), rootHash: toBytes(root) };
}

/** Every anchor of a log, oldest first, from the Anchored events. */
export async function anchorHistory(client: PublicClient, contract: Address, origin: string): Promise<AnchorRecord[]> {
  const logs = await client.getContractEvents({
    address: contract,
    abi: ANCHOR_ABI,
    eventName: 'Anchored',
    args: { originHash: originKey(origin) },
    fromBlock: 0n,
    toBlock: 'latest',
    strict: true,
  });
  return logs.map((l) => {
    const a = l.args;
    return { treeSize: Number(a.treeSize), rootHash: toBytes(a.rootHash), txHash: l.transactionHash, blockNumber: l.blockNumber };
  });
}
