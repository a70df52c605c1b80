// The advertising area's pages (merchant console).
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { AdsBalancePage } from './balance.tsx';
import { AdsCampaignsPage } from './campaigns.tsx';
import { AdsCampaignPage } from './campaign.tsx';

export const adsRoutes: AppRoute[] = [
  { path: '/merchant/ads', component: AdsBalancePage },
  { path: '/merchant/ads/campaigns', component: AdsCampaignsPage },
  { path: '/merchant/ads/campaigns/:id', component: AdsCampaignPage },
];
