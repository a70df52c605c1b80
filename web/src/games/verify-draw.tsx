// '/verify/draw/:id': the draw checked in this browser from the public data only — the seed opens the
// commitment, the entry list hashes to what draw.closed says, the winners are recomputed with the
// published algorithm (the server's own pure src/games/draw.ts, SHA-256 from @noble/hashes), and the
// commit, close and reveal ledger entries are verified by their receipts against the log's key.
import { Async, PageTitle } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { verifyDraw } from '../../../src/games/draw.ts';
import { verifyReceipt } from '../../../src/ledger/receipt.ts';
import { games, type DrawView } from './data.ts';
import { prizeText } from './parts.tsx';

interface Row { name: string; ok: boolean; detail: string }

function entryOf(receipt: { entry: string }): { kind?: string; subject?: Record<string, string>; data?: Record<string, unknown> } {
  const bin = atob(receipt.entry);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as { kind?: string; subject?: Record<string, string>; data?: Record<string, unknown> };
}

async function receiptChecks(d: DrawView, vkey: string): Promise<Row[]> {
  const rows: Row[] = [];
  const one = async (name: string, idx: number | null, kind: string, match: (data: Record<string, unknown>) => boolean) => {
    if (idx === null) {
      rows.push({ name, ok: false, detail: t('g.v.noIndex', { kind }) });
      return;
    }
    try {
      const receipt = await api.get<{ entry: string }>(`/api/ledger/entries/${idx}/receipt`);
      const v = verifyReceipt(receipt, vkey);
      const e = entryOf(receipt);
      const ok = v.ok && e.kind === kind && e.subject?.['draw'] === d.id && match(e.data ?? {});
      rows.push({ name, ok, detail: ok ? t('g.v.receiptOk', { kind, idx }) : t('g.v.receiptBad', { kind, idx }) });
    } catch (err) {
      rows.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
  };
  await one('commitment-receipt', d.commitment.ledgerIndex, 'draw.committed', (x) => x['seedHash'] === d.commitment.seedHash);
  if (d.closed) {
    const c = d.closed;
    await one('close-receipt', c.ledgerIndex, 'draw.closed', (x) => x['rootHash'] === c.rootHash && x['entriesHash'] === c.entriesHash && x['entryCount'] === c.entryCount);
  }
  if (d.reveal) {
    const r = d.reveal;
    await one('reveal-receipt', r.ledgerIndex, 'draw.revealed', (x) => x['seed'] === r.seed);
  }
  return rows;
}

async function check(id: string) {
  const [d, entries, key] = await Promise.all([games.draw(id), games.allEntries(id), api.get<{ verifierKey: string }>('/api/ledger/key')]);
  const verdict = verifyDraw(d, entries);
  const rows: Row[] = [...verdict.checks, ...(await receiptChecks(d, key.verifierKey))];
  return { d, rows, winners: verdict.winners, ok: rows.every((r) => r.ok), vkey: key.verifierKey };
}

export function VerifyDrawPage({ id }: { id: string }) {
  const state = useLoad(() => check(id), [id]);
  return (
    <section>
      <PageTitle>{t('g.v.title')}</PageTitle>
      <Async state={state}>{(s) => (
        <>
          <p><a href={`/games/draws/${s.d.id}`}>{s.d.title}</a> · <span class="g-mono">{s.d.id}</span></p>
          <p role="status" class={s.ok ? 'ok' : 'error'} data-testid="draw-verdict">{s.ok ? t('g.v.ok') : s.d.reveal ? t('g.v.bad') : t('g.v.notYet')}</p>
          <div class="table-wrap">
            <table class="g-checks" data-testid="draw-checks">
              <caption class="sr-only">{t('g.v.checks')}</caption>
              <thead><tr><th scope="col">{t('g.v.check')}</th><th scope="col">{t('g.v.result')}</th><th scope="col">{t('g.v.detail')}</th></tr></thead>
              <tbody>{s.rows.map((r) => (
                <tr key={r.name} data-check={r.name} data-ok={String(r.ok)}>
                  <td>{t(`g.v.c.${r.name}`)}</td>
                  <td class={r.ok ? 'check-ok' : 'check-bad'}>{r.ok ? t('g.v.pass') : t('g.v.fail')}</td>
                  <td class="g-mono">{r.detail}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
          {s.d.reveal && (
            <>
              <h2>{t('g.v.recomputed')}</h2>
              <table class="g-table" data-testid="recomputed">
                <thead><tr><th scope="col">{t('g.prize')}</th><th scope="col">{t('g.v.recomputedEntry')}</th><th scope="col">{t('g.v.revealedEntry')}</th></tr></thead>
                <tbody>{s.d.prizes.map((p, i) => i < s.winners.length || i < s.d.reveal!.winners.length ? (
                  <tr key={i}><td>{prizeText(p)}</td><td data-testid={`recomputed-${i}`}>#{s.winners[i] ?? '—'}</td><td>#{s.d.reveal!.winners[i]?.entryNo ?? '—'}</td></tr>
                ) : null)}</tbody>
              </table>
            </>
          )}
          <details>
            <summary>{t('g.v.algorithm')}</summary>
            <p class="g-mono">{s.d.algorithm}</p>
          </details>
          <p class="muted">{t('g.v.key')} <span class="g-mono">{s.vkey}</span></p>
          <p class="muted">{t('g.v.cli', { id: s.d.id })}</p>
        </>
      )}</Async>
    </section>
  );
}
