// Pure calendar arithmetic of the daily check-in: which day it is in the configured time zone, whether
// a streak goes on, and what a day of the streak is worth. No database, no clock: callers pass them.
import { assert } from '../shared/assert.ts';

/** The check-in calendar's default time zone (a day starts at 00:00 there). */
export const CHECKIN_TIME_ZONE_DEFAULT = 'Asia/Shanghai';

/**
 * Points for day n of a streak: day 1 → 5, 2 → 5, 3 → 10, 4 → 10, 5 → 15, 6 → 20, 7 and later → 30.
 * A missed day starts the streak again at day 1.
 */
export const CHECKIN_REWARDS: readonly number[] = [5, 5, 10, 10, 15, 20, 30];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD. */
export function isDay(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Checks a time zone name; throws RangeError when the runtime does not know it. */
export function checkTimeZone(timeZone: string): string {
  new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
  return timeZone;
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayOf(at: Date, timeZone: string = CHECKIN_TIME_ZONE_DEFAULT): string {
  assert(Number.isFinite(at.getTime()), 'streak: not a time');
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  assert(isDay(day), `streak: ${day} is not a day`);
  return day;
}

/** The day `n` days after `day` (negative: before). Pure date arithmetic on the proleptic Gregorian calendar. */
export function addDays(day: string, n: number): string {
  assert(isDay(day), `streak: ${day} is not a day`);
  assert(Number.isSafeInteger(n), 'streak: whole days only');
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export const previousDay = (day: string) => addDays(day, -1);

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  assert(isDay(a) && isDay(b), 'streak: not days');
  const ms = (s: string) => Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  return Math.round((ms(b) - ms(a)) / 86_400_000);
}

/**
 * The streak after checking in on `today`, given the last check-in (day and its streak) or null.
 * Yesterday checked in → the streak goes on; any gap (or none before) → 1. Checking in twice on one
 * day, or on a day before the last one, is not a streak step: null.
 */
export function nextStreak(last: { day: string; streak: number } | null, today: string): number | null {
  assert(isDay(today), `streak: ${today} is not a day`);
  if (last === null) return 1;
  assert(isDay(last.day) && Number.isSafeInteger(last.streak) && last.streak >= 1, 'streak: bad last check-in');
  const gap = daysBetween(last.day, today);
  if (gap <= 0) return null;
  return gap === 1 ? last.streak + 1 : 1;
}

/** The streak as it stands on `today`: the last streak if it was today or yesterday, else 0 (broken). */
export function currentStreak(last: { day: string; streak: number } | null, today: string): number {
  if (last === null) return 0;
  const gap = daysBetween(last.day, today);
  return gap === 0 || gap === 1 ? last.streak : 0;
}

/** Points for day `streak` of a streak (see CHECKIN_REWARDS). */
export function rewardFor(streak: number, rewards: readonly number[] = CHECKIN_REWARDS): number {
  assert(Number.isSafeInteger(streak) && streak >= 1, 'streak: a streak day is 1 or more');
  assert(rewards.length > 0, 'streak: empty reward schedule');
  return rewards[Math.min(streak, rewards.length) - 1]!;
}
