/**
 * The sandbox payment gateway: a separate "company" behaving like a payment provider.
 *
 * - Its own Fastify instance and port, its own SQLite storage (startSandboxGateway).
 * - Merchant API (/v1/…), authenticated with `Authorization: Bearer <keyId>:<hex HMAC-SHA256(secret,
 *   t + "." + METHOD + "." + pathAndQuery + "." + rawBody)>` and `Sandbox-Timestamp: t` (±300 s).
 * - Hosted pages: /pay/:id (QR code of /m/:id), /m/:id (approve / decline).
 * - Callbacks POSTed to notifyUrl, signed `Sandbox-Signature: t=…,v1=…` (HMAC-SHA256 over t + "." + rawBody),
 *   retried on the schedule until a 2xx; every attempt recorded (GET /v1/payments/:id/events).
 * - Test mode per payment: duplicate, delayMs, reorder (+ release), failCallbacks, outcome, complete, tamper.
 */
export { startSandboxGateway, DEFAULT_RETRY_SCHEDULE_MS, DEFAULT_TICK_INTERVAL_MS } from './server.ts';
export type { SandboxGateway, SandboxGatewayOptions } from './server.ts';
export {
  verifySandboxSignature,
  sandboxSignatureHeader,
  signSandboxPayload,
  SandboxSignatureError,
  SIGNATURE_TOLERANCE_S,
} from './signature.ts';
export type { SandboxSignatureReason } from './signature.ts';
export { merchantAuthHeaders, merchantSignature, MERCHANT_TOLERANCE_S } from './merchant-auth.ts';
export { SandboxClient, SandboxApiError } from './client.ts';
export type { SandboxPayment, SandboxRefund, SandboxEvent, SandboxEventRecord, CreateSandboxPayment } from './client.ts';
export type { SandboxTestMode, SandboxTestSettings, TamperField } from './service.ts';
export { TAMPER_FIELDS } from './service.ts';
export type { PaymentStatus as SandboxPaymentStatus, SandboxEventType } from './flow.ts';
export { PAYMENT_FLOW as SANDBOX_PAYMENT_FLOW, formatAmount } from './flow.ts';
