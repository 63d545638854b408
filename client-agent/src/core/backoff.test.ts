import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles each delay from the minimum up to the maximum when there is no jitter', () => {
    const backoff = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('spreads each delay by at most the jitter and never beyond the maximum', () => {
    const low = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0.5 }, () => 0);
    const high = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0.5 }, () => 1);
    expect([low.next(), low.next(), low.next()]).toEqual([500, 1000, 2000]);
    expect([high.next(), high.next(), high.next()]).toEqual([1500, 3000, 6000]);
    for (let i = 0; i < 10; i++) high.next();
    expect(high.next()).toBe(30_000);
  });

  it('starts from the minimum again after a reset', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
    expect(backoff.attempt).toBe(1);
  });

  it('stays finite after very many attempts', () => {
    const backoff = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0 });
    for (let i = 0; i < 5000; i++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });
});
