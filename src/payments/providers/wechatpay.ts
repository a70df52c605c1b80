// WeChat Pay API v3. Pure; no I/O.
//
// Request signing ("签名生成"): SHA256withRSA with the merchant's API key over five lines, each
// ending in "\n" (the last too): METHOD, the URL path with its query, unix seconds, a nonce, the
// body exactly as sent ("" for GET). Sent as
//   Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"
// Callback / response verification ("签名验证"): SHA256withRSA with the WeChat Pay platform key
// named by Wechatpay-Serial over three lines: Wechatpay-Timestamp, Wechatpay-Nonce, the body as
// received. Callback payloads ("回调报文解密") carry the resource encrypted with AEAD_AES_256_GCM
// (RFC 5116) under the merchant's 32-byte APIv3 key: ciphertext = base64(encrypted ‖ 16-byte tag),
// a 12-byte nonce and associated_data, both as UTF-8 text.
import { createCipheriv, createDecipheriv, createSign, randomBytes, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  asObject,
  checkBody,
  checkTolerance,
  checkWindow,
  currencyOrNull,
  field,
  header,
  isoOrNull,
  minorFromJsonInteger,
  optionalField,
  parseJsonObject,
  privateKey,
  publicKey,
  reject,
  strictBase64,
  unixSeconds,
  utf8,
} from './common.ts';
import type { NotifiedStatus, RawCallback, VerifiedNotification } from './types.ts';

export const WECHATPAY_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
export const WECHATPAY_RESOURCE_ALGORITHM = 'AEAD_AES_256_GCM';
/** Reply to an accepted notification: 204 No Content (200 with no body also works). */
export const WECHATPAY_ACK_STATUS = 204;
export const WECHATPAY_REPLY = { status: WECHATPAY_ACK_STATUS, body: '', contentType: 'text/plain; charset=utf-8' } as const;
export const WECHATPAY_TOLERANCE_S_DEFAULT = 300;
export const WECHATPAY_NATIVE_PATH = '/v3/pay/transactions/native';

/** "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n": the request signature's message. */
export function wechatRequestMessage(method: string, urlPathWithQuery: string, timestampS: number, nonce: string, body: string): string {
  return `${method}\n${urlPathWithQuery}\n${timestampS}\n${nonce}\n${body}\n`;
}

/** "TIMESTAMP\nNONCE\nBODY\n": the message of a callback's or response's signature. */
export function wechatResponseMessage(timestamp: string, nonce: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), Buffer.from('\n')]);
}

export interface WechatRequestAuthorizationOptions {
  method: string;
  /** The absolute URL minus scheme and host, with "?query" if any: "/v3/pay/transactions/native". */
  urlPathWithQuery: string;
  /** The JSON body exactly as it will be sent; "" for GET. */
  body: string;
  mchId: string;
  /** The merchant API certificate's serial number. */
  serialNo: string;
  privateKeyPem: string | KeyObject;
  nonce?: string;
  /** Unix seconds or a Date; default now. */
  timestamp?: number | Date;
}

const HEADER_VALUE = /^[A-Za-z0-9_\-]{1,64}$/;
const NONCE = /^[\x21-\x7e]{1,64}$/;

/** The Authorization header value for one API v3 request. Throws TypeError on bad options. */
export function wechatRequestAuthorization(opts: WechatRequestAuthorizationOptions): string {
  const method = opts.method.toUpperCase();
  if (!/^[A-Z]{3,7}$/.test(method)) throw new TypeError('wechatpay: bad HTTP method');
  if (!opts.urlPathWithQuery.startsWith('/') || /[\s]/.test(opts.urlPathWithQuery)) throw new TypeError('wechatpay: urlPathWithQuery must be a path starting with "/"');
  if (!HEADER_VALUE.test(opts.mchId) || !HEADER_VALUE.test(opts.serialNo)) throw new TypeError('wechatpay: mchId and serialNo must be plain tokens');
  const nonce = opts.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  if (!NONCE.test(nonce) || nonce.includes('"')) throw new TypeError('wechatpay: nonce must be 1..64 printable characters without quotes');
  const ts = opts.timestamp === undefined ? Math.floor(Date.now() / 1000) : typeof opts.timestamp === 'number' ? opts.timestamp : Math.floor(opts.timestamp.getTime() / 1000);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new TypeError('wechatpay: timestamp must be non-negative unix seconds');
  const signature = createSign('RSA-SHA256')
    .update(wechatRequestMessage(method, opts.urlPathWithQuery, ts, nonce, opts.body), 'utf8')
    .sign(privateKey(opts.privateKeyPem), 'base64');
  return `${WECHATPAY_SCHEME} mchid="${opts.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${opts.serialNo}"`;
}

export interface WechatNativeOrderOptions {
  appId: string;
  mchId: string;
  description: string;
  outTradeNo: string;
  notifyUrl: string;
  /** fen */
  amountMinor: bigint;
  currency?: 'CNY';
  /** When the order stops being payable. */
  timeExpire?: Date;
}

/**
 * The JSON body of POST /v3/pay/transactions/native (its answer holds the code_url shown as a QR
 * code). Sign exactly this string with wechatRequestAuthorization. Throws TypeError on bad options.
 */
export function wechatNativeOrderBody(opts: WechatNativeOrderOptions): string {
  if (typeof opts.amountMinor !== 'bigint' || opts.amountMinor <= 0n || opts.amountMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TypeError('wechatpay: amount must be a positive bigint of fen');
  }
  if (opts.outTradeNo.length < 6 || opts.outTradeNo.length > 32 || !/^[A-Za-z0-9_\-|*]+$/.test(opts.outTradeNo)) {
    throw new TypeError('wechatpay: out_trade_no must be 6..32 characters of [A-Za-z0-9_-|*]');
  }
  if (opts.description.length === 0 || opts.description.length > 127) throw new TypeError('wechatpay: description must be 1..127 characters');
  const body: Record<string, unknown> = {
    appid: opts.appId,
    mchid: opts.mchId,
    description: opts.description,
    out_trade_no: opts.outTradeNo,
    notify_url: opts.notifyUrl,
    amount: { total: Number(opts.amountMinor), currency: opts.currency ?? 'CNY' },
  };
  if (opts.timeExpire) body.time_expire = rfc3339Beijing(opts.timeExpire);
  return JSON.stringify(body);
}

/** "2018-06-08T10:34:56+08:00": RFC 3339 in Beijing time, as WeChat Pay writes times. */
function rfc3339Beijing(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

/** The code_url from a (verified) Native-pay answer body; throws CallbackRejected when absent. */
export function wechatCodeUrl(responseBody: Buffer | string): string {
  const o = parseJsonObject(Buffer.isBuffer(responseBody) ? utf8(responseBody) : responseBody, 'native pay answer');
  const url = field(o, 'code_url', 'native pay answer', 512);
  if (!url.startsWith('weixin://')) reject('malformed_body', 'code_url is not a weixin:// link');
  return url;
}

// ---- signature verification (callbacks and API answers) ----

export interface WechatVerifyConfig {
  /** WeChat Pay platform public keys (PEM, or the platform certificate) by serial / public-key id. */
  platformKeys: Record<string, string | KeyObject>;
  toleranceS?: number;
  now?: Date;
}

/**
 * Verifies the Wechatpay-* signature headers over the bytes as received: the key chosen by
 * Wechatpay-Serial from the configured ones, the algorithm pinned, a two-sided time window.
 * Usable for API answers too. Throws CallbackRejected.
 */
export function verifyWechatPaySignature(raw: RawCallback, cfg: WechatVerifyConfig): void {
  const body = checkBody(raw);
  const toleranceS = checkTolerance(cfg.toleranceS, WECHATPAY_TOLERANCE_S_DEFAULT);
  const serial = header(raw, 'wechatpay-serial');
  const timestamp = header(raw, 'wechatpay-timestamp');
  const nonce = header(raw, 'wechatpay-nonce');
  const signature = header(raw, 'wechatpay-signature');
  const signatureType = header(raw, 'wechatpay-signature-type');
  if (!serial || !timestamp || !nonce || !signature) reject('missing_signature', 'a Wechatpay-Serial/-Timestamp/-Nonce/-Signature header is missing');
  if (signatureType !== undefined && signatureType !== WECHATPAY_SCHEME) reject('alg_mismatch', `Wechatpay-Signature-Type is not ${WECHATPAY_SCHEME}`);
  const keys = cfg.platformKeys;
  if (!Object.prototype.hasOwnProperty.call(keys, serial!) || !keys[serial!]) reject('unknown_key', 'Wechatpay-Serial names no platform key we hold');
  const ts = unixSeconds(timestamp!);
  if (ts === null) reject('malformed_signature', 'Wechatpay-Timestamp is not unix seconds');
  if (!NONCE.test(nonce!)) reject('malformed_signature', 'Wechatpay-Nonce is not 1..64 printable characters');
  const sig = strictBase64(signature!, 1024);
  if (!sig) reject('malformed_signature', 'Wechatpay-Signature is not base64');
  let ok = false;
  try {
    ok = cryptoVerify('sha256', wechatResponseMessage(timestamp!, nonce!, body), publicKey(keys[serial!]!), sig!);
  } catch {
    ok = false;
  }
  if (!ok) reject('bad_signature', 'Wechatpay-Signature does not verify under the named platform key');
  checkWindow(ts!, cfg.now, toleranceS);
}

// ---- notifications ----

/** AEAD_AES_256_GCM decryption of a notification's resource; throws CallbackRejected('decrypt_failed'). */
export function wechatDecryptResource(apiV3Key: string, nonce: string, associatedData: string, ciphertextB64: string): Buffer {
  const key = apiV3KeyBytes(apiV3Key);
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length !== 12) reject('decrypt_failed', 'resource.nonce is not 12 bytes');
  const ct = strictBase64(ciphertextB64, 256 * 1024);
  if (!ct || ct.length <= 16) reject('decrypt_failed', 'resource.ciphertext is not base64 of ciphertext and a 16-byte tag');
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAuthTag(ct!.subarray(ct!.length - 16));
    d.setAAD(Buffer.from(associatedData, 'utf8'));
    return Buffer.concat([d.update(ct!.subarray(0, ct!.length - 16)), d.final()]);
  } catch {
    return reject('decrypt_failed', 'resource does not decrypt under the APIv3 key (tampered, or another key)');
  }
}

/** The inverse, for tests and the sandbox: base64(AES-256-GCM(plaintext) ‖ 16-byte tag). Throws TypeError on bad options. */
export function wechatEncryptResource(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length !== 12) throw new TypeError('wechatpay: nonce must be 12 bytes');
  const e = createCipheriv('aes-256-gcm', apiV3KeyBytes(apiV3Key), iv, { authTagLength: 16 });
  e.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([e.update(plaintext, 'utf8'), e.final(), e.getAuthTag()]).toString('base64');
}

function apiV3KeyBytes(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key ?? '', 'utf8');
  if (key.length !== 32) throw new TypeError('wechatpay: the APIv3 key must be 32 bytes');
  return key;
}

const TRADE_STATE: Record<string, NotifiedStatus> = {
  SUCCESS: 'succeeded',
  CLOSED: 'canceled',
  REVOKED: 'canceled',
  PAYERROR: 'failed',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
};

export interface WechatNotifyConfig extends WechatVerifyConfig {
  /** The merchant's APIv3 key: 32 bytes of text. */
  apiV3Key: string;
  /** When set, the decrypted resource's mchid must be this. */
  mchId?: string;
  /** When set, the decrypted resource's appid (if any) must be this. */
  appId?: string;
}

/**
 * Verifies a WeChat Pay API v3 notification (signature over the raw bytes, then authenticated
 * decryption of the resource) and normalizes it. Transactions (original_type "transaction") map
 * by trade_state; a refund (original_type "refund") with refund_status SUCCESS maps to refunded;
 * other authentic notifications are CallbackRejected('ignored_event') — acknowledge those.
 */
export function verifyWechatPayNotification(raw: RawCallback, cfg: WechatNotifyConfig): VerifiedNotification {
  verifyWechatPaySignature(raw, cfg);

  const n = parseJsonObject(utf8(raw.body), 'notification');
  const eventId = field(n, 'id', 'notification', 128);
  const resource = asObject(n.resource ?? reject('missing_field', 'notification.resource missing'), 'notification.resource');
  const algorithm = field(resource, 'algorithm', 'resource', 64);
  if (algorithm !== WECHATPAY_RESOURCE_ALGORITHM) reject('alg_mismatch', `resource.algorithm is not ${WECHATPAY_RESOURCE_ALGORITHM}`);
  const plain = wechatDecryptResource(
    cfg.apiV3Key,
    field(resource, 'nonce', 'resource', 64),
    optionalField(resource, 'associated_data', 'resource', 256) ?? '',
    field(resource, 'ciphertext', 'resource', 256 * 1024),
  );
  const r = parseJsonObject(utf8(plain), 'decrypted resource');

  const mchid = optionalField(r, 'mchid', 'resource', 64) ?? optionalField(r, 'sp_mchid', 'resource', 64);
  if (cfg.mchId !== undefined && mchid !== cfg.mchId) reject('app_mismatch', 'resource.mchid is not ours');
  const appid = optionalField(r, 'appid', 'resource', 64);
  if (cfg.appId !== undefined && appid !== null && appid !== cfg.appId) reject('app_mismatch', 'resource.appid is not ours');

  const originalType = optionalField(resource, 'original_type', 'resource', 64);
  const amount = r.amount === undefined ? null : asObject(r.amount, 'resource.amount');
  const createdAt = isoOrNull(optionalField(n, 'create_time', 'notification', 64));

  if (originalType === 'refund' || (originalType === null && r.refund_status !== undefined)) {
    const refundStatus = field(r, 'refund_status', 'resource', 32);
    if (refundStatus !== 'SUCCESS') reject('ignored_event', `refund_status ${refundStatus.slice(0, 32)} changes no payment`);
    const total = amount ? minorFromJsonInteger(amount.total) : null;
    const refunded = amount ? minorFromJsonInteger(amount.refund) : null;
    if (total === null || refunded === null) reject('bad_amount', 'resource.amount.total / .refund are not integers of fen');
    return {
      provider: 'wechatpay',
      eventId,
      paymentId: field(r, 'out_trade_no', 'resource', 64),
      providerTxnId: optionalField(r, 'transaction_id', 'resource', 64),
      status: 'refunded',
      amountMinor: total,
      currency: 'CNY',
      occurredAt: isoOrNull(optionalField(r, 'success_time', 'resource', 64)) ?? createdAt,
      refundedMinor: refunded,
    };
  }
  if (originalType !== null && originalType !== 'transaction') reject('ignored_event', `original_type ${originalType.slice(0, 32)} is not a transaction`);

  const tradeState = field(r, 'trade_state', 'resource', 32);
  const status = TRADE_STATE[tradeState] ?? reject('unknown_status', `trade_state ${tradeState.slice(0, 32)} is not known`);
  let amountMinor: bigint | null = null;
  let currency: string | null = null;
  if (amount) {
    amountMinor = minorFromJsonInteger(amount.total) ?? reject('bad_amount', 'resource.amount.total is not an integer of fen');
    currency = amount.currency === undefined ? 'CNY' : currencyOrNull(amount.currency) ?? reject('bad_amount', 'resource.amount.currency is not ISO 4217');
  } else if (status === 'succeeded') reject('missing_field', 'resource.amount missing on a success');
  return {
    provider: 'wechatpay',
    eventId,
    paymentId: field(r, 'out_trade_no', 'resource', 64),
    providerTxnId: optionalField(r, 'transaction_id', 'resource', 64),
    status,
    amountMinor,
    currency,
    occurredAt: isoOrNull(optionalField(r, 'success_time', 'resource', 64)) ?? createdAt,
  };
}
