import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import type { Redis } from '../store/redis.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { DeviceStore } from '../store/device-store.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { FanoutJobResult, Metrics } from '../metrics/metrics.js';
import { audienceRooms } from '../realtime/rooms.js';
import { FANOUT_QUEUE, type FanoutJob } from './fanout-queue.js';
import type { LifecycleQueue } from './lifecycle-queue.js';

export interface FanoutDeps {
  alerts: AlertStore;
  delivery: DeliveryStore;
  devices: DeviceStore;
  lifecycle: LifecycleQueue;
  broadcaster: Broadcaster;
  log: Logger;
  /** Wake devices by push this long after the fan-out when they have not reported delivered; undefined: no push channel. */
  pushAfterMs?: number | undefined;
}

/**
 * One fan-out job per message (alert, update or cancellation): emit the message once to the
 * audience's rooms through the adapter, then fix the audience (the expected device set, once) and
 * mark it done. A retried job emits again, which agents absorb by deduplicating on the id (at
 * least once).
 */
export async function runFanout(d: FanoutDeps, alertId: string, faultDelayMs = 0): Promise<{ targeted: number; rooms: number }> {
  const [alert, storedUnits] = await Promise.all([d.alerts.get(alertId), d.alerts.units(alertId)]);
  if (!alert) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  const units = storedUnits ?? 'all';
  const setKeys = d.devices.audienceSetKeys(units);
  const originalId = alert.references ?? alert.id;
  const thread = await d.alerts.threadState(originalId);
  // An expired thread is never sent again (a job retried after expiry must not revive it).
  if (thread.status === 'expired') {
    const targeted = await d.alerts.fixAudience(alert.id, setKeys);
    await d.alerts.markFanoutDone(alert.id);
    return { targeted, rooms: 0 };
  }
  if (faultDelayMs > 0) {
    d.log.warn({ alertId, ms: faultDelayMs }, 'fault injection: holding the fan-out before its broadcast');
    await new Promise((r) => setTimeout(r, faultDelayMs));
  }
  const agentRooms = audienceRooms(units);
  d.broadcaster.alertToAgents(agentRooms, alert);
  // The adapter publishes on the store's Redis connection, so this write is answered only after
  // Redis took the broadcast and answered the edges' blocked reads with it; the union below is
  // sent after that answer.
  await d.alerts.markBroadcast(alert.id);
  // Fixing the audience only now keeps its union of up to 50,000 device ids (tens of ms of Redis
  // time) out of the siren's path. Until it is fixed, RECORD_REPORTS admits a report by the
  // device's org unit (and adds the device to the set the union keeps); "done" is recorded last,
  // so it still means broadcast and audience fixed.
  const targeted = await d.alerts.fixAudience(alert.id, setKeys);
  await d.alerts.markFanoutDone(alert.id);
  if (alert.msgType === 'cancel') await d.delivery.markFinal(originalId, 'cancelled');
  if (d.pushAfterMs !== undefined) await d.lifecycle.schedulePush(alert.id, d.pushAfterMs);
  if (alert.msgType === 'alert' && alert.kind === 'siren' && alert.repeatMinutes) {
    await d.lifecycle.scheduleRepeat(alert.id, 1, alert.repeatMinutes * 60_000);
  }
  d.broadcaster.countsToConsoles(originalId, await d.alerts.counts(originalId));
  return { targeted, rooms: agentRooms.length };
}

/** How a failed attempt ends (BullMQ has already counted the attempt when it emits `failed`). */
export function failedAttemptResult(job: Pick<Job, 'attemptsMade' | 'opts'> | undefined, err: Error): FanoutJobResult {
  const unrecoverable = err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
  return job && !unrecoverable && job.attemptsMade < (job.opts.attempts ?? 1) ? 'retried' : 'failed';
}

export function startFanoutWorker(
  d: FanoutDeps,
  opts: { connection: Redis; prefix: string; concurrency: number; lockMs: number; faultDelayMs: number; metrics: Metrics },
): Worker<FanoutJob> {
  const log = d.log;
  const worker = new Worker<FanoutJob>(
    FANOUT_QUEUE,
    async (job: Job<FanoutJob>) => {
      const started = performance.now();
      const alertId = job.data.alertId;
      if (typeof alertId !== 'string') throw new UnrecoverableError('fan-out job without alertId');
      const res = await runFanout(d, alertId, opts.faultDelayMs);
      opts.metrics.fanoutDone((performance.now() - started) / 1000);
      log.info({ alertId, jobId: job.id, ...res, ms: Math.round(performance.now() - started) }, 'alert fanned out');
      return res;
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      // A worker that dies mid-job holds its lock until it lapses; then another worker runs the job again.
      lockDuration: opts.lockMs,
      stalledInterval: Math.max(1000, Math.floor(opts.lockMs / 2)),
    },
  );
  worker.on('completed', () => opts.metrics.fanoutJob('completed'));
  worker.on('failed', (job, err) => {
    opts.metrics.fanoutJob(failedAttemptResult(job, err));
    log.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'fan-out job failed');
  });
  worker.on('stalled', (jobId) => {
    opts.metrics.fanoutJob('stalled');
    log.warn({ jobId }, 'fan-out job stalled (its worker stopped or hung); it runs again');
  });
  worker.on('error', (err) => log.error({ err }, 'fan-out worker error'));
  return worker;
}
