import type { LedgerEventInput } from '../../src/ledger/index.ts';

export const testEvents = (n: number, tag = 't'): LedgerEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'test.event', actor: 'system', subject: { test: `${tag}-${i}` }, data: { n: i } }));
