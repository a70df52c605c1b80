// Pieces every merchant console page shares: the staff-only guard, the console's navigation,
// and small types of the API answers.
import type { ComponentChildren } from 'preact';
import { ActionButton } from '../components/ui.tsx';
import { consolePage, type ConsoleArea } from '../components/console.tsx';
import { t } from '../lib/i18n.ts';
import './i18n.ts';
import './merchant.css';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const AREA: ConsoleArea = {
  roles: ['merchant_staff'],
  sections: [
    ['/merchant', 'm.nav.dashboard'],
    ['/merchant/orders', 'm.nav.orders'],
    ['/merchant/products', 'm.nav.products'],
    ['/merchant/locations', 'm.nav.locations'],
    ['/merchant/settlements', 'm.nav.settlements'],
    ['/merchant/analytics', 'm.nav.analytics'],
    ['/merchant/webhooks', 'm.nav.webhooks'],
    ['/merchant/reviews', 'm.nav.reviews'],
    ['/merchant/ads', 'm.nav.ads'],
    ['/merchant/live', 'm.nav.live'],
    ['/merchant/chain', 'm.nav.chain'],
  ],
  keys: { title: 'm.title', nav: 'm.nav.label', signin: 'm.signinPrompt', forbidden: 'm.forbidden' },
};

/** Wraps a page component so that its hooks run only for merchant staff. */
export const staffPage = <P extends object>(Inner: (props: P) => any) => consolePage(AREA, Inner);

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

/** A button running an async action that may also be disabled by its form's state. */
export function Act({ action, children, class: cls, disabled, label }: { action: () => Promise<unknown>; children: ComponentChildren; class?: string; disabled?: boolean; label?: string }) {
  return <ActionButton action={action} {...(cls ? { class: cls } : {})} disabled={disabled} aria-label={label}>{children}</ActionButton>;
}
