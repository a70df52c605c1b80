// Statements and payouts: '/merchant/settlements' (batches), '/merchant/settlements/:id' (lines,
// CSV export), '/merchant/settlements/:id/lines/:n' (a line's Merkle proof, checked in the browser).
import { useRoute } from 'preact-iso';
import { api } from '../lib/api.ts';
import { date, dateTime, money } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, PageTitle } from '../components/ui.tsx';
import { csvField, download, staffPage, type Page } from './shared.tsx';
import type { Batch, BatchLine, LineProof } from './types.ts';

function Batches() {
  const list = useLoad((signal) => api.get<Page<Batch>>('/api/merchant/settlements?limit=200', { signal }));
  return (
    <section>
      <PageTitle>{t('m.stl.title')}</PageTitle>
      <p class="muted">{t('m.stl.help')}</p>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('m.stl.none')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('m.stl.number')}</th><th scope="col">{t('m.stl.periodEnd')}</th><th scope="col">{t('m.stl.opening')}</th><th scope="col">{t('m.stl.total')}</th><th scope="col">{t('m.stl.closing')}</th><th scope="col">{t('m.stl.payout')}</th><th scope="col">{t('m.stl.lines')}</th></tr></thead>
              <tbody>
                {p.items.map((b) => (
                  <tr key={b.id}>
                    <td><a href={`/merchant/settlements/${b.id}`}>{t('m.stl.batchN', { n: b.number })}</a></td>
                    <td>{dateTime(b.periodEnd)}</td>
                    <td>{money(b.opening, b.currency)}</td>
                    <td>{money(b.total, b.currency)}</td>
                    <td>{money(b.closing, b.currency)}</td>
                    <td>{money(b.payoutMinor, b.currency)} <span class="badge">{t(`m.payout.${b.payoutState}`)}</span></td>
                    <td>{b.lineCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </section>
  );
}
export const SettlementsPage = staffPage(Batches);

function statementCsv(b: Batch & { lines: BatchLine[] }): string {
  const head = ['batch', 'batch_number', 'line_no', 'kind', 'order_id', 'transfer_id', 'amount_minor', 'currency', 'at'];
  const rows = b.lines.map((l) => [b.id, b.number, l.lineNo, l.kind, l.orderId ?? '', l.transferId, l.amountMinor, l.currency, l.at]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function BatchDetail() {
  const { params } = useRoute();
  const id = params['id']!;
  const batch = useLoad((signal) => api.get<Batch & { lines: BatchLine[] }>(`/api/merchant/settlements/${encodeURIComponent(id)}`, { signal }), [id]);
  return (
    <section>
      <p><a href="/merchant/settlements">{t('m.stl.back')}</a></p>
      <Async state={batch}>
        {(b) => (
          <>
            <PageTitle>{t('m.stl.batchTitle', { n: b.number, date: date(b.periodEnd) })}</PageTitle>
            <dl class="grid">
              <div><dt>{t('m.stl.opening')}</dt><dd>{money(b.opening, b.currency)}</dd></div>
              <div><dt>{t('m.stl.total')}</dt><dd>{money(b.total, b.currency)}</dd></div>
              <div><dt>{t('m.stl.closing')}</dt><dd>{money(b.closing, b.currency)}</dd></div>
              <div><dt>{t('m.stl.payout')}</dt><dd>{money(b.payoutMinor, b.currency)} ({t(`m.payout.${b.payoutState}`)})</dd></div>
              <div><dt>{t('m.stl.root')}</dt><dd class="mono">{b.rootHash}</dd></div>
              <div><dt>{t('m.stl.ledger')}</dt><dd>{b.ledgerLeafIndex === null ? t('m.order.pendingLedger') : <a href={`/explorer/entries/${b.ledgerLeafIndex}`}>{t('m.order.ledgerEntry', { index: b.ledgerLeafIndex })}</a>}</dd></div>
            </dl>
            <p><button type="button" onClick={() => download(`statement-${b.id}.csv`, statementCsv(b))}>{t('m.stl.export')}</button></p>
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">#</th><th scope="col">{t('m.stl.kind')}</th><th scope="col">{t('m.stl.order')}</th><th scope="col">{t('m.stl.amount')}</th><th scope="col">{t('m.stl.at')}</th><th scope="col">{t('m.stl.proof')}</th></tr></thead>
                <tbody>
                  {b.lines.map((l) => (
                    <tr key={l.lineNo}>
                      <td>{l.lineNo}</td>
                      <td>{t(`m.lkind.${l.kind}`)}</td>
                      <td>{l.orderId ? <a href={`/merchant/orders/${l.orderId}`} class="mono">{l.orderId}</a> : '–'}</td>
                      <td>{money(l.amountMinor, l.currency)}</td>
                      <td>{dateTime(l.at)}</td>
                      <td><a href={`/merchant/settlements/${b.id}/lines/${l.lineNo}`}>{t('m.stl.proofOf', { n: l.lineNo })}</a></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Async>
    </section>
  );
}
export const SettlementPage = staffPage(BatchDetail);

// ---- RFC 9162 inclusion proof check in the browser (SHA-256 through WebCrypto)

const b64bytes = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64hex = (s: string): string => hex(b64bytes(s));

async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof is malformed. */
export async function rootFromProof(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

function LineProofDetail() {
  const { params } = useRoute();
  const id = params['id']!;
  const n = params['n']!;
  const proof = useLoad(async (signal) => {
    const p = await api.get<LineProof>(`/api/merchant/settlements/${encodeURIComponent(id)}/lines/${encodeURIComponent(n)}/proof`, { signal });
    const root = typeof crypto !== 'undefined' && crypto.subtle ? await rootFromProof(p.index, p.treeSize, b64bytes(p.leafHash), p.proof.map(b64bytes)) : null;
    return { ...p, verified: root !== null && hex(root) === p.rootHash };
  }, [id, n]);
  return (
    <section>
      <p><a href={`/merchant/settlements/${id}`}>{t('m.stl.backBatch')}</a></p>
      <Async state={proof}>
        {(p) => (
          <>
            <PageTitle>{t('m.proof.title', { n: p.line.lineNo })}</PageTitle>
            <p role="status" class={p.verified ? 'ok check-ok' : 'error check-bad'}>{p.verified ? t('m.proof.ok') : t('m.proof.bad')}</p>
            <dl>
              <dt>{t('m.proof.line')}</dt>
              <dd>{t(`m.lkind.${p.line.kind}`)} · {money(p.line.amountMinor, p.line.currency)} · {dateTime(p.line.at)}</dd>
              <dt>{t('m.proof.leaf')}</dt><dd class="mono">{b64hex(p.leafHash)}</dd>
              <dt>{t('m.proof.position')}</dt><dd>{t('m.proof.positionText', { index: p.index, size: p.treeSize })}</dd>
              <dt>{t('m.proof.hashes', { n: p.proof.length })}</dt>
              <dd>{p.proof.length === 0 ? t('m.proof.noHashes') : <ol class="hashes">{p.proof.map((h, i) => <li key={i} class="mono">{b64hex(h)}</li>)}</ol>}</dd>
              <dt>{t('m.proof.root')}</dt><dd class="mono">{p.rootHash}</dd>
              <dt>{t('m.proof.ledgerIndex')}</dt>
              <dd>{p.ledgerLeafIndex === null ? t('m.order.pendingLedger') : <a href={`/explorer/entries/${p.ledgerLeafIndex}`}>{t('m.order.ledgerEntry', { index: p.ledgerLeafIndex })}</a>}</dd>
            </dl>
            <p class="muted">{t('m.proof.help')}</p>
          </>
        )}
      </Async>
    </section>
  );
}
export const LineProofPage = staffPage(LineProofDetail);
