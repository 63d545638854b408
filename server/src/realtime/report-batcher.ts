import { VarselError } from '@varsel/shared';
import type { DeliveryStore, Report, ReportOutcome } from '../store/delivery-store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

/** Called once per report: with the outcome once it is in Redis, or with the error the agent is answered. */
export type ReportDone = (err: VarselError | null, outcome?: ReportOutcome) => void;

interface Pending {
  report: Report;
  done: ReportDone;
  /** When it was taken (performance.now()). */
  at: number;
}

/** Identifies the reports of one device about one alert (a UUID has no newline). */
function queuedKey(r: Report): string {
  return `${r.alertId}\n${r.deviceId}`;
}

// 2 batches written at once: while Redis runs one, the next is on its way (Redis runs them in the
// order sent, so a device's reports keep their order); more would only queue in Redis.
const IN_FLIGHT_MAX = 2;

// 3 s: how long a report other than an acknowledgement may wait before it goes ahead of the
// acknowledgements. The PC agent resends a report unanswered after 10 s.
const REPORT_DEFER_MAX_MS = 3_000;

/**
 * Gathers agent reports for a few milliseconds and writes them in one round trip (one script
 * call per alert), instead of one round trip each. Bounded: past `maxPending` new reports are
 * refused with UNAVAILABLE (the agent keeps them in its outbox and sends them again).
 *
 * Acknowledgements go first. Right after a broadcast every agent reports `delivered` at once, and
 * an edge holds thousands of those while Redis writes them; an acknowledgement (a person's answer,
 * the figure a duty officer watches) queued behind them would wait for all of them. It is written
 * in the next batch instead, unless a report of the same device and alert is still queued: then it
 * stays behind that one, so a device's reports are written in the order it sent them. Ahead of
 * the acknowledgements, though, only for a while: once the oldest other report has waited
 * `deferMaxMs`, batches take the other reports first again. Where the edges and Redis need longer
 * than an agent's report timeout to write a broadcast's reports (on slow hardware, the reports
 * of 45,000 agents took 12 s), `delivered` reports would otherwise wait behind every
 * acknowledgement sent meanwhile, and their agents would give up on them and send them again.
 */
export class ReportBatcher {
  /** Reports other than acknowledgements, oldest first. */
  private queue: Pending[] = [];
  /** Acknowledgements, oldest first: each batch takes these before `queue`. */
  private acks: Pending[] = [];
  /** How many reports of each device and alert are in `queue` (see queuedKey). */
  private readonly queued = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly delivery: DeliveryStore,
    private readonly opts: {
      flushMs: number;
      batchMax: number;
      maxPending: number;
      log: Logger;
      metrics: Metrics;
      onRecorded: (alertIds: Set<string>) => void;
      /** See the class comment; REPORT_DEFER_MAX_MS unless given. */
      deferMaxMs?: number;
    },
  ) {}

  /**
   * Queues a report; `done` is called once it is in Redis (a callback, not a promise: an edge
   * takes tens of thousands of reports a second, and each promise is garbage to collect).
   */
  add(report: Report, done: ReportDone): void {
    if (this.waiting() >= this.opts.maxPending) {
      this.opts.metrics.report(report.state, 'failed');
      done(new VarselError('UNAVAILABLE', 'Report queue is full; retry.'));
      return;
    }
    const key = queuedKey(report);
    const at = performance.now();
    if (report.state === 'acknowledged' && !this.queued.has(key)) {
      this.acks.push({ report, done, at });
    } else {
      this.queue.push({ report, done, at });
      this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
    }
    if (this.waiting() < this.opts.batchMax) {
      this.flushSoon();
    } else if (this.inFlight < IN_FLIGHT_MAX) {
      // A full batch leaves at once, not at the next timers phase: while an edge reads thousands of
      // frames in one poll phase, Redis runs the batch and its answer can be read in the same phase.
      this.clearTimer();
      this.pump();
    }
    // Otherwise the batch leaves when one in flight comes back (see pump).
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes what is queued once `flushMs` has passed, unless a write is already due. */
  private flushSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.opts.flushMs);
  }

  /** Reports taken and not yet on their way to Redis. */
  waiting(): number {
    return this.queue.length + this.acks.length;
  }

  /**
   * The next batch, at most `batchMax`: acknowledgements first, then the other reports; the other
   * reports first while the oldest of them has waited longer than deferMaxMs.
   */
  private nextBatch(): Pending[] {
    const oldest = this.queue[0];
    if (oldest && performance.now() - oldest.at > (this.opts.deferMaxMs ?? REPORT_DEFER_MAX_MS)) {
      const batch = this.takeOthers(this.opts.batchMax);
      batch.push(...this.acks.splice(0, this.opts.batchMax - batch.length));
      return batch;
    }
    const batch = this.acks.splice(0, this.opts.batchMax);
    if (batch.length < this.opts.batchMax) batch.push(...this.takeOthers(this.opts.batchMax - batch.length));
    return batch;
  }

  /** Up to `n` of the reports other than acknowledgements, oldest first. */
  private takeOthers(n: number): Pending[] {
    const taken = this.queue.splice(0, n);
    for (const p of taken) {
      const key = queuedKey(p.report);
      const count = this.queued.get(key) ?? 1;
      if (count > 1) this.queued.set(key, count - 1);
      else this.queued.delete(key);
    }
    return taken;
  }

  /** Starts writing batches while there are reports and room in flight. */
  private pump(): void {
    while (this.waiting() > 0 && this.inFlight < IN_FLIGHT_MAX) {
      const batch = this.nextBatch();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        if (this.waiting() > 0) this.pump();
        else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const outcomes = await this.delivery.recordReports(batch.map((p) => p.report));
      this.opts.metrics.reportBatch(batch.length, (performance.now() - started) / 1000);
      const touched = new Set<string>();
      batch.forEach((p, i) => {
        const o = outcomes[i] ?? 'unchanged';
        this.opts.metrics.report(p.report.state, o);
        if (o === 'recorded') touched.add(p.report.alertId);
        p.done(null, o);
      });
      if (touched.size > 0) this.opts.onRecorded(touched);
    } catch (err) {
      this.opts.log.warn({ err, reports: batch.length }, 'writing a report batch failed; agents will resend');
      const e = new VarselError('UNAVAILABLE');
      for (const p of batch) {
        this.opts.metrics.report(p.report.state, 'failed');
        p.done(e);
      }
    }
  }

  /** Writes what is queued and waits for every write (for shutdown). */
  async drain(): Promise<void> {
    this.clearTimer();
    this.pump();
    if (this.inFlight > 0 || this.waiting() > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
