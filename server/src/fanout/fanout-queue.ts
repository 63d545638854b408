import { Queue } from 'bullmq';
import type { Redis } from '../store/redis.js';

export const FANOUT_QUEUE = 'fanout';

export interface FanoutJob {
  alertId: string;
}

/** BullMQ job ids may not contain ':' nor be all digits. */
export function fanoutJobId(alertId: string): string {
  return `alert-${alertId}`;
}

/**
 * The fan-out queue: exactly one job per alert (the job id dedupes a retried submit). Retries with
 * backoff cover a worker that dies mid-job; failed jobs are kept a week for forensics.
 */
export class FanoutQueue {
  readonly queue: Queue<FanoutJob>;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<FanoutJob>(FANOUT_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 20,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  async enqueue(alertId: string): Promise<void> {
    await this.queue.add('fanout', { alertId }, { jobId: fanoutJobId(alertId) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
