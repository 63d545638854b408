import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AlertCounts } from '@varsel/shared';
import type { Logger } from '../log.js';
import type { Redis } from '../store/redis.js';
import type { AlertStore } from '../store/alert-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { audienceRooms } from '../realtime/rooms.js';
import { LIFECYCLE_QUEUE, PushJobSchema, SWEEP_AFTER_MS, type LifecycleJob, type LifecycleQueue } from './lifecycle-queue.js';
import type { FanoutQueue } from './fanout-queue.js';
import { pushWakeUp, type PushDeps } from '../push/push-escalation.js';

export interface LifecycleDeps {
  alerts: AlertStore;
  delivery: DeliveryStore;
  lifecycle: LifecycleQueue;
  fanout: FanoutQueue;
  broadcaster: Broadcaster;
  log: Logger;
  /** Present when a push channel is configured. */
  push?: PushDeps | undefined;
}

/**
 * Enqueues the fan-out (and expiry) of every live message still queued after SWEEP_AFTER_MS. An
 * edge stores a message before enqueueing its job and answers 2xx only after both; if it dies in
 * between, the message would otherwise sit unsent, yet be replayed to agents as they reconnect.
 * The job ids make this a no-op for messages whose job exists.
 */
export async function sweepQueued(d: LifecycleDeps, now = Date.now()): Promise<string[]> {
  const swept: string[] = [];
  for (const t of await d.alerts.liveThreads(now)) {
    for (const m of [t.original, ...t.messages]) {
      if (now - Date.parse(m.createdAt) < SWEEP_AFTER_MS) continue;
      if ((await d.alerts.fanoutState(m.id)) !== 'queued') continue;
      await d.fanout.enqueue(m.id);
      await d.lifecycle.scheduleExpiry(t.original.id, t.expiresAtMs);
      swept.push(m.id);
    }
  }
  return swept;
}

/** At a thread's expiry: its devices that had not finished become `expired`; replay forgets it. */
export async function expireThread(d: LifecycleDeps, alertId: string, now = Date.now()): Promise<{ expired: number } | 'not-yet'> {
  const state = await d.alerts.threadState(alertId, now);
  // The expiry was extended by an update: the job for the new expiry does the work.
  if (state.expiresAtMs > now) return 'not-yet';
  const view = await d.alerts.view(alertId, now);
  if (!view) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  let expired = 0;
  for (const id of [alertId, ...view.thread.map((m) => m.id)]) expired += await d.delivery.markFinal(id, 'expired', now);
  await d.alerts.dropLive(alertId);
  d.broadcaster.countsToConsoles(alertId, await d.alerts.counts(alertId));
  return { expired };
}

// 10,000 devices: one adapter message of about 0.4 MB of room names. With more still to
// acknowledge, one broadcast to the audience is cheaper than naming each device.
export const REPEAT_ADDRESSED_MAX = 10_000;

/** Whether a repeat is addressed device by device (true) or broadcast to the audience. */
export function repeatAddressed(counts: Pick<AlertCounts, 'targeted' | 'acknowledged'>, addressedMax: number): boolean {
  return counts.targeted - counts.acknowledged <= addressedMax;
}

/**
 * Sounds an active siren again on every device that has not acknowledged; schedules the next
 * time. While at most `addressedMax` have not acknowledged, the repeat is addressed to their
 * device rooms, so the tens of thousands who did are not sent it every few minutes (a fleet with
 * devices switched off never reaches 100 %). Above that, one broadcast to the audience; agents
 * that acknowledged (or never had the siren) ignore it.
 */
export async function repeatSiren(d: LifecycleDeps, alertId: string, n: number, addressedMax = REPEAT_ADDRESSED_MAX): Promise<'repeated' | 'finished'> {
  const alert = await d.alerts.get(alertId);
  if (!alert) throw new UnrecoverableError(`alert ${alertId} does not exist`);
  const state = await d.alerts.threadState(alertId);
  const counts = await d.alerts.counts(alertId);
  if (state.status !== 'active' || !alert.repeatMinutes) return 'finished';
  if (counts.targeted > 0 && counts.acknowledged >= counts.targeted) return 'finished';
  const devices = repeatAddressed(counts, addressedMax) ? await d.delivery.unacknowledged(alertId, addressedMax) : undefined;
  if (devices) d.broadcaster.repeatToDevices(devices, alertId);
  else d.broadcaster.repeatToAgents(audienceRooms((await d.alerts.units(alertId)) ?? 'all'), alertId);
  await d.lifecycle.scheduleRepeat(alertId, n + 1, alert.repeatMinutes * 60_000);
  // Devices without a live socket hear the repeat only if woken: those that have not acknowledged.
  if (d.push) await d.lifecycle.schedulePush(alertId, 0, { run: `repeat-${n}`, notYet: 'acknowledged', retry: 0 });
  return 'repeated';
}

export function startLifecycleWorker(d: LifecycleDeps, opts: { connection: Redis; prefix: string }): Worker<LifecycleJob> {
  const log = d.log;
  const worker = new Worker<LifecycleJob>(
    LIFECYCLE_QUEUE,
    async (job: Job<LifecycleJob>) => {
      const data = job.data;
      switch (data.type) {
        case 'expire': {
          const res = await expireThread(d, data.alertId);
          log.info({ alertId: data.alertId, res }, 'alert expiry');
          return res;
        }
        case 'repeat': {
          const res = await repeatSiren(d, data.alertId, data.n);
          log.debug({ alertId: data.alertId, n: data.n, res }, 'siren repeat');
          return res;
        }
        case 'push': {
          if (!d.push) {
            log.warn({ alertId: data.alertId }, 'push job skipped: no push channel is configured on this worker');
            return 'disabled';
          }
          const parsed = PushJobSchema.safeParse(data);
          if (!parsed.success) throw new UnrecoverableError(`bad push job ${JSON.stringify(data)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
          const { alertId, ...run } = parsed.data;
          const res = await pushWakeUp(d.push, alertId, run);
          log.info({ alertId, run, res }, 'push wake-up');
          return res;
        }
        case 'sweep': {
          const swept = await sweepQueued(d);
          if (swept.length > 0) log.warn({ swept }, 'enqueued the fan-out of messages whose edge stopped before enqueueing it');
          return swept.length;
        }
        default:
          throw new UnrecoverableError(`unknown lifecycle job ${JSON.stringify(data)}`);
      }
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: 4 },
  );
  worker.on('failed', (job, err) => log.error({ err, jobId: job?.id }, 'lifecycle job failed'));
  worker.on('error', (err) => log.error({ err }, 'lifecycle worker error'));
  return worker;
}
