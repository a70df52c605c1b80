// Builds the web app once before the end-to-end tests (only when its sources changed).
import { buildWebIfNeeded } from '../../src/cli/web-build.ts';

export default async function setup(): Promise<void> {
  await buildWebIfNeeded((line) => console.log(line));
}
