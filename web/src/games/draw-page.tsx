// '/games/draws/:id': a draw's terms, entering it, your entries and prizes, and the results.
import { useState } from 'preact/hooks';
import { Async, ActionButton, PageTitle } from '../components/ui.tsx';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad } from '../lib/use.ts';
import { games, type DrawView } from './data.ts';
import { PrizeList, StateBadge, Terms, prizeText } from './parts.tsx';

function Mine({ d, tick }: { d: DrawView; tick: number }) {
  const mine = useLoad((signal) => games.mine(d.id, signal), [d.id, tick]);
  return (
    <section aria-labelledby="g-mine-title">
      <h2 id="g-mine-title">{t('g.myEntries')}</h2>
      <Async state={mine}>{(m) => (
        <>
          {m.entries.length === 0 ? <p>{t('g.noEntries')}</p> : (
            <p data-testid="my-entries">{t('g.myEntryNos', { list: m.entries.map((e) => `#${e.entryNo}`).join(', ') })}</p>
          )}
          <p class="muted">{t('g.yourEntrant')} <span class="g-mono">{m.entrant}</span></p>
          {m.prizes.length > 0 && (
            <ul aria-label={t('g.yourPrizes')}>
              {m.prizes.map((p) => (
                <li key={p.prize} class="ok">
                  {t('g.youWon', { prize: prizeText(d.prizes[p.prize]!), entry: p.entryNo })}
                  {p.couponCode && <> — {t('g.couponCode')} <strong class="g-mono">{p.couponCode}</strong></>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}</Async>
    </section>
  );
}

function Results({ d }: { d: DrawView }) {
  if (!d.reveal) return null;
  return (
    <section aria-labelledby="g-results-title">
      <h2 id="g-results-title">{t('g.results')}</h2>
      {d.reveal.winners.length === 0 ? <p>{t('g.noWinners')}</p> : (
        <table class="g-table" data-testid="winners">
          <thead><tr><th scope="col">{t('g.prize')}</th><th scope="col">{t('g.entry')}</th><th scope="col">{t('g.entrant')}</th></tr></thead>
          <tbody>{d.reveal.winners.map((w) => (
            <tr key={w.prize}><td>{prizeText(d.prizes[w.prize]!)}</td><td>#{w.entryNo}</td><td class="g-mono">{w.entrant}</td></tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}

export function DrawPage({ id }: { id: string }) {
  const [tick, setTick] = useState(0);
  const state = useLoad((signal) => games.draw(id, signal), [id, tick]);
  const [msg, setMsg] = useState<string | null>(null);
  const u = user.value;
  return (
    <Async state={state}>{(d) => (
      <section>
        <PageTitle>{d.title}</PageTitle>
        <p><StateBadge state={d.state} /></p>
        <Terms d={d} />
        <h2>{t('g.prizes')}</h2>
        <PrizeList prizes={d.prizes} />
        {d.state === 'open' && u?.role === 'buyer' && (
          <ActionButton class="primary" action={async () => {
            const e = await games.enter(d.id);
            setMsg(t('g.entered', { n: e.entryNo }));
            setTick((n) => n + 1);
          }}>{t('g.enter', { n: d.entryCostPoints })}</ActionButton>
        )}
        {d.state === 'open' && u === null && <p><a href={`/signin?next=${encodeURIComponent(`/games/draws/${d.id}`)}`}>{t('g.signinToEnter')}</a></p>}
        {msg && <p class="ok" role="status">{msg}</p>}
        {u?.role === 'buyer' && <Mine d={d} tick={tick} />}
        <Results d={d} />
        <p class="muted">{t('g.fairness')}</p>
        <p><a href={`/verify/draw/${d.id}`}>{t('g.verifyLink')}</a> · <a href={`/explorer/draws/${d.id}`}>{t('g.explorerLink')}</a></p>
      </section>
    )}</Async>
  );
}
