import type { Line } from './rules.ts';
import type { Batch, BatchPage, BatchWithLines } from './service.ts';

export const lineView = (l: Line) => ({ ...l, amountMinor: l.amountMinor.toString() });

export const batchView = (b: Batch) => ({
  ...b,
  opening: b.opening.toString(),
  total: b.total.toString(),
  closing: b.closing.toString(),
  payoutMinor: b.payoutMinor.toString(),
});

export const batchWithLinesView = (b: BatchWithLines) => ({ ...batchView(b), lines: b.lines.map(lineView) });

export const batchPageView = (p: BatchPage) => ({ items: p.items.map(batchView), nextCursor: p.nextCursor });
