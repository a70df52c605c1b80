// '/explorer': the latest signed checkpoint and the log's verifier key, search, a live feed of new
// blocks, and all blocks newest first, page by page.
import { useState } from 'preact/hooks';
import { Async, ErrorMessage, PageTitle } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { checkpointParts, ledger, PAGE_SIZE, short, type BlockView } from './data.ts';
import { LiveFeed, SearchForm, useLiveBlocks } from './parts.tsx';

export function ExplorerHome() {
  const key = useLoad((s) => ledger.key(s), []);
  // Cursors of the pages visited: the last is the page shown; undefined is the newest page.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const blocks = useLoad((s) => ledger.blocks(PAGE_SIZE, cursor, s), [cursor]);
  const live = useLiveBlocks(() => {
    if (cursor === undefined) blocks.reload();
  });
  const pageNo = cursors.length;

  return (
    <section>
      <PageTitle>{t('explorer.title')}</PageTitle>
      <p class="muted">{t('explorer.intro')}</p>
      <SearchForm />

      <section class="panel" aria-labelledby="explorer-checkpoint">
        <h2 id="explorer-checkpoint">{t('explorer.checkpoint.title')}</h2>
        {live.error !== undefined && <ErrorMessage error={live.error} />}
        {live.latest ? <Checkpoint block={live.latest} /> : live.error === undefined && <p class="muted">{t('state.loading')}</p>}
        <h3>{t('explorer.key.title')}</h3>
        <Async state={key}>
          {(k) => (
            <>
              <p class="explorer-mono" data-testid="verifier-key">{k.verifierKey}</p>
              <p class="muted">{t('explorer.key.hint', { origin: k.origin })} <a href="/verify">{t('explorer.key.verify')}</a></p>
            </>
          )}
        </Async>
      </section>

      <LiveFeed feed={live.feed} />

      <section aria-labelledby="explorer-blocks">
        <h2 id="explorer-blocks">{t('explorer.blocks.title')}</h2>
        <Async state={blocks}>
          {(page) => (
            <>
              <BlocksTable blocks={page.items} />
              <nav class="explorer-pager" aria-label={t('explorer.blocks.pages')}>
                <button type="button" disabled={pageNo === 1} onClick={() => setCursors([undefined])}>{t('explorer.blocks.newest')}</button>
                <button type="button" disabled={pageNo === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>{t('explorer.blocks.newer')}</button>
                <button type="button" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors((c) => [...c, page.nextCursor!])}>{t('explorer.blocks.older')}</button>
                <span class="muted" aria-live="polite">{t('explorer.blocks.page', { n: pageNo })}</span>
              </nav>
            </>
          )}
        </Async>
      </section>
    </section>
  );
}

function Checkpoint({ block }: { block: BlockView }) {
  const cp = checkpointParts(block.checkpoint);
  return (
    <>
      <dl class="explorer-facts">
        <dt>{t('explorer.checkpoint.origin')}</dt>
        <dd class="explorer-mono" data-testid="checkpoint-origin">{cp.origin}</dd>
        <dt>{t('explorer.checkpoint.size')}</dt>
        <dd data-testid="checkpoint-size">{block.treeSize}</dd>
        <dt>{t('explorer.checkpoint.root')}</dt>
        <dd class="explorer-mono">{block.rootHash}</dd>
        <dt>{t('explorer.checkpoint.block')}</dt>
        <dd><a href={`/explorer/blocks/${block.height}`}>{t('explorer.block.name', { height: block.height })}</a> · {dateTime(block.time)}</dd>
      </dl>
      <details>
        <summary>{t('explorer.checkpoint.note')}</summary>
        <pre class="explorer-mono explorer-note">{block.checkpoint}</pre>
      </details>
    </>
  );
}

function BlocksTable({ blocks }: { blocks: BlockView[] }) {
  if (blocks.length === 0) return <p class="muted">{t('explorer.blocks.none')}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{t('explorer.blocks.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('explorer.col.height')}</th>
            <th scope="col">{t('explorer.col.size')}</th>
            <th scope="col">{t('explorer.col.root')}</th>
            <th scope="col">{t('explorer.col.time')}</th>
            <th scope="col">{t('explorer.col.entries')}</th>
          </tr>
        </thead>
        <tbody>
          {blocks.map((b) => (
            <tr key={b.height}>
              <td><a href={`/explorer/blocks/${b.height}`}>{t('explorer.block.name', { height: b.height })}</a></td>
              <td>{b.treeSize}</td>
              <td class="explorer-mono" title={b.rootHash}>{short(b.rootHash)}</td>
              <td>{dateTime(b.time)}</td>
              <td>{b.entryCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
