// The social area's pages; /p/:id is the product page a share link opens (with ?ref=).
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { ProductPage } from '../store/product.tsx';
import { FeedPage, ReferralsPage, WishlistPage, WishlistsPage } from './pages.tsx';

export const socialRoutes: AppRoute[] = [
  { path: '/account/feed', component: FeedPage },
  { path: '/account/wishlists', component: WishlistsPage },
  { path: '/account/referrals', component: ReferralsPage },
  { path: '/wishlists/:id', component: WishlistPage },
  { path: '/p/:id', component: ProductPage },
];
