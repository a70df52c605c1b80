// '/merchant/orders/:id': one order with the buyer's shipping address (a logged pii.accessed read),
// its timeline, and the actions its state allows: accept, reject, allocate, ship, transit scans,
// deliver, refund decisions, cancel.
import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../lib/api.ts';
import { dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { localInput, StateBadge, staffPage, type Page, Act } from './shared.tsx';
import type { Location, Order } from './types.ts';

const REJECT_REASONS = ['out_of_stock', 'cannot_ship_to_address', 'price_error', 'other'];
const CANCEL_REASONS = ['out_of_stock', 'buyer_request', 'other'];
const REFUND_REJECT_REASONS = ['not_returned', 'outside_policy', 'item_as_described', 'other'];

function Actions({ order, reload }: { order: Order; reload: () => void }) {
  const go = (name: string, body: Record<string, string> = {}) => async () => {
    await api.command(`/api/orders/${order.id}/${name}`, body);
    reload();
  };
  const s = order.state;
  const locations = useLoad((signal) => api.get<Page<Location>>('/api/merchant/locations?limit=200', { signal }), []);
  const [reason, setReason] = useState(REJECT_REASONS[0]!);
  const [cancelReason, setCancelReason] = useState(CANCEL_REASONS[0]!);
  const [refundReason, setRefundReason] = useState(REFUND_REJECT_REASONS[0]!);
  const [locationId, setLocationId] = useState('');
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [scanPlace, setScanPlace] = useState('');
  const [defaultAt] = useState(() => localInput(new Date()));
  const [scanAt, setScanAt] = useState(defaultAt);
  const reasonSelect = (label: string, value: string, set: (v: string) => void, options: string[]) => (
    <Field label={label}>
      <select value={value} onChange={(e) => set(e.currentTarget.value)}>
        {options.map((r) => <option key={r} value={r}>{t(`m.reason.${r}`)}</option>)}
      </select>
    </Field>
  );
  const blocks = [];
  if (s === 'created') {
    blocks.push(
      <div class="panel" key="accept">
        <h3>{t('m.act.review')}</h3>
        <div class="form-row">
          <Act class="primary" action={go('accept')}>{t('m.act.accept')}</Act>
        </div>
        <div class="form-row">
          {reasonSelect(t('m.act.rejectReason'), reason, setReason, REJECT_REASONS)}
          <Act class="danger" action={go('reject', { reason })}>{t('m.act.reject')}</Act>
        </div>
      </div>,
    );
  }
  if (s === 'accepted') {
    blocks.push(
      <div class="panel" key="allocate">
        <h3>{t('m.act.allocateTitle')}</h3>
        <Async state={locations}>
          {(ls) => (
            <form class="form-row" onSubmit={(e) => e.preventDefault()}>
              <Field label={t('m.act.location')}>
                <select value={locationId} required onChange={(e) => setLocationId(e.currentTarget.value)}>
                  <option value="">{t('m.act.chooseLocation')}</option>
                  {ls.items.map((l) => <option key={l.id} value={l.id}>{l.name} ({l.code})</option>)}
                </select>
              </Field>
              <Act class="primary" disabled={!locationId} action={go('allocate', { locationId })}>{t('m.act.allocate')}</Act>
            </form>
          )}
        </Async>
      </div>,
    );
  }
  if (s === 'allocated') {
    blocks.push(
      <div class="panel" key="ship">
        <h3>{t('m.act.shipTitle')}</h3>
        <form class="form-row" onSubmit={(e) => e.preventDefault()}>
          <Field label={t('m.act.carrier')}><input value={carrier} required maxLength={128} onInput={(e) => setCarrier(e.currentTarget.value)} /></Field>
          <Field label={t('m.act.tracking')} hint={t('m.act.trackingHint')}><input value={tracking} required maxLength={128} pattern="[A-Za-z0-9][A-Za-z0-9_.:\-]*" onInput={(e) => setTracking(e.currentTarget.value.trim())} /></Field>
          <Act class="primary" disabled={!carrier.trim() || !tracking} action={go('ship', { carrier: carrier.trim(), trackingNumber: tracking })}>{t('m.act.ship')}</Act>
        </form>
      </div>,
    );
  }
  if (s === 'shipped' || s === 'in_transit') {
    blocks.push(
      <div class="panel" key="transit">
        <h3>{t('m.act.transitTitle')}</h3>
        <form class="form-row" onSubmit={(e) => e.preventDefault()}>
          <Field label={t('m.act.scanLocation')}><input value={scanPlace} required maxLength={128} onInput={(e) => setScanPlace(e.currentTarget.value)} /></Field>
          <Field label={t('m.act.scanTime')} hint={t('m.act.scanTimeHint')}><input type="datetime-local" step={1} value={scanAt} required onInput={(e) => setScanAt(e.currentTarget.value)} /></Field>
          <Act disabled={!scanPlace.trim() || !scanAt} action={async () => {
            // Left at its initial value, the time means "now" (to the millisecond, never before the shipment).
            const at = scanAt === defaultAt ? new Date() : new Date(scanAt);
            await go('transit', { location: scanPlace.trim(), at: at.toISOString() })();
            setScanPlace('');
          }}>{t('m.act.addTransit')}</Act>
        </form>
        <div class="form-row">
          <Act class="primary" action={go('deliver')}>{t('m.act.deliver')}</Act>
        </div>
      </div>,
    );
  }
  if (s === 'refund_requested') {
    blocks.push(
      <div class="panel" key="refund">
        <h3>{t('m.act.refundTitle', { amount: money(order.refundMinor ?? '0', order.currency) })}</h3>
        <div class="form-row">
          <Act class="primary" action={go('refund')}>{t('m.act.refund')}</Act>
        </div>
        <div class="form-row">
          {reasonSelect(t('m.act.refundRejectReason'), refundReason, setRefundReason, REFUND_REJECT_REASONS)}
          <Act class="danger" action={go('reject-refund', { reason: refundReason })}>{t('m.act.rejectRefund')}</Act>
        </div>
      </div>,
    );
  }
  if (['created', 'accepted', 'allocated', 'payment_failed'].includes(s)) {
    blocks.push(
      <details class="panel" key="cancel">
        <summary>{t('m.act.cancelTitle')}</summary>
        <div class="form-row">
          {reasonSelect(t('m.act.cancelReason'), cancelReason, setCancelReason, CANCEL_REASONS)}
          <Act class="danger" action={go('cancel', { reason: cancelReason })}>{t('m.act.cancel')}</Act>
        </div>
      </details>,
    );
  }
  if (blocks.length === 0) return <p class="muted">{t('m.act.none')}</p>;
  return <>{blocks}</>;
}

/** A step's name: a change of state by its new state, a recorded fact (payment, overdue) by its kind. */
function stepTitle(step: { kind: string; from: string | null; to: string }): string {
  if (step.kind === 'order.created') return t('m.tl.created');
  if (step.kind === 'order.pay') return t('m.tl.pay');
  if (step.kind === 'order.mark_overdue') return t('m.tl.overdue');
  return t(`m.state.${step.to}`);
}

function stepText(step: { kind: string; data: Record<string, unknown> }): string {
  const d = step.data;
  if (step.kind === 'order.transit') return t('m.tl.transit', { location: String(d['location'] ?? ''), at: dateTime(String(d['scannedAt'] ?? '')) });
  if (step.kind === 'order.ship') return t('m.tl.ship', { carrier: String(d['carrier'] ?? ''), tracking: String(d['trackingNumber'] ?? '') });
  if (typeof d['reason'] === 'string') return t(`m.reason.${d['reason']}`);
  return '';
}

function OrderDetail() {
  const { params } = useRoute();
  const id = params['id']!;
  const order = useLoad((signal) => api.get<Order>(`/api/orders/${encodeURIComponent(id)}`, { signal }), [id]);
  return (
    <section>
      <Async state={order}>
        {(o) => (
          <>
            <PageTitle>{t('m.order.title', { number: o.number })}</PageTitle>
            <p class="row">
              <StateBadge state={o.state} />
              <span>{t(`m.mode.${o.mode}`)}</span>
              <span>{o.paid ? t('m.order.paid') : t('m.order.unpaid')}</span>
              {o.overdue && <span class="badge">{t('m.order.overdue')}</span>}
            </p>
            <h2>{t('m.order.actions')}</h2>
            <Actions order={o} reload={order.reload} />
            <div class="grid grid-wide">
              <div class="card">
                <h2>{t('m.order.shipTo')}</h2>
                <p class="pii-note"><small>{t('m.order.piiNote')}</small></p>
                {o.shippingAddress ? (
                  <address>
                    {o.shippingAddress.recipient}<br />
                    {o.shippingAddress.phone}<br />
                    {o.shippingAddress.line1}<br />
                    {o.shippingAddress.line2 && <>{o.shippingAddress.line2}<br /></>}
                    {[o.shippingAddress.postalCode, o.shippingAddress.city, o.shippingAddress.region].filter(Boolean).join(' ')}<br />
                    {o.shippingAddress.country}
                  </address>
                ) : <p>{t('m.order.erased')}</p>}
              </div>
              <div class="card">
                <h2>{t('m.order.summary')}</h2>
                <dl>
                  <dt>{t('common.total')}</dt><dd>{money(o.totalMinor, o.currency)}</dd>
                  {o.commissionMinor !== undefined && <><dt>{t('m.order.commission')}</dt><dd>{money(o.commissionMinor, o.currency)}</dd></>}
                  <dt>{t('m.order.placed')}</dt><dd>{dateTime(o.createdAt)}</dd>
                  {o.carrier && <><dt>{t('m.act.carrier')}</dt><dd>{o.carrier}</dd><dt>{t('m.act.tracking')}</dt><dd class="mono">{o.trackingNumber}</dd></>}
                </dl>
              </div>
            </div>
            <h2>{t('m.order.items')}</h2>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">SKU</th><th scope="col">{t('m.order.item')}</th><th scope="col">{t('m.order.qty')}</th><th scope="col">{t('m.order.unitPrice')}</th></tr></thead>
                <tbody>
                  {o.items.map((it) => (
                    <tr key={it.sku}><td class="sku">{it.sku}</td><td>{it.name}</td><td>{it.qty}</td><td>{money(it.unitPriceMinor, o.currency)}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>{t('m.order.timeline')}</h2>
            <ol class="timeline">
              {(o.timeline ?? []).map((step) => (
                <li key={step.seq}>
                  <strong>{stepTitle(step)}</strong> · {dateTime(step.at)}
                  {stepText(step) && <div>{stepText(step)}</div>}
                  <div>
                    {step.leafIndex !== null
                      ? <a href={`/explorer/entries/${step.leafIndex}`}>{t('m.order.ledgerEntry', { index: step.leafIndex })}</a>
                      : <span class="muted">{t('m.order.pendingLedger')}</span>}
                  </div>
                </li>
              ))}
            </ol>
          </>
        )}
      </Async>
    </section>
  );
}

export const OrderPage = staffPage(OrderDetail);
