// Where codes go: an SMS provider behind a one-method interface, and the development sink.
import { DomainError } from '../shared/errors.ts';

/** Accounts carry no phone numbers yet: a provider adapter resolves the user's number itself. */
export interface SmsSender {
  send(to: { userId: string }, text: string): Promise<void>;
}

/** No provider configured (production without one): requesting a code answers 503 sms.unavailable. */
export const noSmsSender: SmsSender = {
  async send() {
    throw new DomainError('sms.unavailable', 'no SMS provider is configured', 503);
  },
};

export interface DevSms {
  text: string;
  sentAt: string;
}

export interface DevSmsSinkOptions {
  /** Receives `SMS to <userId>: <text>` for every message (the server log). */
  log?: (line: string) => void;
  /** Messages kept per user, newest first (10). */
  perUserMax?: number;
  /** Users kept; the least recently messaged are dropped first (1000). */
  usersMax?: number;
  clock?: () => Date;
}

/**
 * Development only: "sends" by logging and keeping the last messages per user in memory, so the web
 * app and tests can read a code at GET /api/dev/sms. Refuses to exist when NODE_ENV=production.
 */
export class DevSmsSink implements SmsSender {
  private readonly byUser = new Map<string, DevSms[]>();
  private readonly perUserMax: number;
  private readonly usersMax: number;

  constructor(private readonly opts: DevSmsSinkOptions = {}) {
    if (process.env.NODE_ENV === 'production') throw new Error('the development SMS sink never runs in production');
    this.perUserMax = opts.perUserMax ?? 10;
    this.usersMax = opts.usersMax ?? 1000;
  }

  async send(to: { userId: string }, text: string): Promise<void> {
    this.opts.log?.(`SMS to ${to.userId}: ${text}`);
    const list = this.byUser.get(to.userId) ?? [];
    this.byUser.delete(to.userId); // re-inserted last: Map order is recency
    list.unshift({ text, sentAt: (this.opts.clock?.() ?? new Date()).toISOString() });
    list.length = Math.min(list.length, this.perUserMax);
    this.byUser.set(to.userId, list);
    while (this.byUser.size > this.usersMax) this.byUser.delete(this.byUser.keys().next().value!);
  }

  /** The user's last messages, newest first. */
  messages(userId: string): DevSms[] {
    return [...(this.byUser.get(userId) ?? [])];
  }
}

export const devSmsSink = (opts: DevSmsSinkOptions = {}) => new DevSmsSink(opts);
