import { createApp } from '../app.ts';
import { configFromEnv } from '../config.ts';
import { printCredentials, seedDemo } from '../seed/index.ts';
import { buildWebIfNeeded } from './web-build.ts';

/** Serves the API; seeds the demo data first unless SEED=off (or NODE_ENV=production). */
export async function serve(): Promise<void> {
  const config = configFromEnv();
  if (process.env.WEB_BUILD !== 'off') await buildWebIfNeeded();
  const app = await createApp(config);
  if (process.env.SEED !== 'off' && process.env.NODE_ENV !== 'production') {
    const { created, credentials } = await seedDemo(app);
    if (created) console.log('demo data seeded (SEED=off skips this)');
    printCredentials(credentials);
  }
  const url = await app.listen();
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite ${app.db.config.sqlitePath}`;
  console.log(`chainmall listening on ${url} (${where})`);
  console.log(`web app:      ${url}/`);
  console.log(`API docs:     ${url}/docs`);
  if (app.sandbox) console.log(`sandbox payment gateway: ${app.sandbox.url} (the default payment provider in development)`);
  console.log(`log origin:   ${config.origin}`);
  console.log(`verifier key: ${app.verifierKey}${app.keyCreated ? '  (new signing key created)' : ''}`);
  const stop = async (sig: string) => {
    console.log(`${sig}: shutting down`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** `chainmall seed`: the demo data on demand, into DATABASE_URL or the SQLite file. */
export async function seed(): Promise<number> {
  const app = await createApp({ ...configFromEnv(), sequencer: true, jobs: false });
  try {
    const { created, credentials } = await seedDemo(app);
    console.log(created ? 'demo data seeded' : 'demo data was already there; nothing changed');
    printCredentials(credentials);
    return 0;
  } finally {
    await app.close();
  }
}
