// Alipay, WeChat Pay and Stripe through our HTTP callback endpoint, with keys generated here: a
// correctly signed success pays the order once and gets the provider's own acknowledgement; every
// defect (forged, other key, stale, future, tampered) is refused with 4xx, recorded with its reason,
// and changes nothing. The providers' create calls go to small local stand-ins for their APIs.
import http from 'node:http';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alipayProvider, stripeProvider, wechatPayProvider } from '../src/payments/index.ts';
import { alipaySign, stripeSignature, wechatEncryptResource, wechatResponseMessage } from '../src/payments/providers/index.ts';
import type { OrderView } from '../src/orders/index.ts';
import { backends } from './helpers/backends.ts';
import { expectOk, startWorld, type Caller, type World } from './helpers/world.ts';

const ADDRESS = { recipient: 'Wang Fang', phone: '+86 137 0000 0000', country: 'CN', city: 'Shenzhen', line1: '3 Shennan Road' };
const key = () => ({ 'idempotency-key': randomBytes(12).toString('hex') });
const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(), priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
};

const ALIPAY_APP = '2021000000000001';
const alipayMerchant = pair();
const alipayPlatform = pair();
const WX = { appId: 'wxd678efh567hg6787', mchId: '1230000109', serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', platformSerial: 'PLATFORM0001', apiV3Key: 'a'.repeat(32) };
const wxMerchant = pair();
const wxPlatform = pair();
const STRIPE_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** A stand-in for a provider's API on loopback: WeChat Pay's native order (its answer signed by the platform key) and Stripe's PaymentIntents. */
function fakeApis(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if (req.url === '/v3/pay/transactions/native') {
        const body = JSON.stringify({ code_url: `weixin://wxpay/bizpayurl?pr=${randomBytes(4).toString('hex')}` });
        const ts = String(Math.floor(Date.now() / 1000));
        const nonce = randomBytes(8).toString('hex');
        const sig = createSign('RSA-SHA256').update(wechatResponseMessage(ts, nonce, body)).sign(wxPlatform.priv, 'base64');
        res.writeHead(200, { 'content-type': 'application/json', 'wechatpay-serial': WX.platformSerial, 'wechatpay-timestamp': ts, 'wechatpay-nonce': nonce, 'wechatpay-signature': sig });
        return res.end(body);
      }
      if (req.url === '/v1/payment_intents' && req.headers.authorization === 'Bearer sk_test_local') {
        const id = `pi_${randomBytes(8).toString('hex')}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ id, client_secret: `${id}_secret_x`, status: 'requires_payment_method' }));
      }
      res.writeHead(404).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
  }));
}

describe.each(backends())('real provider callbacks on $name', (backend) => {
  let w: World;
  let apis: Awaited<ReturnType<typeof fakeApis>>;
  let variantId: string;

  async function unpaidOrder(): Promise<{ buyer: Caller; order: OrderView }> {
    const buyer = await w.user('buyer');
    const res = await buyer.call('POST', '/api/checkout', { items: [{ variantId, qty: 1 }], shippingAddress: ADDRESS, pay: 'later' }, key());
    return { buyer, order: expectOk(res, 201).orders[0] };
  }
  const callback = (provider: string, body: string | Buffer, headers: Record<string, string>) =>
    w.app.http.inject({ method: 'POST', url: `/api/payments/callbacks/${provider}`, payload: body, headers });

  // ---- each provider's notification, as it sends it
  function alipay(paymentId: string, o: { amount?: string; signKey?: string; tamper?: boolean } = {}) {
    const f: Record<string, string> = {
      notify_time: '2026-11-26 10:00:10', notify_type: 'trade_status_sync', notify_id: randomBytes(12).toString('hex'), app_id: ALIPAY_APP, charset: 'utf-8',
      version: '1.0', sign_type: 'RSA2', trade_no: `2026${randomBytes(8).toString('hex')}`, out_trade_no: paymentId, trade_status: 'TRADE_SUCCESS', total_amount: o.amount ?? '66.00',
    };
    f['sign'] = alipaySign(f, o.signKey ?? alipayPlatform.priv, 'notify');
    let body = Object.entries(f).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    if (o.tamper) body = body.replace('66.00', '0.66');
    return { body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } };
  }
  function wechat(paymentId: string, o: { signKey?: string; skewS?: number; tamper?: boolean; serial?: string } = {}) {
    const resource = { appid: WX.appId, mchid: WX.mchId, out_trade_no: paymentId, transaction_id: `42${randomBytes(8).toString('hex')}`, trade_type: 'NATIVE', trade_state: 'SUCCESS', amount: { total: 6600, payer_total: 6600, currency: 'CNY', payer_currency: 'CNY' } };
    const nonce = randomBytes(6).toString('hex');
    let body = JSON.stringify({
      id: `EV-${randomBytes(8).toString('hex')}`, create_time: '2026-11-26T10:00:10+08:00', resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: 'ok',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext: wechatEncryptResource(WX.apiV3Key, nonce, 'transaction', JSON.stringify(resource)), associated_data: 'transaction', nonce },
    });
    const ts = String(Math.floor(Date.now() / 1000) + (o.skewS ?? 0));
    const wnonce = randomBytes(8).toString('hex');
    const signature = createSign('RSA-SHA256').update(wechatResponseMessage(ts, wnonce, body)).sign(o.signKey ?? wxPlatform.priv, 'base64');
    if (o.tamper) body = body.replace('"summary":"ok"', '"summary":"ko"');
    return { body, headers: { 'content-type': 'application/json', 'wechatpay-serial': o.serial ?? WX.platformSerial, 'wechatpay-timestamp': ts, 'wechatpay-nonce': wnonce, 'wechatpay-signature': signature, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' } };
  }
  function stripe(paymentId: string, pi: string, o: { secret?: string; skewS?: number; tamper?: boolean } = {}) {
    let body = JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', type: 'payment_intent.succeeded', livemode: false, created: Math.floor(Date.now() / 1000), data: { object: { id: pi, object: 'payment_intent', amount: 6600, amount_received: 6600, currency: 'cny', status: 'succeeded', metadata: { payment_id: paymentId } } } });
    const t = Math.floor(Date.now() / 1000) + (o.skewS ?? 0);
    const header = `t=${t},v1=${stripeSignature(o.secret ?? STRIPE_SECRET, t, body)}`;
    if (o.tamper) body = body.replace('"livemode":false', '"livemode":true ');
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': header } };
  }

  beforeAll(async () => {
    apis = await fakeApis();
    w = await startWorld(backend, {}, {
      paymentProviders: [
        alipayProvider({ appId: ALIPAY_APP, privateKeyPem: alipayMerchant.priv, alipayPublicKeyPem: alipayPlatform.pub }),
        wechatPayProvider({ appId: WX.appId, mchId: WX.mchId, serialNo: WX.serial, privateKeyPem: wxMerchant.priv, apiV3Key: WX.apiV3Key, platformKeys: { [WX.platformSerial]: wxPlatform.pub }, apiBase: apis.url }),
        stripeProvider({ secretKey: 'sk_test_local', webhookSecrets: [STRIPE_SECRET], apiBase: apis.url }),
      ],
    });
    const m = await w.app.catalog.createMerchant('system', { name: 'Kite Shop' });
    const loc = await w.app.inventory.createLocation({ userId: 'system', merchantId: m.id }, { name: 'Main', code: 'K1' });
    const p = await w.app.catalog.createProduct(m.id, 'system', { title: 'Dragon kite', status: 'active', variants: [{ sku: 'KITE-1', title: 'Red', priceMinor: 6600 }] });
    variantId = p.variants[0]!.id;
    await w.app.inventory.setStock({ userId: 'system', merchantId: m.id }, { variantId, locationId: loc.id, onHand: 100 });
  });
  afterEach(async () => w.checkInvariants());
  afterAll(async () => {
    await w?.close();
    await apis?.close();
  });

  it.each(['alipay', 'wechatpay', 'stripe'])('%s: signed success pays the order once; every defect is refused, recorded and changes nothing', async (provider) => {
    const { buyer, order } = await unpaidOrder();
    const payment = expectOk(await buyer.call('POST', `/api/orders/${order.id}/payments`, { provider }, key()), 201);
    const params = payment.clientParams as Record<string, string>;
    if (provider === 'alipay') expect(params['orderInfo']).toMatch(/method=alipay\.trade\.app\.pay/);
    if (provider === 'wechatpay') expect(params['codeUrl']).toMatch(/^weixin:\/\/wxpay\//);
    if (provider === 'stripe') expect(params['clientSecret']).toMatch(/^pi_/);
    const pi = params['paymentIntent'] ?? 'pi_x';
    const other = pair().priv;

    const defects: [string, { body: string; headers: Record<string, string> }][] =
      provider === 'alipay' ? [['bad_signature', alipay(payment.id, { signKey: other })], ['bad_signature', alipay(payment.id, { tamper: true })]]
      : provider === 'wechatpay' ? [['bad_signature', wechat(payment.id, { signKey: other })], ['stale_timestamp', wechat(payment.id, { skewS: -3600 })], ['future_timestamp', wechat(payment.id, { skewS: 3600 })], ['bad_signature', wechat(payment.id, { tamper: true })], ['unknown_key', wechat(payment.id, { serial: 'NOT-OURS' })]]
      : [['bad_signature', stripe(payment.id, pi, { secret: 'whsec_other' })], ['stale_timestamp', stripe(payment.id, pi, { skewS: -3600 })], ['future_timestamp', stripe(payment.id, pi, { skewS: 3600 })], ['bad_signature', stripe(payment.id, pi, { tamper: true })]];
    for (const [reason, c] of defects) {
      const res = await callback(provider, c.body, c.headers);
      expect(res.statusCode, `${reason}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().reason).toBe(reason);
    }
    const recorded = await w.app.db.kysely.selectFrom('payments_callback').select('reason').where('provider', '=', provider).where('outcome', '=', 'rejected').execute();
    for (const [reason] of defects) expect(recorded.map((r) => r.reason)).toContain(reason);
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`)).paid).toBe(false);

    const ok = provider === 'alipay' ? alipay(payment.id) : provider === 'wechatpay' ? wechat(payment.id) : stripe(payment.id, pi);
    const first = await callback(provider, ok.body, ok.headers);
    expect(first.statusCode, first.body).toBe(provider === 'wechatpay' ? 204 : 200);
    if (provider === 'alipay') expect(first.body).toBe('success');
    const again = await callback(provider, ok.body, ok.headers); // the provider retries: acknowledged, ignored
    expect(again.statusCode).toBe(first.statusCode);
    expect(expectOk(await buyer.call('GET', `/api/orders/${order.id}`))).toMatchObject({ paid: true, paymentId: payment.id });
    const captures = await w.app.db.kysely.selectFrom('money_transfer').select('id').where('id', '=', `gw:${payment.id}`).execute();
    expect(captures).toHaveLength(1);
  });
});
