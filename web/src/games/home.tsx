// '/games': the daily check-in (streak, a week's calendar, the reward schedule) and the list of draws.
import { useState } from 'preact/hooks';
import { Async, ActionButton, PageTitle } from '../components/ui.tsx';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { api, qs } from '../lib/api.ts';
import { games, type CheckinStatus, type DrawSummary, type Page } from './data.ts';
import { PrizeList, StateBadge } from './parts.tsx';

/** YYYY-MM-DD plus n days (UTC arithmetic on the calendar day). */
function plusDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function Calendar({ s }: { s: CheckinStatus }) {
  const done = new Set(s.recent.map((r) => r.day));
  const days = Array.from({ length: 7 }, (_, i) => plusDays(s.today, i - 6));
  return (
    <ol class="g-calendar" aria-label={t('g.calendar')}>
      {days.map((d) => {
        const isToday = d === s.today;
        const label = `${d.slice(5)}${isToday ? ` (${t('g.today')})` : ''}: ${done.has(d) ? t('g.checked') : t('g.notChecked')}`;
        return (
          <li key={d} class={`${done.has(d) ? 'g-done' : ''} ${isToday ? 'g-today' : ''}`} aria-label={label}>
            <span aria-hidden="true">{d.slice(5)}<br />{done.has(d) ? '✓' : '·'}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Checkin() {
  const state = useLoad((signal) => games.checkin(signal), []);
  const [msg, setMsg] = useState<string | null>(null);
  return (
    <section class="panel" aria-labelledby="g-checkin-title">
      <h2 id="g-checkin-title">{t('g.checkin.title')}</h2>
      <Async state={state}>{(s) => (
        <>
          <p><span class="g-streak" data-testid="streak">{s.streak}</span> {t('g.streakDays')}</p>
          <Calendar s={s} />
          {s.checkedInToday
            ? <p class="ok" role="status">{t('g.checkedToday', { n: s.nextReward })}</p>
            : <ActionButton class="primary" action={async () => {
                const r = await games.checkIn();
                setMsg(t('g.checkedIn', { points: r.points, streak: r.streak }));
                state.reload();
              }}>{t('g.checkin.button', { n: s.nextReward })}</ActionButton>}
          {msg && <p class="ok" role="status">{msg}</p>}
          <details>
            <summary>{t('g.schedule')}</summary>
            <table class="g-table">
              <thead><tr><th scope="col">{t('g.streakDay')}</th><th scope="col">{t('g.reward')}</th></tr></thead>
              <tbody>{s.schedule.map((r, i) => (
                <tr key={r.day}><td>{i === s.schedule.length - 1 ? t('g.dayAndLater', { n: r.day }) : r.day}</td><td>{t('g.points', { n: r.points })}</td></tr>
              ))}</tbody>
            </table>
            <p class="muted">{t('g.scheduleNote', { tz: s.timeZone })}</p>
          </details>
        </>
      )}</Async>
    </section>
  );
}

function DrawList() {
  const { state, more } = usePaged((cursor) => `/api/draws${qs({ cursor, limit: 20 })}`, (path) => api.get<Page<DrawSummary>>(path), []);
  return (
    <section aria-labelledby="g-draws-title">
      <h2 id="g-draws-title">{t('g.draws')}</h2>
      <Async state={state}>{(p) => p.items.length === 0 ? <p>{t('g.noDraws')}</p> : (
        <ul class="g-draws">
          {p.items.map((d) => (
            <li key={d.id}>
              <a href={`/games/draws/${d.id}`}><strong>{d.title}</strong></a> <StateBadge state={d.state} />
              <p class="muted">{t('g.drawLine', { cost: d.entryCostPoints, n: d.entryCount, closes: dateTime(d.closesAt) })}</p>
              <PrizeList prizes={d.prizes} />
            </li>
          ))}
        </ul>
      )}</Async>
      {more && <ActionButton action={more}>{t('g.more')}</ActionButton>}
    </section>
  );
}

export function GamesHome() {
  const u = user.value;
  return (
    <section>
      <PageTitle>{t('g.title')}</PageTitle>
      {u?.role === 'buyer' ? <Checkin /> : u === null ? <p><a href="/signin?next=%2Fgames">{t('g.signinToCheckin')}</a></p> : null}
      <DrawList />
    </section>
  );
}
