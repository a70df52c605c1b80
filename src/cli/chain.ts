import type { Hex } from 'viem';
import { configFromEnv } from '../config.ts';
import { chainClients, deployPlatformContracts } from '../chain/index.ts';

/** `chainmall chain deploy`: the platform's contracts, and the environment lines that switch anchoring and on-chain settlement on. */
export async function chainDeploy(o: { name?: string | undefined; symbol?: string | undefined }): Promise<number> {
  const config = configFromEnv();
  if (!config.chainRpcUrl) throw new Error('set CHAIN_RPC_URL to the chain\'s JSON-RPC endpoint');
  if (!config.chainPrivateKey) throw new Error('set CHAIN_PRIVATE_KEY to the platform account\'s key (0x…)');
  const c = chainClients({ rpcUrl: config.chainRpcUrl, chainId: config.chainId, privateKey: config.chainPrivateKey as Hex });
  const remoteId = await c.public.getChainId();
  if (remoteId !== config.chainId) throw new Error(`the node at CHAIN_RPC_URL is chain ${remoteId}, CHAIN_ID says ${config.chainId}`);
  const d = await deployPlatformContracts(c, { name: o.name ?? 'chainmall CNY', symbol: o.symbol ?? 'cmCNY' });
  console.log(`ANCHOR_CONTRACT=${d.anchor}\nTOKEN_CONTRACT=${d.token}\nESCROW_CONTRACT=${d.escrow}`);
  return 0;
}
