// Public surface of the sms module: other modules import only from here.
export { SmsCodes, smsJob, SMS_RETENTION_MS, type SmsCodesOptions, type SmsCodeIssued } from './service.ts';
export { DevSmsSink, devSmsSink, noSmsSender, type SmsSender, type DevSms, type DevSmsSinkOptions } from './sender.ts';
export {
  SMS_PURPOSES,
  CODE_DIGITS,
  CONTEXT_PATTERN,
  isSmsPurpose,
  isSmsContext,
  needsSmsCode,
  codeHash,
  contextHash,
  type SmsPurpose,
} from './code.ts';
export { smsRoutes } from './routes.ts';
export { smsMigrations } from './migrations/index.ts';
export type { SmsTables } from './tables.ts';
