import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

export type { Redis };

/**
 * What a connection is for decides how it behaves while Redis is away:
 * - `command`: the stores behind HTTP and sockets. A command waits for a reconnect at most a
 *   couple of retries, then fails, so the caller answers 503 instead of hanging.
 * - `realtime`: like `command`, for an edge's agent handshakes and replay: many small commands
 *   that depend on no other connection's order. Auto-pipelined: every command
 *   issued in one turn of the event loop leaves in one write and comes back in one read, so a
 *   reconnect storm of thousands of handshakes costs Redis and the edge a few system calls per
 *   turn instead of two per command.
 * - `blocking`: BullMQ workers and the adapter's stream reader. BullMQ requires
 *   maxRetriesPerRequest null; these connections wait for Redis as long as it takes.
 */
export type ConnectionPurpose = 'command' | 'realtime' | 'blocking';

export function createRedis(url: string, purpose: ConnectionPurpose, name: string, log: Logger): Redis {
  const opts: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    // 1 s .. 5 s between reconnect attempts, forever: an alerting system outlives a Redis restart.
    retryStrategy: (times) => Math.min(1000 + times * 250, 5000),
    maxRetriesPerRequest: purpose === 'blocking' ? null : 2,
    enableReadyCheck: true,
    enableAutoPipelining: purpose === 'realtime',
    // A Sentinel/replica failover turns the old master read-only: reconnect to the new one.
    reconnectOnError: (err) => (err.message.includes('READONLY') ? 2 : false),
  };
  const redis = new Redis(url, opts);
  let wasDown = false;
  redis.on('error', (err: Error) => {
    // ioredis reports every failed reconnect; log the first of a run at warn, the rest at debug.
    if (!wasDown) log.warn({ err, connection: name }, 'redis connection error');
    else log.debug({ err, connection: name }, 'redis connection error');
    wasDown = true;
  });
  redis.on('ready', () => {
    if (wasDown) log.info({ connection: name }, 'redis connection restored');
    wasDown = false;
  });
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Closes a connection politely, falling back to a hard disconnect when Redis is unreachable. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((r) => setTimeout(r, 1000))]);
  } catch {
    // quit fails when the connection is already broken; the disconnect below ends it either way.
  }
  redis.disconnect();
}
