import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds since `since` (a performance.now() reading), rounded to 0.1 ms. */
export function msSince(since: number, now = performance.now()): number {
  return Math.round((now - since) * 10) / 10;
}

/** Waits `ms`; rejects with the signal's reason when it is aborted. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {});
}

/**
 * Checks `done` every `everyMs` until it holds or `timeoutMs` has passed. Resolves true when it
 * held, false on timeout (the caller reports what was missing); rejects only when aborted.
 */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; everyMs?: number; signal?: AbortSignal },
): Promise<boolean> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    if (await done()) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(opts.everyMs ?? 20, left), opts.signal);
  }
}
