// '/admin/merchants': every merchant with its terms (create, commission, suspend/reactivate) and the
// category commission rules.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, bpsText, canWrite, parseBps, type Page } from './shared.tsx';

interface Merchant { id: string; name: string; slug: string; status: string; currency: string; payOnReceipt: boolean; unpaidLimit: number; commissionBps: number; createdAt: string }
interface Rule { id: string; merchantId: string | null; categoryId: string; bps: number; updatedAt: string }
interface Category { id: string; name: string }

const bad = (): never => { throw new Error(t('a.m.badRate')); };

function MerchantRow({ m, onChange }: { m: Merchant; onChange: () => void }) {
  const [rate, setRate] = useState((m.commissionBps / 100).toFixed(2));
  const write = canWrite();
  return (
    <tr>
      <td>{m.name}<br /><small class="mono">{m.slug}</small></td>
      <td><span class="badge">{t(`a.m.status.${m.status}`)}</span></td>
      <td>{m.currency} · {m.payOnReceipt ? t('a.m.payOnReceipt') : t('a.m.prepaidOnly')}</td>
      <td>
        {write ? (
          <div class="row">
            <label><span class="sr-only">{t('a.m.rateOf', { name: m.name })}</span><input size={6} inputMode="decimal" value={rate} onInput={(e) => setRate(e.currentTarget.value)} />%</label>
            <Act label={t('a.m.saveRateOf', { name: m.name })} action={async () => {
              const bps = parseBps(rate) ?? bad();
              await api.patch(`/api/admin/merchants/${m.id}`, { commissionBps: bps });
              onChange();
            }}>{t('common.save')}</Act>
          </div>
        ) : bpsText(m.commissionBps)}
      </td>
      <td>
        {write && (m.status === 'active'
          ? <Act class="danger" label={t('a.m.suspendOf', { name: m.name })} action={async () => { await api.patch(`/api/admin/merchants/${m.id}`, { status: 'suspended' }); onChange(); }}>{t('a.m.suspend')}</Act>
          : <Act label={t('a.m.reactivateOf', { name: m.name })} action={async () => { await api.patch(`/api/admin/merchants/${m.id}`, { status: 'active' }); onChange(); }}>{t('a.m.reactivate')}</Act>)}
      </td>
    </tr>
  );
}

function NewMerchant({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [rate, setRate] = useState('5');
  const [payOnReceipt, setPayOnReceipt] = useState(false);
  return (
    <form class="form-row" onSubmit={(e) => e.preventDefault()}>
      <Field label={t('a.m.name')}><input value={name} maxLength={120} onInput={(e) => setName(e.currentTarget.value)} /></Field>
      <Field label={t('a.m.slug')} hint={t('a.m.slugHint')}><input value={slug} pattern="[a-z0-9]+(-[a-z0-9]+)*" onInput={(e) => setSlug(e.currentTarget.value)} /></Field>
      <Field label={t('a.m.rate')}><input value={rate} inputMode="decimal" onInput={(e) => setRate(e.currentTarget.value)} /></Field>
      <label class="row"><input type="checkbox" checked={payOnReceipt} onChange={(e) => setPayOnReceipt(e.currentTarget.checked)} /> {t('a.m.allowPayOnReceipt')}</label>
      <Act class="primary" disabled={!name.trim()} action={async () => {
        const bps = parseBps(rate) ?? bad();
        await api.post('/api/admin/merchants', { name: name.trim(), ...(slug.trim() ? { slug: slug.trim() } : {}), commissionBps: bps, payOnReceipt });
        setName(''); setSlug('');
        onCreated();
      }}>{t('a.m.create')}</Act>
    </form>
  );
}

function Rules({ merchants }: { merchants: Merchant[] }) {
  const data = useLoad(async (signal) => {
    const [rules, categories] = await Promise.all([
      api.get<Page<Rule>>('/api/admin/commission-rules?limit=200', { signal }),
      api.get<Page<Category>>('/api/categories?limit=200', { signal }),
    ]);
    return { rules: rules.items, categories: categories.items };
  });
  const [categoryId, setCategoryId] = useState('');
  const [merchantId, setMerchantId] = useState('');
  const [rate, setRate] = useState('');
  return (
    <Async state={data}>
      {({ rules, categories }) => {
        const cat = (id: string) => categories.find((c) => c.id === id)?.name ?? id;
        const mer = (id: string | null) => (id === null ? t('a.rules.every') : merchants.find((m) => m.id === id)?.name ?? id);
        return (
          <>
            {rules.length === 0 ? <p>{t('state.empty')}</p> : (
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">{t('a.rules.category')}</th><th scope="col">{t('a.rules.merchant')}</th><th scope="col">{t('a.m.rate')}</th><th scope="col">{t('a.rules.updated')}</th></tr></thead>
                  <tbody>{rules.map((r) => <tr key={r.id}><td>{cat(r.categoryId)}</td><td>{mer(r.merchantId)}</td><td>{bpsText(r.bps)}</td><td>{dateTime(r.updatedAt)}</td></tr>)}</tbody>
                </table>
              </div>
            )}
            {canWrite() && (
              <form class="form-row" onSubmit={(e) => e.preventDefault()}>
                <Field label={t('a.rules.category')}>
                  <select value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>
                    <option value="">{t('a.rules.choose')}</option>
                    {categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
                  </select>
                </Field>
                <Field label={t('a.rules.merchant')}>
                  <select value={merchantId} onChange={(e) => setMerchantId(e.currentTarget.value)}>
                    <option value="">{t('a.rules.every')}</option>
                    {merchants.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
                  </select>
                </Field>
                <Field label={t('a.m.rate')}><input value={rate} inputMode="decimal" onInput={(e) => setRate(e.currentTarget.value)} /></Field>
                <Act class="primary" disabled={!categoryId || !rate.trim()} action={async () => {
                  const bps = parseBps(rate) ?? bad();
                  await api.post('/api/admin/commission-rules', { categoryId, bps, ...(merchantId ? { merchantId } : {}) });
                  setRate('');
                  data.reload();
                }}>{t('a.rules.set')}</Act>
              </form>
            )}
          </>
        );
      }}
    </Async>
  );
}

function Merchants() {
  const list = useLoad((signal) => api.get<Page<Merchant>>('/api/admin/merchants?limit=200', { signal }));
  return (
    <section>
      <PageTitle>{t('a.m.title')}</PageTitle>
      <Async state={list}>
        {(p) => (
          <>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">{t('a.m.name')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('a.m.terms')}</th><th scope="col">{t('a.m.rate')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
                <tbody>{p.items.map((m) => <MerchantRow key={`${m.id}-${m.status}-${m.commissionBps}`} m={m} onChange={list.reload} />)}</tbody>
              </table>
            </div>
            {canWrite() && <><h2>{t('a.m.new')}</h2><NewMerchant onCreated={list.reload} /></>}
            <h2>{t('a.rules.title')}</h2>
            <p class="muted">{t('a.rules.help')}</p>
            <Rules merchants={p.items} />
          </>
        )}
      </Async>
    </section>
  );
}
export const MerchantsPage = adminPage(Merchants);
