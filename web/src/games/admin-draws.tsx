// '/admin/draws': admins create lucky draws and close and reveal them (auditors read).
import { useState } from 'preact/hooks';
import { consolePage, type ConsoleArea } from '../components/console.tsx';
import { ActionButton, Async, Field, PageTitle } from '../components/ui.tsx';
import { api, qs } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { usePaged } from '../lib/use.ts';
import type { DrawSummary, DrawView, Page } from './data.ts';
import { PrizeList, StateBadge } from './parts.tsx';

const AREA: ConsoleArea = {
  roles: ['admin', 'auditor'],
  sections: [['/admin', 'a.nav.home'], ['/admin/draws', 'g.a.nav']],
  keys: { title: 'g.a.title', nav: 'a.nav.label', signin: 'a.signinPrompt', forbidden: 'a.forbidden' },
};

const DEFAULT_PRIZES = JSON.stringify([{ kind: 'points', points: 100 }, { kind: 'coupon', couponKind: 'fixed', amountMinor: '500', validDays: 30 }], null, 2);
/** A datetime-local value (local time) n minutes from now. */
const localIn = (minutes: number) => {
  const d = new Date(Date.now() + minutes * 60_000);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function NewDraw({ onCreated }: { onCreated: () => void }) {
  const [title, setTitle] = useState('');
  const [cost, setCost] = useState('10');
  const [max, setMax] = useState('3');
  const [prizes, setPrizes] = useState(DEFAULT_PRIZES);
  const [opens, setOpens] = useState(localIn(0));
  const [closes, setCloses] = useState(localIn(24 * 60));
  const [done, setDone] = useState<string | null>(null);
  return (
    <form class="narrow" onSubmit={(e) => e.preventDefault()} aria-labelledby="g-new-title">
      <h2 id="g-new-title">{t('g.a.new')}</h2>
      <Field label={t('g.a.titleField')}><input name="title" required maxLength={120} value={title} onInput={(e) => setTitle(e.currentTarget.value)} /></Field>
      <Field label={t('g.cost')}><input name="cost" type="number" min={1} step={1} value={cost} onInput={(e) => setCost(e.currentTarget.value)} /></Field>
      <Field label={t('g.maxPerUser')}><input name="max" type="number" min={1} step={1} value={max} onInput={(e) => setMax(e.currentTarget.value)} /></Field>
      <Field label={t('g.a.prizes')} hint={t('g.a.prizesHint')}><textarea name="prizes" rows={6} class="g-mono" value={prizes} onInput={(e) => setPrizes(e.currentTarget.value)} /></Field>
      <Field label={t('g.opens')}><input name="opens" type="datetime-local" value={opens} onInput={(e) => setOpens(e.currentTarget.value)} /></Field>
      <Field label={t('g.closes')}><input name="closes" type="datetime-local" value={closes} onInput={(e) => setCloses(e.currentTarget.value)} /></Field>
      <ActionButton class="primary" action={async () => {
        let list: unknown;
        try {
          list = JSON.parse(prizes);
        } catch {
          throw new Error(t('g.a.badJson'));
        }
        const d = await api.post<DrawView>('/api/admin/draws', {
          title, entryCostPoints: Number(cost), maxEntriesPerUser: Number(max), prizes: list,
          opensAt: new Date(opens).toISOString(), closesAt: new Date(closes).toISOString(),
        });
        setDone(t('g.a.created', { title: d.title, hash: d.commitment.seedHash.slice(0, 16) }));
        onCreated();
      }}>{t('g.a.create')}</ActionButton>
      {done && <p class="ok" role="status">{done}</p>}
    </form>
  );
}

function DrawRow({ d, onChange }: { d: DrawSummary; onChange: () => void }) {
  const [seed, setSeed] = useState('');
  const write = user.value?.role === 'admin';
  return (
    <li>
      <a href={`/games/draws/${d.id}`}><strong>{d.title}</strong></a> <StateBadge state={d.state} />
      <p class="muted">{t('g.drawLine', { cost: d.entryCostPoints, n: d.entryCount, closes: dateTime(d.closesAt) })}</p>
      <PrizeList prizes={d.prizes} />
      {write && (d.state === 'open' || d.state === 'closing' || d.state === 'upcoming') && (
        <ActionButton aria-label={t('g.a.closeOf', { title: d.title })} action={async () => {
          await api.post(`/api/admin/draws/${d.id}/close`, { early: d.state !== 'closing' });
          onChange();
        }}>{t('g.a.close')}</ActionButton>
      )}
      {write && d.state === 'closed' && (
        <div class="row">
          <Field label={t('g.a.seed')} hint={t('g.a.seedHint')}><input name="seed" class="g-mono" value={seed} onInput={(e) => setSeed(e.currentTarget.value.trim())} /></Field>
          <ActionButton class="primary" aria-label={t('g.a.revealOf', { title: d.title })} action={async () => {
            await api.command(`/api/admin/draws/${d.id}/reveal`, seed ? { seed } : {});
            onChange();
          }}>{t('g.a.reveal')}</ActionButton>
        </div>
      )}
      <p><a href={`/explorer/draws/${d.id}`}>{t('g.explorerLink')}</a> · <a href={`/verify/draw/${d.id}`}>{t('g.verifyLink')}</a></p>
    </li>
  );
}

function AdminDraws() {
  const { state, more } = usePaged((cursor) => `/api/draws${qs({ cursor, limit: 20 })}`, (path) => api.get<Page<DrawSummary>>(path), []);
  const write = user.value?.role === 'admin';
  return (
    <section>
      <PageTitle>{t('g.a.title')}</PageTitle>
      {write && <NewDraw onCreated={state.reload} />}
      <h2>{t('g.draws')}</h2>
      <Async state={state}>{(p) => p.items.length === 0 ? <p>{t('g.noDraws')}</p> : (
        <ul class="g-draws">{p.items.map((d) => <DrawRow key={d.id} d={d} onChange={state.reload} />)}</ul>
      )}</Async>
      {more && <ActionButton action={more}>{t('g.more')}</ActionButton>}
    </section>
  );
}

export const AdminDrawsPage = consolePage(AREA, AdminDraws);
