import { t } from './i18n.js';

/** Bounds of AlertInputSchema and UpdateInputSchema, for the error text ("a whole number from 1 to 10080"). */
export const EXPIRY_RANGE = { min: 1, max: 7 * 24 * 60 } as const;
export const REPEAT_RANGE = { min: 1, max: 60 } as const;

/**
 * Reads a minutes field: empty means "not given" (undefined), digits a number, anything else NaN,
 * which the shared schema then rejects like any other bad number. A number field of the browser
 * would turn "abc" into "" and so silently into the default; a text field cannot.
 */
export function parseMinutes(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** "240" minutes as "4 t", 90 as "1 t 30 min", 45 as "45 min". */
export function durationText(minutes: number): string {
  if (minutes < 60) return t('duration.minutes', { n: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? t('duration.hours', { n: h }) : t('duration.hoursMinutes', { h, m });
}
