import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * Command line of the benchmark (`npm run bench -- --agents 5000 --edges 2`). node:util's
 * parseArgs splits the words (unknown options are refused); one zod schema checks every value and
 * gives it its default, and the cross-field rules say how to fix the problem. All problems are
 * reported at once, each under its option's name.
 */

export const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TITLES: Record<Scenario, string> = {
  a: 'siren to every agent through the HTTP API (latency, acknowledgements)',
  b: 'the same broadcast by a bare socket.io server set',
  c: 'one edge with --mqtt-agents agents against Mosquitto, MQTT QoS 1',
  d: 'reconnect storm: kill -9 every edge, start them again',
  e: 'edge memory (RSS) per connected agent',
  f: 'acknowledgement ingestion rate',
  g: 'time to compute the reach of an audience',
  h: 'push wake-up: Web Push to the devices without an agent (--devices beyond --agents; skipped when there are none), through a local push service',
};

// 18,000: a process may hold 20,000 open files here (ulimit -n) and needs some for itself.
export const MAX_SOCKETS_PER_PROCESS = 18_000;
// 253: a sanity bound; each harness process costs about 100 MB and a share of the cores.
const MAX_AGENT_PROCESSES = 253;

export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../../results', import.meta.url));

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

const ScenarioListSchema = z
  .string()
  .default(SCENARIOS.join(','))
  .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))
  .pipe(
    z
      .array(z.enum(SCENARIOS, { error: (i) => `unknown scenario ${JSON.stringify(i.input)}; pick from ${SCENARIOS.join(',')}` }))
      .min(1, `name at least one of ${SCENARIOS.join(',')}`),
  );

const OptionsSchema = z
  .object({
    agents: wholeNumber(1, 200_000, 45_000),
    devices: z.string().optional(),
    edges: wholeNumber(1, 16, 3),
    workers: wholeNumber(1, 8, 1),
    rounds: wholeNumber(1, 20, 5),
    scenarios: ScenarioListSchema,
    'mqtt-agents': wholeNumber(1, MAX_SOCKETS_PER_PROCESS, 15_000, 'one edge and one Mosquitto hold them all'),
    'agents-per-process': wholeNumber(100, MAX_SOCKETS_PER_PROCESS, 15_000, 'the open-file limit of one process'),
    'out-dir': z.string().min(1, 'expected a directory').default(DEFAULT_OUT_DIR),
    'timeout-minutes': wholeNumber(1, 240, 30),
    'round-timeout-ms': wholeNumber(1000, 600_000, 60_000),
    'storm-timeout-ms': wholeNumber(1000, 600_000, 180_000),
    'connect-concurrency': wholeNumber(1, 5000, 250),
    'reach-samples': wholeNumber(1, 100, 9),
    'cpu-prof': z.boolean().default(false),
    'storm-without-reports': z.boolean().default(false),
  })
  .strict()
  .transform((o, ctx) => {
    const devices = o.devices === undefined ? Math.max(50_000, o.agents) : /^[0-9]+$/.test(o.devices) ? Number(o.devices) : Number.NaN;
    if (!Number.isFinite(devices)) ctx.addIssue({ code: 'custom', path: ['devices'], message: 'expected a whole number' });
    else if (devices < o.agents) ctx.addIssue({ code: 'custom', path: ['devices'], message: `at least --agents (${o.agents}): every agent is an enrolled device` });
    else if (devices > 500_000) ctx.addIssue({ code: 'custom', path: ['devices'], message: 'at most 500000' });
    const perEdge = Math.ceil(o.agents / o.edges);
    if (perEdge > MAX_SOCKETS_PER_PROCESS) {
      ctx.addIssue({
        code: 'custom',
        path: ['edges'],
        message: `${o.agents} agents on ${o.edges} edges is ${perEdge} sockets per edge; at most ${MAX_SOCKETS_PER_PROCESS} per process here: use --edges ${Math.ceil(o.agents / MAX_SOCKETS_PER_PROCESS)} or more`,
      });
    }
    const processes = agentProcessCount({ agents: o.agents, mqttAgents: o['mqtt-agents'], agentsPerProcess: o['agents-per-process'], scenarios: o.scenarios });
    if (processes > MAX_AGENT_PROCESSES) {
      ctx.addIssue({ code: 'custom', path: ['agents-per-process'], message: `needs ${processes} harness processes; at most ${MAX_AGENT_PROCESSES}` });
    }
    return { ...o, devices };
  });

export interface BenchOptions {
  /** Simulated agents connected in scenarios a, b, d, e, f. */
  agents: number;
  /** Devices enrolled; those beyond `agents` stay offline (reach, g, is measured at this size). */
  devices: number;
  edges: number;
  workers: number;
  /** Measured rounds of each broadcast, after one discarded warm-up round. */
  rounds: number;
  scenarios: Scenario[];
  /** Agents of scenario c, on one Varsel edge and on Mosquitto. */
  mqttAgents: number;
  agentsPerProcess: number;
  outDir: string;
  /** The whole run stops (and cleans up) after this long. */
  timeoutMinutes: number;
  /** Longest wait for one round's receipts, and again for its acknowledgements. */
  roundTimeoutMs: number;
  /** Longest wait for every agent to be back after the edges were killed. */
  stormTimeoutMs: number;
  /** Connections each harness process opens at once. */
  connectConcurrency: number;
  /** Audience previews timed per audience (the median is reported). */
  reachSamples: number;
  /** Start every server process with `node --cpu-prof` (profiles land next to the server logs). */
  cpuProf: boolean;
  /**
   * A diagnostic: in Varsel's reconnect storm the agents send no reports about the alert they
   * catch up, so the storm measures the reconnect, its authentication and replay alone.
   */
  stormWithoutReports: boolean;
}

export type ParsedBenchCommand = { kind: 'help' } | { kind: 'run'; options: BenchOptions };

export class BenchArgError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'BenchArgError';
  }
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]
       node load-tests/dist/bench/main.js [options]

Runs Varsel at production shape on this machine (private Redis with AOF fsync always, edges and
workers as separate processes, simulated agents in harness processes) and compares it in the
same run with a bare socket.io server set and with Mosquitto. Writes
<out-dir>/<date>-<commit>.{json,md,svg} and prints the Markdown summary last.

  --agents N               simulated agents (default 45000)
  --devices N              enrolled devices; the ones beyond --agents stay offline
                           (default max(50000, --agents))
  --edges N                Varsel edges, and bare socket.io servers (default 3)
  --workers N              Varsel workers, and bare emitters (default 1)
  --rounds N               measured rounds per broadcast, after one warm-up round (default 5)
  --scenarios LIST         subset of a,b,c,d,e,f,g,h (default all):
${SCENARIOS.map((s) => `                             ${s}: ${SCENARIO_TITLES[s]}`).join('\n')}
  --mqtt-agents N          agents of scenario c (default 15000, at most ${MAX_SOCKETS_PER_PROCESS})
  --agents-per-process N   simulated agents per harness process (default 15000, at most ${MAX_SOCKETS_PER_PROCESS})
  --out-dir DIR            where the results go (default load-tests/results)
  --timeout-minutes N      the whole run stops and cleans up after this long (default 30)
  --round-timeout-ms MS    longest wait for a round's receipts, and for its acks (default 60000)
  --storm-timeout-ms MS    longest wait for every agent after the edges were killed (default 180000)
  --connect-concurrency N  connections each harness process opens at once (default 250)
  --reach-samples N        audience previews timed per audience (default 9)
  --cpu-prof               run every server process under node --cpu-prof; the profiles
                           (.cpuprofile, open in Chrome DevTools) go next to the server logs
  --storm-without-reports  a diagnostic: in Varsel's reconnect storm (d) the agents send no
                           reports about the alert they catch up; the storm then measures the
                           reconnect, authentication and replay alone, and is not judged
                           against the target
  --help                   show this text

Every process it starts is stopped at the end, on errors and on Ctrl-C.`;

/** Parses argv (without node and the script); throws BenchArgError naming every problem. */
export function parseBenchCommand(argv: readonly string[]): ParsedBenchCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    const flags = ['help', 'cpu-prof', 'storm-without-reports'];
    const names = ['agents', 'devices', 'edges', 'workers', 'rounds', 'scenarios', 'mqtt-agents', 'agents-per-process', 'out-dir', 'timeout-minutes', 'round-timeout-ms', 'storm-timeout-ms', 'connect-concurrency', 'reach-samples', ...flags];
    const options = Object.fromEntries(names.map((n) => [n, { type: flags.includes(n) ? ('boolean' as const) : ('string' as const) }]));
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new BenchArgError([err instanceof Error ? err.message : String(err)]);
  }
  if (values.help === true) return { kind: 'help' };
  const { help: _help, ...given } = values;
  const parsed = OptionsSchema.safeParse(given);
  if (!parsed.success) {
    throw new BenchArgError(parsed.error.issues.map((i) => `--${String(i.path[0] ?? '(options)')}: ${i.message}`));
  }
  const o = parsed.data;
  return {
    kind: 'run',
    options: {
      agents: o.agents,
      devices: o.devices,
      edges: o.edges,
      workers: o.workers,
      rounds: o.rounds,
      scenarios: [...new Set(o.scenarios)].sort(),
      mqttAgents: o['mqtt-agents'],
      agentsPerProcess: o['agents-per-process'],
      outDir: o['out-dir'],
      timeoutMinutes: o['timeout-minutes'],
      roundTimeoutMs: o['round-timeout-ms'],
      stormTimeoutMs: o['storm-timeout-ms'],
      connectConcurrency: o['connect-concurrency'],
      reachSamples: o['reach-samples'],
      cpuProf: o['cpu-prof'],
      stormWithoutReports: o['storm-without-reports'],
    },
  };
}

/** Options for a programmatic run (the CI smoke test): defaults, then `overrides`. */
export function benchOptions(overrides: Partial<BenchOptions> = {}): BenchOptions {
  const cmd = parseBenchCommand([]);
  if (cmd.kind !== 'run') throw new Error('unreachable');
  const o = { ...cmd.options, ...overrides };
  if (overrides.devices === undefined) o.devices = Math.max(50_000, o.agents);
  return o;
}

/** Harness processes a run needs: every agent of the largest phase, `agentsPerProcess` each. */
export function agentProcessCount(o: Pick<BenchOptions, 'agents' | 'mqttAgents' | 'agentsPerProcess' | 'scenarios'>): number {
  const largest = Math.max(o.agents, o.scenarios.includes('c') ? o.mqttAgents : 0);
  return Math.max(1, Math.ceil(largest / o.agentsPerProcess));
}
