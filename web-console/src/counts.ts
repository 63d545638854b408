import type { AlertCounts } from '@varsel/shared';

export const COUNT_FIELDS = ['targeted', 'delivered', 'displayed', 'acknowledged'] as const satisfies readonly (keyof AlertCounts)[];
export type CountField = (typeof COUNT_FIELDS)[number];

export const ZERO_COUNTS: AlertCounts = { targeted: 0, delivered: 0, displayed: 0, acknowledged: 0 };

/**
 * Counts only ever grow, but updates from several edges can arrive out of order
 * (docs/http-api.md), so the console keeps the largest value seen of each field.
 */
export function mergeCounts(seen: AlertCounts, update: AlertCounts): AlertCounts {
  return {
    targeted: Math.max(seen.targeted, update.targeted),
    delivered: Math.max(seen.delivered, update.delivered),
    displayed: Math.max(seen.displayed, update.displayed),
    acknowledged: Math.max(seen.acknowledged, update.acknowledged),
  };
}

/**
 * Whole percent of `part` in `whole`, rounded down so that 100 % only ever means "all of them"
 * (24,990 of 25,000 acknowledged must not read as 100 %). 0 when nothing is targeted yet.
 */
export function percentOf(part: number, whole: number): number {
  if (!(whole > 0) || !(part > 0)) return 0;
  return Math.min(100, Math.floor((part / whole) * 100));
}
