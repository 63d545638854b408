import { describe, expect, it } from 'vitest';
import { mergeCounts, notAcknowledged, percentOf, ZERO_COUNTS } from './counts.js';

const c = (targeted: number, delivered: number, displayed: number, acknowledged: number, expired = 0, cancelled = 0) => ({ targeted, delivered, displayed, acknowledged, expired, cancelled });

describe('mergeCounts', () => {
  it('keeps the largest value of each field, so an older update never lowers a count', () => {
    expect(mergeCounts(c(100, 80, 40, 10), c(100, 60, 50, 5))).toEqual(c(100, 80, 50, 10));
  });

  it('gives the same result whatever order updates from several edges arrive in', () => {
    const updates = [c(10, 3, 1, 0), c(10, 7, 2, 1), c(10, 5, 4, 1, 0, 9)];
    const forward = updates.reduce(mergeCounts, ZERO_COUNTS);
    const backward = [...updates].reverse().reduce(mergeCounts, ZERO_COUNTS);
    expect(forward).toEqual(backward);
    expect(forward).toEqual(c(10, 7, 4, 1, 0, 9));
  });

  it('keeps expired and cancelled, and reads a field an answer lacks as 0', () => {
    expect(mergeCounts(c(10, 10, 10, 4, 0, 6), { targeted: 10, delivered: 10, displayed: 10, acknowledged: 4 })).toEqual(c(10, 10, 10, 4, 0, 6));
  });

  it('does not change the counts it is given', () => {
    const seen = { ...ZERO_COUNTS };
    mergeCounts(seen, c(1, 1, 1, 1, 1, 1));
    expect(seen).toEqual(ZERO_COUNTS);
  });
});

describe('notAcknowledged', () => {
  it('is every targeted device that has not acknowledged, whether still waiting, expired or cancelled', () => {
    expect(notAcknowledged(c(25, 25, 20, 18))).toBe(7);
    expect(notAcknowledged(c(25, 25, 20, 18, 0, 7))).toBe(7);
  });

  it('is never negative while counts from different moments disagree', () => {
    expect(notAcknowledged(c(0, 0, 0, 3))).toBe(0);
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
