// '/admin/promotions': platform coupons (list, create, deactivate) and automatic promotions
// (category discount, buy X get Y, spend and save).
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { Act, adminPage, bpsText, canWrite, parseBps, type Page } from './shared.tsx';

interface Coupon {
  code: string; funder: string; merchantId: string | null; kind: 'fixed' | 'percent'; amountMinor: string | null; percentBps: number | null; capMinor: string | null;
  minSpendMinor: string | null; validFrom: string | null; validUntil: string | null; stackable: boolean; totalLimit: number | null; perUserLimit: number | null;
  usedCount: number; active: boolean; createdAt: string;
}
interface Promotion {
  id: string; funder: string; merchantId?: string; kind: string; percentBps?: number; buyX?: number; getY?: number; thresholdMinor?: string; saveMinor?: string;
  applies?: { productIds?: string[]; categoryIds?: string[]; merchantIds?: string[] }; validFrom?: string; validUntil?: string; active: boolean; createdAt: string;
}
interface Category { id: string; name: string }

const CNY = 'CNY';
const fail = (key: string): never => { throw new Error(t(key)); };
const minorOf = (text: string): string => parseMoney(text, CNY) ?? fail('a.promo.badAmount');
const optionalInt = (text: string): number | undefined => (text.trim() ? (Number.isInteger(Number(text)) && Number(text) > 0 ? Number(text) : fail('a.promo.badNumber')) : undefined);
const optionalTime = (text: string): string | undefined => (text ? new Date(text).toISOString() : undefined);

function couponTerms(c: Coupon): string {
  const off = c.kind === 'fixed' ? money(c.amountMinor ?? '0', CNY) : `${bpsText(c.percentBps ?? 0)}${c.capMinor ? ` (${t('a.coupon.cap')} ${money(c.capMinor, CNY)})` : ''}`;
  return [t('a.coupon.off', { off }), c.minSpendMinor && c.minSpendMinor !== '0' ? t('a.coupon.minSpendText', { amount: money(c.minSpendMinor, CNY) }) : ''].filter(Boolean).join(' · ');
}

function NewCoupon({ onCreated }: { onCreated: () => void }) {
  const [code, setCode] = useState('');
  const [kind, setKind] = useState<'fixed' | 'percent'>('fixed');
  const [amount, setAmount] = useState('');
  const [percent, setPercent] = useState('');
  const [cap, setCap] = useState('');
  const [minSpend, setMinSpend] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [totalLimit, setTotalLimit] = useState('');
  const [perUserLimit, setPerUserLimit] = useState('1');
  const [created, setCreated] = useState<string | null>(null);
  return (
    <form onSubmit={(e) => e.preventDefault()}>
      <div class="form-row">
        <Field label={t('a.coupon.code')} hint={t('a.coupon.codeHint')}><input value={code} maxLength={32} pattern="[A-Za-z0-9_\-]{3,32}" onInput={(e) => setCode(e.currentTarget.value)} /></Field>
        <Field label={t('a.coupon.kind')}>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as 'fixed' | 'percent')}>
            <option value="fixed">{t('a.coupon.kind.fixed')}</option>
            <option value="percent">{t('a.coupon.kind.percent')}</option>
          </select>
        </Field>
        {kind === 'fixed'
          ? <Field label={t('a.coupon.amount')}><input value={amount} inputMode="decimal" onInput={(e) => setAmount(e.currentTarget.value)} /></Field>
          : <>
              <Field label={t('a.coupon.percent')}><input value={percent} inputMode="decimal" onInput={(e) => setPercent(e.currentTarget.value)} /></Field>
              <Field label={t('a.coupon.capInput')}><input value={cap} inputMode="decimal" onInput={(e) => setCap(e.currentTarget.value)} /></Field>
            </>}
      </div>
      <div class="form-row">
        <Field label={t('a.coupon.minSpend')}><input value={minSpend} inputMode="decimal" onInput={(e) => setMinSpend(e.currentTarget.value)} /></Field>
        <Field label={t('a.coupon.validUntil')}><input type="datetime-local" value={validUntil} onInput={(e) => setValidUntil(e.currentTarget.value)} /></Field>
        <Field label={t('a.coupon.totalLimit')}><input type="number" min={1} value={totalLimit} onInput={(e) => setTotalLimit(e.currentTarget.value)} /></Field>
        <Field label={t('a.coupon.perUserLimit')}><input type="number" min={1} value={perUserLimit} onInput={(e) => setPerUserLimit(e.currentTarget.value)} /></Field>
      </div>
      <Act class="primary" disabled={!code.trim()} action={async () => {
        setCreated(null);
        const body: Record<string, unknown> = { code: code.trim(), kind };
        if (kind === 'fixed') body['amountMinor'] = minorOf(amount);
        else {
          body['percentBps'] = parseBps(percent) ?? fail('a.promo.badPercent');
          if (cap.trim()) body['capMinor'] = minorOf(cap);
        }
        if (minSpend.trim()) body['minSpendMinor'] = minorOf(minSpend);
        const until = optionalTime(validUntil);
        if (until) body['validUntil'] = until;
        const tl = optionalInt(totalLimit);
        if (tl) body['totalLimit'] = tl;
        const pl = optionalInt(perUserLimit);
        if (pl) body['perUserLimit'] = pl;
        const c = await api.post<Coupon>('/api/admin/coupons', body);
        setCreated(c.code);
        setCode(''); setAmount(''); setPercent(''); setCap(''); setMinSpend('');
        onCreated();
      }}>{t('a.coupon.create')}</Act>
      {created && <p class="ok" role="status">{t('a.coupon.created', { code: created })}</p>}
    </form>
  );
}

function NewPromotion({ categories, onCreated }: { categories: Category[]; onCreated: () => void }) {
  const [kind, setKind] = useState('category_discount');
  const [percent, setPercent] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [buyX, setBuyX] = useState('2');
  const [getY, setGetY] = useState('1');
  const [threshold, setThreshold] = useState('');
  const [save, setSave] = useState('');
  const [validUntil, setValidUntil] = useState('');
  return (
    <form onSubmit={(e) => e.preventDefault()}>
      <div class="form-row">
        <Field label={t('a.promo.kind')}>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {['category_discount', 'buy_x_get_y', 'spend_and_save'].map((k) => <option key={k} value={k}>{t(`a.promo.kind.${k}`)}</option>)}
          </select>
        </Field>
        {kind !== 'spend_and_save' && (
          <Field label={t('a.promo.category')}>
            <select value={categoryId} onChange={(e) => setCategoryId(e.currentTarget.value)}>
              <option value="">{t('a.promo.anyCategory')}</option>
              {categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </Field>
        )}
        {kind === 'category_discount' && <Field label={t('a.coupon.percent')}><input value={percent} inputMode="decimal" onInput={(e) => setPercent(e.currentTarget.value)} /></Field>}
        {kind === 'buy_x_get_y' && <>
          <Field label={t('a.promo.buyX')}><input type="number" min={1} max={100} value={buyX} onInput={(e) => setBuyX(e.currentTarget.value)} /></Field>
          <Field label={t('a.promo.getY')}><input type="number" min={1} max={100} value={getY} onInput={(e) => setGetY(e.currentTarget.value)} /></Field>
        </>}
        {kind === 'spend_and_save' && <>
          <Field label={t('a.promo.threshold')}><input value={threshold} inputMode="decimal" onInput={(e) => setThreshold(e.currentTarget.value)} /></Field>
          <Field label={t('a.promo.save')}><input value={save} inputMode="decimal" onInput={(e) => setSave(e.currentTarget.value)} /></Field>
        </>}
        <Field label={t('a.coupon.validUntil')}><input type="datetime-local" value={validUntil} onInput={(e) => setValidUntil(e.currentTarget.value)} /></Field>
      </div>
      <Act class="primary" action={async () => {
        const body: Record<string, unknown> = { kind };
        if (kind === 'category_discount') body['percentBps'] = parseBps(percent) ?? fail('a.promo.badPercent');
        if (kind === 'buy_x_get_y') { body['buyX'] = optionalInt(buyX) ?? fail('a.promo.badNumber'); body['getY'] = optionalInt(getY) ?? fail('a.promo.badNumber'); }
        if (kind === 'spend_and_save') { body['thresholdMinor'] = minorOf(threshold); body['saveMinor'] = minorOf(save); }
        if (kind !== 'spend_and_save' && categoryId) body['applies'] = { categoryIds: [categoryId] };
        const until = optionalTime(validUntil);
        if (until) body['validUntil'] = until;
        await api.post('/api/admin/promotions', body);
        onCreated();
      }}>{t('a.promo.create')}</Act>
    </form>
  );
}

function promoTerms(p: Promotion, cat: (id: string) => string): string {
  const scope = p.applies?.categoryIds?.length ? ` · ${p.applies.categoryIds.map(cat).join(', ')}` : '';
  if (p.kind === 'category_discount') return `${bpsText(p.percentBps ?? 0)}${scope}`;
  if (p.kind === 'buy_x_get_y') return `${t('a.promo.bxgy', { x: p.buyX ?? 0, y: p.getY ?? 0 })}${scope}`;
  return t('a.promo.sas', { threshold: money(p.thresholdMinor ?? '0', CNY), save: money(p.saveMinor ?? '0', CNY) });
}

function Promotions() {
  const coupons = useLoad((signal) => api.get<Page<Coupon>>('/api/admin/coupons?limit=200', { signal }));
  const promos = useLoad(async (signal) => {
    const [p, c] = await Promise.all([api.get<Page<Promotion>>('/api/admin/promotions?limit=200', { signal }), api.get<Page<Category>>('/api/categories?limit=200', { signal })]);
    return { promotions: p.items, categories: c.items };
  });
  const write = canWrite();
  return (
    <section>
      <PageTitle>{t('a.promo.title')}</PageTitle>
      <h2>{t('a.coupon.title')}</h2>
      <Async state={coupons}>
        {(p) => p.items.length === 0 ? <p>{t('state.empty')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('a.coupon.code')}</th><th scope="col">{t('a.coupon.terms')}</th><th scope="col">{t('a.coupon.funder')}</th><th scope="col">{t('a.coupon.used')}</th><th scope="col">{t('a.coupon.validUntil')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
              <tbody>
                {p.items.map((c) => (
                  <tr key={c.code}>
                    <td class="mono">{c.code}</td>
                    <td>{couponTerms(c)}</td>
                    <td>{t(`a.funder.${c.funder}`)}</td>
                    <td>{c.usedCount}{c.totalLimit !== null ? ` / ${c.totalLimit}` : ''}</td>
                    <td>{dateTime(c.validUntil)}</td>
                    <td><span class="badge">{c.active ? t('a.active') : t('a.inactive')}</span></td>
                    <td>{write && c.active && <Act class="danger" label={t('a.coupon.deactivateOf', { code: c.code })} action={async () => { await api.post(`/api/admin/coupons/${encodeURIComponent(c.code)}/deactivate`); coupons.reload(); }}>{t('a.deactivate')}</Act>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
      {write && <><h3>{t('a.coupon.new')}</h3><NewCoupon onCreated={coupons.reload} /></>}
      <h2>{t('a.promo.listTitle')}</h2>
      <Async state={promos}>
        {({ promotions, categories }) => {
          const cat = (id: string) => categories.find((c) => c.id === id)?.name ?? id;
          return (
            <>
              {promotions.length === 0 ? <p>{t('state.empty')}</p> : (
                <div class="table-wrap">
                  <table>
                    <thead><tr><th scope="col">{t('a.promo.kind')}</th><th scope="col">{t('a.coupon.terms')}</th><th scope="col">{t('a.coupon.funder')}</th><th scope="col">{t('a.coupon.validUntil')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
                    <tbody>
                      {promotions.map((p) => (
                        <tr key={p.id}>
                          <td>{t(`a.promo.kind.${p.kind}`)}</td>
                          <td>{promoTerms(p, cat)}</td>
                          <td>{t(`a.funder.${p.funder}`)}</td>
                          <td>{dateTime(p.validUntil)}</td>
                          <td><span class="badge">{p.active ? t('a.active') : t('a.inactive')}</span></td>
                          <td>{write && p.active && p.funder === 'platform' && <Act class="danger" action={async () => { await api.post(`/api/admin/promotions/${encodeURIComponent(p.id)}/deactivate`); promos.reload(); }}>{t('a.deactivate')}</Act>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {write && <><h3>{t('a.promo.new')}</h3><NewPromotion categories={categories} onCreated={promos.reload} /></>}
            </>
          );
        }}
      </Async>
    </section>
  );
}
export const PromotionsPage = adminPage(Promotions);
