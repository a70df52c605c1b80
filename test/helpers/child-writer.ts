// A writer process for crash tests: appends batches forever, printing each batch's queue ids
// once its transaction has committed (i.e. once it would have been acknowledged).
import { createApp } from '../../src/app.ts';
import { testEvents } from './events.ts';

const app = await createApp({
  dataDir: process.env.CHAINMALL_DATA_DIR!,
  databaseUrl: process.env.DATABASE_URL || undefined,
  logLevel: 'silent',
  maxDelayMs: 10,
});
for (let b = 0; ; b++) {
  const tickets = await app.db.kysely.transaction().execute((trx) => app.ledger.append(trx, testEvents(25, `crash-${process.pid}-${b}`)));
  process.stdout.write(`committed ${JSON.stringify(tickets.map((t) => t.queueId))}\n`);
  // Requests arrive through I/O; yield like a server would, so timers (the sequencer) run.
  await new Promise((r) => setImmediate(r));
}
