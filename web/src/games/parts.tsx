// Pieces the games pages share: a prize in words, a draw's state badge.
import { money, dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import type { DrawSummary, Prize } from './data.ts';
import './games.css';

export function prizeText(p: Prize): string {
  if (p.kind === 'points') return t('g.prize.points', { n: p.points });
  const off = p.couponKind === 'fixed' ? money(p.amountMinor ?? '0', 'CNY') : `${((p.percentBps ?? 0) / 100).toFixed(2)}%`;
  return t('g.prize.coupon', { off });
}

export function StateBadge({ state }: { state: DrawSummary['state'] }) {
  return <span class={`badge g-state g-state-${state}`}>{t(`g.state.${state}`)}</span>;
}

export function Terms({ d }: { d: DrawSummary }) {
  return (
    <dl class="g-terms">
      <dt>{t('g.cost')}</dt><dd>{t('g.points', { n: d.entryCostPoints })}</dd>
      <dt>{t('g.maxPerUser')}</dt><dd>{d.maxEntriesPerUser}</dd>
      <dt>{t('g.opens')}</dt><dd>{dateTime(d.opensAt)}</dd>
      <dt>{t('g.closes')}</dt><dd>{dateTime(d.closesAt)}</dd>
      <dt>{t('g.entries')}</dt><dd data-testid="entry-count">{d.entryCount}</dd>
    </dl>
  );
}

export function PrizeList({ prizes }: { prizes: Prize[] }) {
  return (
    <ol class="g-prizes" aria-label={t('g.prizes')}>
      {prizes.map((p, i) => <li key={i}>{prizeText(p)}</li>)}
    </ol>
  );
}
