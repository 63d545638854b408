import { io } from 'socket.io-client';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { z } from 'zod';
import { AgentAlertSchema, PROTOCOL_VERSION } from '@varsel/shared';
import type {
  AgentAlert,
  AgentClientToServer,
  AgentHandshake,
  AgentServerToClient,
  AlertReport,
  ReportedState,
} from '@varsel/shared';
import type { AgentState, StateStore } from './agent-state.js';
import type { AlertPresenter, DismissReason } from './alert-presenter.js';
import { isExpired } from './alert-text.js';
import type { BackoffOptions } from './backoff.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';
import type { Clock, TimerHandle } from './clock.js';
import { MAX_TIMER_DELAY_MS, systemClock } from './clock.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { decide, handshakeRefusal } from './reconnect-policy.js';
import type { OutboxLease } from './report-outbox.js';
import { ReportOutbox } from './report-outbox.js';
import { SeenAlerts } from './seen-alerts.js';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

/** 10 s: an edge answers a report within milliseconds; past this the connection is presumed dead. */
export const REPORT_ACK_TIMEOUT_MS = 10_000;

export type AgentStatus = 'connecting' | 'online' | 'offline' | 'stopped';

/** Why the agent stopped: asked to (`local`), or the server's reason carries the policy `stop`. */
export type AgentStopped = { by: 'local' } | { by: 'server'; reason: string | undefined; code: number | undefined };

export interface AgentCoreOptions {
  state: AgentState;
  store: StateStore;
  presenter: AlertPresenter;
  logger?: Logger;
  clock?: Clock;
  /** Acknowledge sirens as soon as they are shown (unattended screens). */
  autoAck?: boolean;
  agentVersion?: string;
  /** Bounds of every reconnect and resend delay; the defaults match socket.io's Manager. */
  backoff?: BackoffOptions;
  reportAckTimeoutMs?: number;
  random?: () => number;
  /** Called on every change of connection status (for an online/offline indicator). */
  onStatus?: (status: AgentStatus) => void;
  /** Extra socket.io-client options, for tests. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

const ReportAckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.object({ recorded: z.boolean() }) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.number(), message: z.string() }) }),
]);

/**
 * The platform-free agent: connects and authenticates, receives alerts, dedupes them, shows them
 * through the presenter and reports `delivered → displayed → acknowledged` through an outbox that
 * resends whatever the server has not confirmed.
 *
 * Guarantees: every alert id is shown at most once per agent (also across restarts, for the last
 * SEEN_ALERTS_LIMIT alerts); every report is sent until the server answers it, in order; expired
 * alerts are not shown; after a refusal or a session end the agent retries or stops exactly as
 * the shared DISCONNECT_REASONS table says.
 */
export class AgentCore {
  /** Resolves once the agent has stopped: after `stop()`, or when the server's reason says stop. */
  readonly stopped: Promise<AgentStopped>;

  private readonly socket: AgentSocket;
  private readonly presenter: AlertPresenter;
  private readonly store: StateStore;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly autoAck: boolean;
  private readonly ackTimeoutMs: number;
  private readonly onStatus: (status: AgentStatus) => void;
  private readonly state: AgentState;
  private readonly seen: SeenAlerts;
  private readonly outbox = new ReportOutbox();
  /** Alerts on screen now, with the controller that takes them off (expiry, stop). */
  private readonly active = new Map<string, AbortController>();
  private readonly reconnectBackoff: Backoff;
  private readonly resendBackoff: Backoff;
  private reconnectTimer: TimerHandle | undefined;
  private resendTimer: TimerHandle | undefined;
  /** The reason of the last `session:ended`, applied when the server then disconnects. */
  private endedReason: unknown;
  private saving: Promise<void> = Promise.resolve();
  private isStopped = false;
  private resolveStopped!: (why: AgentStopped) => void;

  constructor(options: AgentCoreOptions) {
    this.state = options.state;
    this.store = options.store;
    this.presenter = options.presenter;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.autoAck = options.autoAck ?? false;
    this.ackTimeoutMs = options.reportAckTimeoutMs ?? REPORT_ACK_TIMEOUT_MS;
    this.onStatus = options.onStatus ?? (() => undefined);
    this.seen = new SeenAlerts(options.state.seenAlertIds);
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.reconnectBackoff = new Backoff(backoff, options.random);
    this.resendBackoff = new Backoff(backoff, options.random);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });

    const auth: AgentHandshake = {
      deviceId: options.state.deviceId,
      secret: options.state.secret,
      protocol: PROTOCOL_VERSION,
      ...(options.agentVersion === undefined ? {} : { agentVersion: options.agentVersion }),
    };
    // Transport failures (server down, network gone) are retried by the Manager itself with
    // exponential backoff and jitter; refusals and session ends by scheduleReconnect().
    this.socket = io(options.state.serverUrl, {
      autoConnect: false,
      forceNew: true,
      transports: ['websocket'],
      auth,
      reconnectionDelay: backoff.minMs,
      reconnectionDelayMax: backoff.maxMs,
      randomizationFactor: backoff.jitter,
      ...options.socketOptions,
    });
    this.wire();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Reports the server has not confirmed yet. */
  pendingReports(): AlertReport[] {
    return this.outbox.snapshot();
  }

  start(): void {
    if (this.isStopped) return;
    this.log.info('connecting', { server: this.state.serverUrl, deviceId: this.state.deviceId });
    this.onStatus('connecting');
    this.socket.connect();
  }

  /** Disconnects, takes alerts off screen and waits for the state to be saved. */
  async stop(): Promise<void> {
    this.finish({ by: 'local' });
    await this.saving;
  }

  private wire(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.reconnectBackoff.reset();
      this.resendBackoff.reset();
      this.clearTimer('reconnectTimer');
      this.endedReason = undefined;
      this.log.info('connected', { socketId: socket.id, pendingReports: this.outbox.size });
      this.onStatus('online');
      this.flush();
    });
    socket.on('connect_error', (err) => {
      const refusal = handshakeRefusal(err);
      if (refusal === undefined) {
        // socket.io-client's Manager keeps retrying transport failures by itself.
        this.log.warn('server unreachable; retrying', { err: err.message });
        this.onStatus('offline');
        return;
      }
      this.applyPolicy('handshake refused', refusal.reason, refusal.code);
    });
    socket.on('session:ended', (payload) => {
      this.endedReason = (payload as { reason?: unknown } | undefined)?.reason;
      this.log.info('server ends the session', { reason: this.endedReason });
    });
    socket.on('disconnect', (reason) => {
      this.outbox.releaseAll();
      this.clearTimer('resendTimer');
      if (this.isStopped) return;
      this.onStatus('offline');
      if (reason === 'io server disconnect') {
        // The server closed the session on purpose; socket.io-client will not reconnect by itself.
        this.applyPolicy('session ended', this.endedReason, undefined);
      } else {
        this.log.warn('disconnected; reconnecting', { reason });
      }
    });
    socket.on('alert:created', (alert) => this.onAlert(alert));
  }

  private applyPolicy(context: string, reason: unknown, code: number | undefined): void {
    const decision = decide(reason, code);
    switch (decision.policy) {
      case 'stop':
        this.log.error(`${context}; stopping`, { reason: decision.reason, code: decision.code });
        this.finish({ by: 'server', reason: decision.reason, code: decision.code });
        return;
      case 'reconnect':
        this.scheduleReconnect(context, decision.reason, decision.code);
        return;
    }
  }

  private scheduleReconnect(context: string, reason: string | undefined, code: number | undefined): void {
    if (this.isStopped || this.reconnectTimer !== undefined) return;
    const delayMs = this.reconnectBackoff.next();
    this.log.warn(`${context}; reconnecting`, { reason, code, delayMs, attempt: this.reconnectBackoff.attempt });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.isStopped) this.socket.connect();
    }, delayMs);
  }

  private onAlert(payload: unknown): void {
    if (this.isStopped) return;
    const parsed = AgentAlertSchema.safeParse(payload);
    if (!parsed.success) {
      this.log.warn('invalid alert ignored', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const alert = parsed.data;
    if (this.seen.has(alert.id) || this.active.has(alert.id)) {
      this.log.debug('duplicate alert ignored', { alertId: alert.id });
      return;
    }
    if (isExpired(alert, this.clock.now())) {
      this.log.info('expired alert not shown', { alertId: alert.id, expiresAt: alert.expiresAt });
      this.seen.add(alert.id);
      return;
    }
    this.log.info('alert received', { alertId: alert.id, seq: alert.seq, kind: alert.kind, status: alert.status });
    const controller = new AbortController();
    this.active.set(alert.id, controller);
    this.report(alert.id, 'delivered');
    this.present(alert, controller).catch((err: unknown) => {
      this.log.error('alert handling failed', { alertId: alert.id, err: errorText(err) });
    });
  }

  private async present(alert: AgentAlert, controller: AbortController): Promise<void> {
    const expiry = this.armExpiry(alert, controller);
    const signal = controller.signal;
    try {
      await this.presenter.display(alert);
      if (signal.aborted) return;
      this.report(alert.id, 'displayed');
      if (alert.kind === 'siren') {
        if (!this.autoAck) await this.presenter.awaitAcknowledgement(alert, signal);
        if (signal.aborted) return;
        this.report(alert.id, 'acknowledged');
        this.presenter.dismiss?.(alert, 'acknowledged');
      }
      this.markHandled(alert.id);
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      if (expiry !== undefined) this.clock.clearTimeout(expiry);
      this.active.delete(alert.id);
      if (signal.aborted) {
        const reason = signal.reason as DismissReason;
        this.presenter.dismiss?.(alert, reason);
        // An alert that expired on screen is finished with; one interrupted by a stop is not.
        if (reason === 'expired') this.markHandled(alert.id);
        this.log.info('alert taken off screen', { alertId: alert.id, reason });
      }
    }
  }

  private armExpiry(alert: AgentAlert, controller: AbortController): TimerHandle | undefined {
    const delay = Date.parse(alert.expiresAt) - this.clock.now();
    if (delay > MAX_TIMER_DELAY_MS) return undefined;
    const reason: DismissReason = 'expired';
    return this.clock.setTimeout(() => controller.abort(reason), Math.max(0, delay));
  }

  /** Finished with: ignored from now on, also after a restart. */
  private markHandled(alertId: string): void {
    this.seen.add(alertId);
    this.persist();
  }

  private persist(): void {
    const state: AgentState = { ...this.state, seenAlertIds: this.seen.toArray() };
    // One save at a time, in order, so an older state never overwrites a newer one.
    this.saving = this.saving
      .then(() => this.store.save(state))
      .catch((err: unknown) => this.log.error('state not saved', { err: errorText(err) }));
  }

  private report(alertId: string, state: ReportedState): void {
    const dropped = this.outbox.add({ alertId, state });
    if (dropped !== undefined) this.log.warn('outbox full; oldest report dropped', { ...dropped });
    this.flush();
  }

  /** Sends every waiting report, oldest first. While offline they wait for the next connect. */
  private flush(): void {
    if (this.isStopped || !this.socket.connected) return;
    for (const lease of this.outbox.take()) this.send(lease);
  }

  private send(lease: OutboxLease): void {
    const { report } = lease;
    this.log.debug('report sent', { ...report, attempt: lease.attempt });
    this.socket.timeout(this.ackTimeoutMs).emit('alert:report', report, (err, result) => {
      if (err) {
        // Timed out, or the connection dropped (socket.io-client then fails every pending ack).
        this.outbox.release(lease);
        this.log.warn('report not confirmed; will resend', { ...report, err: err.message });
        this.scheduleResend();
        return;
      }
      const answer = ReportAckSchema.safeParse(result);
      if (!answer.success) {
        this.outbox.settle(lease);
        this.log.error('malformed report answer; report dropped', { ...report });
      } else if (answer.data.ok) {
        this.outbox.settle(lease);
        this.resendBackoff.reset();
        this.log.debug('report confirmed', { ...report, recorded: answer.data.data.recorded });
      } else if (isTransient(answer.data.error.code)) {
        // 50301 UNAVAILABLE: the server could not write it now (protocol §5): keep it and resend.
        this.outbox.release(lease);
        this.log.warn('server could not record report; will resend', { ...report, code: answer.data.error.code });
        this.scheduleResend();
      } else {
        this.outbox.settle(lease);
        this.log.warn('report rejected', { ...report, code: answer.data.error.code, error: answer.data.error.message });
      }
    });
  }

  /** Resend while still connected (a slow or failing server); a reconnect flushes anyway. */
  private scheduleResend(): void {
    if (this.isStopped || this.resendTimer !== undefined || !this.socket.connected) return;
    this.resendTimer = this.clock.setTimeout(() => {
      this.resendTimer = undefined;
      this.flush();
    }, this.resendBackoff.next());
  }

  private finish(why: AgentStopped): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.clearTimer('reconnectTimer');
    this.clearTimer('resendTimer');
    const reason: DismissReason = 'stopped';
    for (const controller of this.active.values()) controller.abort(reason);
    this.socket.disconnect();
    this.onStatus('stopped');
    this.persist();
    this.log.info('stopped', { ...why });
    // `saving` never rejects: persist() logs its failures.
    void this.saving.then(() => this.resolveStopped(why));
  }

  private clearTimer(name: 'reconnectTimer' | 'resendTimer'): void {
    const handle = this[name];
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this[name] = undefined;
  }
}

/**
 * 5xx codes (HTTP status x 100 + n) mean the server could not record the report now; a 4xx one
 * (40002 VALIDATION_FAILED) means it never will, so that report is logged and dropped.
 */
function isTransient(code: number): boolean {
  return code >= 50_000;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
