import type { Address } from 'viem';
import { deployContract, type ChainClients } from './connector.ts';

export interface PlatformContracts {
  anchor: Address;
  token: Address;
  escrow: Address;
}

/**
 * Deploys the three contracts with the platform's account as admin, anchorer, token platform role
 * and escrow arbiter. Needs the compiler (a build-time dependency): run it from a source checkout.
 */
export async function deployPlatformContracts(c: ChainClients, token: { name: string; symbol: string }): Promise<PlatformContracts> {
  const me = c.account.address;
  const anchor = (await deployContract(c, 'CheckpointAnchor', [me, me])).address;
  const tokenAddress = (await deployContract(c, 'PlatformToken', [token.name, token.symbol, me, me])).address;
  const escrow = (await deployContract(c, 'OrderEscrow', [tokenAddress, me, me])).address;
  return { anchor, token: tokenAddress, escrow };
}
