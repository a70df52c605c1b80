import { merchantAuthHeaders } from './merchant-auth.ts';
import type { PaymentStatus, SandboxEventType } from './flow.ts';
import type { SandboxTestMode, TamperField } from './service.ts';

/** A payment as the gateway reports it (POST/GET /v1/payments…). */
export interface SandboxPayment {
  id: string;
  paymentId: string;
  status: PaymentStatus;
  amountMinor: string;
  refundedMinor: string;
  currency: string;
  providerTxnId: string | null;
  description: string;
  payUrl: string;
  qrText: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface SandboxRefund {
  id: string;
  refundId: string;
  payment: string;
  paymentId: string;
  amountMinor: string;
  currency: string;
  status: 'succeeded';
  refundedMinor: string;
  paymentStatus: PaymentStatus;
  createdAt: string;
}

export interface SandboxEventRecord {
  id: string;
  type: SandboxEventType;
  state: 'held' | 'pending' | 'delivered' | 'failed';
  body: string;
  nextAttemptAt: string | null;
  createdAt: string;
  attempts: { attempt: number; copy: number; at: string; statusCode: number | null; error: string | null; durationMs: number }[];
}

/** The callback body POSTed to notifyUrl. */
export interface SandboxEvent {
  id: string;
  type: SandboxEventType;
  created: number;
  data: {
    id: string;
    paymentId: string;
    providerTxnId: string | null;
    status: PaymentStatus;
    amountMinor: string;
    currency: string;
    refundedMinor: string;
    refundId?: string;
    refundAmountMinor?: string;
  };
}

export interface CreateSandboxPayment {
  paymentId: string;
  amountMinor: bigint | string;
  currency: string;
  description: string;
  notifyUrl: string;
  returnUrl?: string;
  expiresInS?: number;
  test?: SandboxTestMode;
}

/** A non-2xx answer from the gateway; `problem` is its RFC 9457 body. */
export class SandboxApiError extends Error {
  override name = 'SandboxApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(`sandbox gateway answered ${status} ${code}: ${String(problem['detail'] ?? '')}`);
  }
}

/** The merchant side of the sandbox API, HMAC-signed per request (see merchant-auth.ts). */
export class SandboxClient {
  private readonly baseUrl: string;
  private readonly keyId: string;
  private readonly secret: string;
  private readonly fetchFn: typeof fetch;
  private readonly clock: () => Date;

  constructor(opts: { baseUrl: string; keyId: string; secret: string; fetch?: typeof fetch; clock?: () => Date }) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.keyId = opts.keyId;
    this.secret = opts.secret;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.clock = opts.clock ?? (() => new Date());
  }

  private async call<T>(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<T> {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { ...merchantAuthHeaders(this.keyId, this.secret, method, pathAndQuery, raw, this.clock()), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetchFn(this.baseUrl + pathAndQuery, { method, headers, ...(body === undefined ? {} : { body: raw }), signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw new SandboxApiError(res.status, String(json['code'] ?? 'error'), json);
    return json as T;
  }

  private async orNull<T>(p: Promise<T>): Promise<T | null> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof SandboxApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** Pays out to a bank account; idempotent on payoutId (a retry returns the first answer). */
  payout(input: { payoutId: string; amountMinor: bigint | string; currency: string; destination: string }): Promise<{ id: string; payoutId: string; status: 'paid' | 'failed'; failure: string | null }> {
    return this.call('POST', '/v1/payouts', { ...input, amountMinor: input.amountMinor.toString() });
  }

  createPayment(input: CreateSandboxPayment): Promise<SandboxPayment> {
    return this.call('POST', '/v1/payments', { ...input, amountMinor: input.amountMinor.toString() });
  }

  /** null when the gateway knows no such payment (for this key). */
  getPayment(id: string): Promise<SandboxPayment | null> {
    return this.orNull(this.call('GET', `/v1/payments/${encodeURIComponent(id)}`));
  }

  /** By the merchant's own paymentId; null when unknown. */
  findPayment(paymentId: string): Promise<SandboxPayment | null> {
    return this.orNull(this.call('GET', `/v1/payments?paymentId=${encodeURIComponent(paymentId)}`));
  }

  cancel(id: string): Promise<SandboxPayment> {
    return this.call('POST', `/v1/payments/${encodeURIComponent(id)}/cancel`);
  }

  /** Give exactly one of id (sbx_pay_…) and paymentId (the merchant's). Idempotent on refundId. */
  refund(input: { id?: string; paymentId?: string; amountMinor: bigint | string; refundId: string }): Promise<SandboxRefund> {
    return this.call('POST', '/v1/refunds', { ...input, amountMinor: input.amountMinor.toString() });
  }

  events(id: string): Promise<SandboxEventRecord[]> {
    return this.call<{ items: SandboxEventRecord[] }>('GET', `/v1/payments/${encodeURIComponent(id)}/events`).then((r) => r.items);
  }

  // Test mode.

  /** Finish a payment as the buyer would. `late`: allow success after failed/expired/canceled. */
  complete(id: string, outcome: 'succeeded' | 'failed', opts: { late?: boolean } = {}): Promise<SandboxPayment> {
    return this.call('POST', `/v1/test/payments/${encodeURIComponent(id)}/complete`, { outcome, ...(opts.late ? { late: true } : {}) });
  }

  setTestMode(id: string, mode: SandboxTestMode): Promise<SandboxPayment> {
    return this.call('POST', `/v1/test/payments/${encodeURIComponent(id)}/mode`, mode);
  }

  /** The next callback of this payment carries `field: value` (validly signed). */
  tamper(id: string, field: TamperField, value: string): Promise<SandboxPayment> {
    return this.call('POST', `/v1/test/payments/${encodeURIComponent(id)}/tamper`, { field, value });
  }

  /** Deliver the callbacks held by `reorder`, newest first. */
  release(id: string): Promise<{ released: number }> {
    return this.call('POST', `/v1/test/payments/${encodeURIComponent(id)}/release`);
  }
}
