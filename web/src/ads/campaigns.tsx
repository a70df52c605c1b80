// '/merchant/ads/campaigns': the merchant's campaigns; create one, pause or resume each.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, PageTitle } from '../components/ui.tsx';
import { adsPage, type AdBalance, type Campaign } from './data.ts';
import { CampaignForm } from './form.tsx';

export function StatusActions({ c, onChange }: { c: Campaign; onChange: () => void }) {
  const act = (a: string) => async () => {
    await api.post(`/api/merchant/ads/campaigns/${c.id}/${a}`);
    onChange();
  };
  return (
    <span class="row">
      {c.status === 'active' && <ActionButton action={act('pause')} aria-label={`${t('ads.c.pause')}: ${c.name}`}>{t('ads.c.pause')}</ActionButton>}
      {(c.status === 'paused' || c.status === 'exhausted') && <ActionButton action={act('resume')} aria-label={`${t('ads.c.resume')}: ${c.name}`}>{t('ads.c.resume')}</ActionButton>}
      {c.status !== 'ended' && <ActionButton action={act('end')} aria-label={`${t('ads.c.end')}: ${c.name}`}>{t('ads.c.end')}</ActionButton>}
    </span>
  );
}

function Campaigns() {
  const [tick, setTick] = useState(0);
  const [creating, setCreating] = useState(false);
  const balance = useLoad((signal) => api.get<AdBalance>('/api/merchant/ads', { signal }));
  const list = usePaged<Campaign>(
    (cursor) => `/api/merchant/ads/campaigns${qs({ cursor, limit: 50 })}`,
    (path) => api.get<{ items: Campaign[]; nextCursor: string | null }>(path),
    [tick],
  );
  const currency = balance.data?.currency ?? 'CNY';
  const reload = () => setTick((n) => n + 1);
  return (
    <section>
      <PageTitle>{t('ads.campaigns.title')}</PageTitle>
      {creating
        ? <CampaignForm currency={currency} onSaved={() => { setCreating(false); reload(); }} onCancel={() => setCreating(false)} />
        : <button type="button" class="primary" onClick={() => setCreating(true)}>{t('ads.campaigns.new')}</button>}
      <Async state={list.state}>
        {(p) => p.items.length === 0 ? <p class="muted">{t('ads.campaigns.none')}</p> : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('ads.c.name')}</th><th scope="col">{t('ads.c.status')}</th><th scope="col">{t('ads.c.bid')}</th>
                  <th scope="col">{t('ads.c.spentToday')}</th><th scope="col">{t('ads.c.spent')}</th><th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {p.items.map((c) => (
                  <tr key={c.id}>
                    <td><a href={`/merchant/ads/campaigns/${c.id}`}>{c.name}</a></td>
                    <td><span class="badge">{t(`ads.status.${c.status}`)}</span></td>
                    <td>{money(c.bidMinor, c.currency)}</td>
                    <td>{money(c.spentTodayMinor, c.currency)} / {money(c.dailyBudgetMinor, c.currency)}</td>
                    <td>{money(c.spentTotalMinor, c.currency)} / {money(c.totalBudgetMinor, c.currency)}</td>
                    <td><StatusActions c={c} onChange={reload} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      {list.more && <ActionButton action={list.more}>{t('common.more')}</ActionButton>}
    </section>
  );
}

export const AdsCampaignsPage = adsPage(Campaigns);
