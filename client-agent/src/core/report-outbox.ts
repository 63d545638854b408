import type { AlertReport } from '@varsel/shared';

/** 1,000 reports: three per alert for a few hundred alerts, far beyond any real backlog. */
export const OUTBOX_LIMIT = 1000;

/** A report handed out for sending. The attempt number tells a late answer from a current one. */
export interface OutboxLease {
  readonly report: AlertReport;
  readonly attempt: number;
}

interface Entry {
  report: AlertReport;
  /** The attempt in flight, or undefined while the report waits to be sent. */
  inFlight: number | undefined;
}

const keyOf = (report: AlertReport): string => `${report.alertId}:${report.state}`;

/**
 * Reports the server has not confirmed yet, oldest first. A report leaves only when the server
 * answers it; one that got no answer (timeout, disconnect) goes back to waiting and is sent again
 * after the next connect, in its original place so the order delivered → displayed → acknowledged
 * holds. Bounded: when full, the oldest report is dropped (and returned so the caller logs it).
 *
 * Durable through its owner: the ReportSender saves `snapshot()` with the agent state after every
 * change, and a new run starts from it (`initial`).
 */
export class ReportOutbox {
  private readonly entries = new Map<string, Entry>();
  private attempts = 0;

  constructor(
    private readonly limit: number = OUTBOX_LIMIT,
    initial: readonly AlertReport[] = [],
  ) {
    for (const report of initial) this.add(report);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Queues a report; a report already queued stays where it is. Returns a report dropped to make room. */
  add(report: AlertReport): AlertReport | undefined {
    const key = keyOf(report);
    if (this.entries.has(key)) return undefined;
    this.entries.set(key, { report: { ...report }, inFlight: undefined });
    if (this.entries.size <= this.limit) return undefined;
    const [oldestKey, oldest] = this.entries.entries().next().value ?? [];
    if (oldestKey === undefined || oldest === undefined) return undefined;
    this.entries.delete(oldestKey);
    return oldest.report;
  }

  /** The reports waiting to be sent, oldest first, now marked as in flight. */
  take(): OutboxLease[] {
    const leases: OutboxLease[] = [];
    for (const entry of this.entries.values()) {
      if (entry.inFlight !== undefined) continue;
      this.attempts += 1;
      entry.inFlight = this.attempts;
      leases.push({ report: entry.report, attempt: this.attempts });
    }
    return leases;
  }

  /** The server answered: the report is done. A stale lease (an older attempt) changes nothing. */
  settle(lease: OutboxLease): void {
    const entry = this.current(lease);
    if (entry !== undefined) this.entries.delete(keyOf(lease.report));
  }

  /** No answer: the report waits to be sent again. A stale lease changes nothing. */
  release(lease: OutboxLease): void {
    const entry = this.current(lease);
    if (entry !== undefined) entry.inFlight = undefined;
  }

  /** The connection is gone: nothing is in flight any more. */
  releaseAll(): void {
    for (const entry of this.entries.values()) entry.inFlight = undefined;
  }

  /** Every unconfirmed report, oldest first: what is written to disk with the state. */
  snapshot(): AlertReport[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.report }));
  }

  private current(lease: OutboxLease): Entry | undefined {
    const entry = this.entries.get(keyOf(lease.report));
    return entry?.inFlight === lease.attempt ? entry : undefined;
  }
}
