import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toHex } from '../shared/bytes.ts';

export interface BlockFields {
  height: number;
  prevHash: Uint8Array;
  firstIndex: number;
  treeSize: number;
  rootHash: Uint8Array;
  time: string;
  checkpoint: string;
}

export const GENESIS_PREV_HASH = new Uint8Array(32);

/** SHA-256 of the RFC 8785 form of the block header: chains blocks so that any rewrite shows. */
export function blockHash(b: BlockFields): Uint8Array {
  const doc = {
    height: b.height,
    prevBlockHash: toHex(b.prevHash),
    firstIndex: b.firstIndex,
    treeSize: b.treeSize,
    rootHash: toHex(b.rootHash),
    time: b.time,
    checkpoint: b.checkpoint,
  };
  return new Uint8Array(createHash('sha256').update(canonicalize(doc)!).digest());
}
