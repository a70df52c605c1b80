/**
 * Checks that the log's current tree is consistent (RFC 9162) with every checkpoint anchored on
 * chain. An anchored size beyond the tree, or a consistency proof that fails, means the log's
 * history was rewritten after it was anchored: a fork.
 */
import { toHex, type Address, type PublicClient } from 'viem';
import { consistencyPlan, verifyConsistency, type LedgerStore } from '../ledger/index.ts';
import { anchorHistory } from './connector.ts';

export interface AnchorCheck {
  ok: boolean;
  treeSize: number;
  anchors: number;
  /** The first anchored checkpoint the log is not consistent with. */
  fork?: { treeSize: number; rootHash: string; txHash: string; message: string };
}

export async function checkAnchors(store: LedgerStore, origin: string, client: PublicClient, contract: Address): Promise<AnchorCheck> {
  const latest = await store.latestBlock();
  const size = latest?.treeSize ?? 0;
  const anchors = await anchorHistory(client, contract, origin);
  for (const a of anchors) {
    let ok = false;
    if (a.treeSize <= size && latest) {
      const proof = a.treeSize === size ? [] : await store.evalPlan(consistencyPlan(a.treeSize, size));
      ok = verifyConsistency(a.treeSize, size, proof, a.rootHash, latest.rootHash);
    }
    if (!ok) {
      const why = a.treeSize > size ? `the log has only ${size} entries` : `the log's tree of size ${size} is not consistent with it`;
      return {
        ok: false,
        treeSize: size,
        anchors: anchors.length,
        fork: { treeSize: a.treeSize, rootHash: toHex(a.rootHash), txHash: a.txHash, message: `FORK: anchored checkpoint at tree size ${a.treeSize} (tx ${a.txHash}): ${why}` },
      };
    }
  }
  return { ok: true, treeSize: size, anchors: anchors.length };
}
