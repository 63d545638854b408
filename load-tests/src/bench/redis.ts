import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../timing.js';
import { REPO_ROOT, freePort, type ManagedProcess, type ProcessGroup } from './processes.js';

/**
 * A private redis-server for one benchmark phase, configured as in production
 * (infra/redis/redis.conf: AOF with fsync always, noeviction), on a free loopback port with its
 * own temporary directory. Never the system Redis on 6379.
 */
export interface BenchRedis {
  url: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export const PRODUCTION_REDIS_CONF = path.join(REPO_ROOT, 'infra/redis/redis.conf');

export async function startRedis(group: ProcessGroup, name: string, signal?: AbortSignal): Promise<BenchRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'varsel-bench-redis-'));
  const port = await freePort();
  const proc = group.spawn(name, 'redis-server', [
    PRODUCTION_REDIS_CONF,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
  ]);
  const stop = async (): Promise<void> => {
    await proc.stop(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(port, 10_000, signal);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, process: proc, stop };
}

async function waitForPong(port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await sleep(50, signal);
  }
}

/** "7.0.15", or null when redis-server is not on PATH. */
export function redisVersion(): string | null {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 }))?.[1] ?? null;
  } catch {
    return null;
  }
}
