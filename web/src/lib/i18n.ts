// Two languages, English and Simplified Chinese. Each area registers its own messages (its i18n.ts);
// t() falls back to English, then to the key. Money and dates go through Intl (format.ts).
import { signal } from '@preact/signals';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: { id: Locale; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '中文' },
];

export type Messages = Record<string, string>;
const dictionaries: Record<Locale, Messages> = { en: {}, 'zh-CN': {} };

/** Adds an area's messages; keys are namespaced by convention ('store.cart.title'). */
export function register(messages: { en: Messages; 'zh-CN': Messages }): void {
  Object.assign(dictionaries.en, messages.en);
  Object.assign(dictionaries['zh-CN'], messages['zh-CN']);
}

const STORAGE_KEY = 'cm_lang';
function initial(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const locale = signal<Locale>(initial());

export function setLocale(l: Locale): void {
  locale.value = l;
  localStorage.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
}

/** The message for `key` in the current language, with {name} placeholders filled. Reading it subscribes the component. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[locale.value][key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (vars[k] !== undefined ? String(vars[k]) : m));
}
