// Alipay open platform (OpenAPI 2.0 gateway), RSA2 = SHA256withRSA. Pure; no I/O.
//
// Sign content (opendocs.alipay.com "自行实现签名" / "自行实现验签"): take the parameters, drop
// `sign` and every empty value, sort the keys by ASCII ascending, join "k=v" with "&", values NOT
// url-encoded, UTF-8 bytes. The two directions differ in one key:
//   - request signing (our calls, e.g. the app-pay order string): `sign_type` IS signed — the
//     gateway's own "验签字符串" for a request contains sign_type=RSA2; only `sign` is dropped;
//   - asynchronous notifications (Alipay → us): "除去 sign、sign_type 两个参数外，凡是通知返回回来的
//     参数皆是待验签的参数" — both `sign` and `sign_type` are dropped, and the values are the
//     url-decoded ones.
// The official SDK reads the algorithm from the notification's sign_type and tries both with and
// without sign_type; we do neither: RSA2 is pinned and only the notify rule is accepted.
import { createSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  checkBody,
  decimalFromMinor,
  header,
  minorFromDecimal,
  privateKey,
  publicKey,
  reject,
  strictBase64,
} from './common.ts';
import type { NotifiedStatus, RawCallback, VerifiedNotification } from './types.ts';

/** The reply body Alipay waits for; anything else and it retries (8 times over 25 hours). */
export const ALIPAY_ACK = 'success';
/** The whole reply, in the shape PaymentProvider.ack takes. */
export const ALIPAY_REPLY = { status: 200, body: ALIPAY_ACK, contentType: 'text/plain; charset=utf-8' } as const;
export const ALIPAY_SIGN_TYPE = 'RSA2';

/** Which direction's rule: our requests sign `sign_type`; Alipay's notifications do not. */
export type AlipaySignScope = 'request' | 'notify';

/** The string that is signed: sorted non-empty k=v pairs joined by "&", values not url-encoded. */
export function alipaySignContent(params: Record<string, string>, scope: AlipaySignScope = 'notify'): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && (scope === 'request' || k !== 'sign_type'))
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** Base64 SHA256withRSA signature of the sign content. Defaults to the request rule (we only sign requests). */
export function alipaySign(params: Record<string, string>, privateKeyPem: string | KeyObject, scope: AlipaySignScope = 'request'): string {
  return createSign('RSA-SHA256').update(alipaySignContent(params, scope), 'utf8').sign(privateKey(privateKeyPem), 'base64');
}

/** True when params.sign is a valid RSA2 signature of the params under the notify rule (default). Never throws on bad params. */
export function alipayVerify(params: Record<string, string>, publicKeyPem: string | KeyObject, scope: AlipaySignScope = 'notify'): boolean {
  const sig = typeof params?.sign === 'string' ? strictBase64(params.sign) : null;
  if (!sig) return false;
  const key = publicKey(publicKeyPem);
  try {
    return cryptoVerify('sha256', Buffer.from(alipaySignContent(params, scope), 'utf8'), key, sig);
  } catch {
    return false;
  }
}

/** "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai (UTC+8, no daylight saving). */
export function alipayTimestamp(at: Date = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface AlipayOrderInfoOptions {
  appId: string;
  privateKeyPem: string | KeyObject;
  notifyUrl: string;
  outTradeNo: string;
  /** Minor units (fen) as a bigint, or a yuan string with exactly two decimals ("49.90"). */
  totalAmount: bigint | string;
  subject: string;
  /** A Date (formatted in Asia/Shanghai) or an already formatted "yyyy-MM-dd HH:mm:ss". Default: now. */
  timestamp?: Date | string;
  /** Default QUICK_MSECURITY_PAY (app pay). */
  productCode?: string;
  /** e.g. "30m": how long the buyer has to pay. */
  timeoutExpress?: string;
}

const YUAN_2DP = /^(0|[1-9][0-9]{0,11})\.[0-9]{2}$/;
const ALIPAY_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$/;

/**
 * The signed, url-encoded order string the Alipay app SDK takes for alipay.trade.app.pay
 * (charset utf-8, sign_type RSA2, version 1.0, biz_content JSON). Throws TypeError on bad options.
 */
export function alipayOrderInfo(opts: AlipayOrderInfoOptions): string {
  const totalAmount = typeof opts.totalAmount === 'bigint' ? decimalFromMinor(opts.totalAmount) : opts.totalAmount;
  if (!YUAN_2DP.test(totalAmount) || totalAmount === '0.00') throw new TypeError(`alipay: total_amount must be a positive yuan amount with 2 decimals, got ${totalAmount}`);
  const timestamp = typeof opts.timestamp === 'string' ? opts.timestamp : alipayTimestamp(opts.timestamp);
  if (!ALIPAY_TIME.test(timestamp)) throw new TypeError('alipay: timestamp must be yyyy-MM-dd HH:mm:ss');
  for (const [k, v] of Object.entries({ appId: opts.appId, notifyUrl: opts.notifyUrl, outTradeNo: opts.outTradeNo, subject: opts.subject })) {
    if (typeof v !== 'string' || v.length === 0) throw new TypeError(`alipay: ${k} is required`);
  }
  if (opts.outTradeNo.length > 64) throw new TypeError('alipay: out_trade_no is at most 64 characters');
  if (opts.subject.length > 256) throw new TypeError('alipay: subject is at most 256 characters');
  const biz: Record<string, string> = {
    out_trade_no: opts.outTradeNo,
    total_amount: totalAmount,
    subject: opts.subject,
    product_code: opts.productCode ?? 'QUICK_MSECURITY_PAY',
  };
  if (opts.timeoutExpress !== undefined) biz.timeout_express = opts.timeoutExpress;
  const params: Record<string, string> = {
    app_id: opts.appId,
    method: 'alipay.trade.app.pay',
    charset: 'utf-8',
    sign_type: ALIPAY_SIGN_TYPE,
    timestamp,
    version: '1.0',
    notify_url: opts.notifyUrl,
    biz_content: JSON.stringify(biz),
  };
  params.sign = alipaySign(params, opts.privateKeyPem, 'request');
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(params[k]!)}`)
    .join('&');
}

// ---- asynchronous notifications ----

const PARAMS_MAX = 128;
const PARAM_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const PARAM_VALUE_CHARS_MAX = 16_384;

/** application/x-www-form-urlencoded, charset utf-8, each key once. A null-prototype record. */
export function parseAlipayForm(body: Buffer): Record<string, string> {
  const text = body.toString('latin1'); // a form body is ASCII; anything else fails the checks below
  if (!/^[\x20-\x7e]*$/.test(text)) reject('malformed_body', 'form body holds bytes that are not url-encoded ASCII');
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const part of text.split('&')) {
    if (part === '') continue;
    if (++n > PARAMS_MAX) reject('malformed_body', `more than ${PARAMS_MAX} form fields`);
    const eq = part.indexOf('=');
    const k = decodeFormComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeFormComponent(part.slice(eq + 1));
    if (!PARAM_KEY.test(k)) reject('malformed_body', 'form field name is not a plain name');
    if (v.length > PARAM_VALUE_CHARS_MAX) reject('malformed_body', `form field ${k} too long`);
    if (k in out) reject('malformed_body', `form field ${k} sent twice`);
    out[k] = v;
  }
  return out;
}

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' ')); // throws on a bad %-escape or invalid UTF-8
  } catch {
    return reject('malformed_body', 'form field is not valid url-encoded UTF-8');
  }
}

const TRADE_STATUS: Record<string, NotifiedStatus> = {
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded',
  TRADE_CLOSED: 'canceled',
  WAIT_BUYER_PAY: 'pending',
};

/** "yyyy-MM-dd HH:mm:ss" Beijing time → ISO UTC, or null. */
function beijingToIso(s: string | undefined): string | null {
  if (s === undefined || !/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,3})?$/.test(s)) return null;
  const t = Date.parse(`${s.replace(' ', 'T')}+08:00`);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

export interface AlipayNotifyConfig {
  alipayPublicKeyPem: string | KeyObject;
  appId: string;
  /** When set, the notification's seller_id must be this (the merchant's 2088… PID). */
  sellerId?: string;
}

/**
 * Verifies an asynchronous trade notification (POSTed as application/x-www-form-urlencoded,
 * charset utf-8) and normalizes it. The signature covers every field but sign and sign_type, so
 * it is checked before any field is believed. Throws CallbackRejected and nothing else for bad input.
 */
export function verifyAlipayNotification(raw: RawCallback, cfg: AlipayNotifyConfig): VerifiedNotification {
  const body = checkBody(raw);
  const contentType = header(raw, 'content-type');
  if (contentType !== undefined && !/^application\/x-www-form-urlencoded\b/i.test(contentType.trim())) {
    reject('malformed_body', 'content-type is not application/x-www-form-urlencoded');
  }
  const p = parseAlipayForm(body);

  // 1. Authenticity, with the algorithm pinned: never taken from the message.
  if (!p.sign) reject('missing_signature', 'notification has no sign');
  // Alipay always names it; a notification without it (or with another) is not one we trust.
  if (p.sign_type !== ALIPAY_SIGN_TYPE) reject('alg_mismatch', `sign_type ${String(p.sign_type).slice(0, 16)} is not ${ALIPAY_SIGN_TYPE}`);
  if (p.charset !== undefined && p.charset.toLowerCase() !== 'utf-8') reject('malformed_body', 'charset is not utf-8');
  if (!strictBase64(p.sign!)) reject('malformed_signature', 'sign is not base64');
  if (!alipayVerify(p, cfg.alipayPublicKeyPem, 'notify')) reject('bad_signature', 'sign does not verify under the Alipay public key');

  // 2. Only now believe the fields.
  if (p.app_id !== cfg.appId) reject('app_mismatch', 'app_id is not ours');
  if (cfg.sellerId !== undefined && p.seller_id !== cfg.sellerId) reject('app_mismatch', 'seller_id is not ours');
  const eventId = p.notify_id || reject('missing_field', 'notify_id missing');
  const paymentId = p.out_trade_no || reject('missing_field', 'out_trade_no missing');
  const tradeStatus = p.trade_status || reject('missing_field', 'trade_status missing');
  let status = TRADE_STATUS[tradeStatus] ?? reject('unknown_status', `trade_status ${tradeStatus.slice(0, 32)} is not known`);

  let amountMinor: bigint | null = null;
  if (p.total_amount !== undefined && p.total_amount !== '') {
    amountMinor = minorFromDecimal(p.total_amount) ?? reject('bad_amount', 'total_amount is not a yuan amount with at most 2 decimals');
  }
  // A refund is reported on the trade: refund_fee (the total refunded so far) with out_biz_no,
  // trade_status TRADE_SUCCESS (partial) or TRADE_CLOSED (full).
  let refundedMinor: bigint | null = null;
  if (p.refund_fee !== undefined && p.refund_fee !== '') {
    refundedMinor = minorFromDecimal(p.refund_fee) ?? reject('bad_amount', 'refund_fee is not a yuan amount with at most 2 decimals');
    if (refundedMinor > 0n) status = 'refunded';
    else refundedMinor = null;
  }

  const v: VerifiedNotification = {
    provider: 'alipay',
    eventId,
    paymentId,
    providerTxnId: p.trade_no || null,
    status,
    amountMinor,
    currency: 'CNY',
    occurredAt: beijingToIso(status === 'refunded' ? p.gmt_refund : p.gmt_payment) ?? beijingToIso(p.notify_time),
  };
  if (refundedMinor !== null) v.refundedMinor = refundedMinor;
  return v;
}
