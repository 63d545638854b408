import { VarselError } from '@varsel/shared';
import type { DeliveryStore, Report, ReportOutcome } from '../store/delivery-store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

/** Called once per report: with the outcome once it is in Redis, or with the error the agent is answered. */
export type ReportDone = (err: VarselError | null, outcome?: ReportOutcome) => void;

interface Pending {
  report: Report;
  done: ReportDone;
  /** performance.now() when the report arrived. */
  since: number;
}

// 25 ms: a fan-out job fixes its audience within tens of ms of the broadcast.
const NOT_READY_RETRY_MS = 25;
// 5 s: a fan-out not done by then has stalled (its worker died, and another takes the job over
// after FANOUT_LOCK_MS); the agent keeps the report in its outbox and resends it.
const NOT_READY_GIVE_UP_MS = 5000;

/**
 * Gathers agent reports for a few milliseconds and writes them in one round trip (one script
 * call per alert), instead of one round trip each. Reports for an alert whose fan-out is not done
 * yet (they arrive between the broadcast and the fixing of the audience) are written again a
 * little later. Bounded: past `maxPending` new reports are refused with UNAVAILABLE (the agent
 * keeps them in its outbox and sends them again).
 */
export class ReportBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Reports waiting for their alert's fan-out to finish, by the timer that puts them back. */
  private readonly notReady = new Map<NodeJS.Timeout, Pending[]>();
  private notReadyCount = 0;
  private draining = false;

  constructor(
    private readonly delivery: DeliveryStore,
    private readonly opts: {
      flushMs: number;
      batchMax: number;
      maxPending: number;
      log: Logger;
      metrics: Metrics;
      onRecorded: (alertIds: Set<string>) => void;
    },
  ) {}

  /**
   * Queues a report; `done` is called once it is in Redis (a callback, not a promise: an edge
   * takes tens of thousands of reports a second, and each promise is garbage to collect).
   */
  add(report: Report, done: ReportDone): void {
    if (this.queue.length + this.notReadyCount >= this.opts.maxPending) {
      this.opts.metrics.report(report.state, 'failed');
      done(new VarselError('UNAVAILABLE', 'Report queue is full; retry.'));
      return;
    }
    this.queue.push({ report, done, since: performance.now() });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    const ms = this.queue.length >= this.opts.batchMax ? 0 : this.opts.flushMs;
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flushOnce());
    }, ms);
  }

  private async flushOnce(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.batchMax);
      const started = performance.now();
      try {
        const outcomes = await this.delivery.recordReports(batch.map((p) => p.report));
        this.opts.metrics.reportBatch(batch.length, (performance.now() - started) / 1000);
        const touched = new Set<string>();
        const later: Pending[] = [];
        batch.forEach((p, i) => {
          const o = outcomes[i] ?? 'unchanged';
          if (o === 'not-ready') {
            if (!this.draining && performance.now() - p.since < NOT_READY_GIVE_UP_MS) later.push(p);
            else {
              this.opts.metrics.report(p.report.state, 'failed');
              p.done(new VarselError('UNAVAILABLE', 'The alert is still being sent; retry.'));
            }
            return;
          }
          this.opts.metrics.report(p.report.state, o);
          if (o === 'recorded') touched.add(p.report.alertId);
          p.done(null, o);
        });
        if (touched.size > 0) this.opts.onRecorded(touched);
        if (later.length > 0) this.retryLater(later);
      } catch (err) {
        this.opts.log.warn({ err, reports: batch.length }, 'writing a report batch failed; agents will resend');
        const e = new VarselError('UNAVAILABLE');
        for (const p of batch) {
          this.opts.metrics.report(p.report.state, 'failed');
          p.done(e);
        }
      }
    }
  }

  private retryLater(items: Pending[]): void {
    this.notReadyCount += items.length;
    const timer = setTimeout(() => {
      this.notReady.delete(timer);
      this.notReadyCount -= items.length;
      this.queue.push(...items);
      this.scheduleFlush();
    }, NOT_READY_RETRY_MS);
    this.notReady.set(timer, items);
  }

  /** Writes what is queued, including reports waiting for a fan-out, once more (for shutdown). */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [timer, items] of this.notReady) {
      clearTimeout(timer);
      this.queue.push(...items);
    }
    this.notReady.clear();
    this.notReadyCount = 0;
    this.flushing = this.flushing.then(() => this.flushOnce());
    await this.flushing;
  }
}
