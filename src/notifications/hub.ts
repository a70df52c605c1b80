// Live fan-out of committed notices to the SSE streams of this instance. One poller per instance
// (running only while someone listens) reads new rows by their serial number, so notices committed
// by any instance sharing the database arrive within one poll interval; a notify() on this instance
// also pokes the poller, so its own notices arrive at once.
//
// Serial numbers are drawn at insert but become visible at commit, which on PostgreSQL may be out of
// order (seq 10 can commit after seq 11). A number skipped over is remembered as a gap and looked
// for again on each poll until it shows up or gapWaitMs passes (a rolled-back insert never shows up).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import { assert } from '../shared/assert.ts';

export type NoticeRow = Selectable<Database['notifications_notice']>;

export interface Audience {
  userId: string;
  merchantId?: string | undefined;
}

export type Listener = (row: NoticeRow) => void;

export interface HubOptions {
  pollMs?: number;
  gapWaitMs?: number;
  onError?: (err: unknown) => void;
}

const POLL_BATCH_MAX = 500;
const GAPS_MAX = 1000;
/** After a local notify, look again at these delays: its transaction commits at some point soon. */
const POKE_DELAYS_MS = [5, 25, 100];

export const sees = (a: Audience, row: Pick<NoticeRow, 'audience_user_id' | 'audience_merchant_id'>): boolean =>
  row.audience_user_id === a.userId || (a.merchantId !== undefined && row.audience_merchant_id === a.merchantId);

interface Sub {
  audience: Audience;
  listener: Listener;
}

export class NoticeHub {
  private readonly subs = new Set<Sub>();
  private readonly pollMs: number;
  private readonly gapWaitMs: number;
  /** Highest seq dispatched (or present when the poller started). */
  private high = 0;
  /** Seqs below high not yet seen: seq → when first missed (ms). */
  private readonly gaps = new Map<number, number>();
  private started: Promise<void> | null = null;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly pokes = new Set<NodeJS.Timeout>();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly db: Kysely<Database>, opts: HubOptions = {}) {
    this.pollMs = opts.pollMs ?? 300;
    this.gapWaitMs = opts.gapWaitMs ?? 10_000;
    this.onError = opts.onError ?? (() => {});
  }

  private readonly onError: (err: unknown) => void;

  get listeners(): number {
    return this.subs.size;
  }

  /** Starts listening; resolves once every notice committed from now on will reach the listener. */
  async subscribe(audience: Audience, listener: Listener): Promise<() => void> {
    const sub: Sub = { audience, listener };
    this.subs.add(sub);
    try {
      if (!this.started) this.started = this.start();
      await this.started;
    } catch (err) {
      this.unsubscribe(sub);
      throw err;
    }
    return () => this.unsubscribe(sub);
  }

  private unsubscribe(sub: Sub): void {
    if (!this.subs.delete(sub) || this.subs.size > 0) return;
    this.stop();
  }

  private async start(): Promise<void> {
    const generation = ++this.generation;
    const row = await this.db.selectFrom('notifications_notice').select((eb) => eb.fn.max('seq').as('high')).executeTakeFirst();
    if (generation !== this.generation) return;
    this.high = Number(row?.high ?? 0);
    this.gaps.clear();
    this.schedule(generation);
  }

  private schedule(generation: number): void {
    if (generation !== this.generation) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll().finally(() => this.schedule(generation));
    }, this.pollMs);
  }

  stop(): void {
    this.generation++;
    this.started = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const t of this.pokes) clearTimeout(t);
    this.pokes.clear();
  }

  /** A notice was written on this instance: look a few times in the next moments, not only at the next poll. */
  pokeSoon(): void {
    if (this.subs.size === 0 || !this.started) return;
    for (const ms of POKE_DELAYS_MS) {
      const t = setTimeout(() => {
        this.pokes.delete(t);
        void this.poll();
      }, ms);
      this.pokes.add(t);
    }
  }

  /** One look at the table (coalesced: a poll asked for while one runs runs once more after it). */
  poll(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (this.subs.size === 0 || !this.started) return;
          await this.started;
          const full = await this.pollOnce();
          if (full) this.again = true;
        } while (this.again);
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Returns true when the batch was full (more may be waiting). */
  private async pollOnce(): Promise<boolean> {
    const generation = this.generation;
    const now = Date.now();
    const fresh = await this.db.selectFrom('notifications_notice').selectAll().where('seq', '>', this.high).orderBy('seq').limit(POLL_BATCH_MAX).execute();
    const late = this.gaps.size > 0
      ? await this.db.selectFrom('notifications_notice').selectAll().where('seq', 'in', [...this.gaps.keys()]).execute()
      : [];
    if (generation !== this.generation) return false;
    for (const row of late) {
      if (!this.gaps.delete(row.seq)) continue;
      this.dispatch(row);
    }
    for (const row of fresh) {
      if (row.seq <= this.high) continue;
      for (let s = this.high + 1; s < row.seq && this.gaps.size < GAPS_MAX; s++) this.gaps.set(s, now);
      this.high = row.seq;
      this.dispatch(row);
    }
    for (const [seq, since] of this.gaps) if (now - since >= this.gapWaitMs) this.gaps.delete(seq);
    assert(this.gaps.size <= GAPS_MAX, 'notifications hub: gap list over limit');
    return fresh.length === POLL_BATCH_MAX;
  }

  private dispatch(row: NoticeRow): void {
    for (const sub of this.subs) {
      if (!sees(sub.audience, row)) continue;
      try {
        sub.listener(row);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
