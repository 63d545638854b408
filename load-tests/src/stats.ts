/**
 * Latency statistics, pure: no I/O, no clocks. Every figure is in milliseconds.
 *
 * Percentiles use the nearest-rank method (the smallest value with at least p % of the values at or
 * below it), so a reported p99 is always a latency some agent really saw, never an interpolation.
 */

/** p50/p95/p99 and friends of one set of latencies; every figure is null when there are none. */
export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile `p` (0-100) of values sorted ascending; NaN for an empty array. */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  const n = sortedAsc.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n); // 1-based; 0 for p = 0, which means the minimum
  return sortedAsc[Math.min(n, Math.max(1, rank)) - 1] as number;
}

/** Summarizes latencies given in any order; the input is not modified. */
export function summarize(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null };
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`latency must be a finite number, got ${v}`);
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Rounds every figure of a summary to `decimals` places (for tables and JSON that people read). */
export function roundSummary(s: LatencySummary, decimals = 1): LatencySummary {
  const f = 10 ** decimals;
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * f) / f);
  return { count: s.count, min: r(s.min), mean: r(s.mean), p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), max: r(s.max) };
}
