// The games API as the web app reads it.
import { api, qs } from '../lib/api.ts';

export type PointsPrize = { kind: 'points'; points: number };
export type CouponPrize = { kind: 'coupon'; couponKind: 'fixed' | 'percent'; amountMinor?: string; percentBps?: number; capMinor?: string; minSpendMinor?: string; validDays?: number };
export type Prize = PointsPrize | CouponPrize;
export type DrawState = 'upcoming' | 'open' | 'closing' | 'closed' | 'revealed';

export interface DrawSummary {
  id: string; title: string; entryCostPoints: number; maxEntriesPerUser: number; prizes: Prize[];
  opensAt: string; closesAt: string; state: DrawState; entryCount: number; createdAt: string;
}
export interface Winner { prize: number; entryNo: number; entrant: string }
export interface DrawView extends DrawSummary {
  algorithm: string; algorithmId: string;
  commitment: { seedHash: string; ledgerIndex: number | null };
  closed: { at: string; early: boolean; treeSize: number; rootHash: string; checkpoint: string; entryCount: number; entriesHash: string; ledgerIndex: number | null } | null;
  reveal: { at: string; seed: string; winners: Winner[]; ledgerIndex: number | null } | null;
}
export interface EntryItem { entryNo: number; entrant: string; ledgerIndex: number | null }
export interface Page<T> { items: T[]; nextCursor: string | null }
export interface MyDraw {
  drawId: string; entrant: string;
  entries: { entryNo: number; createdAt: string }[];
  prizes: { prize: number; entryNo: number; kind: 'points' | 'coupon'; points: number | null; couponCode: string | null; awarded: boolean }[];
}
export interface CheckinStatus {
  today: string; timeZone: string; checkedInToday: boolean; streak: number; nextReward: number;
  schedule: { day: number; points: number }[];
  recent: { day: string; streak: number; points: number }[];
}

export const games = {
  checkin: (signal?: AbortSignal) => api.get<CheckinStatus>('/api/games/checkin', { signal }),
  checkIn: () => api.command<{ day: string; streak: number; points: number }>('/api/games/checkin'),
  draws: (cursor: string | null) => api.get<Page<DrawSummary>>(`/api/draws${qs({ cursor, limit: 20 })}`),
  draw: (id: string, signal?: AbortSignal) => api.get<DrawView>(`/api/draws/${encodeURIComponent(id)}`, { signal }),
  entries: (id: string, cursor: string | null, limit = 50) => api.get<Page<EntryItem>>(`/api/draws/${encodeURIComponent(id)}/entries${qs({ cursor, limit })}`),
  mine: (id: string, signal?: AbortSignal) => api.get<MyDraw>(`/api/draws/${encodeURIComponent(id)}/me`, { signal }),
  enter: (id: string) => api.command<{ entryNo: number; entrant: string }>(`/api/draws/${encodeURIComponent(id)}/entries`),
  /** Every entry, page by page (for the verifier). */
  async allEntries(id: string): Promise<EntryItem[]> {
    const out: EntryItem[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<EntryItem> = await games.entries(id, cursor, 200);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  },
};
