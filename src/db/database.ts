import type { LedgerTables } from '../ledger/tables.ts';
import type { WitnessTables } from '../witness/tables.ts';
import type { CatalogTables } from '../catalog/tables.ts';
import type { MoneyTables } from '../money/tables.ts';
import type { AccountsTables } from '../accounts/tables.ts';
import type { IdempotencyTables } from '../http/idempotency.ts';
import type { OrdersTables } from '../orders/tables.ts';
import type { PaymentsTables } from '../payments/tables.ts';
import type { PointsTables } from '../points/tables.ts';
import type { WalletTables } from '../wallet/tables.ts';
import type { InventoryTables } from '../inventory/tables.ts';
import type { NotificationsTables } from '../notifications/tables.ts';
import type { SmsTables } from '../sms/tables.ts';
import type { SettlementTables } from '../settlement/tables.ts';
import type { ReviewsTables } from '../reviews/tables.ts';
import type { AdsTables } from '../ads/tables.ts';
import type { ChainTables } from '../chain/tables.ts';
import type { CouponsTables } from '../coupons/tables.ts';
import type { GamesTables } from '../games/tables.ts';

import type { PrivacyTables } from '../privacy/tables.ts';
import type { AnalyticsTables } from '../analytics/tables.ts';
import type { RecsTables } from '../recommendations/tables.ts';
import type { SocialTables } from '../social/tables.ts';
import type { LiveTables } from '../live/tables.ts';

/** The whole schema: each module contributes the tables it owns. */
export interface Database extends LedgerTables, MoneyTables, AccountsTables, IdempotencyTables, OrdersTables, WalletTables, InventoryTables, CatalogTables, NotificationsTables, PaymentsTables, SmsTables, PointsTables, ReviewsTables, SettlementTables, CouponsTables, PrivacyTables, AnalyticsTables, RecsTables, WitnessTables, ChainTables, SocialTables , GamesTables, AdsTables, LiveTables /* modules: tables */ {}
