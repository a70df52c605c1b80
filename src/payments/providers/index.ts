// Real payment providers: request signing and callback verification, per each provider's
// documentation. Pure; no I/O — the payments service makes the HTTP calls and keeps the records.
export type { NotifiedStatus, VerifiedNotification, RawCallback, RejectReason } from './types.ts';
export { CallbackRejected, ACKNOWLEDGED_REASONS } from './types.ts';
export { minorFromDecimal, decimalFromMinor, BODY_BYTES_MAX } from './common.ts';
export {
  ALIPAY_ACK,
  ALIPAY_SIGN_TYPE,
  ALIPAY_REPLY,
  alipaySignContent,
  alipaySign,
  alipayVerify,
  alipayTimestamp,
  alipayOrderInfo,
  parseAlipayForm,
  verifyAlipayNotification,
  type AlipaySignScope,
  type AlipayOrderInfoOptions,
  type AlipayNotifyConfig,
} from './alipay.ts';
export {
  WECHATPAY_SCHEME,
  WECHATPAY_RESOURCE_ALGORITHM,
  WECHATPAY_ACK_STATUS,
  WECHATPAY_REPLY,
  WECHATPAY_TOLERANCE_S_DEFAULT,
  WECHATPAY_NATIVE_PATH,
  wechatRequestMessage,
  wechatResponseMessage,
  wechatRequestAuthorization,
  wechatNativeOrderBody,
  wechatCodeUrl,
  wechatDecryptResource,
  wechatEncryptResource,
  verifyWechatPaySignature,
  verifyWechatPayNotification,
  type WechatRequestAuthorizationOptions,
  type WechatNativeOrderOptions,
  type WechatVerifyConfig,
  type WechatNotifyConfig,
} from './wechatpay.ts';
export {
  STRIPE_TOLERANCE_S_DEFAULT,
  STRIPE_ACK_STATUS,
  STRIPE_REPLY,
  stripeSignature,
  verifyStripeSignature,
  verifyStripeNotification,
  type StripeVerifyOptions,
  type StripeNotifyConfig,
} from './stripe.ts';
