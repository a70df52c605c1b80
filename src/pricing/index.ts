// Public surface of the pricing module (pure, no I/O): other modules import only from here.
export { price, spread, percentOf, BPS_SCALE, PRICING_LINES_MAX, PRICING_RULES_MAX } from './price.ts';
export {
  REFUSAL_REASONS,
  type RefusalReason,
  type Funder,
  type Applies,
  type CartLine,
  type Coupon,
  type Promotion,
  type PromotionKind,
  type PriceOptions,
  type Applied,
  type PricedLine,
  type MerchantTotals,
  type Priced,
} from './types.ts';
