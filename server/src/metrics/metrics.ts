import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AlertKindSchema, MsgTypeSchema, PUSH_CHANNELS, ReportedStateSchema, type AlertKind, type PushChannel, type DisconnectReason, type MsgType, type ReportedState } from '@varsel/shared';
import type { ProcessRole } from '../config.js';
import type { Logger } from '../log.js';
import type { ReportOutcome } from '../store/delivery-store.js';
import { PUSH_RESULT_REASONS, type PushResultReason } from '../push/channel.js';

/** What became of a report, as a label: the store's outcomes, plus `failed` (not written; the agent resends). */
export type ReportResult = ReportOutcome | 'failed';
/**
 * What became of one attempt of a fan-out job: `completed`; `retried` (it failed and will run
 * again); `failed` (for good: no attempts left, or unrecoverable); `stalled` (its worker died or
 * hung, and the job went back to the queue for another).
 */
export type FanoutJobResult = 'completed' | 'retried' | 'failed' | 'stalled';

/** A BullMQ queue as the scrape sees it (structural, so tests can hand in a fake). */
export interface JobCountSource {
  readonly name: string;
  getJobCounts(...types: QueueState[]): Promise<Record<string, number>>;
}

/** The queue states worth watching. Not `completed`: its count is capped by removeOnComplete. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

const REPORT_RESULTS: readonly ReportResult[] = ['recorded', 'unchanged', 'not-targeted', 'failed'];
const FANOUT_JOB_RESULTS: readonly FanoutJobResult[] = ['completed', 'retried', 'failed', 'stalled'];

// Up to 30 s: a fan-out is one Lua call and one broadcast (milliseconds), but a 50,000-device
// audience or a Redis under load can take seconds, and that tail is what an operator looks for.
const FANOUT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Up to ACK_BATCH_MAX's ceiling of 10,000.
const BATCH_SIZE_BUCKETS = [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
// One round trip: sub-millisecond on loopback, tens of ms on a loaded Redis.
const BATCH_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** 1 s: a scrape must never hang on Redis (Prometheus' default scrape timeout is 10 s). */
export const QUEUE_SCRAPE_TIMEOUT_MS = 1000;

/**
 * Node's default metrics (CPU, memory, event loop lag, GC), one set per process and role. prom-client
 * cannot stop their collectors (a GC observer, an event-loop histogram), so they are made once and
 * shared by every app of that role in the process: production runs one app per process, tests many.
 */
const processRegistries = new Map<ProcessRole, Registry>();
function processRegistry(role: ProcessRole): Registry {
  let r = processRegistries.get(role);
  if (!r) {
    r = new Registry();
    r.setDefaultLabels({ role });
    collectDefaultMetrics({ register: r, prefix: 'varsel_' });
    processRegistries.set(role, r);
  }
  return r;
}

/**
 * The Prometheus metrics of one Varsel process, in its own registry, every series labelled with the
 * process's `role`. Created in app.ts and handed to the parts that record. The hottest path, one
 * report per agent and state, increments a pre-bound counter; nothing is labelled per device or
 * per alert.
 * Gauges that mirror state (connections, queues, Redis) are read when Prometheus scrapes.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly alertsAccepted: Counter<'kind' | 'msg_type'>;
  private readonly reports: Record<ReportedState, Record<ReportResult, Counter.Internal>>;
  private readonly reportBatchSize: Histogram;
  private readonly reportBatchSeconds: Histogram;
  private readonly replayedMessages: Counter;
  private readonly replayReads: Counter;
  private readonly handshakeRefusals: Counter<'reason'>;
  private readonly upgradesAbandoned: Counter;
  private readonly fanoutSeconds: Histogram;
  private readonly fanoutJobs: Counter<'result'>;
  private readonly pushResults: Counter<'channel' | 'reason'>;
  private readonly pushUnregisteredDevices: Counter;

  constructor(
    readonly role: ProcessRole,
    private readonly log: Logger,
  ) {
    this.registry.setDefaultLabels({ role });
    processRegistry(role);
    const registers = [this.registry];
    this.alertsAccepted = new Counter({
      name: 'varsel_alerts_accepted_total',
      help: 'Messages (alerts, updates, cancellations) stored and queued for fan-out by this edge, by kind and CAP msgType',
      labelNames: ['kind', 'msg_type'],
      registers,
    });
    const reports = new Counter({
      name: 'varsel_reports_total',
      help: 'Agent reports written by this edge, by reported state and outcome (recorded: the device moved forward; unchanged: a duplicate or late report; not_targeted: the device is not in the audience; failed: not written, the agent resends)',
      labelNames: ['state', 'outcome'],
      registers,
    });
    // Bound once: a report costs an increment, not a label lookup. Every series starts at 0, so
    // rate() sees the first report (Prometheus cannot rate a series that appears at 1).
    const bind = (s: ReportedState, o: ReportResult): Counter.Internal => {
      const child = reports.labels(s, o.replace('-', '_'));
      child.inc(0);
      return child;
    };
    this.reports = Object.fromEntries(ReportedStateSchema.options.map((s) => [s, Object.fromEntries(REPORT_RESULTS.map((o) => [o, bind(s, o)]))])) as Record<
      ReportedState,
      Record<ReportResult, Counter.Internal>
    >;
    this.reportBatchSize = new Histogram({
      name: 'varsel_report_batch_size',
      help: 'Reports written per Redis round trip by this edge',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.reportBatchSeconds = new Histogram({
      name: 'varsel_report_batch_duration_seconds',
      help: 'Time to write one batch of reports to Redis (one round trip: a script call per alert)',
      buckets: BATCH_BUCKETS_S,
      registers,
    });
    this.replayedMessages = new Counter({
      name: 'varsel_replayed_messages_total',
      help: 'Messages sent to agents by catch-up replay on connect (missed while offline, or not yet reported delivered)',
      registers,
    });
    this.replayReads = new Counter({
      name: 'varsel_replay_reread_total',
      help: 'Connections whose replay, read during the handshake, was read again after the join because a broadcast was applied in between',
      registers,
    });
    this.upgradesAbandoned = new Counter({
      name: 'varsel_upgrades_abandoned_total',
      help: 'Websocket upgrade requests dropped unanswered because the client had already closed the connection (it gave up waiting, as in a reconnect storm), including those that closed while they waited for their turn',
      registers,
    });
    this.handshakeRefusals = new Counter({
      name: 'varsel_handshake_refusals_total',
      help: 'Agent connections refused at the handshake, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.fanoutSeconds = new Histogram({
      name: 'varsel_fanout_duration_seconds',
      help: 'Time for a worker to fan out one message: fix the audience, broadcast once, mark it done',
      buckets: FANOUT_BUCKETS_S,
      registers,
    });
    this.fanoutJobs = new Counter({
      name: 'varsel_fanout_jobs_total',
      help: 'Fan-out job attempts finished by this worker, by result (completed, retried, failed for good, stalled)',
      labelNames: ['result'],
      registers,
    });
    this.pushResults = new Counter({
      name: 'varsel_push_results_total',
      help: 'Push wake-ups sent by this worker to devices that had not reported a message delivered, by channel (webpush, fcm) and result (sent, gone, rate_limited, rejected, payload_too_large, unavailable, network, skipped after repeated failures of the service, error)',
      labelNames: ['channel', 'reason'],
      registers,
    });
    this.pushUnregisteredDevices = new Counter({
      name: 'varsel_push_unregistered_total',
      help: 'Devices that had not reported a message delivered when its push was due and had no registration on any configured push channel',
      registers,
    });
    for (const result of FANOUT_JOB_RESULTS) this.fanoutJobs.inc({ result }, 0);
    for (const channel of PUSH_CHANNELS) for (const reason of PUSH_RESULT_REASONS) this.pushResults.inc({ channel, reason }, 0);
    for (const kind of AlertKindSchema.options) for (const msgType of MsgTypeSchema.options) this.alertsAccepted.inc({ kind, msg_type: msgType }, 0);
  }

  alertAccepted(kind: AlertKind, msgType: MsgType): void {
    this.alertsAccepted.inc({ kind, msg_type: msgType });
  }

  report(state: ReportedState, result: ReportResult): void {
    this.reports[state][result].inc();
  }

  reportBatch(size: number, seconds: number): void {
    this.reportBatchSize.observe(size);
    this.reportBatchSeconds.observe(seconds);
  }

  replayed(messages: number): void {
    if (messages > 0) this.replayedMessages.inc(messages);
  }

  replayReadAgain(): void {
    this.replayReads.inc();
  }

  upgradeAbandoned(): void {
    this.upgradesAbandoned.inc();
  }

  handshakeRefused(reason: DisconnectReason): void {
    this.handshakeRefusals.inc({ reason });
  }

  fanoutDone(seconds: number): void {
    this.fanoutSeconds.observe(seconds);
  }

  fanoutJob(result: FanoutJobResult): void {
    this.fanoutJobs.inc({ result });
  }

  pushResult(channel: PushChannel, reason: PushResultReason): void {
    this.pushResults.inc({ channel, reason });
  }

  pushUnregistered(devices: number): void {
    if (devices > 0) this.pushUnregisteredDevices.inc(devices);
  }

  /** An edge's live connections, and its upgrades waiting for their handshake, read at each scrape. */
  trackConnections(count: { agents: () => number; consoles: () => number; upgradesWaiting: () => number }): void {
    this.readAtScrape(
      'varsel_upgrades_waiting',
      'Websocket upgrades accepted by this edge and waiting for a place in the handshake (UPGRADES_IN_PROGRESS_MAX; a reconnect storm)',
      count.upgradesWaiting,
    );
    this.readAtScrape('varsel_connected_agents', 'Agents connected to this edge', count.agents);
    this.readAtScrape('varsel_connected_consoles', 'Consoles connected to this edge', count.consoles);
  }

  /** Reports an edge has taken and not yet written to Redis, read at each scrape. */
  trackReports(waiting: () => number): void {
    this.readAtScrape('varsel_reports_waiting', 'Agent reports taken by this edge and waiting for their batch to Redis (ACK_BATCH_MAX a batch, two batches in flight)', waiting);
  }

  /** 1 while the process's store connection to Redis is ready, read at each scrape. */
  trackRedis(isUp: () => boolean): void {
    this.readAtScrape('varsel_redis_up', "1 when this process's Redis connection is ready, else 0", () => (isUp() ? 1 : 0));
  }

  /** A gauge whose value is asked for at each scrape. */
  private readAtScrape(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * Job counts of the queues, read from Redis at each scrape and given up after `timeoutMs`. The
   * counts are the same seen from every process (so a missing worker still shows as a growing
   * `waiting`); aggregate with max, not sum. On a failure the series are left out, not stale.
   */
  trackQueues(queues: readonly JobCountSource[], timeoutMs = QUEUE_SCRAPE_TIMEOUT_MS): void {
    const log = this.log;
    new Gauge({
      name: 'varsel_queue_jobs',
      help: 'Jobs in a BullMQ queue by state (the same from every process: aggregate with max)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const counts = await withTimeout(
            Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_STATES))),
            timeoutMs,
            `queue counts took longer than ${timeoutMs} ms`,
          );
          counts.forEach((c, i) => {
            const queue = queues[i]?.name ?? '?';
            for (const state of QUEUE_STATES) this.set({ queue, state }, c[state] ?? 0);
          });
        } catch (err) {
          log.warn({ err }, 'could not read queue counts for /metrics');
        }
      },
    });
  }

  /** The scrape: this app's metrics, then the process's default metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processRegistry(this.role).metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${proc}` };
  }
}

/** `p`, or a rejection with `message` after `ms`; the timer never holds the process open. */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
