// Real providers as PaymentProviders: requests signed per each provider's documentation, callbacks
// verified by the pure verifiers beside this file. Enabled only when configured (their keys come from
// the environment). Our machines cannot reach the providers, so the HTTP calls are exercised against
// nothing here; the signing and the verification are the tested parts.
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { PaymentProvider, ProviderStatus } from '../provider.ts';
import { alipayOrderInfo, alipaySign, alipayTimestamp, ALIPAY_REPLY, verifyAlipayNotification } from './alipay.ts';
import { decimalFromMinor, minorFromDecimal } from './common.ts';
import { verifyStripeNotification, STRIPE_REPLY } from './stripe.ts';
import { verifyWechatPayNotification, verifyWechatPaySignature, wechatCodeUrl, wechatNativeOrderBody, wechatRequestAuthorization, WECHATPAY_NATIVE_PATH, WECHATPAY_REPLY } from './wechatpay.ts';
import type { NotifiedStatus } from './types.ts';

type Fetch = typeof fetch;
const TIMEOUT_MS = 10_000;

async function call(f: Fetch, url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await f(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// ---------------------------------------------------------------- Stripe

export interface StripeConfig {
  secretKey: string;
  webhookSecrets: string[];
  apiBase?: string;
  fetch?: Fetch;
}

const STRIPE_STATUS: Record<string, NotifiedStatus> = {
  succeeded: 'succeeded', canceled: 'canceled', processing: 'pending', requires_payment_method: 'pending',
  requires_confirmation: 'pending', requires_action: 'pending', requires_capture: 'pending',
};

export function stripeProvider(cfg: StripeConfig): PaymentProvider {
  const base = cfg.apiBase ?? 'https://api.stripe.com';
  const f = cfg.fetch ?? fetch;
  const auth = { authorization: `Bearer ${cfg.secretKey}` };
  const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
  return {
    name: 'stripe',
    ack: STRIPE_REPLY,
    async create(req) {
      const res = await call(f, `${base}/v1/payment_intents`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': req.paymentId },
        body: form({ amount: req.amountMinor.toString(), currency: req.currency.toLowerCase(), description: req.description, 'metadata[payment_id]': req.paymentId, 'automatic_payment_methods[enabled]': 'true' }),
      });
      if (res.status !== 200) throw new Error(`stripe answered ${res.status}`);
      const pi = JSON.parse(res.body.toString('utf8')) as { id: string; client_secret: string };
      return { providerRef: pi.id, clientParams: { clientSecret: pi.client_secret, paymentIntent: pi.id } };
    },
    verify: (raw, now) => verifyStripeNotification(raw, { secrets: cfg.webhookSecrets, now }),
    async query(p): Promise<ProviderStatus | null> {
      if (!p.providerRef) return null;
      const res = await call(f, `${base}/v1/payment_intents/${encodeURIComponent(p.providerRef)}`, { headers: auth });
      if (res.status === 404) return null;
      if (res.status !== 200) throw new Error(`stripe answered ${res.status}`);
      const pi = JSON.parse(res.body.toString('utf8')) as { id: string; status: string; amount_received?: number; amount: number; currency: string };
      return { status: STRIPE_STATUS[pi.status] ?? 'pending', providerTxnId: pi.id, amountMinor: BigInt(pi.amount_received || pi.amount), currency: pi.currency.toUpperCase() };
    },
    async refund(p) {
      if (!p.providerRef) return 'failed';
      const res = await call(f, `${base}/v1/refunds`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': p.refundId },
        body: form({ payment_intent: p.providerRef, amount: p.amountMinor.toString(), 'metadata[refund_id]': p.refundId }),
      });
      if (res.status !== 200) return res.status >= 500 ? 'pending' : 'failed';
      const r = JSON.parse(res.body.toString('utf8')) as { status: string };
      return r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending';
    },
  };
}

// ---------------------------------------------------------------- Alipay

export interface AlipayConfig {
  appId: string;
  privateKeyPem: string | KeyObject;
  alipayPublicKeyPem: string | KeyObject;
  sellerId?: string;
  gateway?: string;
  fetch?: Fetch;
}

const ALIPAY_STATUS: Record<string, NotifiedStatus> = { TRADE_SUCCESS: 'succeeded', TRADE_FINISHED: 'succeeded', TRADE_CLOSED: 'canceled', WAIT_BUYER_PAY: 'pending' };

export function alipayProvider(cfg: AlipayConfig): PaymentProvider {
  const gateway = cfg.gateway ?? 'https://openapi.alipay.com/gateway.do';
  const f = cfg.fetch ?? fetch;
  /** An OpenAPI call: common parameters + biz_content, signed RSA2 over the sorted parameters. */
  async function api(method: string, biz: Record<string, string>): Promise<Record<string, string> | null> {
    const params: Record<string, string> = {
      app_id: cfg.appId, method, format: 'JSON', charset: 'utf-8', sign_type: 'RSA2', timestamp: alipayTimestamp(), version: '1.0', biz_content: JSON.stringify(biz),
    };
    params['sign'] = alipaySign(params, cfg.privateKeyPem, 'request');
    const res = await call(f, gateway, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(params).toString() });
    if (res.status !== 200) throw new Error(`alipay answered ${res.status}`);
    const key = `${method.replaceAll('.', '_')}_response`;
    const doc = JSON.parse(res.body.toString('utf8')) as Record<string, Record<string, string>>;
    const out = doc[key];
    return out && out['code'] === '10000' ? out : null;
  }
  return {
    name: 'alipay',
    ack: ALIPAY_REPLY,
    async create(req) {
      // App payment: the order string is signed here and handed to the Alipay app; no call needed.
      const orderInfo = alipayOrderInfo({ appId: cfg.appId, privateKeyPem: cfg.privateKeyPem, notifyUrl: req.notifyUrl, outTradeNo: req.paymentId, totalAmount: req.amountMinor, subject: req.description });
      return { providerRef: null, clientParams: { orderInfo } };
    },
    verify: (raw) => verifyAlipayNotification(raw, { alipayPublicKeyPem: cfg.alipayPublicKeyPem, appId: cfg.appId, ...(cfg.sellerId ? { sellerId: cfg.sellerId } : {}) }),
    async query(p): Promise<ProviderStatus | null> {
      const r = await api('alipay.trade.query', { out_trade_no: p.paymentId });
      if (!r) return null;
      return { status: ALIPAY_STATUS[r['trade_status'] ?? ''] ?? 'pending', providerTxnId: r['trade_no'] ?? null, amountMinor: minorFromDecimal(r['total_amount'] ?? ''), currency: 'CNY' };
    },
    async refund(p) {
      const r = await api('alipay.trade.refund', { out_trade_no: p.paymentId, refund_amount: decimalFromMinor(p.amountMinor), out_request_no: p.refundId });
      return r && r['fund_change'] === 'Y' ? 'succeeded' : r ? 'pending' : 'failed';
    },
  };
}

// ---------------------------------------------------------------- WeChat Pay API v3

export interface WechatPayConfig {
  appId: string;
  mchId: string;
  serialNo: string;
  privateKeyPem: string | KeyObject;
  apiV3Key: string;
  /** Platform public keys (or certificates) by serial. */
  platformKeys: Record<string, string | KeyObject>;
  apiBase?: string;
  fetch?: Fetch;
}

const WECHAT_STATUS: Record<string, NotifiedStatus> = { SUCCESS: 'succeeded', CLOSED: 'canceled', REVOKED: 'canceled', PAYERROR: 'failed', NOTPAY: 'pending', USERPAYING: 'pending', REFUND: 'succeeded' };

export function wechatPayProvider(cfg: WechatPayConfig): PaymentProvider {
  const base = cfg.apiBase ?? 'https://api.mch.weixin.qq.com';
  const f = cfg.fetch ?? fetch;
  /** A signed v3 call whose answer must carry a valid platform signature before it is read. */
  async function api(method: 'GET' | 'POST', path: string, body: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const authorization = wechatRequestAuthorization({ method, urlPathWithQuery: path, body, mchId: cfg.mchId, serialNo: cfg.serialNo, privateKeyPem: cfg.privateKeyPem, nonce: randomBytes(16).toString('hex') });
    const res = await call(f, `${base}${path}`, { method, headers: { authorization, accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body } : {}) });
    if (res.status >= 200 && res.status < 300 && res.body.length > 0) {
      verifyWechatPaySignature({ headers: Object.fromEntries(res.headers), body: res.body }, { platformKeys: cfg.platformKeys });
      return { status: res.status, json: JSON.parse(res.body.toString('utf8')) as Record<string, unknown> };
    }
    return { status: res.status, json: null };
  }
  return {
    name: 'wechatpay',
    ack: WECHATPAY_REPLY,
    async create(req) {
      const body = wechatNativeOrderBody({ appId: cfg.appId, mchId: cfg.mchId, description: req.description, outTradeNo: req.paymentId, notifyUrl: req.notifyUrl, amountMinor: req.amountMinor, timeExpire: new Date(req.expiresAt) });
      const authorization = wechatRequestAuthorization({ method: 'POST', urlPathWithQuery: WECHATPAY_NATIVE_PATH, body, mchId: cfg.mchId, serialNo: cfg.serialNo, privateKeyPem: cfg.privateKeyPem });
      const res = await call(f, `${base}${WECHATPAY_NATIVE_PATH}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json', accept: 'application/json' }, body });
      if (res.status !== 200) throw new Error(`wechat pay answered ${res.status}`);
      verifyWechatPaySignature({ headers: Object.fromEntries(res.headers), body: res.body }, { platformKeys: cfg.platformKeys });
      // Native pay: the code_url is shown to the buyer as a QR code.
      return { providerRef: null, clientParams: { codeUrl: wechatCodeUrl(res.body), qrText: wechatCodeUrl(res.body) } };
    },
    verify: (raw, now) => verifyWechatPayNotification(raw, { platformKeys: cfg.platformKeys, apiV3Key: cfg.apiV3Key, now, mchId: cfg.mchId, appId: cfg.appId }),
    async query(p): Promise<ProviderStatus | null> {
      const r = await api('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(p.paymentId)}?mchid=${encodeURIComponent(cfg.mchId)}`, '');
      if (!r.json) return null;
      const amount = r.json['amount'] as { total?: number; currency?: string } | undefined;
      return { status: WECHAT_STATUS[String(r.json['trade_state'])] ?? 'pending', providerTxnId: typeof r.json['transaction_id'] === 'string' ? r.json['transaction_id'] : null, amountMinor: typeof amount?.total === 'number' ? BigInt(amount.total) : null, currency: amount?.currency ?? null };
    },
    async refund(p) {
      const body = JSON.stringify({ out_trade_no: p.paymentId, out_refund_no: p.refundId, amount: { refund: Number(p.amountMinor), total: Number(p.totalMinor), currency: p.currency } });
      const r = await api('POST', '/v3/refund/domestic/refunds', body);
      const status = r.json?.['status'];
      return status === 'SUCCESS' ? 'succeeded' : status === 'ABNORMAL' || status === 'CLOSED' ? 'failed' : r.json ? 'pending' : 'failed';
    },
  };
}
