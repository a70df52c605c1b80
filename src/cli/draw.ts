// chainmall draw verify: checks a lucky draw from its public data only — the seed opens the
// commitment, the entry list hashes to what draw.closed says, and the winners recomputed from the seed
// and the close checkpoint's root are the revealed ones; with --key, the draw's ledger entries
// (commit, close, reveal) are verified by their receipts and must say what the API serves.
import { openCheckpoint, parseEntry, verifyReceipt, type LedgerEvent } from '../ledger/index.ts';
import { bytesToHex, verifyDraw, type DrawCheck } from '../games/draw.ts';

interface DrawData {
  id: string;
  prizes: unknown[];
  commitment: { seedHash: string; ledgerIndex: number | null };
  closed: { rootHash: string; treeSize: number; checkpoint: string; entryCount: number; entriesHash: string; ledgerIndex: number | null } | null;
  reveal: { seed: string; winners: { prize: number; entryNo: number; entrant: string }[]; ledgerIndex: number | null } | null;
}

type Check = { name: string; ok: boolean; detail: string };

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The draw, every page of its entries, and every check; exit 0 when all hold, 1 otherwise. */
export async function drawVerify(opts: { url?: string | undefined; draw?: string | undefined; key?: string | undefined; json?: boolean | undefined }): Promise<number> {
  if (!opts.url) throw new Error('--url <server> is required');
  if (!opts.draw) throw new Error('--draw <draw id> is required');
  const base = opts.url.replace(/\/+$/, '');
  const id = encodeURIComponent(opts.draw);
  const d = await getJson<DrawData>(`${base}/api/draws/${id}`);
  const entries: { entryNo: number; entrant: string }[] = [];
  for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
    const page: { items: { entryNo: number; entrant: string }[]; nextCursor: string | null } = await getJson(`${base}/api/draws/${id}/entries?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    entries.push(...page.items.map((e) => ({ entryNo: e.entryNo, entrant: e.entrant })));
    cursor = page.nextCursor;
  }
  const verdict = verifyDraw(d, entries);
  const checks: Check[] = [...verdict.checks];
  if (d.id !== opts.draw) checks.push({ name: 'draw-id', ok: false, detail: `asked for ${opts.draw}, served ${d.id}` });
  if (opts.key) checks.push(...(await ledgerChecks(base, d, opts.key)));
  const ok = checks.every((c) => c.ok);
  if (opts.json) console.log(JSON.stringify({ ok, draw: opts.draw, winners: verdict.winners, checks }));
  else {
    for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    console.log(ok ? `draw ${opts.draw}: winners verified` : `draw ${opts.draw}: NOT verified`);
  }
  return ok ? 0 : 1;
}

/** The commit, close and reveal entries: valid receipts under the key, saying what the API serves. */
async function ledgerChecks(base: string, d: DrawData, vkey: string): Promise<Check[]> {
  const out: Check[] = [];
  const entry = async (name: string, idx: number | null | undefined, kind: string): Promise<LedgerEvent | null> => {
    if (idx === null || idx === undefined) {
      out.push({ name: `${name}-receipt`, ok: false, detail: `no ledger index served for ${kind}` });
      return null;
    }
    const receipt = await getJson<unknown>(`${base}/api/ledger/entries/${idx}/receipt`);
    const v = verifyReceipt(receipt, vkey);
    const failed = v.checks.find((c) => !c.ok);
    out.push({ name: `${name}-receipt`, ok: v.ok, detail: v.ok ? `leaf ${idx} is in a checkpoint signed by the key` : `leaf ${idx}: ${failed?.name}: ${failed?.detail}` });
    if (!v.ok) return null;
    const ev = parseEntry(new Uint8Array(Buffer.from((receipt as { entry: string }).entry, 'base64')));
    const okKind = ev.kind === kind && ev.subject['draw'] === d.id;
    if (!okKind) out.push({ name: `${name}-entry`, ok: false, detail: `leaf ${idx} is ${ev.kind} of draw ${ev.subject['draw'] ?? '(none)'}, not ${kind} of ${d.id}` });
    return okKind ? ev : null;
  };
  const same = (name: string, ok: boolean, good: string, bad: string) => out.push({ name, ok, detail: ok ? good : bad });

  const committed = await entry('commitment', d.commitment.ledgerIndex, 'draw.committed');
  if (committed) same('commitment-entry', committed.data['seedHash'] === d.commitment.seedHash, 'draw.committed carries the served commitment', `draw.committed carries ${String(committed.data['seedHash'])}, the API serves ${d.commitment.seedHash}`);
  if (d.closed) {
    const closed = await entry('close', d.closed.ledgerIndex, 'draw.closed');
    if (closed) {
      const c = closed.data;
      const ok = c['rootHash'] === d.closed.rootHash && c['treeSize'] === d.closed.treeSize && c['entryCount'] === d.closed.entryCount && c['entriesHash'] === d.closed.entriesHash;
      same('close-entry', ok, 'draw.closed carries the served checkpoint, entry count and entry list hash', 'draw.closed differs from the served close data');
    }
    try {
      const cp = openCheckpoint(d.closed.checkpoint, vkey);
      const ok = cp.size === d.closed.treeSize && bytesToHex(cp.rootHash) === d.closed.rootHash;
      same('close-checkpoint', ok, `the close checkpoint (size ${cp.size}) is signed by the key and has the served root`, `the signed close checkpoint says size ${cp.size}, root ${bytesToHex(cp.rootHash)}`);
    } catch (e) {
      out.push({ name: 'close-checkpoint', ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
    if (committed && d.closed.ledgerIndex !== null && d.commitment.ledgerIndex !== null) {
      same('order', d.commitment.ledgerIndex < d.closed.treeSize, 'the commitment is inside the close checkpoint (committed before the draw closed)', 'the commitment is not inside the close checkpoint');
    }
  }
  if (d.reveal) {
    const revealed = await entry('reveal', d.reveal.ledgerIndex, 'draw.revealed');
    if (revealed) {
      const w = revealed.data['winners'] as { prize: number; entryNo: number; entrant: string }[] | undefined;
      const norm = (l: { prize: number; entryNo: number; entrant: string }[] | undefined) => JSON.stringify((l ?? []).map((x) => [x.prize, x.entryNo, x.entrant]));
      const ok = revealed.data['seed'] === d.reveal.seed && Array.isArray(w) && norm(w) === norm(d.reveal.winners);
      same('reveal-entry', ok, 'draw.revealed carries the served seed and winners', 'draw.revealed differs from the served seed or winners');
    }
  }
  return out;
}

export type { DrawCheck };
