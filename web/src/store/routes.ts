// The store area's pages.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { HomePage } from './home.tsx';
import { SearchPage } from './search.tsx';
import { ProductPage } from './product.tsx';
import { CartPage } from './cart.tsx';
import { CheckoutPage } from './checkout.tsx';
import { CheckoutDonePage } from './done.tsx';
import { PayPage } from './pay.tsx';

export const storeRoutes: AppRoute[] = [
  { path: '/', component: HomePage },
  { path: '/search', component: SearchPage },
  { path: '/products/:id', component: ProductPage },
  { path: '/cart', component: CartPage },
  { path: '/checkout', component: CheckoutPage },
  { path: '/checkout/done/:id', component: CheckoutDonePage },
  { path: '/pay/:id', component: PayPage },
];
