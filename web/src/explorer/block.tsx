// '/explorer/blocks/:height': one block — its hashes, tree size, signed checkpoint — and its entries.
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { Async, PageTitle } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ledger, type EntryView } from './data.ts';
import { EntriesTable } from './parts.tsx';

const ENTRIES_PAGE = 50;

export function BlockPage() {
  const { params } = useRoute();
  const height = params['height'] ?? '';
  const block = useLoad((s) => ledger.block(height, s), [height]);
  return (
    <section>
      <p><a href="/explorer">← {t('explorer.back')}</a></p>
      <PageTitle>{t('explorer.block.name', { height })}</PageTitle>
      <Async state={block}>
        {(b) => (
          <>
            <dl class="explorer-facts panel">
              <dt>{t('explorer.col.time')}</dt>
              <dd>{dateTime(b.time)}</dd>
              <dt>{t('explorer.col.size')}</dt>
              <dd>{b.treeSize}</dd>
              <dt>{t('explorer.col.entries')}</dt>
              <dd>{t('explorer.block.range', { n: b.entryCount, first: b.firstIndex, last: b.treeSize - 1 })}</dd>
              <dt>{t('explorer.col.root')}</dt>
              <dd class="explorer-mono">{b.rootHash}</dd>
              <dt>{t('explorer.block.hash')}</dt>
              <dd class="explorer-mono">{b.blockHash}</dd>
              <dt>{t('explorer.block.prev')}</dt>
              <dd class="explorer-mono">{b.height > 0 ? <a href={`/explorer/blocks/${b.height - 1}`}>{b.prevBlockHash}</a> : b.prevBlockHash}</dd>
            </dl>
            <details>
              <summary>{t('explorer.checkpoint.note')}</summary>
              <pre class="explorer-mono explorer-note">{b.checkpoint}</pre>
            </details>
            <h2>{t('explorer.block.entries')}</h2>
            <BlockEntries first={b.firstIndex} end={b.treeSize} key={b.height} />
          </>
        )}
      </Async>
    </section>
  );
}

function BlockEntries({ first, end }: { first: number; end: number }) {
  const [from, setFrom] = useState(first);
  const [shown, setShown] = useState<EntryView[]>([]);
  const entries = useLoad(async (s) => {
    const page = await ledger.entries(from, Math.min(ENTRIES_PAGE, end - from), s);
    const items = page.items.filter((e) => e.index < end);
    setShown((prev) => [...prev.filter((e) => e.index < from), ...items]);
    return items;
  }, [from]);
  const next = from + ENTRIES_PAGE;
  return (
    <>
      <EntriesTable entries={shown} caption={t('explorer.block.entries')} />
      <Async state={entries}>
        {() => next < end ? <button type="button" onClick={() => setFrom(next)}>{t('common.more')}</button> : null}
      </Async>
    </>
  );
}
