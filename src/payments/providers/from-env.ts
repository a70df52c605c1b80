// Which real providers this instance talks to, from the environment. Each is enabled only when all
// of its settings are present; a half-configured provider is an error at start, not at first payment.
import fs from 'node:fs';
import type { PaymentProvider } from '../provider.ts';
import { alipayProvider, stripeProvider, wechatPayProvider } from './adapters.ts';

/** A secret from VAR, or from the file named by VAR_FILE. */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  return file ? fs.readFileSync(file, 'utf8').trim() : env[name] || undefined;
}

function group(env: NodeJS.ProcessEnv, provider: string, names: string[]): Record<string, string> | null {
  const values = Object.fromEntries(names.map((n) => [n, secret(env, n)]));
  const set = names.filter((n) => values[n] !== undefined);
  if (set.length === 0) return null;
  if (set.length < names.length) throw new Error(`${provider}: set all of ${names.join(', ')} (missing ${names.filter((n) => values[n] === undefined).join(', ')})`);
  return values as Record<string, string>;
}

export function providersFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentProvider[] {
  const out: PaymentProvider[] = [];
  const stripe = group(env, 'Stripe', ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS']);
  if (stripe) out.push(stripeProvider({ secretKey: stripe['STRIPE_SECRET_KEY']!, webhookSecrets: stripe['STRIPE_WEBHOOK_SECRETS']!.split(',').map((s) => s.trim()).filter(Boolean) }));
  const alipay = group(env, 'Alipay', ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY']);
  if (alipay) out.push(alipayProvider({ appId: alipay['ALIPAY_APP_ID']!, privateKeyPem: alipay['ALIPAY_PRIVATE_KEY']!, alipayPublicKeyPem: alipay['ALIPAY_PUBLIC_KEY']!, ...(env['ALIPAY_SELLER_ID'] ? { sellerId: env['ALIPAY_SELLER_ID'] } : {}) }));
  const wx = group(env, 'WeChat Pay', ['WECHATPAY_APP_ID', 'WECHATPAY_MCH_ID', 'WECHATPAY_SERIAL_NO', 'WECHATPAY_PRIVATE_KEY', 'WECHATPAY_API_V3_KEY', 'WECHATPAY_PLATFORM_SERIAL', 'WECHATPAY_PLATFORM_KEY']);
  if (wx) {
    out.push(wechatPayProvider({
      appId: wx['WECHATPAY_APP_ID']!, mchId: wx['WECHATPAY_MCH_ID']!, serialNo: wx['WECHATPAY_SERIAL_NO']!, privateKeyPem: wx['WECHATPAY_PRIVATE_KEY']!,
      apiV3Key: wx['WECHATPAY_API_V3_KEY']!, platformKeys: { [wx['WECHATPAY_PLATFORM_SERIAL']!]: wx['WECHATPAY_PLATFORM_KEY']! },
    }));
  }
  return out;
}
