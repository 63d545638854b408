import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@varsel/shared';
import { ArgError, MAX_AGENTS_PER_PROCESS, parseCommand, type RunOptions } from './arg-parse.js';

function options(argv: string[], env: Record<string, string> = {}): RunOptions {
  const cmd = parseCommand(argv, env);
  if (cmd.kind !== 'run') throw new Error('expected a run command');
  return cmd.options;
}

function problems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    parseCommand(argv, env);
  } catch (err) {
    if (err instanceof ArgError) return err.problems;
    throw err;
  }
  throw new Error('expected an ArgError');
}

const minimal = ['--url', 'http://localhost:8080', '--password', 'pw'];

describe('parseCommand', () => {
  it('fills in every default from a minimal command line', () => {
    expect(options(minimal)).toEqual({
      url: 'http://localhost:8080',
      user: 'admin',
      password: 'pw',
      agents: 500,
      orgUnit: 'KIT',
      audience: 'unit',
      rounds: 3,
      kind: 'siren',
      localAddresses: [],
      connectBatch: 200,
      enrollConcurrency: 50,
      waitMs: 30_000,
      reportTimeoutMs: 10_000,
      pauseMs: 1000,
      json: undefined,
      devicesFile: undefined,
      protocol: PROTOCOL_VERSION,
    });
  });

  it('reads every option, in both --name value and --name=value form', () => {
    const o = options([
      '--url=https://varsel.kk.dk/',
      '--user',
      'loadtester',
      '--password=secret',
      '--agents',
      '5000',
      '--org-unit',
      'BUF-SKOLER',
      '--audience',
      'all',
      '--rounds=5',
      '--kind',
      'notice',
      '--local-addresses',
      '127.0.0.2, 127.0.0.3',
      '--connect-batch',
      '100',
      '--enroll-concurrency',
      '20',
      '--wait-ms',
      '60000',
      '--report-timeout-ms',
      '5000',
      '--pause-ms',
      '0',
      '--json',
      'out.json',
      '--devices-file',
      'devices.json',
      '--protocol',
      '1',
    ]);
    expect(o).toMatchObject({
      url: 'https://varsel.kk.dk',
      user: 'loadtester',
      password: 'secret',
      agents: 5000,
      orgUnit: 'BUF-SKOLER',
      audience: 'all',
      rounds: 5,
      kind: 'notice',
      localAddresses: ['127.0.0.2', '127.0.0.3'],
      connectBatch: 100,
      enrollConcurrency: 20,
      waitMs: 60_000,
      reportTimeoutMs: 5000,
      pauseMs: 0,
      json: 'out.json',
      devicesFile: 'devices.json',
      protocol: 1,
    });
  });

  it('takes the password from VARSEL_PASSWORD when --password is not given, and prefers --password', () => {
    expect(options(['--url', 'http://x:1'], { VARSEL_PASSWORD: 'from-env' }).password).toBe('from-env');
    expect(options([...minimal], { VARSEL_PASSWORD: 'from-env' }).password).toBe('pw');
  });

  it('answers help to --help, even with other options', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommand([...minimal, '--help'])).toEqual({ kind: 'help' });
  });

  it('names every missing required option at once', () => {
    const p = problems([]);
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^--url: required/);
    expect(p[1]).toMatch(/^--password: required.*VARSEL_PASSWORD/);
  });

  it('reports each bad value under its option name', () => {
    const p = problems(['--url', 'ftp://x', '--password', 'pw', '--agents', '12.5', '--rounds', '0', '--org-unit', 'kit', '--kind', 'alarm', '--local-addresses', '127.0.0.2,localhost', '--audience', 'some']);
    const byOption = new Map(p.map((line) => [line.slice(0, line.indexOf(':')), line]));
    expect([...byOption.keys()].sort()).toEqual(['--agents', '--audience', '--kind', '--local-addresses', '--org-unit', '--rounds', '--url']);
    expect(byOption.get('--agents')).toContain('whole number');
    expect(byOption.get('--rounds')).toContain('at least 1');
    expect(byOption.get('--local-addresses')).toContain('"localhost"');
  });

  it('refuses more agents than one process can hold, and says why', () => {
    const p = problems([...minimal, '--agents', String(MAX_AGENTS_PER_PROCESS + 1)]);
    expect(p).toEqual([expect.stringMatching(/^--agents: at most 19000 \(.*several processes/)]);
  });

  it('refuses unknown options, positional words and options without a value', () => {
    expect(problems([...minimal, '--agent', '5'])[0]).toMatch(/--agent/);
    expect(problems([...minimal, 'extra'])[0]).toMatch(/extra/);
    expect(problems(['--url', 'http://x:1', '--password'])[0]).toMatch(/--password/);
  });

  it('refuses a protocol version newer than this build speaks', () => {
    expect(problems([...minimal, '--protocol', String(PROTOCOL_VERSION + 1)])[0]).toMatch(/^--protocol: at most/);
  });

  it('refuses an empty password and an empty --json file name', () => {
    expect(problems(['--url', 'http://x:1', '--password', ''])[0]).toMatch(/^--password: must not be empty/);
    expect(problems([...minimal, '--json', ''])[0]).toMatch(/^--json:/);
  });
});
