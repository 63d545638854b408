import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AlertKindSchema, OrgUnitIdSchema, PROTOCOL_VERSION } from '@varsel/shared';

/**
 * Command line of siren-run. node:util's parseArgs splits the words (`--agents 500` and
 * `--agents=500` both work, unknown options are refused); one zod schema then checks every value
 * and gives it its default, so all problems are reported at once, each under its option's name.
 */

/** A required option: a clear message when it is missing. */
const required = (hint: string): z.ZodString => z.string({ error: (i) => (i.input === undefined ? `required, ${hint}` : 'expected text') });

/** A whole number between min and max, given as text. */
function wholeNumber(min: number, max: number, def: number, why?: string): z.ZodType<number> {
  return z
    .string()
    .default(String(def))
    .pipe(z.string().regex(/^[0-9]+$/, 'expected a whole number'))
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `at least ${min}`)
        .max(max, `at most ${max}${why ? ` (${why})` : ''}`),
    );
}

// 19,000: a process may hold 20,000 open files here (ulimit -n), and the harness needs some for
// itself; larger fleets need several harness processes (see README).
export const MAX_AGENTS_PER_PROCESS = 19_000;

const OptionsSchema = z
  .object({
    url: required('e.g. --url http://localhost:8080').pipe(
      z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. http://localhost:8080' }),
    ),
    user: z.string().default('admin').pipe(z.string().min(1, 'must not be empty')),
    password: required('give --password or set VARSEL_PASSWORD').min(1, 'must not be empty'),
    agents: wholeNumber(1, MAX_AGENTS_PER_PROCESS, 500, 'the per-process limit of open files; run several processes for more'),
    'org-unit': z.string().default('KIT').pipe(OrgUnitIdSchema),
    audience: z.string().default('unit').pipe(z.enum(['unit', 'all'], "expected unit (the agents' org unit) or all")),
    rounds: wholeNumber(1, 100, 3),
    kind: z.string().default('siren').pipe(AlertKindSchema),
    'local-addresses': z
      .string()
      .optional()
      .transform((v) => (v === undefined ? [] : v.split(',').map((a) => a.trim())))
      .pipe(z.array(z.string().refine((a) => isIP(a) !== 0, { error: (i) => `not an IP address: ${JSON.stringify(i.input)}` }))),
    'connect-batch': wholeNumber(1, 5000, 200),
    'enroll-concurrency': wholeNumber(1, 500, 50),
    'wait-ms': wholeNumber(1000, 600_000, 30_000),
    'report-timeout-ms': wholeNumber(100, 120_000, 10_000),
    'pause-ms': wholeNumber(0, 60_000, 1000),
    json: z.string().min(1, 'expected a file name').optional(),
    'devices-file': z.string().min(1, 'expected a file name').optional(),
    protocol: wholeNumber(1, PROTOCOL_VERSION, PROTOCOL_VERSION, 'the newest protocol this build speaks'),
  })
  .strict();

export interface RunOptions {
  url: string;
  user: string;
  password: string;
  agents: number;
  orgUnit: string;
  /** `unit`: the siren goes to the agents' org unit; `all`: to every device of the installation. */
  audience: 'unit' | 'all';
  rounds: number;
  kind: 'siren' | 'notice';
  /** Source addresses the agents' connections are spread over; empty: the system's choice. */
  localAddresses: string[];
  connectBatch: number;
  enrollConcurrency: number;
  /** How long a round waits for all receipts, and again for the server's acknowledgement count. */
  waitMs: number;
  /** How long an agent waits for the server to answer one alert:report. */
  reportTimeoutMs: number;
  /** Pause between rounds. */
  pauseMs: number;
  json: string | undefined;
  /** Keep enrolled devices here and reuse them in later runs. */
  devicesFile: string | undefined;
  /** Agent protocol version sent in the handshake (docs/protocol.md); older ones test older agents or servers. */
  protocol: number;
}

export type ParsedCommand = { kind: 'help' } | { kind: 'run'; options: RunOptions };

/** A command line that cannot run; the message names every problem. */
export class ArgError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ArgError';
  }
}

export const USAGE = `Usage: node load-tests/dist/siren-run.js --url URL --password PASSWORD [options]

Enrolls N simulated agents, connects them over socket.io, sends sirens and measures how fast each
agent receives them and how fast the server counts the acknowledgements.

  --url URL                  Varsel edge to test, e.g. http://localhost:8080 (required)
  --password PASSWORD        password of --user (or set VARSEL_PASSWORD) (required)
  --user NAME                console user allowed to enroll and send (default admin)
  --agents N                 simulated agents (default 500, at most ${MAX_AGENTS_PER_PROCESS.toLocaleString('en')})
  --org-unit ID              org unit the agents are enrolled in (default KIT)
  --audience unit|all        send to --org-unit (default) or to every device of the installation
  --rounds N                 sirens to send, one after the other (default 3)
  --kind siren|notice        kind of alert (default siren; always status exercise)
  --local-addresses A,B      spread the agents' connections over these source addresses,
                             e.g. 127.0.0.2,127.0.0.3 (about 28,000 ports each)
  --connect-batch N          agents connecting at once (default 200)
  --enroll-concurrency N     enrollment requests in flight (default 50)
  --wait-ms MS               longest wait for receipts, and for acknowledgements, per round (default 30000)
  --report-timeout-ms MS     longest wait for the server to answer one alert:report (default 10000)
  --pause-ms MS              pause between rounds (default 1000)
  --json FILE                also write the full report as JSON
  --protocol N               agent protocol version of the handshake (default ${PROTOCOL_VERSION}, the newest)
  --devices-file FILE        reuse the devices enrolled in FILE and keep newly enrolled ones there
                             (it holds device secrets: mode 0600), instead of enrolling anew each run
  --help                     show this text

Exit status: 0 when every round passed, 1 when a check failed, 2 for a bad command line,
3 when the run could not start or was cut short (login, enrollment, Ctrl-C).`;

/** Parses argv (without node and the script) and the environment; throws ArgError. */
export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    const names = [...Object.keys(OptionsSchema.shape), 'help'];
    const options = Object.fromEntries(names.map((n) => [n, { type: n === 'help' ? ('boolean' as const) : ('string' as const) }]));
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ArgError([err instanceof Error ? err.message : String(err)]);
  }
  if (values.help === true) return { kind: 'help' };
  const { help: _help, ...given } = values;
  if (given.password === undefined && env.VARSEL_PASSWORD !== undefined) given.password = env.VARSEL_PASSWORD;

  const parsed = OptionsSchema.safeParse(given);
  if (!parsed.success) {
    throw new ArgError(parsed.error.issues.map((i) => `--${String(i.path[0] ?? '(options)')}: ${i.message}`));
  }
  const o = parsed.data;
  return {
    kind: 'run',
    options: {
      url: o.url.replace(/\/+$/, ''),
      user: o.user,
      password: o.password,
      agents: o.agents,
      orgUnit: o['org-unit'],
      audience: o.audience,
      rounds: o.rounds,
      kind: o.kind,
      localAddresses: o['local-addresses'],
      connectBatch: o['connect-batch'],
      enrollConcurrency: o['enroll-concurrency'],
      waitMs: o['wait-ms'],
      reportTimeoutMs: o['report-timeout-ms'],
      pauseMs: o['pause-ms'],
      json: o.json,
      devicesFile: o['devices-file'],
      protocol: o.protocol,
    },
  };
}
