// Types of the ads API's answers, and the area's console frame.
import { consolePage, type ConsoleArea } from '../components/console.tsx';
import './i18n.ts';
import './ads.css';

export interface Slot {
  position: number;
  campaignId: string;
  productId: string;
  title: string;
  currency: string;
  minPriceMinor: string | null;
  image: { url: string; alt: string } | null;
  url: string;
  token: string;
}

export interface ClickOutcome {
  clickId: string;
  charged: boolean;
  reason: string | null;
  priceMinor: string;
  productId: string;
  url: string;
}

export interface AdBalance {
  account: string;
  currency: string;
  availableMinor: string;
  receivableAvailableMinor: string;
}

export interface StatementLine {
  transfer: string;
  direction: 'debit' | 'credit';
  amountMinor: string;
  code: string;
  balanceAfterMinor: string;
  createdAt: string;
}

export interface Campaign {
  id: string;
  merchantId: string;
  name: string;
  productIds: string[];
  keywords: string[];
  categoryIds: string[];
  currency: string;
  bidMinor: string;
  dailyBudgetMinor: string;
  totalBudgetMinor: string;
  spentTotalMinor: string;
  spentTodayMinor: string;
  status: 'active' | 'paused' | 'ended' | 'exhausted';
  startsAt: string;
  endsAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DayStats {
  day: string;
  impressions: number;
  clicks: number;
  chargedClicks: number;
  spendMinor: string;
  attributedOrders: number;
  attributedSalesMinor: string;
}

export interface CampaignStats {
  campaign: Campaign;
  totals: Omit<DayStats, 'day'>;
  days: DayStats[];
}

const AREA: ConsoleArea = {
  roles: ['merchant_staff'],
  sections: [
    ['/merchant/ads', 'ads.nav.balance'],
    ['/merchant/ads/campaigns', 'ads.nav.campaigns'],
  ],
  keys: { title: 'ads.title', nav: 'ads.nav.label', signin: 'ads.signin', forbidden: 'ads.forbidden' },
};

/** A merchant-staff page of the advertising area. */
export const adsPage = <P extends object>(Inner: (props: P) => any) => consolePage(AREA, Inner);
