import { Queue } from 'bullmq';
import { z } from 'zod';
import type { Redis } from '../store/redis.js';
import { FIRST_PUSH, type PushRun } from '../push/push-escalation.js';

export const LIFECYCLE_QUEUE = 'lifecycle';

export type LifecycleJob =
  /** At the thread's expiry: pending devices become expired, the thread leaves replay. */
  | { type: 'expire'; alertId: string }
  /** Sound an unacknowledged siren again; schedules the next repeat while the siren is active. */
  | { type: 'repeat'; alertId: string; n: number }
  /**
   * Wake by push the devices that have not reported the message delivered: a while after its
   * fan-out, and (not acknowledged) at each repeat of a siren; and retry those it failed for.
   * Without `run`, `notYet` and `retry` (as queued by earlier versions): the first wake-up.
   */
  | ({ type: 'push'; alertId: string } & Partial<PushRun>)
  /** Every 15 s: enqueue the fan-out of any live message still queued (its edge died before enqueueing it). */
  | { type: 'sweep' };

/** A push job's data, checked: a job is input too (another version, or a hand-made one). */
export const PushJobSchema = z.object({
  type: z.literal('push'),
  alertId: z.uuid(),
  run: z.string().regex(/^(fanout|repeat-\d{1,6})$/, 'run must be fanout or repeat-<n>').default(FIRST_PUSH.run),
  notYet: z.enum(['delivered', 'acknowledged']).default(FIRST_PUSH.notYet),
  retry: z.number().int().min(0).max(10).default(FIRST_PUSH.retry),
});

/** 15 s between sweeps; a message is swept once it has been queued for 10 s. */
export const SWEEP_EVERY_MS = 15_000;
export const SWEEP_AFTER_MS = 10_000;

/**
 * Delayed jobs of an alert's life after its fan-out. Job ids make each one idempotent: adding the
 * same expiry or the same repeat twice keeps one job.
 */
export class LifecycleQueue {
  readonly queue: Queue<LifecycleJob>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<LifecycleJob>(LIFECYCLE_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  async scheduleExpiry(alertId: string, expiresAtMs: number, now = Date.now()): Promise<void> {
    await this.queue.add('expire', { type: 'expire', alertId }, { jobId: `expire-${alertId}-${expiresAtMs}`, delay: Math.max(0, expiresAtMs - now) });
  }

  async scheduleRepeat(alertId: string, n: number, delayMs: number): Promise<void> {
    await this.queue.add('repeat', { type: 'repeat', alertId, n }, { jobId: `repeat-${alertId}-${n}`, delay: delayMs });
  }

  /** A push wake-up of a message, `delayMs` from now; once per message, run and retry (the first one keeps the job id it always had). */
  async schedulePush(alertId: string, delayMs: number, run: PushRun = FIRST_PUSH): Promise<void> {
    const first = run.run === FIRST_PUSH.run && run.retry === 0;
    const jobId = first ? `push-${alertId}` : `push-${alertId}-${run.run}-${run.retry}`;
    await this.queue.add('push', { type: 'push', alertId, ...run }, { jobId, delay: delayMs });
  }

  /** Installs the sweep schedule (idempotent: every worker calls it at start). */
  async scheduleSweep(): Promise<void> {
    await this.queue.upsertJobScheduler('sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep', data: { type: 'sweep' } });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
