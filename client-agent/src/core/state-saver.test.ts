import { describe, expect, it, vi } from 'vitest';
import { stateFixture } from '../../test/fixtures.js';
import type { AgentState, StateStore } from './agent-state.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { StateSaver } from './state-saver.js';

/** A store whose saves finish when the test says so. */
class GatedStore implements StateStore {
  readonly saved: AgentState[] = [];
  private readonly gates: (() => void)[] = [];
  fail = false;

  load(): Promise<AgentState | undefined> {
    return Promise.resolve(this.saved.at(-1));
  }

  save(state: AgentState): Promise<void> {
    return new Promise((resolve, reject) => {
      this.gates.push(() => {
        if (this.fail) {
          reject(new Error('disk full'));
          return;
        }
        this.saved.push(structuredClone(state));
        resolve();
      });
    });
  }

  /** Lets the oldest pending save finish. */
  release(): void {
    this.gates.shift()?.();
  }

  get pending(): number {
    return this.gates.length;
  }
}

describe('StateSaver', () => {
  it('folds the saves asked for during a save into one more save of the newest state', async () => {
    const store = new GatedStore();
    let cursor = 0;
    const saver = new StateSaver(store, () => stateFixture('http://127.0.0.1:1', { cursor }), silentLogger);
    cursor = 1;
    saver.request();
    for (cursor = 2; cursor <= 5; cursor++) saver.request();
    cursor = 5;
    expect(store.pending).toBe(1);

    store.release();
    await vi.waitFor(() => expect(store.pending).toBe(1));
    store.release();
    await saver.idle();
    expect(store.saved.map((s) => s.cursor)).toEqual([1, 5]);
  });

  it('logs a failed save and saves again at the next change', async () => {
    const store = new GatedStore();
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (message) => errors.push(message) };
    const saver = new StateSaver(store, () => stateFixture('http://127.0.0.1:1'), log);
    store.fail = true;
    saver.request();
    store.release();
    await saver.idle();
    expect(errors).toEqual(['state not saved']);

    store.fail = false;
    saver.request();
    store.release();
    await saver.idle();
    expect(store.saved).toHaveLength(1);
  });
});
