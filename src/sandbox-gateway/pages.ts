import { formatAmount } from './flow.ts';
import type { PaymentRow } from './store.ts';

/** The hosted payment pages: plain HTML, no scripts, no external assets. */

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STATUS_TEXT: Record<string, string> = {
  pending: 'Waiting for payment',
  succeeded: 'Paid',
  failed: 'Declined',
  canceled: 'Canceled by the merchant',
  expired: 'Expired',
  refunded: 'Paid, then refunded',
  partially_refunded: 'Paid, then partly refunded',
};

function layout(title: string, body: string, refresh = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${refresh ? '<meta http-equiv="refresh" content="3">' : ''}<title>${esc(title)} · Sandbox Pay</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:600}.status{padding:.5rem 1rem;border-radius:.5rem;background:#eef}
.qr svg{width:240px;height:240px}.buttons{display:flex;gap:1rem;margin-top:1rem}
button{font-size:1.1rem;padding:.6rem 1.4rem;border-radius:.4rem;border:1px solid #888;cursor:pointer}
.approve{background:#1a7f37;color:#fff}.decline{background:#fff;color:#b42318}
small{color:#666}
</style></head><body><p><strong>Sandbox Pay</strong> <small>— test payments, no real money</small></p>
${body}
</body></html>`;
}

function decisionForms(p: PaymentRow): string {
  const token = esc(p.page_token);
  return `<div class="buttons">
<form method="post" action="/m/${esc(p.id)}/approve"><input type="hidden" name="token" value="${token}"><button class="approve" type="submit">Approve</button></form>
<form method="post" action="/m/${esc(p.id)}/decline"><input type="hidden" name="token" value="${token}"><button class="decline" type="submit">Decline</button></form>
</div>`;
}

function summary(p: PaymentRow): string {
  return `<p class="amount">${esc(formatAmount(BigInt(p.amount_minor), p.currency))}</p>
<p>${esc(p.description)}</p>
<p class="status" data-status="${esc(p.status)}">${esc(STATUS_TEXT[p.status] ?? p.status)}</p>`;
}

function back(p: PaymentRow): string {
  return p.return_url && p.status !== 'pending' ? `<p><a href="${esc(p.return_url)}">Return to the merchant</a></p>` : '';
}

/**
 * Desktop page: the QR code of the mobile page and a link to it. It refreshes itself while pending to
 * show a decision made on the phone, so it holds no forms: a refresh landing with a click would lose it.
 */
export function payPage(p: PaymentRow, mobileUrl: string, qrSvg: string): string {
  const pending = p.status === 'pending';
  const body = `${summary(p)}
${pending ? `<div class="qr">${qrSvg}</div>
<p>Scan with your phone to pay.</p>
<p><small>Expires ${esc(new Date(p.expires_at).toISOString())}</small></p>
<p><a class="here" href="${esc(mobileUrl)}">Pay on this device instead</a></p>` : ''}${back(p)}`;
  return layout('Pay', body, pending);
}

/** Mobile page: approve or decline. */
export function mobilePage(p: PaymentRow): string {
  const body = `${summary(p)}${p.status === 'pending' ? decisionForms(p) : ''}${back(p)}`;
  return layout('Confirm payment', body);
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}
