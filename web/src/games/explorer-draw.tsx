// '/explorer/draws/:id': a draw as the ledger tells it — commitment, close checkpoint, reveal, winners —
// with links to the ledger entries (/explorer/entries/:index).
import { Async, PageTitle } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { games } from './data.ts';
import { prizeText, StateBadge } from './parts.tsx';

const EntryLink = ({ idx }: { idx: number | null }) =>
  idx === null ? <span class="muted">{t('g.x.pending')}</span> : <a href={`/explorer/entries/${idx}`}>{t('g.x.entry', { idx })}</a>;

export function ExplorerDrawPage({ id }: { id: string }) {
  const state = useLoad((signal) => games.draw(id, signal), [id]);
  return (
    <Async state={state}>{(d) => (
      <section>
        <PageTitle>{t('g.x.title', { title: d.title })}</PageTitle>
        <p><StateBadge state={d.state} /> <span class="g-mono">{d.id}</span></p>
        <h2>{t('g.x.commitment')}</h2>
        <dl class="g-terms">
          <dt>{t('g.x.seedHash')}</dt><dd class="g-mono" data-testid="seed-hash">{d.commitment.seedHash}</dd>
          <dt>{t('g.x.ledger')}</dt><dd><EntryLink idx={d.commitment.ledgerIndex} /></dd>
        </dl>
        <h2>{t('g.x.close')}</h2>
        {d.closed ? (
          <dl class="g-terms">
            <dt>{t('g.x.closedAt')}</dt><dd>{dateTime(d.closed.at)}{d.closed.early ? ` (${t('g.x.early')})` : ''}</dd>
            <dt>{t('g.x.treeSize')}</dt><dd>{d.closed.treeSize}</dd>
            <dt>{t('g.x.root')}</dt><dd class="g-mono">{d.closed.rootHash}</dd>
            <dt>{t('g.entries')}</dt><dd>{d.closed.entryCount}</dd>
            <dt>{t('g.x.entriesHash')}</dt><dd class="g-mono">{d.closed.entriesHash}</dd>
            <dt>{t('g.x.ledger')}</dt><dd><EntryLink idx={d.closed.ledgerIndex} /></dd>
            <dt>{t('g.x.checkpoint')}</dt><dd><pre class="g-mono">{d.closed.checkpoint}</pre></dd>
          </dl>
        ) : <p>{t('g.x.notClosed')}</p>}
        <h2>{t('g.x.reveal')}</h2>
        {d.reveal ? (
          <>
            <dl class="g-terms">
              <dt>{t('g.x.seed')}</dt><dd class="g-mono">{d.reveal.seed}</dd>
              <dt>{t('g.x.ledger')}</dt><dd><EntryLink idx={d.reveal.ledgerIndex} /></dd>
            </dl>
            <table class="g-table">
              <caption>{t('g.x.winners')}</caption>
              <thead><tr><th scope="col">{t('g.prize')}</th><th scope="col">{t('g.entry')}</th><th scope="col">{t('g.entrant')}</th></tr></thead>
              <tbody>{d.reveal.winners.map((w) => <tr key={w.prize}><td>{prizeText(d.prizes[w.prize]!)}</td><td>#{w.entryNo}</td><td class="g-mono">{w.entrant}</td></tr>)}</tbody>
            </table>
          </>
        ) : <p>{t('g.x.notRevealed')}</p>}
        <p><a href={`/verify/draw/${d.id}`}>{t('g.verifyLink')}</a></p>
      </section>
    )}</Async>
  );
}
