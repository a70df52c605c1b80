// The sandbox gateway as a provider: a real HTTP service of ours that behaves like one (hosted page
// with a QR code, signed asynchronous callbacks with retries, status queries, refunds).
import { SandboxClient, SandboxSignatureError, verifySandboxSignature } from '../../sandbox-gateway/index.ts';
import type { PaymentProvider, ProviderStatus } from '../provider.ts';
import { CallbackRejected, type NotifiedStatus, type RawCallback, type VerifiedNotification } from './types.ts';

const EVENT_STATUS: Record<string, NotifiedStatus> = {
  'payment.succeeded': 'succeeded',
  'payment.failed': 'failed',
  'payment.canceled': 'canceled',
  'payment.expired': 'expired',
  'refund.succeeded': 'refunded',
};
const QUERY_STATUS: Record<string, NotifiedStatus> = {
  pending: 'pending', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', expired: 'expired',
  refunded: 'succeeded', partially_refunded: 'succeeded',
};
const MINOR = /^(0|[1-9][0-9]{0,17})$/;
const CURRENCY = /^[A-Z]{3}$/;
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const header = (h: RawCallback['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export interface SandboxProviderConfig {
  baseUrl: string;
  keyId: string;
  secret: string;
  /** The gateway's callback signing secret. */
  signingSecret: string;
  toleranceS?: number;
  fetch?: typeof fetch;
}

export function sandboxProvider(cfg: SandboxProviderConfig): PaymentProvider {
  const client = new SandboxClient({ baseUrl: cfg.baseUrl, keyId: cfg.keyId, secret: cfg.secret, ...(cfg.fetch ? { fetch: cfg.fetch } : {}) });
  return {
    name: 'sandbox',
    ack: { status: 200, body: '{"received":true}', contentType: 'application/json' },

    async create(req) {
      const p = await client.createPayment({
        paymentId: req.paymentId, amountMinor: req.amountMinor.toString(), currency: req.currency, description: req.description,
        notifyUrl: req.notifyUrl, expiresInS: Math.max(60, Math.round((Date.parse(req.expiresAt) - Date.now()) / 1000)),
      });
      return { providerRef: p.id, clientParams: { payUrl: p.payUrl, qrText: p.qrText, expiresAt: p.expiresAt } };
    },

    verify(raw: RawCallback, now: Date): VerifiedNotification {
      try {
        verifySandboxSignature(header(raw.headers, 'sandbox-signature'), raw.body, cfg.signingSecret, { toleranceS: cfg.toleranceS ?? 300, now });
      } catch (err) {
        if (err instanceof SandboxSignatureError) throw new CallbackRejected(err.reason, err.message);
        throw new CallbackRejected('bad_signature', 'the signature did not verify');
      }
      // Authentic from here on; still parsed defensively.
      let e: unknown;
      try {
        e = JSON.parse(raw.body.toString('utf8'));
      } catch {
        throw new CallbackRejected('malformed_body', 'the body is not JSON');
      }
      const ev = e as { id?: unknown; type?: unknown; data?: Record<string, unknown> };
      const data = ev?.data;
      if (typeof ev?.id !== 'string' || !ID.test(ev.id) || typeof ev.type !== 'string' || typeof data !== 'object' || data === null) {
        throw new CallbackRejected('missing_field', 'the event lacks id, type or data');
      }
      const status = EVENT_STATUS[ev.type];
      if (!status) throw new CallbackRejected('ignored_event', `event type ${ev.type} is not acted on`);
      const eventHeader = header(raw.headers, 'sandbox-event-id');
      if (eventHeader !== undefined && eventHeader !== ev.id) throw new CallbackRejected('malformed_body', 'the event id header and body disagree');
      const { paymentId, providerTxnId, amountMinor, currency } = data as Record<string, unknown>;
      if (typeof paymentId !== 'string' || !ID.test(paymentId)) throw new CallbackRejected('missing_field', 'paymentId is missing');
      if (typeof amountMinor !== 'string' || !MINOR.test(amountMinor)) throw new CallbackRejected('bad_amount', 'amountMinor is not minor units');
      if (typeof currency !== 'string' || !CURRENCY.test(currency)) throw new CallbackRejected('missing_field', 'currency is missing');
      return {
        provider: 'sandbox', eventId: ev.id, paymentId, providerTxnId: typeof providerTxnId === 'string' && ID.test(providerTxnId) ? providerTxnId : null,
        status, amountMinor: BigInt(amountMinor), currency, occurredAt: null,
      };
    },

    async query(p): Promise<ProviderStatus | null> {
      const found = p.providerRef ? await client.getPayment(p.providerRef) : await client.findPayment(p.paymentId);
      if (!found) return null;
      return {
        status: QUERY_STATUS[found.status] ?? 'pending',
        providerTxnId: found.providerTxnId ?? null,
        amountMinor: MINOR.test(found.amountMinor) ? BigInt(found.amountMinor) : null,
        currency: found.currency,
      };
    },

    async refund(p) {
      const r = await client.refund({ ...(p.providerRef ? { id: p.providerRef } : { paymentId: p.paymentId }), amountMinor: p.amountMinor.toString(), refundId: p.refundId });
      return r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' ? 'failed' : 'pending';
    },
  };
}
