// Checkout: where to ship, how to pay (prepaid or on receipt; wallet or the payment gateway),
// points and coupons; then one order per merchant.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, newIdempotencyKey } from '../lib/api.ts';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad } from '../lib/use.ts';
import { Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import { cartVersion, type Address, type Checkout, type Profile } from './data.ts';
import { loadCartGroups, totalsByCurrency, type CartGroup } from './cart.tsx';
import { requestSmsCode, SmsStep, smsNeeded, type SmsNeeded } from './sms.tsx';
import './store.css';

interface Balance { currency: string; available: string }
interface Points { points: string }

const EMPTY: Address = { recipient: '', phone: '', country: 'CN', region: '', city: '', line1: '', line2: '', postalCode: '' };

export function CheckoutPage() {
  const { route } = useLocation();
  const u = user.value;
  useEffect(() => {
    if (u === null) route('/signin?next=%2Fcheckout', true);
  }, [u]);
  const state = useLoad(async () => {
    if (!u || u.role !== 'buyer') return null;
    const [groups, profile, wallet, points] = await Promise.all([
      loadCartGroups(),
      api.get<Profile>('/api/me/profile').catch(() => ({ name: null, phone: null, addresses: [] }) as Profile),
      api.get<Balance>('/api/wallet').catch(() => null),
      api.get<Points>('/api/me/points').catch(() => null),
    ]);
    return { groups, profile, wallet, points };
  }, [u?.id]);
  if (u === undefined) return null;
  if (u !== null && u.role !== 'buyer') return <section><PageTitle>{t('store.checkout.title')}</PageTitle><p>{t('store.checkout.buyersOnly')}</p></section>;
  return (
    <section>
      <PageTitle>{t('store.checkout.title')}</PageTitle>
      <Async state={state}>{(d) => d === null ? null : d.groups.length === 0
        ? <p>{t('store.cart.empty')} <a href="/">{t('store.cart.shop')}</a></p>
        : <CheckoutForm groups={d.groups} profile={d.profile} wallet={d.wallet} points={d.points} />}
      </Async>
    </section>
  );
}

function CheckoutForm({ groups, profile, wallet, points }: { groups: CartGroup[]; profile: Profile; wallet: Balance | null; points: Points | null }) {
  const { route } = useLocation();
  const saved = profile.addresses;
  const [addrIdx, setAddrIdx] = useState(saved.length > 0 ? 0 : -1);
  const [addr, setAddr] = useState<Address>(saved[0] ? { ...EMPTY, ...saved[0] } : { ...EMPTY, recipient: profile.name ?? '', phone: profile.phone ?? '' });
  const allowPor = groups.every((g) => g.merchant?.payOnReceipt);
  const [mode, setMode] = useState<'prepaid' | 'pay_on_receipt'>('prepaid');
  const [pay, setPay] = useState<'wallet' | 'gateway'>('wallet');
  const [redeem, setRedeem] = useState('');
  const [coupons, setCoupons] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [sms, setSms] = useState<SmsNeeded | null>(null);
  const key = useRef(newIdempotencyKey());
  const body = useRef<unknown>(null);
  const pointsBalance = Number(points?.points ?? '0');

  const pick = (i: number) => {
    setAddrIdx(i);
    const a = saved[i];
    setAddr(a ? { ...EMPTY, ...a } : { ...EMPTY, recipient: profile.name ?? '', phone: profile.phone ?? '' });
  };
  const setField = (k: keyof Address) => (e: { currentTarget: HTMLInputElement }) => setAddr((a) => ({ ...a, [k]: e.currentTarget.value }));

  const buildBody = () => {
    const shippingAddress: Record<string, string> = {};
    for (const k of ['recipient', 'phone', 'country', 'region', 'city', 'line1', 'line2', 'postalCode'] as const) {
      const v = (addr[k] ?? '').trim();
      if (v) shippingAddress[k] = k === 'country' ? v.toUpperCase() : v;
    }
    const b: Record<string, unknown> = { shippingAddress, paymentMode: mode };
    if (mode === 'prepaid') b['pay'] = pay === 'wallet' ? 'wallet' : 'later';
    const codes = coupons.split(/[\s,]+/).map((c) => c.trim()).filter(Boolean);
    if (codes.length > 0) b['coupons'] = codes;
    const r = Number(redeem);
    if (mode === 'prepaid' && pay === 'wallet' && Number.isInteger(r) && r >= 100) b['redeemPoints'] = r;
    return b;
  };

  const send = async (code?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const c = await api.command<Checkout>('/api/checkout', body.current, { idempotencyKey: key.current, ...(code ? { headers: { 'sms-code': code } } : {}) });
      cartVersion.value++;
      const unpaid = c.orders.filter((o) => o.mode === 'prepaid' && !o.paid);
      if (pay === 'gateway' && mode === 'prepaid' && unpaid.length === 1) route(`/pay/${unpaid[0]!.id}`);
      else route(`/checkout/done/${c.id}`);
    } catch (err) {
      const needed = smsNeeded(err);
      if (needed) {
        try {
          await requestSmsCode(needed);
          setSms(needed);
        } catch (e2) {
          setError(e2);
        }
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="checkout" onSubmit={(e) => {
      e.preventDefault();
      // A new attempt is a new request; an SMS retry repeats the same one (same key, same body).
      key.current = newIdempotencyKey();
      body.current = buildBody();
      setSms(null);
      void send();
    }}>
      <section class="panel" aria-labelledby="ship-h">
        <h2 id="ship-h">{t('store.checkout.shipTo')}</h2>
        {saved.length > 0 && (
          <Field label={t('store.checkout.saved')}>
            <select value={String(addrIdx)} onChange={(e) => pick(Number(e.currentTarget.value))}>
              {saved.map((a, i) => <option key={i} value={String(i)}>{`${a.label}: ${a.recipient}, ${a.line1}, ${a.city}`}</option>)}
              <option value="-1">{t('store.checkout.newAddress')}</option>
            </select>
          </Field>
        )}
        <div class="form-grid">
          <Field label={t('store.addr.recipient')}><input required autoComplete="name" value={addr.recipient} onInput={setField('recipient')} /></Field>
          <Field label={t('store.addr.phone')}><input required type="tel" autoComplete="tel" value={addr.phone} onInput={setField('phone')} /></Field>
          <Field label={t('store.addr.line1')}><input required autoComplete="address-line1" value={addr.line1} onInput={setField('line1')} /></Field>
          <Field label={t('store.addr.line2')}><input autoComplete="address-line2" value={addr.line2 ?? ''} onInput={setField('line2')} /></Field>
          <Field label={t('store.addr.city')}><input required autoComplete="address-level2" value={addr.city} onInput={setField('city')} /></Field>
          <Field label={t('store.addr.region')}><input autoComplete="address-level1" value={addr.region ?? ''} onInput={setField('region')} /></Field>
          <Field label={t('store.addr.postalCode')}><input autoComplete="postal-code" value={addr.postalCode ?? ''} onInput={setField('postalCode')} /></Field>
          <Field label={t('store.addr.country')} hint={t('store.addr.countryHint')}><input required pattern="[A-Za-z]{2}" maxLength={2} autoComplete="country" value={addr.country} onInput={setField('country')} /></Field>
        </div>
      </section>

      <section class="panel" aria-labelledby="sum-h">
        <h2 id="sum-h">{t('store.checkout.summary')}</h2>
        <ul class="bare">
          {groups.map((g) => (
            <li key={g.merchantId} class="spread">
              <span>{t('store.checkout.orderFrom', { name: g.merchant?.name ?? g.merchantId, n: g.lines.reduce((s, l) => s + l.qty, 0) })}</span>
              <strong>{money(g.subtotalMinor, g.currency)}</strong>
            </li>
          ))}
        </ul>
        <p class="spread"><span>{t('common.total')}</span><strong>{totalsByCurrency(groups).map(([c, v]) => money(v.toString(), c)).join(' + ')}</strong></p>
        {groups.some((g) => g.lines.some((l) => !l.purchasable)) && <p class="warn">{t('store.checkout.unpurchasable')}</p>}
      </section>

      <fieldset class="panel">
        <legend>{t('store.checkout.when')}</legend>
        <label class="choice"><input type="radio" name="mode" checked={mode === 'prepaid'} onChange={() => setMode('prepaid')} /> {t('store.checkout.prepaid')}</label>
        <label class="choice">
          <input type="radio" name="mode" disabled={!allowPor} checked={mode === 'pay_on_receipt'} onChange={() => setMode('pay_on_receipt')} /> {t('store.checkout.por')}
        </label>
        {!allowPor && <p class="muted">{t('store.checkout.porNotAll')}</p>}
      </fieldset>

      {mode === 'prepaid' && (
        <fieldset class="panel">
          <legend>{t('store.checkout.how')}</legend>
          <label class="choice">
            <input type="radio" name="pay" checked={pay === 'wallet'} onChange={() => setPay('wallet')} /> {t('store.checkout.wallet')}
            {wallet && <span class="muted"> — {t('store.checkout.available', { amount: money(wallet.available, wallet.currency) })}</span>}
          </label>
          <label class="choice"><input type="radio" name="pay" checked={pay === 'gateway'} onChange={() => setPay('gateway')} /> {t('store.checkout.gateway')}</label>
          {pay === 'wallet' && pointsBalance >= 100 && (
            <Field label={t('store.checkout.points')} hint={t('store.checkout.pointsHint', { n: pointsBalance })}>
              <input type="number" min={0} step={100} max={pointsBalance - (pointsBalance % 100)} value={redeem} onInput={(e) => setRedeem(e.currentTarget.value)} />
            </Field>
          )}
        </fieldset>
      )}

      <Field label={t('store.checkout.coupons')} hint={t('store.checkout.couponsHint')}>
        <input value={coupons} autoComplete="off" onInput={(e) => setCoupons(e.currentTarget.value)} />
      </Field>

      {error !== undefined && <p class="error" role="alert">{errorText(error)}</p>}
      {sms ? <SmsStep needed={sms} busy={busy} submit={(code) => void send(code)} /> : (
        <button type="submit" class="primary big" disabled={busy} aria-busy={busy}>{t('store.checkout.place')}</button>
      )}
    </form>
  );
}
