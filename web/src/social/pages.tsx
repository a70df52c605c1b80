// The social pages: feed, wishlists (own and public), referrals.
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, qs } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { useLoad, usePaged } from '../lib/use.ts';
import { ActionButton, Async, errorText, PageTitle } from '../components/ui.tsx';
import { SignedIn } from '../account/guard.tsx';
import { recordReferral, type FeedItem, type Follow, type Page, type ReferralStats, type Wishlist, type WishlistSummary } from './data.ts';
import './i18n.ts';
import './social.css';

function SocialNav() {
  const { url } = useLocation();
  const l = (href: string, label: string) => <a href={href} aria-current={url === href ? 'page' : undefined}>{label}</a>;
  return (
    <nav class="tabs" aria-label={t('social.nav')}>
      {l('/account', t('account.overview'))}
      {l('/account/feed', t('social.nav.feed'))}
      {l('/account/wishlists', t('social.nav.wishlists'))}
      {l('/account/referrals', t('social.nav.referrals'))}
    </nav>
  );
}

/** Posts a referral code kept from before sign-in. */
function useFlushReferral() {
  const u = user.value;
  useEffect(() => {
    if (u?.role === 'buyer') void recordReferral();
  }, [u?.id]);
}

const price = (minor: string | null, currency: string | null) => (minor !== null && currency ? money(minor, currency) : '');

export function FeedPage() {
  useFlushReferral();
  return (
    <SignedIn>
      <section>
        <PageTitle>{t('social.feed.title')}</PageTitle>
        <SocialNav />
        <Feed />
        <Follows />
      </section>
    </SignedIn>
  );
}

function Feed() {
  const { state, more } = usePaged<FeedItem>((cursor) => `/api/me/feed${qs({ limit: 20, cursor })}`, (p) => api.get<Page<FeedItem>>(p));
  return (
    <Async state={state}>{(p) => (
      p.items.length === 0 ? <p class="muted">{t('social.feed.empty')}</p> : (
        <>
          <ul class="bare feed">
            {p.items.map((i) => (
              <li key={`${i.kind}:${i.id}`} class="card">
                <p><span class="badge">{t(`social.feed.${i.kind}`)}</span> <a href={i.href}>{i.title}</a> <span class="price">{price(i.priceMinor, i.currency)}</span></p>
                <p class="muted"><time dateTime={i.at}>{dateTime(i.at)}</time></p>
              </li>
            ))}
          </ul>
          {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
        </>
      )
    )}</Async>
  );
}

function Follows() {
  const [tick, setTick] = useState(0);
  const { state, more } = usePaged<Follow>((cursor) => `/api/me/follows${qs({ limit: 50, cursor })}`, (p) => api.get<Page<Follow>>(p), [tick]);
  return (
    <section aria-labelledby="follows-h">
      <h2 id="follows-h">{t('social.feed.follows')}</h2>
      <Async state={state}>{(p) => (
        p.items.length === 0 ? <p class="muted">{t('social.feed.noFollows')}</p> : (
          <>
            <ul class="bare">
              {p.items.map((f) => (
                <li key={f.merchantId} class="row">
                  <a href={`/search${qs({ merchantId: f.merchantId })}`}>{f.merchantName}</a>
                  <ActionButton class="small" aria-label={`${t('social.unfollow')} ${f.merchantName}`} action={async () => {
                    await api.delete(`/api/me/follows/${encodeURIComponent(f.merchantId)}`);
                    setTick((n) => n + 1);
                  }}>{t('social.unfollow')}</ActionButton>
                </li>
              ))}
            </ul>
            {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
          </>
        )
      )}</Async>
    </section>
  );
}

export function WishlistsPage() {
  const [tick, setTick] = useState(0);
  const { state, more } = usePaged<WishlistSummary>((cursor) => `/api/me/wishlists${qs({ limit: 20, cursor })}`, (p) => api.get<Page<WishlistSummary>>(p), [tick]);
  const [name, setName] = useState('');
  const [pub, setPub] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <SignedIn>
      <section>
        <PageTitle>{t('social.wl.title')}</PageTitle>
        <SocialNav />
        <form class="card wl-new" onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await api.post('/api/me/wishlists', { name, public: pub });
            setName('');
            setPub(false);
            setTick((n) => n + 1);
          } catch (err) {
            setError(errorText(err));
          }
        }}>
          <h2>{t('social.wl.new')}</h2>
          <label>
            <span>{t('social.wl.name')}</span>
            <input type="text" required maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="row">
            <input type="checkbox" checked={pub} onChange={(e) => setPub(e.currentTarget.checked)} />
            <span>{t('social.wl.public')}</span>
          </label>
          <button type="submit" class="primary" disabled={name.trim() === ''}>{t('social.wl.create')}</button>
          {error && <p class="error" role="alert">{error}</p>}
        </form>
        <Async state={state}>{(p) => (
          p.items.length === 0 ? <p class="muted">{t('social.wl.empty')}</p> : (
            <>
              <ul class="bare">
                {p.items.map((w) => (
                  <li key={w.id} class="card">
                    <p><a href={`/wishlists/${w.id}`}>{w.name}</a> <span class="badge">{w.public ? t('social.wl.isPublic') : t('social.wl.private')}</span> <span class="muted">{t('social.wl.items', { n: w.itemCount })}</span></p>
                  </li>
                ))}
              </ul>
              {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
            </>
          )
        )}</Async>
      </section>
    </SignedIn>
  );
}

/** One wishlist: the owner manages it; anyone else sees a public one (404 for a private one). */
export function WishlistPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params['id'] ?? '';
  const u = user.value;
  const state = useLoad(() => api.get<Wishlist>(`/api/wishlists/${encodeURIComponent(id)}`), [id, u?.id]);
  const [note, setNote] = useState<string | null>(null);
  return (
    <Async state={state}>{(w) => (
      <section>
        <PageTitle>{w.name}</PageTitle>
        <p class="muted">{w.mine ? (w.public ? t('social.wl.isPublic') : t('social.wl.private')) : t('social.wl.shared')} · {t('social.wl.items', { n: w.itemCount })}</p>
        {w.mine && (
          <div class="row">
            <ActionButton action={async () => {
              await api.patch(`/api/me/wishlists/${encodeURIComponent(w.id)}`, { public: !w.public });
              state.reload();
            }}>{w.public ? t('social.wl.makePrivate') : t('social.wl.makePublic')}</ActionButton>
            {w.public && (
              <ActionButton action={async () => {
                await navigator.clipboard.writeText(location.href).then(() => setNote(t('social.share.copied').split('.')[0] ?? ''), () => setNote(location.href));
              }}>{t('social.wl.copyLink')}</ActionButton>
            )}
            <ActionButton action={async () => {
              if (!confirm(t('social.wl.confirmDelete'))) return;
              await api.delete(`/api/me/wishlists/${encodeURIComponent(w.id)}`);
              route('/account/wishlists');
            }}>{t('social.wl.delete')}</ActionButton>
            {note && <span role="status" class="muted">{note}</span>}
          </div>
        )}
        {w.items.length === 0 ? <p class="muted">{t('social.wl.noItems')}</p> : (
          <ul class="bare">
            {w.items.map((i) => (
              <li key={i.productId} class="card row">
                {i.available ? <a href={`/products/${i.productId}`}>{i.title}</a> : <span>{i.title || i.productId} <span class="muted">({t('social.wl.unavailable')})</span></span>}
                <span class="price">{price(i.priceMinor, i.currency)}</span>
                {w.mine && (
                  <ActionButton class="small" aria-label={`${t('social.wl.remove')} ${i.title}`} action={async () => {
                    await api.delete(`/api/me/wishlists/${encodeURIComponent(w.id)}/items/${encodeURIComponent(i.productId)}`);
                    state.reload();
                  }}>{t('social.wl.remove')}</ActionButton>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    )}</Async>
  );
}

export function ReferralsPage() {
  useFlushReferral();
  const { state, more } = usePaged<ReferralStats>((cursor) => `/api/me/referrals${qs({ limit: 20, cursor })}`, (p) => api.get<Page<ReferralStats>>(p));
  return (
    <SignedIn buyer={false}>
      <section>
        <PageTitle>{t('social.ref.title')}</PageTitle>
        <SocialNav />
        <p class="muted">{t('social.ref.rules')}</p>
        <Async state={state}>{(p) => (
          p.items.length === 0 ? <p>{t('social.ref.empty')}</p> : (
            <>
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">{t('social.ref.product')}</th><th scope="col">{t('social.ref.link')}</th><th scope="col">{t('social.ref.visits')}</th><th scope="col">{t('social.ref.orders')}</th><th scope="col">{t('social.ref.points')}</th></tr></thead>
                  <tbody>
                    {p.items.map((r) => (
                      <tr key={r.id}>
                        <td><a href={`/products/${r.productId}`}>{r.productTitle ?? r.productId}</a><br /><span class="muted">{dateTime(r.createdAt)}</span></td>
                        <td><input type="text" readOnly aria-label={t('social.share.label')} value={new URL(r.url, location.origin).href} onFocus={(e) => e.currentTarget.select()} /></td>
                        <td>{r.visits}</td>
                        <td>{r.orders}{r.reversed > 0 && <span class="muted"> ({t('social.ref.reversed', { n: r.reversed })})</span>}</td>
                        <td>{r.pointsEarned}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {more && <ActionButton action={more}>{t('common.more')}</ActionButton>}
            </>
          )
        )}</Async>
      </section>
    </SignedIn>
  );
}
