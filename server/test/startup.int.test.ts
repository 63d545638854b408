import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { EmbeddedRedisError, redisAnswers, resolveRedis } from '../src/embedded-redis.js';
import { createLogger } from '../src/log.js';
import { freePort, startPrivateRedis } from '../../test-support/redis-server.js';
import { ApiClient, testPrefix, upgradeRequest, waitFor } from '../../test-support/varsel.js';

const log = createLogger({ LOG_LEVEL: 'silent' });
const root = fileURLToPath(new URL('../..', import.meta.url));

const BUNDLE = path.join(root, 'server/dist/varsel.mjs');

/** Runs the real entry point (from source, or the built bundle) and collects its output. */
function runMain(env: Record<string, string>, args: string[] = [], entry: 'source' | 'bundle' = 'source') {
  const argv = entry === 'source' ? ['--import', 'tsx', '--conditions=varsel-source', 'server/src/main.ts'] : [BUNDLE];
  const child = spawn(process.execPath, [...argv, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('starting Varsel', () => {
  it('starts a private redis-server with AOF under the data directory when no Redis answers, and stops it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'varsel-data-'));
    const port = await freePort();
    try {
      const r = await resolveRedis({ dataDir, port, log, probePort: await freePort() });
      expect(r.url).toBe(`redis://127.0.0.1:${port}`);
      const client = new Redis(r.url);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await client.set('k', 'v');
      client.disconnect();
      await r.stop();
      expect(await redisAnswers('127.0.0.1', port)).toBe(false);
      expect(readdirSync(path.join(dataDir, 'redis')).some((f) => f.startsWith('appendonly'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('uses the Redis that answers on the probed port instead of starting one', async () => {
    const probePort = Number(new URL(inject('redisUrl')).port);
    const r = await resolveRedis({ dataDir: '/nonexistent', port: await freePort(), log, probePort });
    expect(r.url).toBe(inject('redisUrl'));
    expect(r.child).toBeUndefined();
  });

  it('says how to install Redis or set REDIS_URL when there is no redis-server', async () => {
    const err = await resolveRedis({ dataDir: os.tmpdir(), port: await freePort(), log, probePort: await freePort(), binary: 'no-such-redis-server' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedRedisError);
    expect((err as Error).message).toMatch(/apt-get install redis-server/);
    expect((err as Error).message).toMatch(/REDIS_URL=/);
  });

  it('exits 78 before opening a port when the configuration is wrong, naming each bad key', async () => {
    const run = runMain({ PORT: 'eighty', REDIS_PREFIX: 'bad prefix!' });
    expect(await run.exited).toBe(78);
    expect(run.output()).toMatch(/PORT/);
    expect(run.output()).toMatch(/REDIS_PREFIX/);
  });

  it('as the bundle, binds no port either when the configuration is wrong, though the port itself is fine', async () => {
    const port = await freePort();
    const run = runMain({ PORT: String(port), REDIS_PREFIX: 'bad prefix!' }, ['--role', 'edge'], 'bundle');
    let exited = false;
    void run.exited.then(() => (exited = true));
    let accepted = 0;
    while (!exited) {
      accepted += await new Promise<number>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(1);
        });
        s.on('error', () => resolve(0));
      });
    }
    expect(await run.exited).toBe(78);
    expect(run.output()).toMatch(/REDIS_PREFIX/);
    expect(accepted).toBe(0);
  });

  it('as the bundle, binds an edge\'s port before it loads the server: connections made meanwhile wait and are served', async () => {
    // Redis is not there while the edge starts (it waits up to 10 s for it), so the server cannot be ready.
    const redis = await startPrivateRedis();
    await redis.kill();
    const port = await freePort();
    const run = runMain({ REDIS_URL: redis.url, REDIS_PREFIX: testPrefix(), PORT: String(port), VARSEL_ADMIN_PASSWORD: 'startup-test-password', LOG_LEVEL: 'info' }, ['--role', 'edge'], 'bundle');
    const open = async (request: string): Promise<{ data: () => string; socket: net.Socket }> => {
      for (const deadline = Date.now() + 10_000; ; ) {
        const got = await new Promise<{ data: () => string; socket: net.Socket } | undefined>((resolve) => {
          let data = '';
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(request);
            resolve({ data: () => data, socket });
          });
          socket.on('data', (d: Buffer) => (data += d.toString()));
          socket.on('error', () => resolve(undefined));
        });
        if (got) return got;
        if (Date.now() > deadline) throw new Error(`port ${port} was not bound within 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      const health = await open('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const upgrade = await open(upgradeRequest());
      // Accepted, and held: nothing is answered while the server waits for Redis.
      await new Promise((r) => setTimeout(r, 500));
      expect(health.data()).toBe('');
      expect(upgrade.data()).toBe('');
      expect(run.output()).not.toContain('is running');

      await redis.restart();
      await waitFor('the held connections to be served', () => health.data().includes('\r\n\r\n{"ok":true}') && upgrade.data().includes('101 Switching Protocols'), 20_000);
      expect(health.data()).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(run.output()).toMatch(/"waiting":2,.*"msg":"taking over the port bound at start"/);
      expect(run.output()).toContain(`http://localhost:${port}`);
      health.socket.destroy();
      upgrade.socket.destroy();
      // A connection made now goes straight to the server.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
      await redis.stop();
    }
  });

  it('runs as the one-file bundle npm start uses: serves the console and the API, finds its files, stops on SIGTERM', async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first (npm test does)`);
    const port = await freePort();
    const run = runMain({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: testPrefix(), PORT: String(port), VARSEL_ADMIN_PASSWORD: 'startup-test-password' }, ['--role', 'all'], 'bundle');
    await waitFor('the start-up message', () => run.output().includes(`http://localhost:${port}`), 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"');
    // The directory was seeded from server/fixtures: every KK location of the file is there.
    const api = await ApiClient.login(`http://127.0.0.1:${port}`, 'admin', 'startup-test-password');
    const locations = await api.request<unknown[]>('GET', '/api/locations');
    const rows = readFileSync(path.join(root, 'server/fixtures/kk-locations.csv'), 'utf8').trim().split('\n').length - 1;
    expect(locations.status).toBe(200);
    expect(locations.body).toHaveLength(rows);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('serves the API and prints where to log in, then stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const run = runMain({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: testPrefix(), PORT: String(port), VARSEL_ADMIN_PASSWORD: 'startup-test-password' });
    await waitFor('the start-up message', () => run.output().includes(`http://localhost:${port}`), 30_000);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
