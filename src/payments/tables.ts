import type { Generated } from 'kysely';

export interface PaymentsPaymentTable {
  id: string;
  purpose: string;
  order_id: string | null;
  user_id: string;
  provider: string;
  amount: number;
  currency: string;
  state: string;
  provider_ref: string | null;
  provider_txn_id: string | null;
  client_params: string | null;
  refunded: Generated<number>;
  flagged: Generated<number>;
  failure: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export interface PaymentsCallbackTable {
  seq: Generated<number>;
  provider: string;
  event_id: string | null;
  payment_id: string | null;
  outcome: string;
  reason: string | null;
  body_sha256: string;
  received_at: string;
}

export interface PaymentsEventTable {
  provider: string;
  event_id: string;
  payment_id: string;
  received_at: string;
}

export interface PaymentsRefundTable {
  id: string;
  payment_id: string;
  amount: number;
  currency: string;
  reason: string;
  state: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  created_at: string;
  updated_at: string;
}

export interface PaymentsTables {
  payments_payment: PaymentsPaymentTable;
  payments_callback: PaymentsCallbackTable;
  payments_event: PaymentsEventTable;
  payments_refund: PaymentsRefundTable;
}
