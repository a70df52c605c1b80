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
  ORDER_ITEMS_MAX, ORDER_QTY_MAX,
  type OrderDocument, type OrderLine, type OrderTotals, type ShippingAddress, type OrderCommitment,
} from './document.ts';
export {
  orderNumber, randomOrderNumber, parseOrderNumber, ORDER_NUMBER_PREFIX, ORDER_NUMBER_BODY_CHARS, ORDER_NUMBER_RANDOM_BYTES,
  type OrderNumberSource, type ParsedOrderNumber,
} from './numbers.ts';
