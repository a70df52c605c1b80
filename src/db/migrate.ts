import { Migrator, type Kysely, type Migration } from 'kysely';
import type { DialectName } from './config.ts';
import { ledgerMigrations } from '../ledger/migrations/index.ts';
import { moneyMigrations } from '../money/migrations/index.ts';
import { accountsMigrations } from '../accounts/migrations/index.ts';
import { idempotencyMigrations } from '../http/idempotency.ts';
import { ordersMigrations } from '../orders/migrations/index.ts';
import { walletMigrations } from '../wallet/migrations/index.ts';
import { inventoryMigrations } from '../inventory/migrations/index.ts';
import { catalogMigrations } from '../catalog/migrations/index.ts';
import { notificationsMigrations } from '../notifications/migrations/index.ts';
import { paymentsMigrations } from '../payments/migrations/index.ts';
import { pointsMigrations } from '../points/migrations/index.ts';
import { settlementMigrations } from '../settlement/migrations/index.ts';
import { couponsMigrations } from '../coupons/migrations/index.ts';
import { privacyMigrations } from '../privacy/index.ts';
import { analyticsMigrations } from '../analytics/migrations/index.ts';
import { recommendationsMigrations } from '../recommendations/migrations/index.ts';
// modules: migration imports
import { liveMigrations } from '../live/migrations/index.ts';
import { adsMigrations } from '../ads/migrations/index.ts';
import { gamesMigrations } from '../games/migrations/index.ts';
import { socialMigrations } from '../social/migrations/index.ts';
import { chainMigrations } from '../chain/migrations/index.ts';
import { witnessMigrations } from '../witness/migrations/index.ts';
import { reviewsMigrations } from '../reviews/migrations/index.ts';
import { smsMigrations } from '../sms/migrations/index.ts';

/** Column types that differ between the two engines; migrations take them instead of branching. */
export interface Ddl {
  dialect: DialectName;
  blob: 'blob' | 'bytea';
  bigint: 'integer' | 'bigint';
  /** An auto-increment primary key column type. */
  serial: 'integer' | 'bigserial';
}

export const ddlFor = (dialect: DialectName): Ddl =>
  dialect === 'postgres'
    ? { dialect, blob: 'bytea', bigint: 'bigint', serial: 'bigserial' }
    : { dialect, blob: 'blob', bigint: 'integer', serial: 'integer' };

export function allMigrations(ddl: Ddl): Record<string, Migration> {
  return { ...ledgerMigrations(ddl), ...moneyMigrations(ddl), ...accountsMigrations(ddl), ...idempotencyMigrations(ddl), ...ordersMigrations(ddl), ...walletMigrations(ddl), ...inventoryMigrations(ddl), ...catalogMigrations(ddl), ...notificationsMigrations(ddl), ...paymentsMigrations(ddl), ...smsMigrations(ddl), ...pointsMigrations(ddl), ...reviewsMigrations(ddl), ...settlementMigrations(ddl), ...couponsMigrations(ddl), ...privacyMigrations(ddl), ...analyticsMigrations(ddl), ...recommendationsMigrations(ddl), ...witnessMigrations(ddl), ...chainMigrations(ddl), ...socialMigrations(ddl) , ...gamesMigrations(ddl), ...adsMigrations(ddl), ...liveMigrations(ddl) /* modules: migrations */ };
}

export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<void> {
  // Modules own independent tables, so a module added later may sort before one already applied.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => allMigrations(ddlFor(dialect)) }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
