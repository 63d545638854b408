/** Opaque timer handle: a Timeout object in Node, a number in a browser. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** Time and timers, as a seam so the core runs the same in Node, a browser and tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** 2^31 - 1 ms (about 24.8 days): the longest delay setTimeout honours; longer ones fire at once. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;
