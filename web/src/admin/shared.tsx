// Pieces every admin page shares: the guard (admins write, auditors read), the section navigation.
import { consolePage, type ConsoleArea } from '../components/console.tsx';
import { t } from '../lib/i18n.ts';
import { user } from '../lib/session.ts';
import './i18n.ts';
import '../merchant/merchant.css';
import './admin.css';

export { Act, csvField, download, type Page } from '../merchant/shared.tsx';

/** Admins may change things; auditors only read. */
export const canWrite = (): boolean => user.value?.role === 'admin';

const AREA: ConsoleArea = {
  roles: ['admin', 'auditor'],
  sections: [
    ['/admin', 'a.nav.home'],
    ['/admin/merchants', 'a.nav.merchants'],
    ['/admin/withdrawals', 'a.nav.withdrawals'],
    ['/admin/reconciliation', 'a.nav.reconciliation'],
    ['/admin/promotions', 'a.nav.promotions'],
    ['/admin/points', 'a.nav.points'],
    ['/admin/settlements', 'a.nav.settlements'],
    ['/admin/reviews', 'a.nav.reviews'],
    ['/admin/draws', 'a.nav.draws'],
  ],
  keys: { title: 'a.title', nav: 'a.nav.label', signin: 'a.signinPrompt', forbidden: 'a.forbidden' },
  note: (role) => role === 'auditor' && <p class="badge" role="note">{t('a.readOnly')}</p>,
};

export const adminPage = <P extends object>(Inner: (props: P) => any) => consolePage(AREA, Inner);

/** "5.00%" from basis points. */
export const bpsText = (bps: number): string => `${(bps / 100).toFixed(2)}%`;
/** Basis points from "5" or "5.25" (percent), or null. */
export function parseBps(text: string): number | null {
  const m = /^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*$/.exec(text);
  if (!m) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0');
  return bps <= 10_000 ? bps : null;
}
