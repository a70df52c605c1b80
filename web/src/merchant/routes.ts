// The merchant area's pages.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { DashboardPage } from './dashboard.tsx';
import { OrdersPage } from './orders.tsx';
import { OrderPage } from './order.tsx';
import { NewProductPage, ProductsPage } from './products.tsx';
import { ProductPage } from './product.tsx';
import { LocationsPage } from './locations.tsx';
import { LineProofPage, SettlementPage, SettlementsPage } from './settlements.tsx';
import { AnalyticsPage } from './analytics.tsx';
import { WebhooksPage } from './webhooks.tsx';
import { ReviewsPage } from './reviews.tsx';
import { ChainPage } from './chain.tsx';

export const merchantRoutes: AppRoute[] = [
  { path: '/merchant', component: DashboardPage },
  { path: '/merchant/orders', component: OrdersPage },
  { path: '/merchant/orders/:id', component: OrderPage },
  { path: '/merchant/products', component: ProductsPage },
  { path: '/merchant/products/new', component: NewProductPage },
  { path: '/merchant/products/:id', component: ProductPage },
  { path: '/merchant/locations', component: LocationsPage },
  { path: '/merchant/settlements', component: SettlementsPage },
  { path: '/merchant/settlements/:id', component: SettlementPage },
  { path: '/merchant/settlements/:id/lines/:n', component: LineProofPage },
  { path: '/merchant/analytics', component: AnalyticsPage },
  { path: '/merchant/webhooks', component: WebhooksPage },
  { path: '/merchant/reviews', component: ReviewsPage },
  { path: '/merchant/chain', component: ChainPage },
];
