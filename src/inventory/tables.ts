import type { Generated } from 'kysely';

/** A place a merchant keeps stock (warehouse, shop, 3PL). Owned by one merchant. */
export interface InventoryLocationTable {
  id: string;
  merchant_id: string;
  name: string;
  /** Short, unique per merchant (e.g. "SH-01"). */
  code: string;
  created_at: string;
}

/**
 * One row per variant that has stock anywhere: it records which merchant's stock the variant is (the
 * first merchant to stock it; the catalog owns the variant itself) and is the row every writer of the
 * variant's levels locks first, so that per-variant totals (low-stock crossings) are exact.
 */
export interface InventoryItemTable {
  variant_id: string;
  merchant_id: string;
  created_at: string;
}

/** Stock of one variant at one location. 0 ≤ reserved ≤ on_hand, enforced by conditional UPDATEs and a CHECK. */
export interface InventoryLevelTable {
  variant_id: string;
  location_id: string;
  merchant_id: string;
  on_hand: number;
  reserved: Generated<number>;
  low_stock_threshold: number;
  updated_at: string;
}

/** Stock held for one order: reserved → committed (paid) → shipped, or released. */
export interface InventoryReservationTable {
  id: string;
  order_id: string;
  merchant_id: string;
  state: string;
  /** Only while state = 'reserved' and the order may still lapse. */
  expires_at: string | null;
  /** Set once the merchant allocates the order to a location. */
  location_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Where each reserved unit sits; one row per (variant, location). */
export interface InventoryReservationLineTable {
  reservation_id: string;
  variant_id: string;
  location_id: string;
  qty: number;
}

export interface InventoryTables {
  inventory_location: InventoryLocationTable;
  inventory_item: InventoryItemTable;
  inventory_level: InventoryLevelTable;
  inventory_reservation: InventoryReservationTable;
  inventory_reservation_line: InventoryReservationLineTable;
}
