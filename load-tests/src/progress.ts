/**
 * A progress line on stderr once a second ("enrolled 1200/5000"), so stdout stays free for the
 * result table. `stop()` prints the final line once more, so the last state is always visible.
 */
export interface Progress {
  stop(): void;
}

export function startProgress(line: () => string, opts: { everyMs?: number; out?: NodeJS.WritableStream } = {}): Progress {
  const out = opts.out ?? process.stderr;
  let last = '';
  const print = (force: boolean): void => {
    const text = line();
    if (force || text !== last) out.write(`${text}\n`);
    last = text;
  };
  const timer = setInterval(() => print(false), opts.everyMs ?? 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      print(false);
    },
  };
}

/** A message on stderr, for the steps of a run. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
