import { describe, expect, it } from 'vitest';
import { runPool } from './pool.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('runPool', () => {
  it('returns results in index order with at most `concurrency` tasks in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await runPool(25, 4, async (i) => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
    expect(most).toBe(4);
  });

  it('starts no new task after a failure, waits for the ones in flight, and throws the first error', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = runPool(100, 3, async (i) => {
      started.push(i);
      await tick();
      finished++;
      if (i === 4) throw new Error('boom');
      return i;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThan(10);
    expect(finished).toBe(started.length);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const run = runPool(100, 2, async (i) => {
      if (i === 5) controller.abort(new Error('stop'));
      await tick();
      return i;
    }, controller.signal);
    await expect(run).rejects.toThrow('stop');
  });

  it('handles no work', async () => {
    expect(await runPool(0, 10, () => Promise.resolve(1))).toEqual([]);
  });
});
