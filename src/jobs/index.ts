// Background work: each module exposes `tick(now)` doing one bounded batch of due work and returning
// how much it did. The runner calls them in turn on an interval; a job that did a full batch runs
// again at once. Jobs are idempotent and safe to run on every instance (their updates are
// conditional), so losing a process loses nothing: the next tick picks the work up.
export { ItemBackoff } from './backoff.ts';

export interface Job {
  name: string;
  /** One bounded batch; returns the number of items handled. */
  tick(now: Date): Promise<number>;
}

export interface JobRunnerOptions {
  intervalMs?: number;
  onError?: (job: string, err: unknown) => void;
  clock?: () => Date;
}

export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly jobs: Job[], private readonly opts: JobRunnerOptions = {}) {}

  /** Runs every job once now (tests call this instead of waiting for the interval). */
  async runOnce(now: Date = (this.opts.clock ?? (() => new Date()))()): Promise<Record<string, number>> {
    const done: Record<string, number> = {};
    for (const job of this.jobs) {
      try {
        done[job.name] = await job.tick(now);
      } catch (err) {
        done[job.name] = 0;
        this.opts.onError?.(job.name, err);
      }
    }
    return done;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.runOnce().then(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs ?? 1000);
      });
    };
    this.timer = setTimeout(loop, this.opts.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
