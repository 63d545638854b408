/**
 * Runs `task(0) … task(count - 1)` with at most `concurrency` in flight and returns the results in
 * index order. After the first failure (or an abort) no new task starts; the ones in flight are
 * awaited, so nothing is left running, and then the first error is thrown.
 */
export async function runPool<R>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(count);
  let next = 0;
  let failure: { error: unknown } | undefined;

  const lane = async (): Promise<void> => {
    while (failure === undefined && !signal?.aborted && next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  if (failure !== undefined) throw failure.error;
  signal?.throwIfAborted();
  return results;
}
