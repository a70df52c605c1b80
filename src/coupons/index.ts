// Public surface of the coupons module: other modules import only from here.
export {
  CouponsService,
  type CouponActor,
  type CouponTerms,
  type CouponView,
  type Page,
  type PageRequest,
  type Reader,
} from './service.ts';
export { normalizeCode, parseNewCoupon, toPricingCoupon, COUPON_CODE, type NewCoupon, type StoredRule } from './rules.ts';
export { couponsRoutes } from './routes.ts';
export { couponsMigrations } from './migrations/index.ts';
export type { CouponsTables } from './tables.ts';

export { PromotionsService, promotionView, type PromotionInput, type PromotionView } from './promotions.ts';
export { promotionsRoutes } from './promotions-routes.ts';
