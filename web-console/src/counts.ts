import type { AlertCounts } from '@varsel/shared';

/** The four figures always shown. */
export const COUNT_FIELDS = ['targeted', 'delivered', 'displayed', 'acknowledged'] as const satisfies readonly (keyof AlertCounts)[];
export type CountField = (typeof COUNT_FIELDS)[number];

/** Devices that had not acknowledged when the thread closed; shown only when not zero. */
export const CLOSED_COUNT_FIELDS = ['expired', 'cancelled'] as const satisfies readonly (keyof AlertCounts)[];
export type ClosedCountField = (typeof CLOSED_COUNT_FIELDS)[number];

export const ZERO_COUNTS: AlertCounts = { targeted: 0, delivered: 0, displayed: 0, acknowledged: 0, expired: 0, cancelled: 0 };

/**
 * Counts only ever grow, but updates from several edges can arrive out of order
 * (docs/http-api.md), so the console keeps the largest value seen of each field. A field an
 * answer lacks counts as 0.
 */
export function mergeCounts(seen: AlertCounts, update: Partial<AlertCounts>): AlertCounts {
  const max = (field: keyof AlertCounts): number => Math.max(seen[field], update[field] ?? 0);
  return {
    targeted: max('targeted'),
    delivered: max('delivered'),
    displayed: max('displayed'),
    acknowledged: max('acknowledged'),
    expired: max('expired'),
    cancelled: max('cancelled'),
  };
}

/** Devices of the audience that have not acknowledged (whether still waiting, expired or cancelled). */
export function notAcknowledged(counts: AlertCounts): number {
  return Math.max(0, counts.targeted - counts.acknowledged);
}

/**
 * Whole percent of `part` in `whole`, rounded down so that 100 % only ever means "all of them"
 * (24,990 of 25,000 acknowledged must not read as 100 %). 0 when nothing is targeted yet.
 */
export function percentOf(part: number, whole: number): number {
  if (!(whole > 0) || !(part > 0)) return 0;
  return Math.min(100, Math.floor((part / whole) * 100));
}
