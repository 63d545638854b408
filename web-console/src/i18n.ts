import { da, en } from './messages.js';
import type { MessageKey } from './messages.js';

export type { MessageKey } from './messages.js';

export const LANGS = ['da', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { da, en };

const LOCALES: Record<Lang, string> = { da: 'da-DK', en: 'en-GB' };

export type Params = Readonly<Record<string, string | number>>;

let current: Lang = 'da';

export function isLang(value: unknown): value is Lang {
  return value === 'da' || value === 'en';
}

export function setLang(lang: Lang): void {
  current = lang;
}

export function getLang(): Lang {
  return current;
}

/** Fills `{name}` placeholders; a placeholder without a parameter is left as it is. */
export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  return format(DICTIONARIES[lang][key], params);
}

/** The text of `key` in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}

/**
 * Splits a template around its placeholders so that a parameter can be an element (the device
 * count of the confirmation is its own element, with a test id). Text parts are strings.
 */
export function templateParts<T>(key: MessageKey, params: Readonly<Record<string, T | string | number>>): (T | string)[] {
  const parts: (T | string)[] = [];
  const template = DICTIONARIES[current][key];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const name = match[1] ?? '';
    const value = params[name];
    if (value === undefined) continue;
    parts.push(template.slice(last, match.index));
    parts.push(typeof value === 'number' ? String(value) : value);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return parts.filter((p) => p !== '');
}

/** The placeholders a template uses, sorted: da and en must use the same ones. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

/** Varsel is Copenhagen's: every date and time is shown in Danish time, whatever the browser's zone. */
export const TIME_ZONE = 'Europe/Copenhagen';

/** The one place the console formats a date and time (an ISO instant); an unreadable one is shown as it is. */
export function formatDateTime(iso: string, lang: Lang = current): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'short', timeStyle: 'medium', timeZone: TIME_ZONE }).format(date);
}

export function formatNumber(n: number, lang: Lang = current): string {
  return new Intl.NumberFormat(LOCALES[lang]).format(n);
}
