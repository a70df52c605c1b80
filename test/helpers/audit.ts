import { expect } from 'vitest';
import type { App } from '../../src/app.ts';
import { verifyStorage } from '../../src/ledger/verify.ts';

/** The whole log in storage verifies (the sequencer may keep running: the audit tolerates a growing log). */
export async function expectLogVerifies(app: App): Promise<void> {
  const report = await verifyStorage(app.db.kysely, app.ledger.store, app.verifierKey, app.config.origin);
  expect(report.problem).toBeUndefined();
  expect(report.ok).toBe(true);
}
