import { VarselError } from '@varsel/shared';
import type { DeliveryStore, Report, ReportOutcome } from '../store/delivery-store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

interface Pending {
  report: Report;
  resolve: (o: ReportOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * Gathers agent reports for a few milliseconds and writes them in one pipeline of Lua calls,
 * instead of one round trip each. Bounded: past `maxPending` new reports are refused with
 * UNAVAILABLE (the agent keeps them in its outbox and sends them again).
 */
export class ReportBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

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

  /** Resolves once the report is in Redis. */
  add(report: Report): Promise<ReportOutcome> {
    if (this.queue.length >= this.opts.maxPending) {
      this.opts.metrics.report(report.state, 'failed');
      return Promise.reject(new VarselError('UNAVAILABLE', 'Report queue is full; retry.'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      if (this.queue.length >= this.opts.batchMax) this.flushSoon(0);
      else this.flushSoon(this.opts.flushMs);
    });
  }

  private flushSoon(ms: number): void {
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
        batch.forEach((p, i) => {
          const o = outcomes[i] ?? 'unchanged';
          this.opts.metrics.report(p.report.state, o);
          if (o === 'recorded') touched.add(p.report.alertId);
          p.resolve(o);
        });
        if (touched.size > 0) this.opts.onRecorded(touched);
      } catch (err) {
        this.opts.log.warn({ err, reports: batch.length }, 'writing a report batch failed; agents will resend');
        const e = new VarselError('UNAVAILABLE');
        for (const p of batch) {
          this.opts.metrics.report(p.report.state, 'failed');
          p.reject(e);
        }
      }
    }
  }

  /** Writes what is queued (for shutdown). */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.flushOnce());
    await this.flushing;
  }
}
