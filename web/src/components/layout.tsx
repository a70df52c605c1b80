// The frame of every page: skip link, header with navigation by role, language switch, main area.
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { LOCALES, locale, setLocale, t, type Locale } from '../lib/i18n.ts';
import { signOut, user } from '../lib/session.ts';
import { ConsentBanner } from '../store/consent-banner.tsx';

export function Layout({ children }: { children: ComponentChildren }) {
  const { url, route } = useLocation();
  const u = user.value;
  const link = (href: string, label: string) => (
    <a href={href} aria-current={url === href || (href !== '/' && url.startsWith(href)) ? 'page' : undefined}>{label}</a>
  );
  return (
    <>
      <a class="skip" href="#main">{t('nav.skip')}</a>
      <header class="top">
        <a class="brand" href="/">{t('app.name')}</a>
        <nav aria-label={t('nav.menu')}>
          {link('/', t('nav.store'))}
          {(!u || u.role === 'buyer') && link('/cart', t('nav.cart'))}
          {u?.role === 'buyer' && link('/account/orders', t('nav.orders'))}
          {u?.role === 'buyer' && link('/account/wallet', t('nav.wallet'))}
          {u && link('/account', t('nav.account'))}
          {u?.role === 'merchant_staff' && link('/merchant', t('nav.merchant'))}
          {(u?.role === 'admin' || u?.role === 'auditor') && link('/admin', t('nav.admin'))}
          {u?.role === 'buyer' && link('/account/feed', t('social.nav.feed'))}
          {link('/games', t('g.nav'))}
          {/* modules: nav */}
          {link('/live', t('live.nav'))}
          {link('/explorer', t('nav.explorer'))}
          {link('/verify', t('nav.verify'))}
        </nav>
        <div class="top-right">
          <label class="lang">
            <span class="sr-only">{t('nav.language')}</span>
            <select value={locale.value} onChange={(e) => setLocale((e.currentTarget as HTMLSelectElement).value as Locale)}>
              {LOCALES.map((l) => <option value={l.id} key={l.id}>{l.label}</option>)}
            </select>
          </label>
          {u === null && <a href="/signin">{t('nav.signin')}</a>}
          {u && (
            <button type="button" class="link" onClick={async () => { await signOut(); route('/'); }}>
              {t('nav.signout')}
            </button>
          )}
        </div>
      </header>
      <main id="main">{children}</main>
      <ConsentBanner />
    </>
  );
}
