import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { EmbeddedRedisError, redisAnswers, resolveRedis } from '../src/embedded-redis.js';
import { createLogger } from '../src/log.js';
import { freePort } from '../../test-support/redis-server.js';
import { ApiClient, testPrefix, waitFor } from '../../test-support/varsel.js';

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
