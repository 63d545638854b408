import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';
import { TEST_ADMIN_PASSWORD } from './varsel.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A Varsel role running as its own OS process (from source), for tests that kill processes. */
export interface VarselProcess {
  role: 'all' | 'edge' | 'worker';
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything the process wrote, for diagnosing a failed test. */
  output(): string;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnVarsel(opts: {
  role: 'all' | 'edge' | 'worker';
  redisUrl: string;
  prefix: string;
  env?: Record<string, string>;
  port?: number;
}): Promise<VarselProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=varsel-source', 'server/src/main.ts', '--role', opts.role], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REDIS_URL: opts.redisUrl,
      REDIS_PREFIX: opts.prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      // A free port for a worker's /metrics: tests run several workers at once.
      METRICS_PORT: '0',
      VARSEL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = opts.role === 'worker' ? '"worker started"' : '"listening"';
  const deadline = Date.now() + 30_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`varsel ${opts.role} exited during start:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`varsel ${opts.role} did not start within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    role: opts.role,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async kill9() {
      if (done()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (done()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
