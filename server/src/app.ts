import http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Worker } from 'bullmq';
import type { Config, ProcessRole } from './config.js';
import type { Logger } from './log.js';
import { Keys } from './store/keys.js';
import { closeRedis, createRedis, waitReady, type ConnectionPurpose, type Redis } from './store/redis.js';
import { withGapFreeStreamReads } from './store/stream-reader-position.js';
import { AlertStore } from './store/alert-store.js';
import { DeliveryStore } from './store/delivery-store.js';
import { DeviceStore } from './store/device-store.js';
import { SessionStore, UserStore } from './store/user-store.js';
import { DirectoryStore } from './store/directory-store.js';
import { AuditStore } from './store/audit-store.js';
import { PushStore } from './store/push-store.js';
import { setupPush } from './push/push-setup.js';
import { Directory } from './directory/directory.js';
import { DeviceService } from './directory/device-service.js';
import { AlertService } from './alerts/alert-service.js';
import { FanoutQueue } from './fanout/fanout-queue.js';
import { startFanoutWorker } from './fanout/fanout-worker.js';
import { LifecycleQueue } from './fanout/lifecycle-queue.js';
import { startLifecycleWorker } from './fanout/lifecycle-worker.js';
import { Replay } from './realtime/replay.js';
import { SETTLE_MAX_MS, UpgradeGate, admitUpgrades } from './realtime/upgrade-admission.js';
import { SlowConsumerGuard, type GuardedSocket } from './realtime/slow-consumer-guard.js';
import { Broadcaster, consoleNamespace, type AgentServer } from './realtime/broadcaster.js';
import { coalesceUpgradeWrites } from './realtime/write-coalescing.js';
import { attachAgentGateway } from './realtime/agent-gateway.js';
import { attachConsoleGateway } from './realtime/console-gateway.js';
import { ReportBatcher } from './realtime/report-batcher.js';
import { CountsPublisher } from './realtime/counts-publisher.js';
import { SessionAuth } from './auth/session-auth.js';
import { bootstrapAdmin } from './auth/bootstrap-admin.js';
import { createHttpApp } from './http/http-app.js';
import { Metrics } from './metrics/metrics.js';
import { createMetricsServer, metricsHandler } from './metrics/metrics-endpoint.js';
import { repoPath } from './paths.js';

export const VERSION = '0.1.0';

export interface AppDeps {
  config: Config;
  log: Logger;
  redisUrl: string;
  role: ProcessRole;
}

export interface VarselApp {
  /** The HTTP server of an edge (not listening yet); undefined for a worker. */
  httpServer: http.Server | undefined;
  io: AgentServer;
  /** A worker's /metrics server (not listening yet; main listens on METRICS_PORT); undefined for an edge, which serves /metrics itself. */
  metricsServer: http.Server | undefined;
  /** Set on the very first start when the admin password was generated: print it once. */
  firstAdmin: { username: string; generatedPassword?: string } | undefined;
  close(): Promise<void>;
}

const defaultConsoleDir = repoPath('web-console/dist');

/**
 * Wires a Varsel process for its role. Never listens: the caller (main, or a test) does, so tests
 * start it on port 0. Redis must be reachable within 10 s, else this rejects;
 * a file named in the configuration that cannot be used rejects with a ConfigError.
 */
export async function createApp({ config, log, redisUrl, role }: AppDeps): Promise<VarselApp> {
  const keys = new Keys(config.REDIS_PREFIX);
  const isEdge = role !== 'worker';
  const isWorker = role !== 'edge';
  // First: its files are read (a ConfigError, before anything is opened).
  const push = await setupPush(config, { worker: isWorker, log: log.child({ area: 'push' }) });
  const connections: Redis[] = [];
  const conn = (purpose: ConnectionPurpose, name: string): Redis => {
    const r = createRedis(redisUrl, purpose, `varsel-${role}-${name}`, log.child({ area: 'store' }));
    connections.push(r);
    return r;
  };
  const redis = conn('command', 'store');
  await waitReady(redis, 10_000);
  const metrics = new Metrics(role, log.child({ area: 'metrics' }));
  metrics.trackRedis(() => redis.status === 'ready');
  const serveMetrics = metricsHandler(metrics, { token: config.METRICS_TOKEN, log: log.child({ area: 'metrics' }) });

  const alertStore = new AlertStore(redis, keys);
  const delivery = new DeliveryStore(redis, keys);
  const deviceStore = new DeviceStore(redis, keys);
  const userStore = new UserStore(redis, keys);
  const audit = new AuditStore(redis, keys);
  const directory = new Directory(new DirectoryStore(redis, keys));
  await directory.seedDefaults();

  // The adapter publishes on `redis`, the same connection the stores write on (see runFanout), and
  // reads the stream on a duplicate of it that never skips what was published while it was away.
  const io: AgentServer = new Server({
    transports: ['websocket'],
    pingInterval: config.SOCKET_PING_INTERVAL_MS,
    pingTimeout: config.SOCKET_PING_TIMEOUT_MS,
    // 16 KiB: agent messages are a few hundred bytes.
    maxHttpBufferSize: 16_384,
    serveClient: false,
    adapter: createAdapter(withGapFreeStreamReads(redis), {
      streamName: keys.adapterStream,
      channelPrefix: keys.adapterStream,
      sessionKeyPrefix: keys.adapterSessions,
      // 100,000 entries: far more than the broadcasts of any crisis; each entry is one broadcast.
      maxLen: 100_000,
    }),
  });
  const broadcaster = new Broadcaster(io);
  const fanoutQueue = new FanoutQueue(redis, keys.bullPrefix);
  const lifecycle = new LifecycleQueue(redis, keys.bullPrefix);
  metrics.trackQueues([fanoutQueue.queue, lifecycle.queue]);
  const alertService = new AlertService({ alerts: alertStore, devices: deviceStore, directory, audit, fanout: fanoutQueue, lifecycle, broadcaster, metrics });

  let httpServer: http.Server | undefined;
  let upgrades: UpgradeGate | undefined;
  let batcher: ReportBatcher | undefined;
  let counts: CountsPublisher | undefined;
  let guard: SlowConsumerGuard | undefined;
  let firstAdmin: VarselApp['firstAdmin'];
  if (isEdge) {
    firstAdmin = await bootstrapAdmin(userStore, config.VARSEL_ADMIN_PASSWORD);
    const auth = new SessionAuth(userStore, new SessionStore(redis, keys), {
      ttlHours: config.SESSION_TTL_HOURS,
      maxAttempts: config.LOGIN_MAX_ATTEMPTS,
      secureCookies: config.PUBLIC_URL?.startsWith('https:') ?? false,
    });
    const deviceService = new DeviceService({ devices: deviceStore, directory, audit, broadcaster });
    const app = createHttpApp({
      auth,
      alerts: alertService,
      delivery,
      devices: deviceService,
      directory,
      users: userStore,
      audit,
      log,
      version: VERSION,
      webConsoleDir: config.WEB_CONSOLE_DIR ?? defaultConsoleDir,
      isReady: () => redis.status === 'ready',
      metrics: serveMetrics,
    });
    httpServer = http.createServer(app);
    io.attach(httpServer);
    coalesceUpgradeWrites(httpServer, io);
    const gate = new UpgradeGate(config.UPGRADES_IN_PROGRESS_MAX, SETTLE_MAX_MS, () => metrics.upgradeAbandoned());
    upgrades = gate;
    admitUpgrades(httpServer, gate, () => metrics.upgradeAbandoned());
    // A connected agent's or console's handshake is over: its place goes to the next upgrade waiting.
    io.on('connection', (socket) => gate.settled(socket.conn.request.socket));
    consoleNamespace(io).on('connection', (socket) => gate.settled(socket.conn.request.socket));
    const publisher = new CountsPublisher(alertStore, broadcaster, config.COUNTS_PUSH_MS, log.child({ area: 'realtime' }));
    counts = publisher;
    // Handshakes and replay on a connection of their own, auto-pipelined. Report batches are
    // already one command per alert: they go out at once on the store's connection, instead of
    // waiting for the next turn of a busy event loop.
    const realtime = conn('realtime', 'realtime');
    batcher = new ReportBatcher(delivery, {
      flushMs: config.ACK_FLUSH_MS,
      batchMax: config.ACK_BATCH_MAX,
      // 100,000 reports in memory at most (about 20 MB) before agents are told to retry.
      maxPending: 100_000,
      log: log.child({ area: 'realtime' }),
      metrics,
      onRecorded: (ids) => publisher.touch(ids),
    });
    attachAgentGateway(io, {
      devices: new DeviceStore(realtime, keys),
      batcher,
      replay: new Replay(new AlertStore(realtime, keys), new DeliveryStore(realtime, keys)),
      log: log.child({ area: 'realtime' }),
      metrics,
      push: { store: new PushStore(realtime, keys), config: push.config },
    });
    metrics.trackConnections({ agents: () => io.of('/').sockets.size, consoles: () => consoleNamespace(io).sockets.size, upgradesWaiting: () => upgrades?.waiting ?? 0 });
    metrics.trackReports(() => batcher?.waiting() ?? 0);
    // 5 s between checks: a slow socket can hold at most SOCKET_MAX_BUFFER_BYTES plus 5 s of alerts.
    guard = new SlowConsumerGuard(() => io.of('/').sockets.values() as Iterable<GuardedSocket>, {
      maxBytes: config.SOCKET_MAX_BUFFER_BYTES,
      everyMs: 5000,
      log: log.child({ area: 'realtime' }),
    }).start();
    attachConsoleGateway(consoleNamespace(io), { auth, alerts: alertService, log: log.child({ area: 'realtime' }) });
  }

  const workers: Worker[] = [];
  if (isWorker) {
    const fanoutLog = log.child({ area: 'fanout' });
    workers.push(
      startFanoutWorker(
        { alerts: alertStore, delivery, devices: deviceStore, lifecycle, broadcaster, log: fanoutLog, pushAfterMs: push.afterMs },
        {
          connection: conn('blocking', 'fanout-worker'),
          prefix: keys.bullPrefix,
          concurrency: config.FANOUT_CONCURRENCY,
          lockMs: config.FANOUT_LOCK_MS,
          faultDelayMs: config.FAULT_FANOUT_DELAY_MS,
          metrics,
        },
      ),
      startLifecycleWorker(
        {
          alerts: alertStore,
          delivery,
          lifecycle,
          fanout: fanoutQueue,
          broadcaster,
          log: fanoutLog,
          push:
            push.senders.length > 0
              ? {
                  alerts: alertStore,
                  delivery,
                  push: new PushStore(redis, keys),
                  senders: push.senders,
                  metrics,
                  log: log.child({ area: 'push' }),
                  retry: push.retry,
                  schedule: (alertId, delayMs, run) => lifecycle.schedulePush(alertId, delayMs, run),
                }
              : undefined,
        },
        { connection: conn('blocking', 'lifecycle-worker'), prefix: keys.bullPrefix },
      ),
    );
  }

  if (isWorker) await lifecycle.scheduleSweep();
  // An edge serves /metrics on its HTTP app; a worker has no other HTTP, so it gets a server of its own.
  const metricsServer = isEdge ? undefined : createMetricsServer(serveMetrics);

  let closed = false;
  return {
    httpServer,
    io,
    metricsServer,
    firstAdmin,
    async close() {
      if (closed) return;
      closed = true;
      counts?.stop();
      guard?.stop();
      if (isEdge) {
        // Agents reconnect to another edge at once instead of waiting for a heartbeat to fail.
        io.local.emit('session:ended', { reason: 'SERVER_SHUTDOWN' });
        // Upgrades not yet connected are closed too: their agents try another edge.
        upgrades?.close();
      }
      await Promise.all(workers.map((w) => w.close()));
      await batcher?.drain();
      if (httpServer) {
        await new Promise<void>((resolve) => {
          void io.close(() => resolve());
        });
      } else {
        // A worker's server was never attached (no engine): close just its adapters' Redis readers.
        await Promise.all([io.of('/').adapter.close(), consoleNamespace(io).adapter.close()]);
      }
      if (metricsServer?.listening) {
        metricsServer.closeAllConnections();
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      }
      await push.close();
      await fanoutQueue.close();
      await lifecycle.close();
      await Promise.all(connections.map(closeRedis));
    },
  };
}
