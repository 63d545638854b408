import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProcessGroup } from './processes.js';
import { REPO_ROOT, freePort } from './processes.js';
import type { MetricsSource } from './server-metrics.js';
import { startRedis, type BenchRedis } from './redis.js';
import { ServerSet, type LaunchSpec } from './server-set.js';
import { VarselClient } from '../varsel-client.js';

export const VARSEL_MAIN = path.join(REPO_ROOT, 'server/dist/varsel.mjs');

/**
 * Varsel at production shape: a private Redis (infra/redis/redis.conf), `edges` processes of
 * `node server/dist/main.js --role edge` and `workers` of `--role worker`, each its own OS
 * process, as in production. The admin password is random per run.
 */
export interface VarselCluster {
  redis: BenchRedis;
  servers: ServerSet;
  password: string;
  /** A logged-in API client per edge (a session is valid on every edge; each edge serves its own). */
  clients: VarselClient[];
  /** Where each process serves Prometheus metrics: edges on their HTTP port, workers on METRICS_PORT. */
  metricsSources(): { edges: MetricsSource[]; workers: MetricsSource[] };
  stop(): Promise<void>;
}

// 30 s: sending a siren while 15,000 agents reconnect to the same edge can be slow; a hung server still fails.
const API_TIMEOUT_MS = 30_000;

/** Web Push for the servers: their VAPID keys, and the push service's certificate to trust. */
export interface ClusterPush {
  vapid: { publicKey: string; privateKey: string };
  caFile: string;
  afterMs: number;
}

export async function startVarselCluster(
  group: ProcessGroup,
  o: { edges: number; workers: number; nodeArgs: string[]; signal?: AbortSignal; push?: ClusterPush | undefined },
): Promise<VarselCluster> {
  if (!existsSync(VARSEL_MAIN)) throw new Error(`${VARSEL_MAIN} is missing: run npm run build first`);
  const redis = await startRedis(group, 'varsel-redis', o.signal);
  const password = randomBytes(18).toString('base64url');
  const env = (extra: Record<string, string>): Record<string, string> => ({
    NODE_ENV: 'production',
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    VARSEL_ADMIN_PASSWORD: password,
    HOST: '127.0.0.1',
    ...(o.push
      ? {
          VAPID_PUBLIC_KEY: o.push.vapid.publicKey,
          VAPID_PRIVATE_KEY: o.push.vapid.privateKey,
          VAPID_SUBJECT: 'mailto:kit-drift@kk.dk',
          PUSH_CA_FILE: o.push.caFile,
          PUSH_AFTER_MS: String(o.push.afterMs),
        }
      : {}),
    ...extra,
  });
  const edgeSpec = (_i: number, port: number): LaunchSpec => ({
    command: process.execPath,
    args: [...o.nodeArgs, VARSEL_MAIN, '--role', 'edge'],
    // warn: one line per connection or report would cost the edge more than the work measured.
    env: env({ PORT: String(port), LOG_LEVEL: 'warn' }),
    // main.ts prints "is running" on stdout whatever the log level; "listening" at info.
    ready: ['is running', '"listening"'],
  });
  const workerMetricsPorts: number[] = [];
  let servers: ServerSet;
  try {
    servers = await ServerSet.start(group, {
      label: 'varsel-',
      edges: o.edges,
      backends: o.workers,
      backendName: 'worker',
      edgeSpec,
      // info: the worker logs once per fan-out job ("alert fanned out"), which is cheap and useful.
      backendSpec: async () => {
        // A port of its own for each worker's /metrics (the default, 9464, would be shared).
        const metricsPort = await freePort();
        workerMetricsPorts.push(metricsPort);
        return { command: process.execPath, args: [...o.nodeArgs, VARSEL_MAIN, '--role', 'worker'], env: env({ LOG_LEVEL: 'info', METRICS_PORT: String(metricsPort) }), ready: ['"worker started"'] };
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const stop = async (): Promise<void> => {
    await servers.stop();
    await redis.stop();
  };
  try {
    const clients: VarselClient[] = [];
    for (const e of servers.edges) clients.push((await VarselClient.login(e.url, 'admin', password, API_TIMEOUT_MS)).client);
    const metricsSources = (): { edges: MetricsSource[]; workers: MetricsSource[] } => ({
      edges: servers.edges.map((e) => ({ name: e.name, url: `${e.url}/metrics` })),
      workers: workerMetricsPorts.map((port, i) => ({ name: `varsel-worker-${i}`, url: `http://127.0.0.1:${port}/metrics` })),
    });
    return { redis, servers, password, clients, metricsSources, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
