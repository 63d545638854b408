import { z } from 'zod';
import type { AlertReport, ReportedState } from '@varsel/shared';
import type { AgentSocket } from './agent-core.js';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';
import type { OutboxLease } from './report-outbox.js';
import { OUTBOX_LIMIT, ReportOutbox } from './report-outbox.js';

/** 10 s: an edge answers a report within milliseconds; past this the connection is presumed dead. */
export const REPORT_ACK_TIMEOUT_MS = 10_000;

const ReportAckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.object({ recorded: z.boolean() }) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.number(), message: z.string() }) }),
]);

export interface ReportSenderOptions {
  socket: AgentSocket;
  clock: Clock;
  log: Logger;
  backoff: BackoffOptions;
  random?: (() => number) | undefined;
  ackTimeoutMs: number;
  /** Reports left unconfirmed by the previous run (the durable outbox), oldest first. */
  initial: readonly AlertReport[];
  limit?: number;
  /** The outbox changed: a report was queued or the server answered one. The state should be saved. */
  changed: () => void;
}

/**
 * Sends `alert:report`s through the outbox: every report stays until the server answers it
 * (`ok: true`, or a 4xx `ok: false`, which it never will accept), in order; one that got no
 * answer, or a 5xx one (50301 UNAVAILABLE), is sent again while connected, with backoff, and
 * after every reconnect. The outbox is saved with the state (see `changed`), so a report given just
 * before the agent stopped is sent when it starts again (protocol §5).
 */
export class ReportSender {
  private readonly outbox: ReportOutbox;
  private readonly backoff: Backoff;
  private resendTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly o: ReportSenderOptions) {
    this.outbox = new ReportOutbox(o.limit ?? OUTBOX_LIMIT, o.initial);
    this.backoff = new Backoff(o.backoff, o.random);
  }

  get size(): number {
    return this.outbox.size;
  }

  /** Every unconfirmed report, oldest first: what is saved in the state. */
  snapshot(): AlertReport[] {
    return this.outbox.snapshot();
  }

  report(alertId: string, state: ReportedState): void {
    const dropped = this.outbox.add({ alertId, state });
    if (dropped !== undefined) this.o.log.warn('outbox full; oldest report dropped', { ...dropped });
    this.o.changed();
    this.flush();
  }

  /** A new connection: send everything waiting. */
  connected(): void {
    this.backoff.reset();
    this.flush();
  }

  /** The connection is gone: what was in flight waits for the next connect. */
  disconnected(): void {
    this.outbox.releaseAll();
    this.clearResend();
  }

  stop(): void {
    this.stopped = true;
    this.clearResend();
  }

  /** Sends every waiting report, oldest first. While offline they wait for the next connect. */
  private flush(): void {
    if (this.stopped || !this.o.socket.connected) return;
    for (const lease of this.outbox.take()) this.send(lease);
  }

  private send(lease: OutboxLease): void {
    const { report } = lease;
    const log = this.o.log;
    log.debug('report sent', { ...report, attempt: lease.attempt });
    this.o.socket.timeout(this.o.ackTimeoutMs).emit('alert:report', report, (err, result) => {
      if (err) {
        // Timed out, or the connection dropped (socket.io-client then fails every pending ack).
        this.outbox.release(lease);
        log.warn('report not confirmed; will resend', { ...report, err: err.message });
        this.scheduleResend();
        return;
      }
      const answer = ReportAckSchema.safeParse(result);
      if (!answer.success) {
        this.settle(lease);
        log.error('malformed report answer; report dropped', { ...report });
      } else if (answer.data.ok) {
        this.settle(lease);
        this.backoff.reset();
        log.debug('report confirmed', { ...report, recorded: answer.data.data.recorded });
      } else if (isTransient(answer.data.error.code)) {
        // 50301 UNAVAILABLE: the server could not write it now (protocol §5): keep it and resend.
        this.outbox.release(lease);
        log.warn('server could not record report; will resend', { ...report, code: answer.data.error.code });
        this.scheduleResend();
      } else {
        this.settle(lease);
        log.warn('report rejected', { ...report, code: answer.data.error.code, error: answer.data.error.message });
      }
    });
  }

  private settle(lease: OutboxLease): void {
    this.outbox.settle(lease);
    this.o.changed();
  }

  /** Resend while still connected (a slow or failing server); a reconnect flushes anyway. */
  private scheduleResend(): void {
    if (this.stopped || this.resendTimer !== undefined || !this.o.socket.connected) return;
    this.resendTimer = this.o.clock.setTimeout(() => {
      this.resendTimer = undefined;
      this.flush();
    }, this.backoff.next());
  }

  private clearResend(): void {
    if (this.resendTimer !== undefined) this.o.clock.clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
  }
}

/**
 * 5xx codes (HTTP status x 100 + n) mean the server could not record the report now; a 4xx one
 * (40002 VALIDATION_FAILED) means it never will, so that report is logged and dropped.
 */
function isTransient(code: number): boolean {
  return code >= 50_000;
}
