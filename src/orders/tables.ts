import type { Generated } from 'kysely';

export interface OrdersCheckoutTable {
  id: string;
  buyer_id: string;
  order_count: number;
  created_at: string;
}

export interface OrdersOrderTable {
  id: string;
  number: string;
  checkout_id: string;
  buyer_id: string;
  merchant_id: string;
  mode: string;
  currency: string;
  total_minor: number;
  commission_minor: number;
  platform_funded_minor: Generated<number>;
  state: string;
  paid: number;
  overdue: number;
  facts: string;
  version: number;
  document: string;
  salt: string;
  commitment: string;
  /** {address, salt} sealed with the buyer's data key (privacy vault); unreadable once the buyer is erased. */
  address_sealed: string | null;
  due_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrdersEventTable {
  order_id: string;
  seq: number;
  kind: string;
  from_state: string | null;
  to_state: string;
  actor: string;
  at: string;
  data: string;
  queue_id: number;
}

export interface OrdersCartItemTable {
  buyer_id: string;
  variant_id: string;
  qty: number;
  added_at: string;
}

export interface OrdersTables {
  orders_checkout: OrdersCheckoutTable;
  orders_order: OrdersOrderTable;
  orders_event: OrdersEventTable;
  orders_cart_item: OrdersCartItemTable;
}
