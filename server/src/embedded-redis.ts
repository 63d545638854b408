import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from './log.js';
import { repoPath } from './paths.js';

const REDIS_CONF = repoPath('infra/redis/redis.conf');

/** Whether a Redis answers PING on host:port within `timeoutMs`. */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(/^\+PONG|^-NOAUTH/.test(d.toString())));
  });
}

export class EmbeddedRedisError extends Error {}

export interface EmbeddedRedis {
  url: string;
  /** The private server we started, if we started one. */
  child: ChildProcess | undefined;
  stop(): Promise<void>;
}

/**
 * Resolves the Redis to use when REDIS_URL is unset: 127.0.0.1:6379 if something answers there,
 * else a private redis-server from PATH with AOF on and its data under DATA_DIR/redis, stopped
 * when Varsel stops. A private server left behind by a killed Varsel is reused.
 */
export async function resolveRedis(opts: {
  dataDir: string;
  port: number;
  log: Logger;
  /** Where a running Redis is looked for first; tests point it elsewhere. */
  probePort?: number;
  binary?: string;
}): Promise<EmbeddedRedis> {
  const probePort = opts.probePort ?? 6379;
  const binary = opts.binary ?? 'redis-server';
  if (await redisAnswers('127.0.0.1', probePort)) {
    opts.log.info({ port: probePort }, 'REDIS_URL is unset; using the Redis that answers on 127.0.0.1');
    return { url: `redis://127.0.0.1:${probePort}`, child: undefined, stop: async () => {} };
  }
  const url = `redis://127.0.0.1:${opts.port}`;
  if (await redisAnswers('127.0.0.1', opts.port)) {
    opts.log.info({ url }, 'reusing the private redis-server that is already running');
    return { url, child: undefined, stop: async () => {} };
  }
  const which = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (which.error) {
    throw new EmbeddedRedisError(
      'Varsel needs Redis. Nothing answers on 127.0.0.1:6379 and no redis-server is on PATH.\n' +
        '  Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)\n' +
        '  or point Varsel at a running Redis: REDIS_URL=redis://host:6379 npm start',
    );
  }
  const dir = path.resolve(opts.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    binary,
    [REDIS_CONF, '--port', String(opts.port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', 'redis.log', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!(await redisAnswers('127.0.0.1', opts.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmbeddedRedisError(`the private redis-server did not start; see ${path.join(dir, 'redis.log')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  opts.log.info({ url, dir }, 'started a private redis-server (AOF on)');
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      // SIGTERM makes redis-server fsync its AOF and exit cleanly.
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    },
  };
}
