import { percentile } from '../stats.js';

/**
 * The figures of the benchmark, pure: from per-agent times to round figures, from rounds to the
 * medians the report gives, cumulative curves for the chart. Times in, milliseconds out; every
 * latency is measured from just before the request that started it, on one machine's clock.
 */

/** What one agent-side broadcast round produced, in milliseconds from t0 (the moment just before the send). */
export interface RoundFigures {
  round: number;
  warmUp: boolean;
  alertId: string;
  expected: number;
  received: number;
  duplicates: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** The triggering request's own round trip (POST /api/alerts, POST /trigger, MQTT PUBLISH to PUBACK). */
  sendMs: number;
  /** p99 of the agents of each edge (they share the edge's event loop). */
  perEdgeP99Ms: (number | null)[];
  acks: AckFigures | null;
  /** Varsel only: server's own timestamps relative to t0 (alert stored, broadcast sent, fan-out done). */
  server: { storedMs: number | null; broadcastMs: number | null; fanoutDoneMs: number | null; counts: Record<string, number> | null } | null;
  reportFailures: Record<string, number>;
  /** CPU ms each process group used during the round (edges, workers, Redis, harness processes). */
  cpuMs: Record<string, number>;
  /** The longest any harness process's event loop was held since the previous round: how late it may have read a frame. */
  harnessLoopMaxMs: number;
}

export interface AckFigures {
  /** Agents whose `acknowledged` report the server confirmed (it is written, for Varsel in Redis). */
  confirmed: number;
  firstSentMs: number | null;
  lastSentMs: number | null;
  lastConfirmedMs: number | null;
  /** When the server reported every acknowledgement (Varsel: GET /api/alerts/:id; bare: the last confirmation). */
  allCountedMs: number | null;
  /** allCountedMs minus lastSentMs: "all counted within X of the last one sent". */
  countedAfterLastSentMs: number | null;
  /** confirmed / (allCountedMs − firstSentMs): the acknowledgement ingestion rate (f). */
  ratePerSec: number | null;
}

export interface AgentTimes {
  receivedAt: Float64Array;
  ackSentAt: Float64Array;
  ackConfirmedAt: Float64Array;
}

/** Latencies (ms from t0) of the values that are set, sorted ascending. */
export function latencies(abs: Float64Array, t0: number): number[] {
  const out: number[] = [];
  for (const v of abs) if (!Number.isNaN(v)) out.push(v - t0);
  return out.sort((a, b) => a - b);
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const pct = (sorted: readonly number[], p: number): number | null => (sorted.length === 0 ? null : round1(percentile(sorted, p)));

export function latencyFigures(sorted: readonly number[]): Pick<RoundFigures, 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs'> {
  return { p50Ms: pct(sorted, 50), p95Ms: pct(sorted, 95), p99Ms: pct(sorted, 99), maxMs: sorted.length === 0 ? null : round1(sorted[sorted.length - 1] as number) };
}

/** p99 per edge; agent i is on edge edgeOf(i). */
export function perEdgeP99(receivedAt: Float64Array, t0: number, edges: number, edgeOf: (agent: number) => number): (number | null)[] {
  const per: number[][] = Array.from({ length: edges }, () => []);
  receivedAt.forEach((v, i) => {
    if (!Number.isNaN(v)) per[edgeOf(i)]?.push(v - t0);
  });
  return per.map((l) => pct(l.sort((a, b) => a - b), 99));
}

/** Acknowledgement figures; `allCountedAt` is the absolute time the server showed all of them (null: never). */
export function ackFigures(t: AgentTimes, t0: number, allCountedAt: number | null): AckFigures {
  const sent = latencies(t.ackSentAt, t0);
  const confirmed = latencies(t.ackConfirmedAt, t0);
  const firstSentMs = sent[0] ?? null;
  const lastSentMs = sent.at(-1) ?? null;
  const allCountedMs = allCountedAt === null ? null : allCountedAt - t0;
  const window = allCountedMs !== null && firstSentMs !== null ? allCountedMs - firstSentMs : null;
  return {
    confirmed: confirmed.length,
    firstSentMs: firstSentMs === null ? null : round1(firstSentMs),
    lastSentMs: lastSentMs === null ? null : round1(lastSentMs),
    lastConfirmedMs: confirmed.length === 0 ? null : round1(confirmed.at(-1) as number),
    allCountedMs: allCountedMs === null ? null : round1(allCountedMs),
    countedAfterLastSentMs: allCountedMs !== null && lastSentMs !== null ? round1(allCountedMs - lastSentMs) : null,
    ratePerSec: window !== null && window > 0 ? Math.round((confirmed.length / window) * 1000) : null,
  };
}

/** Median of the numbers given (nulls left out); null when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return round1(v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2);
}

/** The figures of a broadcast over its measured rounds: medians of each round's figures, totals of the counts. */
export interface BroadcastSummary {
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Receipts over all measured rounds, and how many there should have been. */
  received: number;
  expected: number;
  duplicates: number;
  measuredRounds: number;
  rounds: RoundFigures[];
}

export interface VarselBroadcastSummary extends BroadcastSummary {
  allAckedMs: number | null;
  ackCountedAfterLastSentMs: number | null;
  ackRatePerSec: number | null;
}

export function summarizeRounds(rounds: readonly RoundFigures[]): BroadcastSummary {
  const m = rounds.filter((r) => !r.warmUp);
  return {
    p50Ms: median(m.map((r) => r.p50Ms)),
    p95Ms: median(m.map((r) => r.p95Ms)),
    p99Ms: median(m.map((r) => r.p99Ms)),
    maxMs: median(m.map((r) => r.maxMs)),
    received: m.reduce((a, r) => a + r.received, 0),
    expected: m.reduce((a, r) => a + r.expected, 0),
    duplicates: m.reduce((a, r) => a + r.duplicates, 0),
    measuredRounds: m.length,
    rounds: [...rounds],
  };
}

export function summarizeVarselRounds(rounds: readonly RoundFigures[]): VarselBroadcastSummary {
  const m = rounds.filter((r) => !r.warmUp);
  return {
    ...summarizeRounds(rounds),
    // A round whose acknowledgements were never all counted makes the figure unknown, not smaller.
    allAckedMs: m.some((r) => r.acks?.allCountedMs == null) ? null : median(m.map((r) => r.acks?.allCountedMs)),
    ackCountedAfterLastSentMs: m.some((r) => r.acks?.countedAfterLastSentMs == null) ? null : median(m.map((r) => r.acks?.countedAfterLastSentMs)),
    ackRatePerSec: median(m.map((r) => r.acks?.ratePerSec)),
  };
}

/** a / b rounded to two places; null when either is unknown or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** Time (ms from `from`) by which `fraction` of `total` values were set; null if fewer ever were. */
export function timeToFraction(abs: Float64Array, from: number, total: number, fraction: number): number | null {
  const sorted = latencies(abs, from);
  const need = Math.ceil(total * fraction);
  if (need === 0) return 0;
  if (sorted.length < need) return null;
  return Math.round(sorted[need - 1] as number);
}

/** A cumulative curve (ms, count) of sorted latencies, thinned to at most `maxPoints` points. */
export function cumulative(sorted: readonly number[], maxPoints = 400): [number, number][] {
  if (sorted.length === 0) return [];
  const step = Math.max(1, Math.ceil(sorted.length / maxPoints));
  const out: [number, number][] = [];
  for (let i = step - 1; i < sorted.length; i += step) out.push([round1(sorted[i] as number), i + 1]);
  const last = sorted.length;
  if (out.at(-1)?.[1] !== last) out.push([round1(sorted[last - 1] as number), last]);
  return out;
}
