// The buyer's account: name, phone and saved addresses (sealed with the buyer's own key), points.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad } from '../lib/use.ts';
import { Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import type { Profile } from '../store/data.ts';
import { AccountNav, SignedIn } from './guard.tsx';
import '../store/store.css';

interface Points { points: string; expiring: { points: string; expiresAt: string }[] }
type Addr = Profile['addresses'][number];
const NEW_ADDR: Addr = { label: '', recipient: '', phone: '', country: 'CN', city: '', line1: '' };

export function AccountPage() {
  return (
    <SignedIn buyer={false}>
      <section>
        <PageTitle>{t('account.title')}</PageTitle>
        <p class="muted">{user.value?.email}</p>
        {user.value?.role === 'buyer' ? <BuyerOverview /> : <p>{t('account.staffNote')}</p>}
      </section>
    </SignedIn>
  );
}

function BuyerOverview() {
  const profile = useLoad(() => api.get<Profile>('/api/me/profile'), []);
  const points = useLoad(() => api.get<Points>('/api/me/points'), []);
  return (
    <>
      <AccountNav />
      <section class="panel" aria-labelledby="points-h">
        <h2 id="points-h">{t('account.points')}</h2>
        <Async state={points}>{(p) => (
          <>
            <p class="stat">{money(p.points, 'PTS')}</p>
            {p.expiring.length > 0 && <ul>{p.expiring.map((e, i) => <li key={i}>{t('account.pointsExpire', { n: money(e.points, 'PTS'), at: dateTime(e.expiresAt) })}</li>)}</ul>}
          </>
        )}</Async>
      </section>
      <Async state={profile}>{(p) => <ProfileForm profile={p} />}</Async>
    </>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  const [name, setName] = useState(profile.name ?? '');
  const [phone, setPhone] = useState(profile.phone ?? '');
  const [addresses, setAddresses] = useState<Addr[]>(profile.addresses);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const setAddr = (i: number, k: keyof Addr, v: string) => setAddresses((as) => as.map((a, j) => (j === i ? { ...a, [k]: v } : a)));
  return (
    <form class="panel" aria-labelledby="profile-h" onSubmit={async (e) => {
      e.preventDefault();
      setBusy(true);
      setMsg(null);
      try {
        const clean = addresses.map((a) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === 'string' ? (k === 'country' ? v.trim().toUpperCase() : v.trim()) : v]).filter(([, v]) => v !== '')));
        const saved = await api.patch<Profile>('/api/me/profile', { name: name.trim() || null, phone: phone.trim() || null, addresses: clean });
        setName(saved.name ?? '');
        setPhone(saved.phone ?? '');
        setAddresses(saved.addresses);
        setMsg({ ok: true, text: t('state.saved') });
      } catch (err) {
        setMsg({ ok: false, text: errorText(err) });
      } finally {
        setBusy(false);
      }
    }}>
      <h2 id="profile-h">{t('account.profile')}</h2>
      <div class="form-grid">
        <Field label={t('account.name')}><input autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <Field label={t('account.phone')}><input type="tel" autoComplete="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} /></Field>
      </div>
      <h3>{t('account.addresses')}</h3>
      {addresses.length === 0 && <p class="muted">{t('account.noAddresses')}</p>}
      {addresses.map((a, i) => (
        <fieldset key={i} class="card address">
          <legend>{a.label || t('account.addressN', { n: i + 1 })}</legend>
          <div class="form-grid">
            <Field label={t('account.addrLabel')}><input required value={a.label} onInput={(e) => setAddr(i, 'label', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.recipient')}><input required value={a.recipient} onInput={(e) => setAddr(i, 'recipient', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.phone')}><input required type="tel" value={a.phone} onInput={(e) => setAddr(i, 'phone', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.line1')}><input required value={a.line1} onInput={(e) => setAddr(i, 'line1', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.line2')}><input value={a.line2 ?? ''} onInput={(e) => setAddr(i, 'line2', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.city')}><input required value={a.city} onInput={(e) => setAddr(i, 'city', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.region')}><input value={a.region ?? ''} onInput={(e) => setAddr(i, 'region', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.postalCode')}><input value={a.postalCode ?? ''} onInput={(e) => setAddr(i, 'postalCode', e.currentTarget.value)} /></Field>
            <Field label={t('store.addr.country')} hint={t('store.addr.countryHint')}><input required pattern="[A-Za-z]{2}" maxLength={2} value={a.country} onInput={(e) => setAddr(i, 'country', e.currentTarget.value)} /></Field>
          </div>
          <button type="button" class="danger" onClick={() => setAddresses((as) => as.filter((_, j) => j !== i))}>{t('account.removeAddress')}</button>
        </fieldset>
      ))}
      <p><button type="button" onClick={() => setAddresses((as) => [...as, { ...NEW_ADDR }])}>{t('account.addAddress')}</button></p>
      <button type="submit" class="primary" disabled={busy}>{busy ? t('state.saving') : t('common.save')}</button>
      {msg && <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
    </form>
  );
}
