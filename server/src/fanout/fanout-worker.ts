import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import type { Redis } from '../store/redis.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeviceStore } from '../store/device-store.js';
import type { Directory } from '../directory/directory.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { audienceRooms } from '../realtime/rooms.js';
import { FANOUT_QUEUE, type FanoutJob } from './fanout-queue.js';

export interface FanoutDeps {
  alerts: AlertStore;
  devices: DeviceStore;
  directory: Directory;
  broadcaster: Broadcaster;
  log: Logger;
}

/**
 * One fan-out job per alert: fix the audience (the expected device set, once), emit the alert
 * once to the audience's rooms through the adapter, mark it done. A retried job emits again,
 * which agents absorb by deduplicating on the alert id (at-least-once).
 */
export async function runFanout(d: FanoutDeps, alertId: string): Promise<{ targeted: number; rooms: number }> {
  const alert = await d.alerts.get(alertId);
  if (!alert) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  const units = await d.directory.resolveAudience(alert.audience);
  const targeted = await d.alerts.startFanout(alert.id, d.devices.audienceSetKeys(units));
  const agentRooms = audienceRooms(units);
  d.broadcaster.alertToAgents(agentRooms, alert);
  // The adapter publishes on the same Redis connection as the store, so this write is ordered after
  // the broadcast: "done" is never recorded for an alert whose broadcast did not reach Redis.
  await d.alerts.markFanoutDone(alert.id);
  d.broadcaster.countsToConsoles(alert.id, await d.alerts.counts(alert.id));
  return { targeted, rooms: agentRooms.length };
}

export function startFanoutWorker(
  d: FanoutDeps,
  opts: { connection: Redis; prefix: string; concurrency: number },
): Worker<FanoutJob> {
  const log = d.log;
  const worker = new Worker<FanoutJob>(
    FANOUT_QUEUE,
    async (job: Job<FanoutJob>) => {
      const started = performance.now();
      const alertId = job.data.alertId;
      if (typeof alertId !== 'string') throw new UnrecoverableError('fan-out job without alertId');
      const res = await runFanout(d, alertId);
      log.info({ alertId, jobId: job.id, ...res, ms: Math.round(performance.now() - started) }, 'alert fanned out');
      return res;
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency },
  );
  worker.on('failed', (job, err) => log.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'fan-out job failed'));
  worker.on('error', (err) => log.error({ err }, 'fan-out worker error'));
  return worker;
}
