// The account area's pages.
import type { AppRoute } from '../app.tsx';
import '../store/i18n.ts';
import './i18n.ts';
import { AccountPage } from './overview.tsx';
import { OrdersPage } from './orders.tsx';
import { OrderPage } from './order.tsx';
import { WalletPage } from './wallet.tsx';
import { PrivacyPage } from './privacy.tsx';

export const accountRoutes: AppRoute[] = [
  { path: '/account', component: AccountPage },
  { path: '/account/orders', component: OrdersPage },
  { path: '/account/orders/:id', component: OrderPage },
  { path: '/account/wallet', component: WalletPage },
  { path: '/account/privacy', component: PrivacyPage },
];
