// Public surface of the orders module: other modules import only from here.
export {
  ORDER_FLOW, ORDER_STATES, INITIAL_STATE, TERMINAL_STATES, TRANSITIONS, ROLES, PAYMENT_MODES, DEFAULT_TERMS,
  TERM_DAYS_MAX, REFUND_REQUESTS_MAX, CLOCK_SKEW_MS, REFUSALS, ORDER_FLOW_SPEC,
  whyNot, apply, createOrder, validateFlow, transitionsFrom, isTerminal, orderRefusal, assertOrderInvariants,
  type OrderState, type Role, type Actor, type PaymentMode, type OrderTerms, type OrderFacts, type OrderInit,
  type TransitionName, type TransitionDef, type TransitionInput, type CheckedInput, type InputKind, type Effect,
  type OrderEvent, type OrderEventKind, type RefusalCode, type FlowSpec,
} from './flow.ts';
export {
  commitOrder, verifyOrderCommitment, orderCommitment, canonicalOrder, orderDocumentProblem, computeTotals, orderInit,
  addressProblem, addressCommitment, commitAddress, verifyAddressCommitment,
  ORDER_ITEMS_MAX, ORDER_QTY_MAX,
  type OrderDocument, type OrderLine, type OrderTotals, type ShippingAddress, type OrderCommitment,
} from './document.ts';
export {
  orderNumber, randomOrderNumber, parseOrderNumber, ORDER_NUMBER_PREFIX, ORDER_NUMBER_BODY_CHARS, ORDER_NUMBER_RANDOM_BYTES,
  type OrderNumberSource, type ParsedOrderNumber,
} from './numbers.ts';
export { OrdersService, acting, SYSTEM, RESERVATION_TTL_MS, ORDERS_LIST_LIMIT_MAX, type OrdersDeps, type Acting, type Page, type StepListener } from './service.ts';
export { CheckoutService, CART_LINES_MAX, type CheckoutInput, type CheckoutView, type CartView, type CartLine } from './checkout.ts';
export { escrowTransfers, escrowAccounts, lineCommission, refundCommissionShare, walletPaymentId } from './escrow.ts';
export { verifyOrderReceipt, ORDER_RECEIPT_FORMAT, type OrderReceipt, type OrderReceiptVerdict } from './receipt.ts';
export type { CatalogPort, InventoryPort, MerchantTerms, CheckoutVariant, OrdersPrivacyPort } from './ports.ts';
export type { OrderView, TimelineStep } from './rows.ts';
export { ordersRoutes, HTTP_TRANSITIONS } from './routes.ts';
export { ordersMigrations } from './migrations/index.ts';
export type { OrdersTables } from './tables.ts';
export { OrderAnalytics, UNSOLD_STATES, type MerchantSales, type DailySales, type ProductSales, type CurrencySales } from './analytics.ts';
