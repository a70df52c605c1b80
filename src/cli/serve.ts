import { createApp } from '../app.ts';
import { configFromEnv } from '../config.ts';

export async function serve(): Promise<void> {
  const config = configFromEnv();
  const app = await createApp(config);
  const url = await app.listen();
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite ${app.db.config.sqlitePath}`;
  console.log(`chainmall listening on ${url} (${where})`);
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
