import { describe, expect, it } from 'vitest';
import { mergeCounts, percentOf, ZERO_COUNTS } from './counts.js';

describe('mergeCounts', () => {
  it('keeps the largest value of each field, so an older update never lowers a count', () => {
    const seen = { targeted: 100, delivered: 80, displayed: 40, acknowledged: 10 };
    const older = { targeted: 100, delivered: 60, displayed: 50, acknowledged: 5 };
    expect(mergeCounts(seen, older)).toEqual({ targeted: 100, delivered: 80, displayed: 50, acknowledged: 10 });
  });

  it('gives the same result whatever order updates from several edges arrive in', () => {
    const updates = [
      { targeted: 10, delivered: 3, displayed: 1, acknowledged: 0 },
      { targeted: 10, delivered: 7, displayed: 2, acknowledged: 1 },
      { targeted: 10, delivered: 5, displayed: 4, acknowledged: 1 },
    ];
    const forward = updates.reduce(mergeCounts, ZERO_COUNTS);
    const backward = [...updates].reverse().reduce(mergeCounts, ZERO_COUNTS);
    expect(forward).toEqual(backward);
    expect(forward).toEqual({ targeted: 10, delivered: 7, displayed: 4, acknowledged: 1 });
  });

  it('does not change the counts it is given', () => {
    const seen = { ...ZERO_COUNTS };
    mergeCounts(seen, { targeted: 1, delivered: 1, displayed: 1, acknowledged: 1 });
    expect(seen).toEqual(ZERO_COUNTS);
  });
});

describe('percentOf', () => {
  it('is 0 while nothing is targeted', () => {
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(5, 0)).toBe(0);
  });

  it('rounds down, so 100 % only ever means all devices', () => {
    expect(percentOf(24_990, 25_000)).toBe(99);
    expect(percentOf(25_000, 25_000)).toBe(100);
    expect(percentOf(1, 3)).toBe(33);
  });

  it('never exceeds 100 even if a count runs ahead of the target', () => {
    expect(percentOf(12, 10)).toBe(100);
  });
});
