import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies the write-ahead log back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 250;
/** A log this long (in pages, 4 KiB by default) is finished by the writer so that it starts over. */
const LONG_LOG_FRAMES = 16_384;

// Plain CommonJS for the worker, so it runs the same under tsx, node or a bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
let stopping = false;
const tick = () => {
  if (stopping) return;
  try {
    // PASSIVE: copies what it can and never waits for, or blocks, the writer.
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r.log >= workerData.longFrames) parentPort.postMessage({ type: 'long' });
  } catch (err) {
    // Busy or locked passes with the moment; anything else is reported (the writer takes over).
    if (!/^SQLITE_(BUSY|LOCKED)/.test(String(err && err.code))) parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  }
  setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopping = true;
  db.close();
  parentPort.postMessage({ type: 'stopped' });
});
tick();
`;

export interface Checkpointer {
  /** Stops the worker; the caller's connection then checkpoints what is left. */
  stop(): Promise<void>;
}

/**
 * SQLite in WAL mode copies the log back into the database file (a checkpoint) inside whichever
 * commit crosses 1,000 pages, on the event loop: every few hundred checkouts one of them waited for
 * several megabytes of writes and an fsync, and so did every request behind it. Here the writer's
 * automatic checkpoints are off and a worker thread, with its own connection, runs PASSIVE
 * checkpoints on the other core; they never wait for or block the writer.
 *
 * The log starts over only when the writer begins with all of it copied, which under steady writes
 * never happens by itself (a RESTART from the worker would swap the log under the writer's open
 * snapshot: SQLITE_BUSY). So when the log is long, the worker tells the writer, which copies the
 * little left since the worker's pass (`finish`, between its transactions); its next write starts
 * the log over. Durability is unchanged: a commit is durable once in the log, and a checkpoint only
 * moves committed pages. If the worker fails, the writer checkpoints by itself again (`fallback`).
 */
export function startCheckpointer(
  file: string,
  hooks: { finish: () => void; fallback: () => void; onError: (message: string) => void },
  opts: { intervalMs?: number; longFrames?: number } = {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { file, driver, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS, longFrames: opts.longFrames ?? LONG_LOG_FRAMES } });
  worker.unref();
  let stopped = false;
  let failed = false;
  const fail = (message: string) => {
    if (failed || stopped) return;
    failed = true;
    hooks.fallback();
    hooks.onError(message);
    void worker.terminate();
  };
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'long' && !stopped) hooks.finish();
    if (m.type === 'error') fail(`sqlite checkpointer: ${m.message}`);
  });
  worker.on('error', (err) => fail(`sqlite checkpointer: ${err.message}`));
  worker.on('exit', (code) => {
    if (!stopped && code !== 0) fail(`sqlite checkpointer exited with code ${code}`);
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (failed) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const done = new Promise<void>((resolve) => worker.on('message', (m: { type: string }) => m.type === 'stopped' && resolve()));
      worker.postMessage('stop');
      await Promise.race([done, exited, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
      await worker.terminate();
    },
  };
}
