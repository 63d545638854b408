/**
 * `npm run bench`: the fan-out benchmark (issue 4). Progress goes to stderr; the Markdown
 * summary is printed last, on stdout. See load-tests/README.md for what each figure means.
 *
 * Exit status: 0 when every expected agent got every broadcast and nothing failed, 1 when the
 * run finished with problems (listed in the summary), 2 for a bad command line, 3 when it was
 * stopped early (Ctrl-C, --timeout-minutes) or could not start.
 */
import { BENCH_USAGE, BenchArgError, parseBenchCommand, type BenchOptions } from './options.js';
import { runBench } from './bench-run.js';

const EXIT = { ok: 0, problems: 1, usage: 2, aborted: 3 } as const;

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    const cmd = parseBenchCommand(process.argv.slice(2));
    if (cmd.kind === 'help') {
      process.stdout.write(`${BENCH_USAGE}\n`);
      return EXIT.ok;
    }
    options = cmd.options;
  } catch (err) {
    if (!(err instanceof BenchArgError)) throw err;
    process.stderr.write(`bench: ${err.problems.join('\n  ')}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }

  const controller = new AbortController();
  const onSignal = (name: string): void => {
    if (controller.signal.aborted) {
      process.stderr.write('bench: second signal: quitting at once (child processes die with us)\n');
      process.exit(130);
    }
    process.stderr.write(`bench: ${name}: stopping every process it started (again to quit at once)\n`);
    controller.abort(new Error(`interrupted (${name})`));
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM'), SIGHUP: () => onSignal('SIGHUP') };
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
  try {
    const run = await runBench(options, { signal: controller.signal });
    process.stdout.write(`\n${run.markdown}`);
    if (run.aborted !== null) return EXIT.aborted;
    return run.result.problems.length === 0 ? EXIT.ok : EXIT.problems;
  } finally {
    for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.aborted;
  },
);
