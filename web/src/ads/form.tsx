// The campaign form, for a new campaign and for editing one: products and categories picked from
// lists, keywords one per line, money as amounts, the schedule as local date-times.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.ts';
import { parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ActionButton, Async, Field } from '../components/ui.tsx';
import type { Campaign } from './data.ts';

interface Named { id: string; title?: string; name?: string }

/** "1234" → "12.34" (CNY): the form's text for a stored amount. */
function asAmount(minor: string, currency: string): string {
  const d = ['JPY', 'KRW'].includes(currency) ? 0 : 2;
  const s = minor.padStart(d + 1, '0');
  return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
}
/** "2026-11-26T08:30" in local time for a datetime-local input. */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);

export function CampaignForm({ campaign, currency, onSaved, onCancel }: { campaign?: Campaign; currency: string; onSaved: (c: Campaign) => void; onCancel?: () => void }) {
  const lists = useLoad(async (signal) => {
    const [products, categories] = await Promise.all([
      api.get<{ items: Named[] }>(`/api/merchant/products${qs({ limit: 100 })}`, { signal }),
      api.get<{ items: Named[] }>(`/api/categories${qs({ limit: 200 })}`, { signal }),
    ]);
    return { products: products.items, categories: categories.items };
  });
  const [name, setName] = useState(campaign?.name ?? '');
  const [productIds, setProductIds] = useState<string[]>(campaign?.productIds ?? []);
  const [categoryIds, setCategoryIds] = useState<string[]>(campaign?.categoryIds ?? []);
  const [keywords, setKeywords] = useState((campaign?.keywords ?? []).join('\n'));
  const [bid, setBid] = useState(campaign ? asAmount(campaign.bidMinor, currency) : '');
  const [daily, setDaily] = useState(campaign ? asAmount(campaign.dailyBudgetMinor, currency) : '');
  const [total, setTotal] = useState(campaign ? asAmount(campaign.totalBudgetMinor, currency) : '');
  const [startsAt, setStartsAt] = useState(localInput(campaign?.startsAt ?? null));
  const [endsAt, setEndsAt] = useState(localInput(campaign?.endsAt ?? null));
  const [bad, setBad] = useState(false);
  const toggle = (list: string[], set: (v: string[]) => void, id: string) => set(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);

  return (
    <form class="ads-form card" onSubmit={(e) => e.preventDefault()} aria-label={campaign ? t('ads.campaigns.edit') : t('ads.campaigns.new')}>
      <Field label={t('ads.c.name')}><input value={name} maxLength={80} required onInput={(e) => setName(e.currentTarget.value)} /></Field>
      <Async state={lists}>
        {(l) => (
          <>
            <fieldset>
              <legend>{t('ads.c.products')}</legend>
              {l.products.map((p) => (
                <label key={p.id} class="row"><input type="checkbox" checked={productIds.includes(p.id)} onChange={() => toggle(productIds, setProductIds, p.id)} /> {p.title ?? p.id}</label>
              ))}
            </fieldset>
            <fieldset>
              <legend>{t('ads.c.categories')}</legend>
              {l.categories.map((c) => (
                <label key={c.id} class="row"><input type="checkbox" checked={categoryIds.includes(c.id)} onChange={() => toggle(categoryIds, setCategoryIds, c.id)} /> {c.name ?? c.id}</label>
              ))}
            </fieldset>
          </>
        )}
      </Async>
      <Field label={t('ads.c.keywords')} hint={t('ads.c.keywordsHint')}><textarea rows={3} value={keywords} onInput={(e) => setKeywords(e.currentTarget.value)} /></Field>
      <div class="grid">
        <Field label={`${t('ads.c.bid')} (${currency})`}><input inputMode="decimal" value={bid} onInput={(e) => setBid(e.currentTarget.value)} /></Field>
        <Field label={`${t('ads.c.daily')} (${currency})`}><input inputMode="decimal" value={daily} onInput={(e) => setDaily(e.currentTarget.value)} /></Field>
        <Field label={`${t('ads.c.total')} (${currency})`}><input inputMode="decimal" value={total} onInput={(e) => setTotal(e.currentTarget.value)} /></Field>
        <Field label={t('ads.c.startsAt')}><input type="datetime-local" value={startsAt} onInput={(e) => setStartsAt(e.currentTarget.value)} /></Field>
        <Field label={t('ads.c.endsAt')}><input type="datetime-local" value={endsAt} onInput={(e) => setEndsAt(e.currentTarget.value)} /></Field>
      </div>
      {bad && <p class="error" role="alert">{t('ads.c.bad')}</p>}
      <div class="row">
        <ActionButton class="primary" action={async () => {
          const [b, d, tt] = [parseMoney(bid, currency), parseMoney(daily, currency), parseMoney(total, currency)];
          if (!b || !d || !tt || b === '0' || d === '0' || tt === '0') {
            setBad(true);
            return;
          }
          setBad(false);
          const body = {
            name: name.trim(), productIds, categoryIds, keywords: lines(keywords), bidMinor: b, dailyBudgetMinor: d, totalBudgetMinor: tt,
            ...(startsAt ? { startsAt: new Date(startsAt).toISOString() } : {}),
            endsAt: endsAt ? new Date(endsAt).toISOString() : null,
          };
          onSaved(campaign
            ? await api.patch<Campaign>(`/api/merchant/ads/campaigns/${campaign.id}`, body)
            : await api.post<Campaign>('/api/merchant/ads/campaigns', body));
        }}>{campaign ? t('ads.c.save') : t('ads.c.create')}</ActionButton>
        {onCancel && <button type="button" onClick={onCancel}>{t('ads.c.cancel')}</button>}
      </div>
    </form>
  );
}
