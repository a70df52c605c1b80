// `npm run soak [-- --minutes 10] [--backend sqlite|postgres] [--json]`: the crash test's mixed load
// against one server process for a while, without kills. Every interval it prints the operations
// acknowledged and refused per second, the server's resident memory and its live heap (measured
// after a full collection, by scripts/soak-probe.mjs); at the end, whether memory stayed flat: after a
// warm-up interval, the last third's median RSS within 20 % of the first third's and the live heap's
// within 10 %. RSS alone moves with the collector's appetite; a live heap that grows is a leak.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { backends } from '../test/helpers/backends.ts';
import { freePort, prepareShop, refusals, serve, exited, sleep, startLoad } from '../test/load/mixed.ts';
import { fmt, table } from '../bench/stats.ts';

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const PROBE = fileURLToPath(new URL('./soak-probe.mjs', import.meta.url));

/** The server's live heap in MB: the probe collects garbage and writes its figures on SIGUSR2. */
async function liveHeapMb(pid: number, file: string): Promise<number> {
  const asked = Date.now();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    try {
      const m = JSON.parse(fs.readFileSync(file, 'utf8')) as { at: number; heapUsed: number };
      if (m.at >= asked) return m.heapUsed / 1048576;
    } catch {
      /* not written yet */
    }
  }
  return NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(argv: string[]): Promise<number> {
  const at = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const json = argv.includes('--json');
  const minutes = Number(at('--minutes') ?? 10);
  const intervalS = Number(at('--interval') ?? (minutes >= 5 ? 30 : 10));
  const backend = backends().find((b) => b.name === (at('--backend') ?? 'sqlite'));
  if (!backend) throw new Error('no such backend (PostgreSQL needs DATABASE_URL)');
  if (!(minutes > 0)) throw new Error('--minutes must be positive');
  const box = await backend.sandbox();
  const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainmall-soak-'));
  const probeFile = path.join(probeDir, 'probe.json');
  try {
    // Enough stock and money that nothing runs out within the soak: a sold-out shop answers 409s fast
    // and would measure refusals, not the mixed load.
    const shop = await prepareShop(box, { stock: 100_000_000, funds: 10_000_000_000_000n });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await serve({
      NODE_OPTIONS: `--expose-gc --import "${PROBE}"`, SOAK_PROBE_FILE: probeFile,
      PORT: String(port), HOST: '127.0.0.1', CHAINMALL_DATA_DIR: box.dataDir, DATABASE_URL: box.databaseUrl ?? '', SEED: 'off', LOG_LEVEL: 'warn', SCRYPT_LN: '4',
      SANDBOX_SIGNING_SECRET: randomBytes(16).toString('hex'), SANDBOX_PORT: String(await freePort()), NODE_ENV: 'test',
    });
    const load = startLoad(() => base, shop);
    const samples: { t: number; opsPerS: number; refusedPerS: number; rssMb: number; heapMb: number }[] = [];
    const refused = () => [...refusals.values()].reduce((a, b) => a + b, 0);
    const start = Date.now();
    const end = start + minutes * 60_000;
    let last = 0;
    let lastRefused = 0;
    let lastAt = start;
    while (Date.now() < end) {
      await sleep(Math.min(intervalS * 1000, Math.max(0, end - Date.now())));
      const n = load.acks.length;
      const r = refused();
      const now = Date.now();
      const dt = (now - lastAt) / 1000; // the last interval may be short
      const s = { t: Math.round((now - start) / 1000), opsPerS: (n - last) / dt, refusedPerS: (r - lastRefused) / dt, rssMb: rssMb(server.pid!), heapMb: await liveHeapMb(server.pid!, probeFile) };
      last = n;
      lastRefused = r;
      lastAt = now;
      samples.push(s);
      console.error(`${fmt(s.t)} s: ${fmt(s.opsPerS)} acknowledged operations/s, ${fmt(s.refusedPerS)} refused/s, server RSS ${fmt(s.rssMb, 1)} MB, live heap ${fmt(s.heapMb, 1)} MB`);
    }
    await load.stop();
    server.kill('SIGTERM');
    await exited(server);
    const steady = samples.slice(1);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const thirds = (pick: (s: (typeof samples)[number]) => number) => {
      const a = median(steady.slice(0, third).map(pick));
      const b = median(steady.slice(-third).map(pick));
      return { first: a, last: b, growth: (b - a) / a };
    };
    const rss = thirds((s) => s.rssMb);
    const heap = thirds((s) => s.heapMb);
    const flat = rss.growth < 0.2 && heap.growth < 0.1;
    const pct = (g: number) => `${g >= 0 ? '+' : ''}${fmt(g * 100, 1)} %`;
    const rows: (string | number)[][] = [
      ['second', 'operations/s', 'refused/s', 'server RSS (MB)', 'live heap (MB)'],
      ...samples.map((s) => [fmt(s.t), fmt(s.opsPerS), fmt(s.refusedPerS), fmt(s.rssMb, 1), fmt(s.heapMb, 1)]),
    ];
    const why = [...refusals].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${fmt(v)}`).join(', ');
    const summary = `${backend.name}, ${minutes} min: ${fmt(load.acks.length)} operations acknowledged; RSS ${fmt(rss.first, 1)} → ${fmt(rss.last, 1)} MB (${pct(rss.growth)}), `
      + `live heap ${fmt(heap.first, 1)} → ${fmt(heap.last, 1)} MB (${pct(heap.growth)}): ${flat ? 'flat' : 'GROWING'}`;
    (json ? console.error : console.log)(`${table(rows)}\n${summary}${why ? `\nrefused: ${why}` : ''}`);
    if (json) {
      console.log(JSON.stringify({
        backend: backend.name, minutes, acknowledged: load.acks.length, refused: Object.fromEntries(refusals), samples,
        rss_first_mb: rss.first, rss_last_mb: rss.last, heap_first_mb: heap.first, heap_last_mb: heap.last,
        memory_growth: Number(rss.growth.toFixed(3)), heap_growth: Number(heap.growth.toFixed(3)), memory_flat: flat,
      }));
    }
    return flat ? 0 : 1;
  } finally {
    await box.cleanup();
    fs.rmSync(probeDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(2);
  },
);
