// One order: its items, the timeline of every step with its ledger entry, and what the buyer can
// do in its state (pay, confirm receipt, ask for a refund, review, download the receipt).
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { handOverReceipt } from '../verify/handover.ts';
import { api } from '../lib/api.ts';
import { dateTime, money, parseMoney } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { ActionButton, Async, errorText, Field, PageTitle } from '../components/ui.tsx';
import { downloadJson, merchant, type Order, type TimelineStep } from '../store/data.ts';
import { AccountNav, SignedIn } from './guard.tsx';
import '../store/store.css';

export function OrderPage() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const state = useLoad(async () => {
    const o = await api.get<Order>(`/api/orders/${encodeURIComponent(id)}`);
    const m = await merchant(o.merchantId).catch(() => null);
    return { o, m };
  }, [id]);
  return (
    <SignedIn>
      <section>
        <AccountNav />
        <Async state={state}>{({ o, m }) => (
          <>
            <PageTitle>{t('account.order.title', { number: o.number })}</PageTitle>
            <p>
              <span class="badge">{t(`store.state.${o.state}`)}</span>{' '}
              {m?.name} · {o.mode === 'prepaid' ? t('account.order.prepaid') : t('account.order.por')} · {o.paid ? t('store.done.paid') : t('account.order.unpaid')}
              {o.overdue && <strong class="error"> · {t('account.order.overdue')}</strong>}
            </p>
            <Items o={o} />
            <Actions o={o} reload={state.reload} />
            <Timeline steps={o.timeline ?? []} />
          </>
        )}</Async>
      </section>
    </SignedIn>
  );
}

function Items({ o }: { o: Order }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{t('account.order.items')}</caption>
        <thead><tr><th scope="col">{t('account.order.item')}</th><th scope="col">{t('account.order.qty')}</th><th scope="col">{t('account.order.price')}</th></tr></thead>
        <tbody>
          {o.items.map((i) => <tr key={i.sku}><td>{i.name} <span class="muted">{i.sku}</span></td><td>{i.qty}</td><td>{money(i.unitPriceMinor, o.currency)}</td></tr>)}
          <tr><th scope="row" colSpan={2}>{t('common.total')}</th><td><strong>{money(o.totalMinor, o.currency)}</strong></td></tr>
        </tbody>
      </table>
    </div>
  );
}

const REFUND_REASONS = ['damaged', 'not_as_described', 'missing_items', 'wrong_item', 'changed_mind'] as const;

function Actions({ o, reload }: { o: Order; reload: () => void }) {
  const { route } = useLocation();
  const post = (path: string, body: unknown = {}) => api.command<Order>(`/api/orders/${encodeURIComponent(o.id)}/${path}`, body).then(reload);
  const payable = !o.paid && (o.mode === 'prepaid' ? ['created', 'accepted', 'payment_failed'].includes(o.state) : o.state === 'received');
  const cancellable = ['created', 'accepted', 'allocated', 'payment_failed'].includes(o.state);
  const receivable = ['shipped', 'in_transit', 'delivered'].includes(o.state);
  const refundable = o.state === 'received' && o.paid;
  const reviewable = ['received', 'completed', 'refund_requested'].includes(o.state);
  return (
    <section class="panel" aria-labelledby="actions-h">
      <h2 id="actions-h">{t('common.actions')}</h2>
      <div class="row">
        {payable && <a class="button primary" href={`/pay/${o.id}`}>{o.mode === 'pay_on_receipt' ? t('account.order.payAfter') : t('account.order.pay')}</a>}
        {receivable && <ActionButton class="primary" action={() => post('confirm-receipt')}>{t('account.order.confirm')}</ActionButton>}
        {cancellable && <ActionButton class="danger" action={() => post('cancel', { reason: 'buyer_cancelled' })}>{t('account.order.cancel')}</ActionButton>}
        <ActionButton action={async () => downloadJson(await api.get(`/api/orders/${encodeURIComponent(o.id)}/receipt`), `receipt-${o.number}.json`)}>{t('account.order.receipt')}</ActionButton>
        <ActionButton action={async () => route(handOverReceipt(await api.get(`/api/orders/${encodeURIComponent(o.id)}/receipt`)))}>{t('account.order.verifyHere')}</ActionButton>
        <a href="/verify">{t('account.order.verify')}</a>
      </div>
      {o.state === 'refund_requested' && o.refundMinor && <p>{t('account.order.refundAsked', { amount: money(o.refundMinor, o.currency) })}</p>}
      {o.paymentDueAt && !o.paid && <p class="warn">{t('account.order.due', { at: dateTime(o.paymentDueAt) })}</p>}
      {o.reviewEndsAt && o.state === 'received' && <p class="muted">{t('account.order.reviewEnds', { at: dateTime(o.reviewEndsAt) })}</p>}
      {refundable && <RefundForm o={o} done={reload} />}
      {reviewable && <Reviews o={o} />}
    </section>
  );
}

function RefundForm({ o, done }: { o: Order; done: () => void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState<string>(REFUND_REASONS[0]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form class="card" aria-labelledby="refund-h" onSubmit={async (e) => {
      e.preventDefault();
      const minor = parseMoney(amount, o.currency);
      if (!minor || minor === '0') { setError(t('account.amountInvalid')); return; }
      setBusy(true);
      setError(null);
      try {
        await api.command(`/api/orders/${encodeURIComponent(o.id)}/request-refund`, { amountMinor: minor, reason });
        done();
      } catch (err) {
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    }}>
      <h3 id="refund-h">{t('account.refund.title')}</h3>
      <Field label={t('account.refund.amount', { currency: o.currency })} hint={t('account.refund.max', { amount: money(o.totalMinor, o.currency) })}>
        <input inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </Field>
      <Field label={t('account.refund.reason')}>
        <select value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          {REFUND_REASONS.map((r) => <option key={r} value={r}>{t(`account.refund.reason.${r}`)}</option>)}
        </select>
      </Field>
      <button type="submit" disabled={busy}>{t('account.refund.submit')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function Reviews({ o }: { o: Order }) {
  return (
    <div>
      <h3>{t('account.review.title')}</h3>
      {o.items.map((i) => <ReviewForm key={i.sku} orderId={o.id} sku={i.sku} name={i.name} />)}
    </div>
  );
}

function ReviewForm({ orderId, sku, name }: { orderId: string; sku: string; name: string }) {
  const [rating, setRating] = useState(5);
  const [text, setText] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (done) return <p class="ok" role="status">{t('account.review.thanks', { name })}</p>;
  return (
    <form class="card" aria-label={t('account.review.of', { name })} onSubmit={async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await api.post('/api/reviews', { orderId, sku, rating, text: text.trim() });
        setDone(true);
      } catch (err) {
        setError(errorText(err));
      } finally {
        setBusy(false);
      }
    }}>
      <p><strong>{name}</strong></p>
      <Field label={t('account.review.rating')}>
        <select value={String(rating)} onChange={(e) => setRating(Number(e.currentTarget.value))}>
          {[5, 4, 3, 2, 1].map((n) => <option key={n} value={String(n)}>{t('store.reviews.stars', { n })}</option>)}
        </select>
      </Field>
      <Field label={t('account.review.text')}>
        <textarea required rows={3} maxLength={2000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={busy || text.trim() === ''}>{t('account.review.submit')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function stepDetail(s: TimelineStep): string | null {
  const d = s.data;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  if (s.kind === 'order.transit') return t('account.timeline.scan', { location: str('location') ?? '–', at: dateTime(str('scannedAt')) });
  if (s.kind === 'order.ship') return t('account.timeline.shipped', { carrier: str('carrier') ?? '–', tracking: str('trackingNumber') ?? '–' });
  if (s.kind === 'order.allocate' && str('locationId')) return t('account.timeline.allocated', { location: str('locationId')! });
  if (s.kind === 'order.pay' && str('amountMinor')) return t('account.timeline.paid', { amount: money(str('amountMinor')!, str('currency') ?? 'CNY') });
  if (s.kind === 'order.request_refund' && str('amountMinor')) return t('account.timeline.refundAsked', { amount: money(str('amountMinor')!, str('currency') ?? 'CNY'), reason: str('reason') ?? '' });
  if ((s.kind === 'order.cancel' || s.kind === 'order.reject' || s.kind === 'order.reject_refund') && str('reason')) return t('account.timeline.reason', { reason: str('reason')! });
  return null;
}

function Timeline({ steps }: { steps: TimelineStep[] }) {
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t('account.timeline.title')}</h2>
      {steps.length === 0 ? <p class="muted">{t('state.empty')}</p> : (
        <ol class="timeline">
          {steps.map((s) => {
            const detail = stepDetail(s);
            const name = s.kind.replace(/^order\./, '');
            return (
              <li key={s.seq}>
                <strong>{t(`account.step.${name}`)}</strong> <span class="muted">· {dateTime(s.at)}</span>
                {s.to !== s.from && <span class="muted"> · {t(`store.state.${s.to}`)}</span>}
                {detail && <div class="step-data">{detail}</div>}
                <div class="step-data">
                  {s.leafIndex !== null
                    ? <a href={`/explorer/entries/${s.leafIndex}`}>{t('account.timeline.entry', { n: s.leafIndex })}</a>
                    : <span class="muted">{t('account.timeline.pending')}</span>}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
