import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { freePort, type ProcessGroup } from './processes.js';
import { startRedis, type BenchRedis } from './redis.js';
import { ServerSet, type LaunchSpec } from './server-set.js';

// From source (vitest) and from the build alike, the server runs from dist (see agent-pool.ts).
const BARE_JS = fileURLToPath(new URL('../../dist/bench/bare-server.js', import.meta.url));

/**
 * The bare socket.io set of scenario b (bare-server.ts): as many edges and emitters as Varsel has
 * edges and workers, on a private Redis of the same configuration.
 */
export interface BareCluster {
  redis: BenchRedis;
  servers: ServerSet;
  /** Emits one broadcast through emitter 0; resolves with its alert id. */
  trigger(): Promise<string>;
  stop(): Promise<void>;
}

const TriggerAnswer = z.object({ id: z.string() });

export async function startBareCluster(group: ProcessGroup, o: { edges: number; emitters: number; nodeArgs: string[]; signal?: AbortSignal }): Promise<BareCluster> {
  const redis = await startRedis(group, 'bare-redis', o.signal);
  const spec = (role: 'edge' | 'emitter', port: number): LaunchSpec => ({
    command: process.execPath,
    args: [...o.nodeArgs, BARE_JS],
    env: { BARE_ROLE: role, PORT: String(port), REDIS_URL: redis.url, NODE_ENV: 'production' },
    ready: ['"listening"'],
  });
  const emitterPorts: number[] = [];
  let servers: ServerSet;
  try {
    servers = await ServerSet.start(group, {
      label: 'bare-',
      edges: o.edges,
      backends: o.emitters,
      backendName: 'emitter',
      edgeSpec: (_i, port) => spec('edge', port),
      backendSpec: async () => {
        const port = await freePort();
        emitterPorts.push(port);
        return spec('emitter', port);
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const triggerUrl = `http://127.0.0.1:${emitterPorts[0] ?? 0}/trigger`;
  return {
    redis,
    servers,
    async trigger() {
      const res = await fetch(triggerUrl, { method: 'POST', signal: AbortSignal.timeout(30_000) });
      if (res.status !== 201) throw new Error(`POST ${triggerUrl}: ${res.status}`);
      return TriggerAnswer.parse(await res.json()).id;
    },
    async stop() {
      await servers.stop();
      await redis.stop();
    },
  };
}
