// Account pages are for a signed-in person: others go to sign-in and come back.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import { Loading } from '../components/ui.tsx';

export function SignedIn({ children, buyer = true }: { children: ComponentChildren; buyer?: boolean }) {
  const { url, route } = useLocation();
  const u = user.value;
  useEffect(() => {
    if (u === null) route(`/signin?next=${encodeURIComponent(url)}`, true);
  }, [u, url]);
  if (u === undefined || u === null) return <Loading />;
  if (buyer && u.role !== 'buyer') return <p>{t('account.buyersOnly')}</p>;
  return <>{children}</>;
}

export function AccountNav() {
  const { url } = useLocation();
  const l = (href: string, label: string) => <a href={href} aria-current={url === href ? 'page' : undefined}>{label}</a>;
  return (
    <nav class="tabs" aria-label={t('account.nav')}>
      {l('/account', t('account.overview'))}
      {l('/account/orders', t('account.orders'))}
      {l('/account/wallet', t('account.wallet'))}
      {l('/account/privacy', t('account.privacy'))}
    </nav>
  );
}
