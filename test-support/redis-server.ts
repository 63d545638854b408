import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A private redis-server on a free loopback port with its own temporary directory. */
export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** kill -9 the server (the directory stays, so a restart recovers from its AOF). */
  kill(): Promise<void>;
  /** Start again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.write('PING\r\n');
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PRODUCTION_CONF = fileURLToPath(new URL('../infra/redis/redis.conf', import.meta.url));

/**
 * `production: true` runs with infra/redis/redis.conf (AOF, fsync always), as Varsel runs in
 * production; otherwise AOF with fsync once a second, which is quicker for the bulk of the tests.
 */
export async function startPrivateRedis(opts: { production?: boolean } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'varsel-redis-'));
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')];
  const args = opts.production
    ? [PRODUCTION_CONF, ...common]
    : [...common, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'];
  const launch = (): ChildProcess => spawn('redis-server', args, { stdio: 'ignore' });
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: launch(),
    async kill() {
      const p = r.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    async restart() {
      await r.kill();
      r.process = launch();
      await waitForPort(port, 10_000);
    },
    async stop() {
      await r.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await waitForPort(port, 10_000);
  return r;
}
