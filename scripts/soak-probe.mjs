// Loaded into the server by `npm run soak` (NODE_OPTIONS="--expose-gc --import …"); not part of the app.
// On SIGUSR2 it runs a full garbage collection and writes the live heap and the RSS to SOAK_PROBE_FILE,
// so the soak can tell a leak (live heap growing) from the allocator keeping pages it may reuse (RSS).
import fs from 'node:fs';

const file = process.env.SOAK_PROBE_FILE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    const m = process.memoryUsage();
    fs.writeFileSync(file, JSON.stringify({ at: Date.now(), heapUsed: m.heapUsed, rss: m.rss }));
  });
}
