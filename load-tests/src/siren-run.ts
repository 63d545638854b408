/**
 * siren-run: a smoke and load run of sirens against a running Varsel.
 *
 *   node load-tests/dist/siren-run.js --url http://localhost:8080 --password … --agents 500 --rounds 3
 *
 * Logs in, enrolls N devices, connects N simulated agents, sends one siren per round and measures
 * the receipt latency at every agent and the time until the API counts every acknowledgement.
 * Prints a table on stdout (progress goes to stderr) and exits non-zero when a check failed, so it
 * doubles as a smoke check. See load-tests/README.md. This file is only the process around
 * runSirens (siren-runner.ts): command line, signals, output, exit status.
 */
import { writeFile } from 'node:fs/promises';
import { ArgError, USAGE, parseCommand, type RunOptions } from './arg-parse.js';
import { note } from './progress.js';
import { formatReport } from './report.js';
import { runSirens } from './siren-runner.js';

const EXIT = { pass: 0, fail: 1, usage: 2, aborted: 3 } as const;

async function main(): Promise<number> {
  let options: RunOptions;
  try {
    const cmd = parseCommand(process.argv.slice(2), process.env);
    if (cmd.kind === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.pass;
    }
    options = cmd.options;
  } catch (err) {
    if (!(err instanceof ArgError)) throw err;
    process.stderr.write(`siren-run: ${err.problems.join('\n  ')}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }

  const controller = new AbortController();
  const onSignal = (name: string): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user does not want to wait for the sockets to close.
      process.stderr.write('siren-run: stopped without cleaning up\n');
      process.exit(130);
    }
    note(`${name}: stopping; closing every socket (press Ctrl-C again to quit at once)`);
    controller.abort(new Error(`interrupted (${name})`));
  };
  const onSigint = (): void => onSignal('SIGINT');
  const onSigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  try {
    const report = await runSirens(options, controller.signal);
    process.stdout.write(formatReport(report));
    if (options.json) {
      await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
      note(`report written to ${options.json}`);
    }
    return report.aborted !== null ? EXIT.aborted : report.ok ? EXIT.pass : EXIT.fail;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`siren-run: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.aborted;
  },
);
