// The admin area's pages (admins write, auditors read).
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { HomePage } from './home.tsx';
import { MerchantsPage } from './merchants.tsx';
import { WithdrawalsPage } from './withdrawals.tsx';
import { ReconciliationPage } from './reconciliation.tsx';
import { PromotionsPage } from './promotions.tsx';
import { PointsPage } from './points.tsx';
import { SettlementsPage } from './settlements.tsx';
import { ReviewsPage } from './reviews.tsx';

export const adminRoutes: AppRoute[] = [
  { path: '/admin', component: HomePage },
  { path: '/admin/merchants', component: MerchantsPage },
  { path: '/admin/withdrawals', component: WithdrawalsPage },
  { path: '/admin/reconciliation', component: ReconciliationPage },
  { path: '/admin/promotions', component: PromotionsPage },
  { path: '/admin/points', component: PointsPage },
  { path: '/admin/settlements', component: SettlementsPage },
  { path: '/admin/reviews', component: ReviewsPage },
];
