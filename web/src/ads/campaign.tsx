// '/merchant/ads/campaigns/:id': a campaign's stats per day (impressions, clicks, spend, attributed
// sales), its status actions, and its edit form.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime, money, number } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { adsPage, type CampaignStats } from './data.ts';
import { StatusActions } from './campaigns.tsx';
import { CampaignForm } from './form.tsx';

function CampaignView({ id }: { id: string }) {
  const stats = useLoad((signal) => api.get<CampaignStats>(`/api/merchant/ads/campaigns/${encodeURIComponent(id)}/stats`, { signal }), [id]);
  const [editing, setEditing] = useState(false);
  return (
    <Async state={stats}>
      {(s) => {
        const c = s.campaign;
        const m = (v: string) => money(v, c.currency);
        return (
          <section>
            <PageTitle>{t('ads.stats.title', { name: c.name })}</PageTitle>
            <p class="row">
              <span class="badge">{t(`ads.status.${c.status}`)}</span>
              <span>{t('ads.c.bid')}: {m(c.bidMinor)}</span>
              <span>{t('ads.c.spentToday')}: {m(c.spentTodayMinor)} / {m(c.dailyBudgetMinor)}</span>
              <span>{t('ads.c.spent')}: {m(c.spentTotalMinor)} / {m(c.totalBudgetMinor)}</span>
              <span>{t('ads.c.startsAt')}: {dateTime(c.startsAt)}</span>
              {c.endsAt && <span>{t('ads.c.endsAt')}: {dateTime(c.endsAt)}</span>}
            </p>
            <div class="row">
              <StatusActions c={c} onChange={stats.reload} />
              {!editing && c.status !== 'ended' && <button type="button" onClick={() => setEditing(true)}>{t('ads.campaigns.edit')}</button>}
            </div>
            {editing && <CampaignForm campaign={c} currency={c.currency} onSaved={() => { setEditing(false); stats.reload(); }} onCancel={() => setEditing(false)} />}
            <p class="muted">{t('ads.stats.note')}</p>
            {s.days.length === 0 ? <p class="muted">{t('ads.stats.none')}</p> : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('ads.stats.day')}</th><th scope="col">{t('ads.stats.impressions')}</th><th scope="col">{t('ads.stats.clicks')}</th>
                      <th scope="col">{t('ads.stats.charged')}</th><th scope="col">{t('ads.stats.spend')}</th><th scope="col">{t('ads.stats.orders')}</th><th scope="col">{t('ads.stats.sales')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.days.map((d) => (
                      <tr key={d.day}>
                        <th scope="row">{d.day}</th><td>{number(d.impressions)}</td><td>{number(d.clicks)}</td><td>{number(d.chargedClicks)}</td>
                        <td>{m(d.spendMinor)}</td><td>{number(d.attributedOrders)}</td><td>{m(d.attributedSalesMinor)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">{t('ads.stats.total')}</th><td>{number(s.totals.impressions)}</td><td>{number(s.totals.clicks)}</td><td>{number(s.totals.chargedClicks)}</td>
                      <td>{m(s.totals.spendMinor)}</td><td>{number(s.totals.attributedOrders)}</td><td>{m(s.totals.attributedSalesMinor)}</td>
                    </tr>
                  </tfoot>
                </table>
              </div>
            )}
          </section>
        );
      }}
    </Async>
  );
}

export const AdsCampaignPage = adsPage(CampaignView);
