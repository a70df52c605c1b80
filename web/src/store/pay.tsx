// Paying one order: from the wallet (with the SMS step above the threshold) or through the payment
// gateway — its pay page as a link and a QR code for a phone — then waiting until the order is paid.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import QRCode from 'qrcode';
import { api, newIdempotencyKey } from '../lib/api.ts';
import { money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, errorText, PageTitle } from '../components/ui.tsx';
import type { Order, Payment } from './data.ts';
import { requestSmsCode, SmsStep, smsNeeded, type SmsNeeded } from './sms.tsx';
import './store.css';

export function PayPage() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const state = useLoad(() => api.get<Order>(`/api/orders/${encodeURIComponent(id)}`), [id]);
  return (
    <section class="narrow-wide">
      <PageTitle>{t('store.pay.title')}</PageTitle>
      <Async state={state}>{(o) => <PayOrder order={o} onPaid={state.reload} />}</Async>
    </section>
  );
}

export function PayOrder({ order, onPaid }: { order: Order; onPaid: () => void }) {
  const [payment, setPayment] = useState<Payment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [sms, setSms] = useState<SmsNeeded | null>(null);
  const [paid, setPaid] = useState(order.paid);
  const walletKey = useRef(newIdempotencyKey());
  const gatewayKey = useRef(newIdempotencyKey());
  const payable = !order.paid && (order.mode === 'prepaid' ? ['created', 'accepted', 'payment_failed'].includes(order.state) : order.state === 'received');

  const payWallet = async (code?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.command<Order>(`/api/orders/${encodeURIComponent(order.id)}/pay`, {}, { idempotencyKey: walletKey.current, ...(code ? { headers: { 'sms-code': code } } : {}) });
      setPaid(true);
      setSms(null);
      onPaid();
    } catch (err) {
      const needed = smsNeeded(err);
      if (needed) {
        try {
          await requestSmsCode(needed);
          setSms(needed);
        } catch (e2) {
          setError(e2);
        }
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const payGateway = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setPayment(await api.command<Payment>(`/api/orders/${encodeURIComponent(order.id)}/payments`, { provider: 'sandbox' }, { idempotencyKey: gatewayKey.current }));
    } catch (err) {
      setError(err);
      gatewayKey.current = newIdempotencyKey();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="pay">
      <p class="spread"><span>{t('store.done.order', { number: order.number })}</span><strong class="amount">{money(order.totalMinor, order.currency)}</strong></p>
      {paid ? <p class="ok big-status" role="status">{t('store.pay.paid')}</p> : !payable ? <p class="muted">{t('store.pay.notPayable', { state: t(`store.state.${order.state}`) })}</p> : payment ? (
        <GatewayStep order={order} payment={payment} onPaid={() => { setPaid(true); onPaid(); }} onRetry={() => { setPayment(null); gatewayKey.current = newIdempotencyKey(); }} />
      ) : (
        <>
          {sms ? <SmsStep needed={sms} busy={busy} submit={(code) => void payWallet(code)} /> : (
            <div class="pay-choices">
              <button type="button" class="primary" disabled={busy} onClick={() => void payWallet()}>{t('store.pay.wallet')}</button>
              <button type="button" disabled={busy} onClick={() => void payGateway()}>{t('store.pay.gateway')}</button>
            </div>
          )}
        </>
      )}
      {error !== undefined && <p class="error" role="alert">{errorText(error)}</p>}
      <p><a href={`/account/orders/${order.id}`}>{t('store.pay.toOrder')}</a></p>
    </div>
  );
}

function GatewayStep({ order, payment, onPaid, onRetry }: { order: Order; payment: Payment; onPaid: () => void; onRetry: () => void }) {
  const cp = payment.clientParams ?? {};
  const payUrl = typeof cp['payUrl'] === 'string' ? cp['payUrl'] : null;
  const qrText = typeof cp['qrText'] === 'string' ? cp['qrText'] : payUrl;
  const [qr, setQr] = useState<string | null>(null);
  const [state, setState] = useState<'waiting' | 'failed'>('waiting');
  useEffect(() => {
    if (qrText) QRCode.toDataURL(qrText, { margin: 1, width: 240 }).then(setQr, () => setQr(null));
  }, [qrText]);
  // Poll the order (and the payment, for a failure) until the gateway's callback marks it paid.
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      if (stop) return;
      try {
        const [o, p] = await Promise.all([api.get<Order>(`/api/orders/${encodeURIComponent(order.id)}`), api.get<Payment>(`/api/payments/${encodeURIComponent(payment.id)}`)]);
        if (o.paid) { onPaid(); return; }
        if (['failed', 'canceled', 'expired'].includes(p.state)) { setState('failed'); return; }
      } catch { /* keep polling */ }
      if (!stop) setTimeout(() => void tick(), 1500);
    };
    const first = setTimeout(() => void tick(), 1000);
    return () => { stop = true; clearTimeout(first); };
  }, [payment.id]);
  return (
    <div class="gateway panel">
      <h2>{t('store.pay.gatewayTitle')}</h2>
      {qr && <img class="qr" src={qr} width={240} height={240} alt={t('store.pay.qrAlt')} />}
      <p>{t('store.pay.scan')}</p>
      {payUrl && <p><a class="button" href={payUrl} target="_blank" rel="noopener noreferrer">{t('store.pay.open')}</a></p>}
      {state === 'waiting'
        ? <p class="muted" role="status" aria-live="polite">{t('store.pay.waiting')}</p>
        : <p class="error" role="alert">{t('store.pay.failed')} <button type="button" onClick={onRetry}>{t('state.retry')}</button></p>}
    </div>
  );
}
