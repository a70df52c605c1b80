/**
 * Posts the log's latest signed checkpoint to CheckpointAnchor every N minutes or M entries, and
 * records the transaction in a ledger entry `anchor.posted`.
 *
 * Restart safety: the intended anchor (size, root, nonce) is stored before the transaction is
 * sent, and every tick first reconciles an open intent against the chain:
 *   - the contract already holds that size → it landed: record it (tx hash from the event);
 *   - the account's mined nonce passed the intent's nonce without it → abandoned, start afresh;
 *   - otherwise it was never sent, or is still pending → wait, or send with the *same* nonce,
 *     so two sends can never both be mined (and the contract refuses a repeated size anyway).
 * The ledger entry and the status change share one transaction, so the entry is written once.
 */
import { sql, type Kysely } from 'kysely';
import { toHex, type Address, type Hex } from 'viem';
import type { Database } from '../db/database.ts';
import type { Job } from '../jobs/index.ts';
import type { Ledger, LedgerStore } from '../ledger/index.ts';
import type { AppConfig } from '../config.ts';
import { anchorAbi, anchorHistory, chainClients, latestAnchor, type ChainClients } from './connector.ts';

export interface AnchorJobOptions {
  db: Kysely<Database>;
  ledger: Ledger;
  store: LedgerStore;
  origin: string;
  clients: ChainClients;
  contract: Address;
  /** Anchor when the log grew and this long passed since the last anchor. */
  everyMs: number;
  /** Anchor as soon as the log grew by this many entries. */
  everyEntries: number;
}

type Row = Database['chain_anchor'] extends infer T ? { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] } : never;

export class Anchorer {
  constructor(private readonly o: AnchorJobOptions) {}

  /** One step: reconcile an open intent, or start a new one when due. Returns 1 when an anchor was recorded. */
  async tick(now: Date): Promise<number> {
    const { db, store, origin } = this.o;
    const open = await db.selectFrom('chain_anchor').selectAll().where('origin', '=', origin).where('status', '=', 'intended').orderBy('id', 'desc').executeTakeFirst();
    if (open) return this.reconcile(norm(open), now);
    const block = await store.latestBlock();
    if (!block || block.treeSize === 0) return 0;
    const onChain = await latestAnchor(this.o.clients.public, this.o.contract, origin);
    if (block.treeSize <= onChain.treeSize) return 0;
    const last = await db.selectFrom('chain_anchor').selectAll().where('origin', '=', origin).where('status', '=', 'posted').orderBy('tree_size', 'desc').executeTakeFirst();
    const grown = block.treeSize - Math.max(onChain.treeSize, last ? Number(last.tree_size) : 0);
    const since = last?.posted_at ? now.getTime() - Date.parse(last.posted_at) : Infinity;
    if (grown < this.o.everyEntries && since < this.o.everyMs) return 0;
    const nonce = await this.o.clients.public.getTransactionCount({ address: this.o.clients.account.address, blockTag: 'pending' });
    const row = await this.openIntent(block.treeSize, block.rootHash, nonce, now);
    if (!row) return 0;
    return this.reconcile(row, now);
  }

  /** Persists the intended anchor before anything is sent; undefined when another instance holds the open intent. */
  async openIntent(treeSize: number, rootHash: Uint8Array, nonce: number, now: Date): Promise<Row | undefined> {
    const row = await this.o.db
      .insertInto('chain_anchor')
      .values({ origin: this.o.origin, tree_size: treeSize, root_hash: toHex(rootHash), nonce, tx_hash: null, status: 'intended', created_at: now.toISOString(), posted_at: null })
      // The partial unique index: a concurrent instance's intent wins, this one backs off.
      .onConflict((oc) => oc.column('origin').where(sql<boolean>`status = 'intended'`).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && norm(row);
  }

  private async reconcile(row: Row, now: Date): Promise<number> {
    const { clients, contract, origin, db } = this.o;
    const onChain = await latestAnchor(clients.public, contract, origin);
    if (onChain.treeSize >= row.tree_size) {
      const landed = (await anchorHistory(clients.public, contract, origin)).find((a) => a.treeSize === row.tree_size && toHex(a.rootHash) === row.root_hash);
      if (!landed) {
        // Another anchorer got a larger size in first; ours is moot.
        await db.updateTable('chain_anchor').set({ status: 'superseded' }).where('id', '=', row.id).where('status', '=', 'intended').execute();
        return 0;
      }
      return this.record(row, landed.txHash, now);
    }
    const mined = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: 'latest' });
    if (mined > row.nonce) {
      await db.updateTable('chain_anchor').set({ status: 'abandoned' }).where('id', '=', row.id).where('status', '=', 'intended').execute();
      return 0;
    }
    if (row.tx_hash) {
      const pending = await clients.public.getTransaction({ hash: row.tx_hash as Hex }).catch(() => null);
      if (pending) return 0; // still in the mempool: the next tick looks again
    }
    const hash = await clients.wallet.writeContract({
      address: contract,
      abi: anchorAbi(),
      functionName: 'anchor',
      args: [origin, BigInt(row.tree_size), row.root_hash as Hex],
      nonce: row.nonce,
    });
    await db.updateTable('chain_anchor').set({ tx_hash: hash }).where('id', '=', row.id).execute();
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      await db.updateTable('chain_anchor').set({ status: 'abandoned' }).where('id', '=', row.id).where('status', '=', 'intended').execute();
      throw new Error(`anchor transaction ${hash} reverted`);
    }
    return this.record(row, hash, now);
  }

  private async record(row: Row, txHash: Hex, now: Date): Promise<number> {
    const { db, ledger, clients, contract, origin } = this.o;
    const tickets = await db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('chain_anchor')
        .set({ status: 'posted', tx_hash: txHash, posted_at: now.toISOString() })
        .where('id', '=', row.id)
        .where('status', '=', 'intended')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return [];
      return ledger.append(trx, [
        {
          kind: 'anchor.posted',
          actor: 'system',
          subject: { log: origin },
          data: { treeSize: row.tree_size, rootHash: row.root_hash, chainId: clients.chain.id, contract, txHash },
        },
      ]);
    });
    if (tickets.length) await ledger.waitFor(tickets);
    return tickets.length;
  }
}

function norm(r: Database['chain_anchor'] extends infer T ? { [K in keyof T]: unknown } : never): Row {
  const x = r as Row;
  // PostgreSQL returns bigint columns as strings.
  return { ...x, id: Number(x.id), tree_size: Number(x.tree_size), nonce: Number(x.nonce) };
}

export function anchorJob(o: AnchorJobOptions): Job & { anchorer: Anchorer } {
  const anchorer = new Anchorer(o);
  return { name: 'chain.anchor', tick: (now) => anchorer.tick(now), anchorer };
}

/** The anchoring job when CHAIN_RPC_URL, CHAIN_PRIVATE_KEY and ANCHOR_CONTRACT are all set. */
export function anchorJobFromConfig(
  config: Pick<AppConfig, 'chainRpcUrl' | 'chainId' | 'chainPrivateKey' | 'anchorContract' | 'anchorEveryMinutes' | 'anchorEveryEntries' | 'origin'>,
  deps: { db: Kysely<Database>; ledger: Ledger; store: LedgerStore },
): (Job & { anchorer: Anchorer }) | undefined {
  if (!config.chainRpcUrl || !config.chainPrivateKey || !config.anchorContract) return undefined;
  return anchorJob({
    ...deps,
    origin: config.origin,
    clients: chainClients({ rpcUrl: config.chainRpcUrl, chainId: config.chainId, privateKey: config.chainPrivateKey as Hex }),
    contract: config.anchorContract as Address,
    everyMs: config.anchorEveryMinutes * 60_000,
    everyEntries: config.anchorEveryEntries,
  });
}
