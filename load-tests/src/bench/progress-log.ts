/**
 * Progress lines on stderr, each with the time since the run started ("[ 42.1 s] connecting
 * 12000/45000"), so stdout stays free for the summary, which is printed last.
 */
export interface Progress {
  line(text: string): void;
  /** Prints `text()` every `ms` while something runs; stop() ends it (printing nothing more). */
  every(ms: number, text: () => string): { stop(): void };
}

export function createProgress(out: NodeJS.WritableStream = process.stderr, startedAt = performance.now()): Progress {
  const line = (text: string): void => {
    const s = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
    out.write(`[${s} s] ${text}\n`);
  };
  return {
    line,
    every(ms, text) {
      const timer = setInterval(() => line(text()), ms);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}
