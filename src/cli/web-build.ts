// `npm start` builds the web app when its sources are newer than the build (or there is none).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CONFIG = path.join(ROOT, 'web', 'vite.config.ts');
const INDEX = path.join(ROOT, 'dist', 'web', 'index.html');
// The app bundles the server's pure verifiers too: a change there needs a new build.
const SOURCES = [path.join(ROOT, 'web'), path.join(ROOT, 'src', 'ledger'), path.join(ROOT, 'src', 'orders'), path.join(ROOT, 'package-lock.json')];

function newest(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p)) if (e !== 'node_modules') max = Math.max(max, newest(path.join(p, e)));
  return max;
}

export function webBuildStale(): boolean {
  if (!fs.existsSync(INDEX)) return true;
  const built = fs.statSync(INDEX).mtimeMs;
  return SOURCES.some((s) => newest(s) > built);
}

/** Builds dist/web with Vite when stale; returns whether it built. */
export async function buildWebIfNeeded(log: (line: string) => void = console.log): Promise<boolean> {
  if (!webBuildStale()) return false;
  log('building the web app (dist/web)…');
  const { build } = await import('vite');
  await build({ configFile: CONFIG, logLevel: 'warn' });
  return true;
}
