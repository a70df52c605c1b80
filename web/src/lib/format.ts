// Money and dates through Intl, in the current language. Amounts arrive as integer minor units.
import { locale } from './i18n.ts';

const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, PTS: 0 };

/** "12345" CNY → "¥123.45" (en) or "¥123.45" (zh-CN); points are whole numbers. */
export function money(minor: string | number | bigint, currency: string): string {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const n = BigInt(minor);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const scale = 10n ** BigInt(digits);
  // Exact: whole part and fraction as integers, never a float of the whole amount.
  const value = Number(abs / scale) + Number(abs % scale) / Number(scale);
  if (currency === 'PTS') return `${neg ? '-' : ''}${new Intl.NumberFormat(locale.value).format(value)}`;
  return new Intl.NumberFormat(locale.value, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(neg ? -value : value);
}

/** Parses "123.45" into minor units ("12345"), or null. */
export function parseMoney(text: string, currency = 'CNY'): string | null {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const m = /^\s*(\d{1,15})(?:[.,](\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(digits, '0').slice(0, digits);
  return (BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(frac || '0')).toString();
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(new Date(iso));
}

export function number(n: number): string {
  return new Intl.NumberFormat(locale.value).format(n);
}
