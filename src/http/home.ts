import type { Ledger } from '../ledger/index.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A plain landing page until the web app lands: where the API, docs and log are. */
export function homePage(ledger: Ledger): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>chainmall</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px;word-break:break-all}</style>
</head><body><h1>chainmall</h1>
<p>Marketplace commerce on an append-only, verifiable Merkle log.</p>
<ul>
<li><a href="/docs">API documentation (OpenAPI 3.1)</a></li>
<li><a href="/api/ledger/blocks">Ledger blocks</a> · <a href="/api/ledger/entries">entries</a></li>
<li><a href="/log/checkpoint">Latest signed checkpoint</a> (C2SP tlog-tiles under <code>/log/</code>)</li>
</ul>
<p>Log origin <code>${esc(ledger.origin)}</code><br>Verifier key <code>${esc(ledger.verifierKey)}</code></p>
</body></html>`;
}
