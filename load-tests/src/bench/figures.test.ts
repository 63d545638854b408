import { describe, expect, it } from 'vitest';
import { ackFigures, cumulative, latencies, latencyFigures, median, perEdgeP99, ratio, summarizeRounds, summarizeVarselRounds, timeToFraction, type RoundFigures } from './figures.js';

const arr = (...v: number[]): Float64Array => Float64Array.from(v);

function round(over: Partial<RoundFigures>): RoundFigures {
  return {
    round: 1,
    warmUp: false,
    alertId: 'a',
    expected: 10,
    received: 10,
    duplicates: 0,
    p50Ms: 10,
    p95Ms: 20,
    p99Ms: 30,
    maxMs: 40,
    sendMs: 5,
    perEdgeP99Ms: [],
    acks: null,
    server: null,
    reportFailures: {},
    cpuMs: {},
    harnessLoopMaxMs: 0,
    ...over,
  };
}

describe('latencies', () => {
  it('subtracts t0 from the times that are set and sorts them; agents without a receipt are left out', () => {
    expect(latencies(arr(1030, Number.NaN, 1010, 1020), 1000)).toEqual([10, 20, 30]);
  });
});

describe('latencyFigures', () => {
  it('gives nearest-rank percentiles, so every figure is a latency some agent saw', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyFigures(sorted)).toEqual({ p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
  });

  it('gives nulls for no receipts at all', () => {
    expect(latencyFigures([])).toEqual({ p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  });
});

describe('perEdgeP99', () => {
  it('splits the agents by their edge', () => {
    expect(perEdgeP99(arr(110, 205, 130, 290), 100, 2, (i) => i % 2)).toEqual([30, 190]);
  });
});

describe('ackFigures', () => {
  it('measures all-counted from t0, after the last ack sent, and the rate from the first ack sent', () => {
    const t = { receivedAt: arr(1010, 1020), ackSentAt: arr(1100, 1500), ackConfirmedAt: arr(1150, 1550) };
    expect(ackFigures(t, 1000, 1600)).toEqual({
      confirmed: 2,
      firstSentMs: 100,
      lastSentMs: 500,
      lastConfirmedMs: 550,
      allCountedMs: 600,
      countedAfterLastSentMs: 100,
      ratePerSec: 4, // 2 acks in the 500 ms from the first sent to all counted
    });
  });

  it('leaves the counted figures unknown when the server never showed them all', () => {
    const f = ackFigures({ receivedAt: arr(1), ackSentAt: arr(2), ackConfirmedAt: arr(3) }, 0, null);
    expect(f).toMatchObject({ allCountedMs: null, countedAfterLastSentMs: null, ratePerSec: null });
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, ignoring unknowns', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, undefined])).toBe(5);
    expect(median([])).toBeNull();
  });
});

describe('summarizeRounds', () => {
  it('leaves out the warm-up round, takes medians of the figures and totals of the counts', () => {
    const s = summarizeRounds([round({ warmUp: true, round: 0, p99Ms: 999, received: 1 }), round({ p99Ms: 30 }), round({ round: 2, p99Ms: 50, received: 9 }), round({ round: 3, p99Ms: 40 })]);
    expect(s).toMatchObject({ p99Ms: 40, received: 29, expected: 30, measuredRounds: 3 });
    expect(s.rounds).toHaveLength(4);
  });

  it('makes Varsel\'s all-acked figure unknown when one round never had every ack counted', () => {
    const acks = (allCountedMs: number | null) => ({ confirmed: 10, firstSentMs: 1, lastSentMs: 2, lastConfirmedMs: 3, allCountedMs, countedAfterLastSentMs: allCountedMs, ratePerSec: 100 });
    expect(summarizeVarselRounds([round({ acks: acks(500) }), round({ acks: acks(700) })]).allAckedMs).toBe(600);
    expect(summarizeVarselRounds([round({ acks: acks(500) }), round({ acks: acks(null) })]).allAckedMs).toBeNull();
  });
});

describe('ratio', () => {
  it('divides to two places and is unknown without both figures', () => {
    expect(ratio(450, 400)).toBe(1.13);
    expect(ratio(null, 400)).toBeNull();
    expect(ratio(450, 0)).toBeNull();
  });
});

describe('timeToFraction', () => {
  it('gives the time by which a share of all agents got there, or null if too few ever did', () => {
    const t = arr(...Array.from({ length: 100 }, (_, i) => 1000 + i + 1));
    expect(timeToFraction(t, 1000, 100, 0.99)).toBe(99);
    expect(timeToFraction(t, 1000, 100, 1)).toBe(100);
    expect(timeToFraction(t, 1000, 101, 1)).toBeNull();
  });
});

describe('cumulative', () => {
  it('thins a long curve but always keeps the last point', () => {
    const c = cumulative(Array.from({ length: 1001 }, (_, i) => i), 100);
    expect(c.length).toBeLessThanOrEqual(102);
    expect(c[0]).toEqual([10, 11]);
    expect(c.at(-1)).toEqual([1000, 1001]);
  });

  it('is empty for no values', () => {
    expect(cumulative([])).toEqual([]);
  });
});
