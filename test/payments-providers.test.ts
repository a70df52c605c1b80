// Real provider adapters: request signing and callback verification, with keys generated here.
// Every defect a callback can have must end in CallbackRejected with the right reason.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Stripe from 'stripe';
import { createSign, generateKeyPairSync, randomBytes, verify as cryptoVerify } from 'node:crypto';
import {
  ALIPAY_ACK,
  CallbackRejected,
  WECHATPAY_ACK_STATUS,
  alipayOrderInfo,
  alipaySign,
  alipaySignContent,
  alipayVerify,
  decimalFromMinor,
  minorFromDecimal,
  stripeSignature,
  verifyAlipayNotification,
  verifyStripeNotification,
  verifyStripeSignature,
  verifyWechatPayNotification,
  wechatCodeUrl,
  wechatEncryptResource,
  wechatNativeOrderBody,
  wechatRequestAuthorization,
  wechatRequestMessage,
  wechatResponseMessage,
  type RawCallback,
  type VerifiedNotification,
} from '../src/payments/providers/index.ts';

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    /** As Alipay's console hands a key out: bare base64 DER, no PEM armour. */
    pubB64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
};
const alipayKeys = pair(); // Alipay's own key pair (it signs notifications)
const merchantKeys = pair(); // our application / merchant API key pair (we sign requests)
const wechatPlatform = pair(); // WeChat Pay platform key pair (it signs callbacks)
const otherKeys = pair(); // an attacker's

/** The reason a call was refused with; fails the test when it was accepted or threw anything else. */
function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CallbackRejected) return e.reason;
    throw e;
  }
  throw new Error('accepted, but should have been rejected');
}

describe('amounts', () => {
  it('parses decimal major units to exact minor units, refusing anything that is not one', () => {
    expect(minorFromDecimal('0.01')).toBe(1n);
    expect(minorFromDecimal('100')).toBe(10000n);
    expect(minorFromDecimal('1.5')).toBe(150n);
    expect(minorFromDecimal('2.00')).toBe(200n);
    expect(minorFromDecimal('99999999.99')).toBe(9999999999n);
    for (const bad of ['1.005', '-1', '', '1.', '.5', '01', '1e3', ' 1', '1 ', '0x10', '1,00', 'NaN', 'Infinity', '+1', '１']) {
      expect(minorFromDecimal(bad), bad).toBeNull();
    }
    expect(decimalFromMinor(1n)).toBe('0.01');
    expect(decimalFromMinor(10000n)).toBe('100.00');
    expect(decimalFromMinor(4990n)).toBe('49.90');
  });

  it('round-trips every minor amount through its decimal string', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 99_999_999_999n }), (m) => minorFromDecimal(decimalFromMinor(m)) === m));
  });
});

// ---------------------------------------------------------------------------------------------
describe('Alipay (RSA2)', () => {
  it('builds the sign content as documented: sorted, unencoded, sign and empty values dropped', () => {
    // The documented sorting example (Alipay "生成待签名字符串"): "_" sorts before letters, JSON values stay raw.
    const params = {
      total_fee: '0.01',
      trade_information: '{"business_type":"4","goods_info":"Macbook 12 inch M3 8G 256G SSD^1|Apple iPad Pro 11 inch^1","total_quantity":"2"}',
      _input_charset: 'UTF-8',
      currency: 'USD',
      out_trade_no: 'out_trade_no_20200109_175140',
      partner: '2088021017666931',
      product_code: 'NEW_OVERSEAS_SELLER',
      service: 'create_forex_trade',
      subject: "Mika's coffee shop",
      timeout_rule: '12h',
    };
    expect(alipaySignContent(params)).toBe(
      '_input_charset=UTF-8&currency=USD&out_trade_no=out_trade_no_20200109_175140&partner=2088021017666931' +
        "&product_code=NEW_OVERSEAS_SELLER&service=create_forex_trade&subject=Mika's coffee shop&timeout_rule=12h&total_fee=0.01" +
        '&trade_information={"business_type":"4","goods_info":"Macbook 12 inch M3 8G 256G SSD^1|Apple iPad Pro 11 inch^1","total_quantity":"2"}',
    );
  });

  // The asynchronous-notification example of the open platform's "异步通知验签" page. (The page's
  // printed result leaves out gmt_create, a field its own example sends; the rule keeps it.)
  const docNotify: Record<string, string> = {
    total_amount: '2.00', buyer_id: '2088102116773037', body: '大乐透2.1', trade_no: '2016071921001003030200089909',
    refund_fee: '0.00', notify_time: '2016-07-19 14:10:49', subject: '大乐透2.1', sign_type: 'RSA2', charset: 'utf-8',
    notify_type: 'trade_status_sync', out_trade_no: '0719141034-6418', gmt_close: '2016-07-19 14:10:46',
    gmt_payment: '2016-07-19 14:10:47', trade_status: 'TRADE_SUCCESS', version: '1.0',
    sign: 'kPbQIjX+xQc8F0/A6/AocELIjhhZnGbcBN6G4MM/HmfWL4ZiHM6fWl5NQhzXJusaklZ1LFuMo+lHQUELAYeugH8LYFvxnNajOvZhuxNFbN2LhF0l/KL8ANtj8oyPM4NN7Qft2kWJTDJUpQOzCzNnV9hDxh5AaT9FPqRS6ZKxnzM=',
    gmt_create: '2016-07-19 14:10:44', app_id: '2015102700040153', seller_id: '2088102119685838',
    notify_id: '4a91b7a78a503640467525113fb7d8bg8e',
  };
  const docNotifyContent =
    'app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46' +
    '&gmt_create=2016-07-19 14:10:44&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e' +
    '&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00' +
    '&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909' +
    '&trade_status=TRADE_SUCCESS&version=1.0';

  it('drops sign and sign_type for notifications, but signs sign_type in requests', () => {
    expect(alipaySignContent(docNotify, 'notify')).toBe(docNotifyContent);
    expect(alipaySignContent(docNotify)).toBe(docNotifyContent); // notify is the default rule
    expect(alipaySignContent(docNotify, 'request')).toBe(docNotifyContent.replace('&subject=', '&sign_type=RSA2&subject='));
    expect(alipaySignContent({ a: '1', b: '', c: '3' })).toBe('a=1&c=3');
  });

  it('signs with SHA256withRSA and verifies only under the right key and unchanged params', () => {
    const params: Record<string, string> = { ...docNotify, app_id: '2021000000000001' };
    params.sign = alipaySign(params, alipayKeys.priv, 'notify');
    expect(cryptoVerify('sha256', Buffer.from(alipaySignContent(params), 'utf8'), alipayKeys.pub, Buffer.from(params.sign!, 'base64'))).toBe(true);
    expect(alipayVerify(params, alipayKeys.pub)).toBe(true);
    expect(alipayVerify(params, alipayKeys.pubB64)).toBe(true); // the console's bare base64 form
    expect(alipayVerify(params, otherKeys.pub)).toBe(false);
    expect(alipayVerify({ ...params, total_amount: '2.01' }, alipayKeys.pub)).toBe(false);
    expect(alipayVerify({ ...params, sign: 'AAAA' }, alipayKeys.pub)).toBe(false);
    expect(alipayVerify({ ...params, sign: '%%%not base64' }, alipayKeys.pub)).toBe(false);
    // signed under the request rule (sign_type included), it does not pass the notify rule
    const asRequest = { ...params, sign: alipaySign(params, alipayKeys.priv, 'request') };
    expect(alipayVerify(asRequest, alipayKeys.pub, 'notify')).toBe(false);
    expect(alipayVerify(asRequest, alipayKeys.pub, 'request')).toBe(true);
  });

  it('builds the signed app-pay order string', () => {
    const orderInfo = alipayOrderInfo({
      appId: '2021000000000001', privateKeyPem: merchantKeys.priv, notifyUrl: 'https://shop.example/api/payments/callbacks/alipay',
      outTradeNo: 'pay_0123456789abcdef', totalAmount: 4990n, subject: '测试 商品 & more+', timestamp: new Date('2026-11-26T02:00:00Z'),
    });
    const parts = orderInfo.split('&').map((kv) => kv.split('=')[0]);
    expect(parts).toEqual([...parts].sort()); // keys in order
    expect(orderInfo).not.toMatch(/[ +]/); // url-encoded: no raw spaces, "+" escaped
    const p = Object.fromEntries(orderInfo.split('&').map((kv) => kv.split('=').map(decodeURIComponent) as [string, string]));
    expect(p).toMatchObject({
      app_id: '2021000000000001', method: 'alipay.trade.app.pay', charset: 'utf-8', sign_type: 'RSA2', version: '1.0',
      timestamp: '2026-11-26 10:00:00', notify_url: 'https://shop.example/api/payments/callbacks/alipay',
    });
    expect(JSON.parse(p.biz_content!)).toEqual({
      out_trade_no: 'pay_0123456789abcdef', total_amount: '49.90', subject: '测试 商品 & more+', product_code: 'QUICK_MSECURITY_PAY',
    });
    expect(alipayVerify(p, merchantKeys.pub, 'request')).toBe(true); // the gateway's rule for requests
    expect(alipayVerify(p, merchantKeys.pub, 'notify')).toBe(false);
    expect(() => alipayOrderInfo({ appId: 'a', privateKeyPem: merchantKeys.priv, notifyUrl: 'u', outTradeNo: 'o', subject: 's', totalAmount: '1.005' })).toThrow(TypeError);
  });

  const cfg = { alipayPublicKeyPem: alipayKeys.pub, appId: '2021000000000001', sellerId: '2088102119685838' };
  const base = (): Record<string, string> => ({
    gmt_create: '2026-11-26 10:00:01', charset: 'utf-8', gmt_payment: '2026-11-26 10:00:09', notify_time: '2026-11-26 10:00:10',
    subject: '订单 ord_1', buyer_id: '2088002582656381', invoice_amount: '49.90', version: '1.0',
    notify_id: '2026112600222100009056380529774436', fund_bill_list: '[{"amount":"49.90","fundChannel":"ALIPAYACCOUNT"}]',
    notify_type: 'trade_status_sync', out_trade_no: 'pay_0123456789abcdef', total_amount: '49.90', trade_status: 'TRADE_SUCCESS',
    trade_no: '2026112622001456380542497258', auth_app_id: '2021000000000001', receipt_amount: '49.90', point_amount: '0.00',
    buyer_pay_amount: '49.90', app_id: '2021000000000001', sign_type: 'RSA2', seller_id: '2088102119685838',
  });
  /** As Alipay posts it: every field url-encoded, signed over the decoded values without sign and sign_type. */
  function notification(fields: Record<string, string>, key = alipayKeys.priv, sign = true): RawCallback {
    const f = { ...fields };
    if (sign) f.sign = alipaySign(f, key, 'notify');
    const body = Object.entries(f).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    return { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(body) };
  }

  it('accepts a signed notification and normalizes it', () => {
    const v = verifyAlipayNotification(notification(base()), cfg);
    expect(v).toEqual<VerifiedNotification>({
      provider: 'alipay', eventId: '2026112600222100009056380529774436', paymentId: 'pay_0123456789abcdef',
      providerTxnId: '2026112622001456380542497258', status: 'succeeded', amountMinor: 4990n, currency: 'CNY',
      occurredAt: '2026-11-26T02:00:09.000Z',
    });
    expect(ALIPAY_ACK).toBe('success');
    // "+" for spaces (HTML form encoding) decodes the same
    const plus = notification(base());
    const withPlus = { ...plus, body: Buffer.from(plus.body.toString().replace(/%20/g, '+')) };
    expect(verifyAlipayNotification(withPlus, cfg).paymentId).toBe('pay_0123456789abcdef');
  });

  it('maps trade_status, and a refund reported on the trade', () => {
    const status = (s: string, extra: Record<string, string> = {}) => verifyAlipayNotification(notification({ ...base(), trade_status: s, ...extra }), cfg);
    expect(status('TRADE_FINISHED').status).toBe('succeeded');
    expect(status('TRADE_CLOSED').status).toBe('canceled');
    expect(status('WAIT_BUYER_PAY').status).toBe('pending');
    const refund = status('TRADE_CLOSED', { refund_fee: '49.90', out_biz_no: 'rf_1', gmt_refund: '2026-11-27 09:00:00.123' });
    expect(refund).toMatchObject({ status: 'refunded', amountMinor: 4990n, refundedMinor: 4990n, occurredAt: '2026-11-27T01:00:00.123Z' });
    expect(status('TRADE_SUCCESS', { refund_fee: '10.00', out_biz_no: 'rf_2' })).toMatchObject({ status: 'refunded', refundedMinor: 1000n });
    expect(reasonOf(() => status('TRADE_WHATEVER'))).toBe('unknown_status');
  });

  it('refuses every defect with its reason', () => {
    const ok = notification(base());
    expect(reasonOf(() => verifyAlipayNotification(notification(base(), otherKeys.priv), cfg))).toBe('bad_signature'); // wrong key
    const forged = notification({ ...base(), sign: randomBytes(256).toString('base64') }, alipayKeys.priv, false);
    expect(reasonOf(() => verifyAlipayNotification(forged, cfg))).toBe('bad_signature');
    // one byte of the body changed: 49.90 → 49.99
    const tampered = Buffer.from(ok.body);
    const at = tampered.indexOf('total_amount=49.90') + 'total_amount=49.9'.length;
    tampered[at] = '9'.charCodeAt(0);
    expect(reasonOf(() => verifyAlipayNotification({ ...ok, body: tampered }, cfg))).toBe('bad_signature');
    // pinned algorithm: a message claiming RSA (SHA1) is refused before any key is used
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), sign_type: 'RSA' }), cfg))).toBe('alg_mismatch');
    expect(reasonOf(() => verifyAlipayNotification(notification(base(), alipayKeys.priv, false), cfg))).toBe('missing_signature');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), sign: 'not*base64' }, alipayKeys.priv, false), cfg))).toBe('malformed_signature');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), app_id: '2021000000000999' }), cfg))).toBe('app_mismatch');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), seller_id: '2088000000000000' }), cfg))).toBe('app_mismatch');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), total_amount: '1.005' }), cfg))).toBe('bad_amount');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), total_amount: '-1' }), cfg))).toBe('bad_amount');
    expect(reasonOf(() => verifyAlipayNotification(notification({ ...base(), charset: 'GBK' }), cfg))).toBe('malformed_body');
    const twice = { ...ok, body: Buffer.concat([ok.body, Buffer.from('&out_trade_no=pay_other')]) };
    expect(reasonOf(() => verifyAlipayNotification(twice, cfg))).toBe('malformed_body');
    expect(reasonOf(() => verifyAlipayNotification({ ...ok, headers: { 'content-type': 'application/json' } }, cfg))).toBe('malformed_body');
    const noNotifyId = base();
    delete noNotifyId.notify_id;
    expect(reasonOf(() => verifyAlipayNotification(notification(noNotifyId), cfg))).toBe('missing_field');
  });

  it('never accepts a notification with any one byte changed (but the case of a %XX escape, which decodes the same)', () => {
    const ok = notification(base());
    const isHex = (c: number) => /[0-9A-Fa-f]/.test(String.fromCharCode(c));
    fc.assert(
      fc.property(fc.nat({ max: ok.body.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const body = Buffer.from(ok.body);
        body[i] = body[i]! ^ x;
        const inEscape = (body[i - 1] === 0x25 || body[i - 2] === 0x25) && isHex(ok.body[i]!) && isHex(body[i]!);
        if (inEscape && String.fromCharCode(ok.body[i]!).toLowerCase() === String.fromCharCode(body[i]!).toLowerCase()) return; // same bytes once decoded
        expect(reasonOf(() => verifyAlipayNotification({ ...ok, body }, cfg))).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('WeChat Pay API v3', () => {
  it('builds the request message exactly as the documentation example', () => {
    expect(wechatRequestMessage('GET', '/v3/certificates', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242', '')).toBe(
      'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n',
    );
  });

  it('signs a request into the WECHATPAY2-SHA256-RSA2048 Authorization header', () => {
    const body = wechatNativeOrderBody({
      appId: 'wxd678efh567hg6787', mchId: '1230000109', description: 'Image形象店-深圳腾大-QQ公仔', outTradeNo: 'pay_0123456789abcdef01',
      notifyUrl: 'https://shop.example/api/payments/callbacks/wechatpay', amountMinor: 4990n,
    });
    expect(JSON.parse(body)).toEqual({
      appid: 'wxd678efh567hg6787', mchid: '1230000109', description: 'Image形象店-深圳腾大-QQ公仔', out_trade_no: 'pay_0123456789abcdef01',
      notify_url: 'https://shop.example/api/payments/callbacks/wechatpay', amount: { total: 4990, currency: 'CNY' },
    });
    const auth = wechatRequestAuthorization({
      method: 'POST', urlPathWithQuery: '/v3/pay/transactions/native', body, mchId: '1230000109',
      serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', privateKeyPem: merchantKeys.priv, nonce: '593BEC0C930BF1AFEB40B4A08C8FB242', timestamp: 1554208460,
    });
    const m = /^WECHATPAY2-SHA256-RSA2048 mchid="1230000109",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="([A-Za-z0-9+/=]+)",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"$/.exec(auth);
    expect(m).not.toBeNull();
    const message = `POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`;
    expect(cryptoVerify('sha256', Buffer.from(message), merchantKeys.pub, Buffer.from(m![1]!, 'base64'))).toBe(true);
    expect(cryptoVerify('sha256', Buffer.from(message.replace('4990', '4991')), merchantKeys.pub, Buffer.from(m![1]!, 'base64'))).toBe(false);
    expect(wechatCodeUrl('{"code_url":"weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00"}')).toBe('weixin://wxpay/bizpayurl/up?pr=NwY5Mz9&groupid=00');
  });

  const apiV3Key = 'abcdefghijklmnopqrstuvwxyz012345'; // 32 bytes
  const serial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
  const now = new Date('2026-11-26T02:00:00Z');
  const nowS = Math.floor(now.getTime() / 1000);
  const cfg = { platformKeys: { [serial]: wechatPlatform.pub, OTHER: otherKeys.pub }, apiV3Key, now, mchId: '1230000109' };
  const transaction = (over: Record<string, unknown> = {}) => ({
    mchid: '1230000109', appid: 'wxd678efh567hg6787', out_trade_no: 'pay_0123456789abcdef01', transaction_id: '1217752501201407033233368018',
    trade_type: 'NATIVE', trade_state: 'SUCCESS', trade_state_desc: '支付成功', bank_type: 'CMC', attach: '', success_time: '2026-11-26T10:00:09+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }, amount: { total: 4990, payer_total: 4990, currency: 'CNY', payer_currency: 'CNY' }, ...over,
  });
  interface Opts {
    resource?: object; originalType?: string; algorithm?: string; key?: string; aad?: string; nonce?: string;
    ts?: number; signKey?: string; serial?: string; headers?: Record<string, string>; tamperCiphertext?: boolean; encryptKey?: string;
  }
  /** As WeChat Pay posts it: the resource encrypted under the APIv3 key, the body signed by the platform key. */
  function callback(o: Opts = {}): RawCallback {
    const nonce = o.nonce ?? 'fdasflkja484';
    const aad = o.aad ?? 'transaction';
    let ciphertext = wechatEncryptResource(o.encryptKey ?? apiV3Key, nonce, aad, JSON.stringify(o.resource ?? transaction()));
    if (o.tamperCiphertext) {
      const b = Buffer.from(ciphertext, 'base64');
      b[3] = b[3]! ^ 1;
      ciphertext = b.toString('base64');
    }
    const body = JSON.stringify({
      id: 'EV-2018022511223320873', create_time: '2026-11-26T10:00:10+08:00', resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: o.originalType ?? 'transaction', algorithm: o.algorithm ?? 'AEAD_AES_256_GCM', ciphertext, associated_data: o.aad === undefined ? aad : o.aad, nonce },
    });
    const ts = String(o.ts ?? nowS);
    const wnonce = 'c5ac7061fccab6bf3e254dcf98995b8c';
    const signature = createSign('RSA-SHA256').update(wechatResponseMessage(ts, wnonce, body)).sign(o.signKey ?? wechatPlatform.priv, 'base64');
    return {
      headers: {
        'wechatpay-serial': o.serial ?? serial, 'wechatpay-timestamp': ts, 'wechatpay-nonce': wnonce, 'wechatpay-signature': signature,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048', 'content-type': 'application/json', ...o.headers,
      },
      body: Buffer.from(body),
    };
  }

  it('accepts a signed, encrypted notification and normalizes it', () => {
    expect(verifyWechatPayNotification(callback(), cfg)).toEqual<VerifiedNotification>({
      provider: 'wechatpay', eventId: 'EV-2018022511223320873', paymentId: 'pay_0123456789abcdef01',
      providerTxnId: '1217752501201407033233368018', status: 'succeeded', amountMinor: 4990n, currency: 'CNY', occurredAt: '2026-11-26T02:00:09.000Z',
    });
    expect(WECHATPAY_ACK_STATUS).toBe(204);
    // header names in any case; Signature-Type is optional
    const c = callback();
    const mixed = Object.fromEntries(Object.entries(c.headers).filter(([k]) => k !== 'wechatpay-signature-type').map(([k, v]) => [k.replace(/(^|-)(\w)/g, (s) => s.toUpperCase()), v]));
    expect(verifyWechatPayNotification({ ...c, headers: mixed }, cfg).status).toBe('succeeded');
  });

  it('maps trade_state, and a refund notification', () => {
    const state = (s: string) => verifyWechatPayNotification(callback({ resource: transaction({ trade_state: s }) }), cfg).status;
    expect(['SUCCESS', 'CLOSED', 'REVOKED', 'PAYERROR', 'NOTPAY', 'USERPAYING'].map(state)).toEqual(['succeeded', 'canceled', 'canceled', 'failed', 'pending', 'pending']);
    expect(reasonOf(() => state('LOST'))).toBe('unknown_status');
    const refund = callback({
      originalType: 'refund', aad: 'refund',
      resource: { mchid: '1230000109', out_trade_no: 'pay_0123456789abcdef01', transaction_id: '4200000000', out_refund_no: 'rf_1', refund_id: '5030', refund_status: 'SUCCESS', success_time: '2026-11-27T10:00:00+08:00', amount: { total: 4990, refund: 1000, payer_total: 4990, payer_refund: 1000 } },
    });
    expect(verifyWechatPayNotification(refund, cfg)).toMatchObject({ status: 'refunded', amountMinor: 4990n, refundedMinor: 1000n, occurredAt: '2026-11-27T02:00:00.000Z' });
  });

  it('refuses every defect with its reason', () => {
    const r = (c: RawCallback, conf = cfg) => reasonOf(() => verifyWechatPayNotification(c, conf));
    expect(r(callback({ signKey: otherKeys.priv }))).toBe('bad_signature'); // wrong key under our serial
    expect(r(callback({ headers: { 'wechatpay-signature': randomBytes(256).toString('base64') } }))).toBe('bad_signature'); // forged
    const ok = callback();
    const body = Buffer.from(ok.body);
    const at = body.indexOf('支付成功') - 2;
    body[at] = body[at]! ^ 0x20; // one byte of the summary's neighbourhood
    expect(r({ ...ok, body })).toBe('bad_signature');
    expect(r(callback({ ts: nowS - 301 }))).toBe('stale_timestamp');
    expect(r(callback({ ts: nowS + 301 }))).toBe('future_timestamp');
    expect(verifyWechatPayNotification(callback({ ts: nowS - 300 }), cfg).status).toBe('succeeded'); // the window's edge
    expect(r(callback({ headers: { 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA1024' } }))).toBe('alg_mismatch');
    expect(r(callback({ algorithm: 'AEAD_AES_128_GCM' }))).toBe('alg_mismatch');
    expect(r(callback({ serial: 'FFFF' }))).toBe('unknown_key');
    expect(r(callback({ serial: '__proto__' }))).toBe('unknown_key');
    expect(r(callback({ serial: 'OTHER' }))).toBe('bad_signature'); // a key we hold, but not the one that signed
    expect(r(callback({ tamperCiphertext: true }))).toBe('decrypt_failed'); // signed, but the ciphertext was changed before signing
    expect(r(callback({ encryptKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' }))).toBe('decrypt_failed'); // another APIv3 key
    expect(r(callback(), { ...cfg, apiV3Key: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' })).toBe('decrypt_failed');
    const wrongAad = callback();
    const doc = JSON.parse(wrongAad.body.toString());
    doc.resource.associated_data = 'refund';
    const signed = (d: object) => {
      const b = JSON.stringify(d);
      const sig = createSign('RSA-SHA256').update(wechatResponseMessage(String(nowS), 'n1', b)).sign(wechatPlatform.priv, 'base64');
      return { headers: { 'wechatpay-serial': serial, 'wechatpay-timestamp': String(nowS), 'wechatpay-nonce': 'n1', 'wechatpay-signature': sig }, body: Buffer.from(b) };
    };
    expect(r(signed(doc))).toBe('decrypt_failed');
    expect(r(signed({ id: 'EV-1' }))).toBe('missing_field');
    expect(r(signed([1, 2]))).toBe('malformed_body');
    expect(r(callback({ resource: transaction({ mchid: '999' }) }))).toBe('app_mismatch');
    expect(r(callback({ resource: transaction({ amount: { total: 49.9, currency: 'CNY' } }) }))).toBe('bad_amount');
    expect(r(callback({ headers: { 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' } }))).toMatch(/^(bad|malformed)_signature$/); // WeChat's probe
    const { 'wechatpay-nonce': _n, ...noNonce } = ok.headers;
    expect(r({ ...ok, headers: noNonce })).toBe('missing_signature');
    expect(r({ ...ok, headers: { ...ok.headers, 'wechatpay-timestamp': '1e9' } })).toBe('malformed_signature');
    expect(r({ ...ok, headers: { ...ok.headers, 'wechatpay-serial': [serial, serial] } })).toBe('malformed_signature');
  });

  it('never accepts a notification with any one byte changed', () => {
    const ok = callback();
    fc.assert(
      fc.property(fc.nat({ max: ok.body.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const body = Buffer.from(ok.body);
        body[i] = body[i]! ^ x;
        expect(reasonOf(() => verifyWechatPayNotification({ ...ok, body }, cfg))).toBe('bad_signature');
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('Stripe', () => {
  const secret = 'whsec_' + randomBytes(24).toString('base64');
  const oldSecret = 'whsec_' + randomBytes(24).toString('base64');
  const now = new Date('2026-11-26T02:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  const event = (type = 'payment_intent.succeeded', object: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: 'evt_3MtwBwLkdIwHu7ix28a3tqPa', object: 'event', api_version: '2025-10-29.clover', created: t - 5, livemode: false, type,
      data: { object: { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPc', object: 'payment_intent', amount: 4990, amount_received: 4990, currency: 'cny', status: 'succeeded', metadata: { payment_id: 'pay_0123456789abcdef' }, ...object } },
    });
  const raw = (body: string, header: string | undefined): RawCallback => ({ headers: { 'stripe-signature': header }, body: Buffer.from(body) });

  it('accepts headers made by the official stripe package and normalizes the event', () => {
    const body = event();
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
    expect(header).toBe(`t=${t},v1=${stripeSignature(secret, t, body)}`);
    expect(verifyStripeNotification(raw(body, header), { secrets: [secret], now })).toEqual<VerifiedNotification>({
      provider: 'stripe', eventId: 'evt_3MtwBwLkdIwHu7ix28a3tqPa', paymentId: 'pay_0123456789abcdef', providerTxnId: 'pi_3MtwBwLkdIwHu7ix28a3tqPc',
      status: 'succeeded', amountMinor: 4990n, currency: 'CNY', occurredAt: new Date((t - 5) * 1000).toISOString(),
    });
  });

  it('maps the events it acts on and acknowledges the rest', () => {
    const verify = (body: string, cfg: { livemode?: boolean } = {}) =>
      verifyStripeNotification(raw(body, `t=${t},v1=${stripeSignature(secret, t, body)}`), { secrets: [secret], now, ...cfg });
    expect(verify(event('payment_intent.payment_failed', { amount_received: 0 }))).toMatchObject({ status: 'failed', amountMinor: 4990n });
    expect(verify(event('payment_intent.canceled', { amount_received: 0 })).status).toBe('canceled');
    const charge = event('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_9', amount: 4990, amount_refunded: 1000, refunded: false, currency: 'usd' });
    expect(verify(charge)).toMatchObject({ status: 'refunded', providerTxnId: 'pi_9', amountMinor: 4990n, refundedMinor: 1000n, currency: 'USD' });
    expect(reasonOf(() => verify(event('customer.created')))).toBe('ignored_event');
    expect(reasonOf(() => verify(event(undefined, { metadata: {} })))).toBe('missing_field');
    expect(reasonOf(() => verify(event(undefined, { amount_received: -5 })))).toBe('bad_amount');
    expect(reasonOf(() => verify(event(), { livemode: true }))).toBe('mode_mismatch');
  });

  it('accepts any configured secret against any v1 during a rotation; ignores v0', () => {
    const body = Buffer.from(event());
    const sNew = stripeSignature(secret, t, body);
    const sOld = stripeSignature(oldSecret, t, body);
    const both = `t=${t},v1=${sNew},v1=${sOld},v0=${'0'.repeat(64)}`;
    expect(() => verifyStripeSignature(both, body, [secret], { now })).not.toThrow();
    expect(() => verifyStripeSignature(both, body, [oldSecret], { now })).not.toThrow(); // the old secret is still valid
    expect(() => verifyStripeSignature(`t=${t},v1=${sOld}`, body, [secret, oldSecret], { now })).not.toThrow();
    expect(reasonOf(() => verifyStripeSignature(`t=${t},v1=${sOld}`, body, [secret], { now }))).toBe('bad_signature'); // retired
    // a valid v0 alone is no signature at all (no downgrade)
    expect(reasonOf(() => verifyStripeSignature(`t=${t},v0=${sNew}`, body, [secret], { now }))).toBe('malformed_signature');
  });

  it('refuses every defect with its reason', () => {
    const body = Buffer.from(event());
    const sig = (ts: number, s = secret, b: Buffer | string = body) => `t=${ts},v1=${stripeSignature(s, ts, b)}`;
    const r = (h: string | undefined, b = body) => reasonOf(() => verifyStripeSignature(h, b, [secret], { now }));
    expect(r(undefined)).toBe('missing_signature');
    expect(r('')).toBe('missing_signature');
    expect(r(sig(t, 'whsec_wrong'))).toBe('bad_signature'); // wrong key
    expect(r(`t=${t},v1=${randomBytes(32).toString('hex')}`)).toBe('bad_signature'); // forged
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('4990')] = '5'.charCodeAt(0);
    expect(r(sig(t), tampered)).toBe('bad_signature');
    expect(r(sig(t - 301))).toBe('stale_timestamp');
    expect(r(sig(t + 301))).toBe('future_timestamp');
    expect(() => verifyStripeSignature(sig(t - 300), body, [secret], { now })).not.toThrow();
    expect(reasonOf(() => verifyStripeSignature(sig(t - 61), body, [secret], { now, toleranceS: 60 }))).toBe('stale_timestamp');
    expect(r(`v1=${stripeSignature(secret, t, body)}`)).toBe('malformed_signature'); // no t
    expect(r(`t=${t}`)).toBe('malformed_signature'); // no v1
    expect(r(`t=${t},t=${t},v1=${stripeSignature(secret, t, body)}`)).toBe('malformed_signature');
    expect(r(`t=${t},v1=${stripeSignature(secret, t, body).toUpperCase()}`)).toBe('malformed_signature');
    expect(r(`t=-${t},v1=${stripeSignature(secret, t, body)}`)).toBe('malformed_signature');
    expect(r('t=1,' + 'v1=' + 'a'.repeat(64) + ',x'.repeat(3000))).toBe('malformed_signature'); // huge
    // Stripe's own helper takes a future timestamp; ours does not (two-sided window)
    const future = sig(t + 3600);
    expect(() => Stripe.webhooks.constructEvent(body, future, secret, 300, undefined, now.getTime())).not.toThrow();
    expect(r(future)).toBe('future_timestamp');
  });
});

// ---------------------------------------------------------------------------------------------
describe('fuzz: hostile bytes and headers are always refused, never crash', () => {
  const wechatCfg = { platformKeys: { S1: wechatPlatform.pub }, apiV3Key: 'abcdefghijklmnopqrstuvwxyz012345' };
  const alipayCfg = { alipayPublicKeyPem: alipayKeys.pub, appId: '2021000000000001' };
  const stripeCfg = { secrets: ['whsec_x'] };
  const headerValue = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', 'S1', 't=1,v1=', `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}`, 'WECHATPAY2-SHA256-RSA2048', 'RSA2', '1700000000', 'A'.repeat(10000)),
    fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const headers = fc.record(
    {
      'wechatpay-serial': headerValue, 'wechatpay-timestamp': headerValue, 'wechatpay-nonce': headerValue, 'wechatpay-signature': headerValue,
      'wechatpay-signature-type': headerValue, 'stripe-signature': headerValue, 'content-type': headerValue,
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string | string[] | undefined>>;
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
    fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j) ?? 'null')),
    fc.dictionary(fc.constantFrom('sign', 'sign_type', 'app_id', 'notify_id', 'total_amount', '__proto__', 'a%zz', 'x'), fc.string({ maxLength: 40 }))
      .map((d) => Buffer.from(Object.entries(d).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'))),
  );

  it.each([
    ['alipay', (raw: RawCallback) => verifyAlipayNotification(raw, alipayCfg)],
    ['wechatpay', (raw: RawCallback) => verifyWechatPayNotification(raw, wechatCfg)],
    ['stripe', (raw: RawCallback) => verifyStripeNotification(raw, stripeCfg)],
  ] as const)('%s', (_name, verify) => {
    fc.assert(
      fc.property(headers, body, (h, b) => {
        expect(reasonOf(() => verify({ headers: h, body: b }))).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
    expect(reasonOf(() => verify({ headers: {}, body: Buffer.alloc(300 * 1024, 0x61) }))).toBe('body_too_large');
    expect(reasonOf(() => verify(null as unknown as RawCallback))).toMatch(/^[a-z_]+$/);
  });
});
