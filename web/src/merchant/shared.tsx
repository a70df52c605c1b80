// Pieces every merchant console page shares: the staff-only guard, the console's navigation,
// and small types of the API answers.
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { errorText, Loading, PageTitle } from '../components/ui.tsx';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import './i18n.ts';
import './merchant.css';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const SECTIONS: [string, string][] = [
  ['/merchant', 'm.nav.dashboard'],
  ['/merchant/orders', 'm.nav.orders'],
  ['/merchant/products', 'm.nav.products'],
  ['/merchant/locations', 'm.nav.locations'],
  ['/merchant/settlements', 'm.nav.settlements'],
  ['/merchant/analytics', 'm.nav.analytics'],
  ['/merchant/webhooks', 'm.nav.webhooks'],
  ['/merchant/reviews', 'm.nav.reviews'],
];

function ConsoleNav() {
  const { path } = useLocation();
  return (
    <nav class="subnav" aria-label={t('m.nav.label')}>
      {SECTIONS.map(([href, key]) => {
        const current = href === '/merchant' ? path === href : path === href || path.startsWith(`${href}/`);
        return <a key={href} href={href} aria-current={current ? 'page' : undefined}>{t(key)}</a>;
      })}
    </nav>
  );
}

/** Renders the page only for merchant staff; others see a sign-in prompt or a 403 text. */
export function StaffOnly({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const u = user.value;
  if (u === undefined) return <Loading />;
  if (u === null) {
    return (
      <section class="narrow">
        <PageTitle>{t('m.title')}</PageTitle>
        <p>{t('m.signinPrompt')}</p>
        <p><a href={`/signin?next=${encodeURIComponent(path)}`}>{t('nav.signin')}</a></p>
      </section>
    );
  }
  if (u.role !== 'merchant_staff') {
    return (
      <section class="narrow">
        <PageTitle>{t('m.title')}</PageTitle>
        <p class="error" role="alert">{t('m.forbidden')}</p>
      </section>
    );
  }
  return (
    <div class="console">
      <ConsoleNav />
      {children}
    </div>
  );
}

/** Wraps a page component so that its hooks run only for merchant staff. */
export function staffPage<P extends object>(Inner: (props: P) => any) {
  return (props: P) => <StaffOnly><Inner {...props} /></StaffOnly>;
}

/** "2026-11-26T08:30" in local time, for datetime-local inputs. */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const ORDER_STATES = ['created', 'accepted', 'rejected', 'allocated', 'shipped', 'in_transit', 'delivered', 'received', 'refund_requested', 'refunded', 'completed', 'cancelled', 'payment_failed'] as const;

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{t(`m.state.${state}`)}</span>;
}

/** Downloads text as a file (a statement CSV). */
export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** One CSV field, quoted when needed (RFC 4180), with formula-looking text defused. */
export function csvField(v: string | number | null | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+@\t\r]/.test(s) || (/^-/.test(s) && !/^-?\d+(\.\d+)?$/.test(s))) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A button running an async action (like ui.tsx's ActionButton) that may also be disabled by its form's state. */
export function Act({ action, children, class: cls, disabled, label }: { action: () => Promise<unknown>; children: ComponentChildren; class?: string; disabled?: boolean; label?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <span class="action">
      <button type="button" class={cls} disabled={busy || disabled} aria-busy={busy} aria-label={label} onClick={async () => {
        setBusy(true);
        setError(undefined);
        try {
          await action();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}>{children}</button>
      {error !== undefined && <span class="error inline" role="alert">{errorText(error)}</span>}
    </span>
  );
}
