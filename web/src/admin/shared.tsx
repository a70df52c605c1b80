// Pieces every admin page shares: the guard (admins write, auditors read), the section navigation.
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { Loading, PageTitle } from '../components/ui.tsx';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import './i18n.ts';
import '../merchant/merchant.css';
import './admin.css';

export { Act, csvField, download, type Page } from '../merchant/shared.tsx';

const SECTIONS: [string, string][] = [
  ['/admin', 'a.nav.home'],
  ['/admin/merchants', 'a.nav.merchants'],
  ['/admin/withdrawals', 'a.nav.withdrawals'],
  ['/admin/reconciliation', 'a.nav.reconciliation'],
  ['/admin/promotions', 'a.nav.promotions'],
  ['/admin/points', 'a.nav.points'],
  ['/admin/settlements', 'a.nav.settlements'],
  ['/admin/reviews', 'a.nav.reviews'],
];

/** Admins may change things; auditors only read. */
export const canWrite = (): boolean => user.value?.role === 'admin';

function AdminNav() {
  const { path } = useLocation();
  return (
    <nav class="subnav" aria-label={t('a.nav.label')}>
      {SECTIONS.map(([href, key]) => {
        const current = href === '/admin' ? path === href : path === href || path.startsWith(`${href}/`);
        return <a key={href} href={href} aria-current={current ? 'page' : undefined}>{t(key)}</a>;
      })}
    </nav>
  );
}

export function AdminOnly({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const u = user.value;
  if (u === undefined) return <Loading />;
  if (u === null) {
    return (
      <section class="narrow">
        <PageTitle>{t('a.title')}</PageTitle>
        <p>{t('a.signinPrompt')}</p>
        <p><a href={`/signin?next=${encodeURIComponent(path)}`}>{t('nav.signin')}</a></p>
      </section>
    );
  }
  if (u.role !== 'admin' && u.role !== 'auditor') {
    return (
      <section class="narrow">
        <PageTitle>{t('a.title')}</PageTitle>
        <p class="error" role="alert">{t('a.forbidden')}</p>
      </section>
    );
  }
  return (
    <div class="console">
      <AdminNav />
      {u.role === 'auditor' && <p class="badge" role="note">{t('a.readOnly')}</p>}
      {children}
    </div>
  );
}

export function adminPage<P extends object>(Inner: (props: P) => any) {
  return (props: P) => <AdminOnly><Inner {...props} /></AdminOnly>;
}

/** "5.00%" from basis points. */
export const bpsText = (bps: number): string => `${(bps / 100).toFixed(2)}%`;
/** Basis points from "5" or "5.25" (percent), or null. */
export function parseBps(text: string): number | null {
  const m = /^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*$/.exec(text);
  if (!m) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0');
  return bps <= 10_000 ? bps : null;
}
