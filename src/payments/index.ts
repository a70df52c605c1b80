// Public surface of the payments module.
export { PaymentsService, paymentView, PAYMENT_TTL_MS, type PaymentView, type PaymentsDeps, type CallbackAnswer } from './service.ts';
export { decide, isFinal, refundProblem, PAYMENT_STATES, REFUND_STATES, PAYMENT_PURPOSES, type PaymentState, type PaymentPurpose, type NotifiedState, type Decision } from './rules.ts';
export type { PaymentProvider, ProviderName, CreateRequest, Created, ProviderStatus } from './provider.ts';
export { CallbackRejected, type VerifiedNotification, type RawCallback, type NotifiedStatus } from './providers/types.ts';
export { sandboxProvider, type SandboxProviderConfig } from './providers/sandbox.ts';
export { alipayProvider, stripeProvider, wechatPayProvider, type AlipayConfig, type StripeConfig, type WechatPayConfig } from './providers/adapters.ts';
export { providersFromEnv } from './providers/from-env.ts';
export { paymentsRoutes, PaymentView as PaymentViewSchema } from './routes.ts';
export { paymentsMigrations } from './migrations/index.ts';
export type { PaymentsTables } from './tables.ts';
import type { Job } from '../jobs/index.ts';
import type { PaymentsService } from './service.ts';

export const paymentsJob = (payments: PaymentsService): Job => ({ name: 'payments', tick: (now) => payments.tick(now) });
