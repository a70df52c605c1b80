// The live shopping area's pages: the public list and viewer page, the merchant's console.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { LiveListPage, LivePage } from './pages.tsx';
import { MerchantLivePage, MerchantLiveSessionPage } from './console.tsx';

export const liveRoutes: AppRoute[] = [
  { path: '/live', component: LiveListPage },
  { path: '/live/:id', component: LivePage },
  { path: '/merchant/live', component: MerchantLivePage },
  { path: '/merchant/live/:id', component: MerchantLiveSessionPage },
];
