import { describe, expect, it } from 'vitest';
import { BenchArgError, DEFAULT_OUT_DIR, agentProcessCount, benchOptions, parseBenchCommand, type BenchOptions } from './options.js';

function options(argv: string[]): BenchOptions {
  const cmd = parseBenchCommand(argv);
  if (cmd.kind !== 'run') throw new Error('expected a run command');
  return cmd.options;
}

function problems(argv: string[]): string[] {
  try {
    parseBenchCommand(argv);
  } catch (err) {
    if (err instanceof BenchArgError) return err.problems;
    throw err;
  }
  throw new Error('expected a BenchArgError');
}

describe('parseBenchCommand', () => {
  it('defaults to the production shape that fits this machine: 45,000 agents on 3 edges, 50,000 devices', () => {
    expect(options([])).toEqual({
      agents: 45_000,
      devices: 50_000,
      edges: 3,
      workers: 1,
      rounds: 5,
      scenarios: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      mqttAgents: 15_000,
      agentsPerProcess: 15_000,
      outDir: DEFAULT_OUT_DIR,
      timeoutMinutes: 30,
      roundTimeoutMs: 60_000,
      stormTimeoutMs: 180_000,
      connectConcurrency: 250,
      reachSamples: 9,
      cpuProf: false,
      stormWithoutReports: false,
    });
  });

  it('reads every option, in both --name value and --name=value forms', () => {
    const o = options(['--agents', '5000', '--edges=2', '--workers', '2', '--rounds', '1', '--scenarios', 'b,a', '--mqtt-agents', '3000', '--devices', '6000', '--out-dir', '/tmp/x']);
    expect(o).toMatchObject({ agents: 5000, edges: 2, workers: 2, rounds: 1, scenarios: ['a', 'b'], mqttAgents: 3000, devices: 6000, outDir: '/tmp/x' });
    expect(options(['--storm-without-reports', '--cpu-prof'])).toMatchObject({ stormWithoutReports: true, cpuProf: true });
    expect(problems(['--storm-without-reports=yes'])).toEqual([expect.stringMatching(/storm-without-reports/)]);
  });

  it('enrolls as many devices as agents when there are more than 50,000 agents', () => {
    expect(options(['--agents', '54000']).devices).toBe(54_000);
  });

  it('refuses more agents per edge than one process can hold, and says how many edges are needed', () => {
    expect(problems(['--agents', '45000', '--edges', '2'])).toEqual([expect.stringMatching(/^--edges: .*22500 sockets per edge.*--edges 3 or more/)]);
  });

  it('names every bad option at once', () => {
    const p = problems(['--agents', 'many', '--rounds', '0', '--scenarios', 'a,x', '--mqtt-agents', '19000']);
    expect(p).toEqual([
      '--agents: expected a whole number',
      '--rounds: at least 1',
      expect.stringMatching(/^--scenarios: unknown scenario "x"/),
      expect.stringMatching(/^--mqtt-agents: at most 18000/),
    ]);
  });

  it('refuses fewer devices than agents', () => {
    expect(problems(['--agents', '5000', '--devices', '4000'])).toEqual([expect.stringMatching(/^--devices: at least --agents \(5000\)/)]);
  });

  it('refuses unknown options and positional words', () => {
    expect(problems(['--agent', '5'])[0]).toMatch(/Unknown option '--agent'/);
    expect(problems(['run'])[0]).toMatch(/Unexpected argument 'run'/);
  });

  it('asks for help with --help', () => {
    expect(parseBenchCommand(['--help'])).toEqual({ kind: 'help' });
  });
});

describe('agentProcessCount', () => {
  it('needs one harness process per agentsPerProcess agents of the largest phase', () => {
    expect(agentProcessCount({ agents: 45_000, mqttAgents: 15_000, agentsPerProcess: 15_000, scenarios: ['a', 'c'] })).toBe(3);
    expect(agentProcessCount({ agents: 3000, mqttAgents: 15_000, agentsPerProcess: 1500, scenarios: ['a', 'b'] })).toBe(2);
    expect(agentProcessCount({ agents: 3000, mqttAgents: 15_000, agentsPerProcess: 15_000, scenarios: ['c'] })).toBe(1);
  });
});

describe('benchOptions', () => {
  it('takes the defaults and overrides them (for the CI smoke test)', () => {
    const o = benchOptions({ agents: 3000, devices: 3000, edges: 2, scenarios: ['a', 'b'] });
    expect(o).toMatchObject({ agents: 3000, devices: 3000, edges: 2, scenarios: ['a', 'b'], rounds: 5, workers: 1 });
  });
});
