/**
 * Custodial chain keys for merchants who settle on chain, derived from the master key (HKDF use
 * "chain-custody", then HMAC per merchant), so no private key is stored: losing the database loses
 * no key, and rotating the master key would move every merchant to a new address.
 */
import { createHmac } from 'node:crypto';
import { privateKeyToAddress } from 'viem/accounts';
import type { Address, Hex } from 'viem';

// secp256k1's group order: a private key must lie in [1, n − 1].
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function custodialKey(seed: Buffer, merchantId: string): Hex {
  for (let i = 0; ; i++) {
    const d = createHmac('sha256', seed).update(`merchant:${merchantId}:${i}`).digest('hex');
    const k = BigInt(`0x${d}`);
    if (k > 0n && k < N) return `0x${d}`;
  }
}

export const custodialAddress = (seed: Buffer, merchantId: string): Address => privateKeyToAddress(custodialKey(seed, merchantId));
