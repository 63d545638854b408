import { describe, expect, it } from 'vitest';
import { percentile, roundSummary, summarize } from './stats.js';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('uses the nearest rank, so every percentile is a value that was really measured', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('gives the minimum at p0 and the maximum at p100', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('gives the only value of a one-element array for every p', () => {
    for (const p of [0, 1, 50, 99, 100]) expect(percentile([7], p)).toBe(7);
  });

  it('gives NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('refuses a p outside 0-100', () => {
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
    expect(() => percentile(hundred, -1)).toThrow(RangeError);
    expect(() => percentile(hundred, Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('summarizes unsorted values without changing the input', () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    expect(s).toEqual({ count: 5, min: 1, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('puts p99 on the tail of a thousand values with a few slow ones', () => {
    const values = [...Array.from({ length: 990 }, () => 10), ...Array.from({ length: 10 }, (_, i) => 1000 + i)];
    const s = summarize(values);
    expect(s.p50).toBe(10);
    expect(s.p95).toBe(10);
    expect(s.p99).toBe(10); // rank 990 is still fast
    expect(s.max).toBe(1009);
    expect(summarize([...values, 2000]).p99).toBe(1000); // rank 991 of 1001 is the first slow one
  });

  it('reports nulls, not zeros, when nothing was measured', () => {
    expect(summarize([])).toEqual({ count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null });
  });

  it('refuses non-finite latencies', () => {
    expect(() => summarize([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => summarize([Number.NaN])).toThrow(RangeError);
  });
});

describe('roundSummary', () => {
  it('rounds each figure and keeps nulls', () => {
    expect(roundSummary(summarize([1.234, 2.345]))).toEqual({ count: 2, min: 1.2, mean: 1.8, p50: 1.2, p95: 2.3, p99: 2.3, max: 2.3 });
    expect(roundSummary(summarize([])).p50).toBeNull();
  });
});
