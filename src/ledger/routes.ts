import type { FastifyPluginAsync } from 'fastify';
import { toHex } from '../shared/bytes.ts';
import { notFound } from '../shared/errors.ts';
import { toB64 } from '../shared/bytes.ts';
import { parseEntry } from './entry.ts';
import { hashLeaf } from './merkle.ts';
import { BlockView, ConsistencyView, EntryView, EntryWithReceipt, indexParam, KeyView, OrderEntriesParams, OrderEntriesView, page, pageQuery, ReceiptView } from './schema.ts';
import type { Ledger } from './service.ts';
import type { Block } from './store.ts';

const blockView = (b: Block) => ({
  height: b.height,
  prevBlockHash: toHex(b.prevHash),
  blockHash: toHex(b.blockHash),
  firstIndex: b.firstIndex,
  treeSize: b.treeSize,
  entryCount: b.treeSize - b.firstIndex,
  rootHash: toHex(b.rootHash),
  time: b.time,
  checkpoint: b.checkpoint,
});

const entryView = (index: number, body: Uint8Array) => ({ index, leafHash: toHex(hashLeaf(body)), event: parseEntry(body) });

type Page = { limit: number; cursor?: string };

/** JSON views of the log for apps and the explorer; the tiles under /log are the verifiable source. */
export const ledgerRoutes: FastifyPluginAsync<{ ledger: Ledger }> = async (app, { ledger }) => {
  app.addSchema(ReceiptView);
  const tags = ['ledger'];

  app.get('/key', { schema: { tags, summary: 'The log origin and its signed-note verifier key', response: { 200: KeyView } } }, async () => ({
    origin: ledger.origin,
    verifierKey: ledger.verifierKey,
  }));

  app.get(
    '/blocks',
    { schema: { tags, summary: 'Blocks, newest first', querystring: pageQuery('height to list below'), response: { 200: page(BlockView) } } },
    async (req) => {
      const q = req.query as Page;
      const blocks = await ledger.store.blocks(q.limit, q.cursor === undefined ? undefined : Number(q.cursor));
      const last = blocks[blocks.length - 1];
      return { items: blocks.map(blockView), nextCursor: blocks.length === q.limit && last && last.height > 0 ? String(last.height) : null };
    },
  );

  app.get(
    '/blocks/:height',
    { schema: { tags, summary: 'One block', params: indexParam('height'), response: { 200: BlockView } } },
    async (req) => {
      const height = Number((req.params as { height: string }).height);
      const b = await ledger.store.block(height);
      if (!b) throw notFound(`block ${height}`);
      return blockView(b);
    },
  );

  app.get(
    '/entries',
    {
      schema: {
        tags,
        summary: 'Entries in log order from a leaf index',
        querystring: pageQuery('first leaf index to list'),
        response: { 200: page(EntryView) },
      },
    },
    async (req) => {
      const q = req.query as Page;
      const from = q.cursor === undefined ? 0 : Number(q.cursor);
      // Only what a signed checkpoint covers: committed entries may still await the sequencer.
      const size = (await ledger.latest())?.treeSize ?? 0;
      const rows = await ledger.store.entries(from, Math.min(from + q.limit, size));
      return { items: rows.map((r) => entryView(r.idx, r.body)), nextCursor: from + q.limit < size ? String(from + q.limit) : null };
    },
  );

  app.get(
    '/entries/:index',
    {
      schema: {
        tags,
        summary: 'An entry with its receipt: inclusion proof in the latest signed checkpoint',
        params: indexParam('index'),
        response: { 200: EntryWithReceipt },
      },
    },
    async (req) => {
      const index = Number((req.params as { index: string }).index);
      const receipt = await ledger.receipt(index);
      return { ...entryView(index, new Uint8Array(Buffer.from(receipt.entry, 'base64'))), receipt };
    },
  );

  app.get(
    '/entries/:index/receipt',
    { schema: { tags, summary: 'The receipt of an entry, to keep and verify offline', params: indexParam('index'), response: { 200: { $ref: 'Receipt#' } } } },
    async (req) => ledger.receipt(Number((req.params as { index: string }).index)),
  );

  app.get(
    '/orders/:ref/entries',
    {
      schema: {
        tags,
        summary: "An order's signed entries, oldest first, by order id or order number (CM-…); empty if none",
        params: OrderEntriesParams,
        querystring: pageQuery('first leaf index to look from'),
        response: { 200: OrderEntriesView },
      },
    },
    async (req) => {
      const q = req.query as Page;
      const from = q.cursor === undefined ? 0 : Number(q.cursor);
      const { orderId, entries } = await ledger.orderEntries((req.params as { ref: string }).ref, q.limit + 1, from);
      const more = entries.length > q.limit;
      const items = entries.slice(0, q.limit);
      return { orderId, items: items.map((r) => entryView(r.idx, r.body)), nextCursor: more ? String(items[items.length - 1]!.idx + 1) : null };
    },
  );

  app.get(
    '/consistency',
    {
      schema: {
        tags,
        summary: 'RFC 9162 consistency proof between two tree sizes',
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: { from: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }, to: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
          additionalProperties: false,
        },
        response: { 200: ConsistencyView },
      },
    },
    async (req) => {
      const { from, to } = req.query as { from: number; to: number };
      return { from, to, proof: (await ledger.consistency(from, to)).map(toB64) };
    },
  );
};
