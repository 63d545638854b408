import { io } from 'socket.io-client';
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { z } from 'zod';
import { AgentAlertSchema, HANDSHAKE_SEEN_MAX, PROTOCOL_VERSION } from '@varsel/shared';
import type { AgentClientToServer, AgentHandshake, AgentServerToClient, AlertReport } from '@varsel/shared';
import type { AgentState, StateStore } from './agent-state.js';
import type { AlertPresenter } from './alert-presenter.js';
import type { BackoffOptions } from './backoff.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';
import type { Clock, TimerHandle } from './clock.js';
import { systemClock } from './clock.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { decide, handshakeRefusal } from './reconnect-policy.js';
import { REPORT_ACK_TIMEOUT_MS, ReportSender } from './report-sender.js';
import { StateSaver } from './state-saver.js';
import { ThreadTracker } from './thread-tracker.js';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

export type AgentStatus = 'connecting' | 'online' | 'offline' | 'stopped';

/**
 * 5 s: how long sirens left unacknowledged by the last run wait for the first `session:synced`
 * before they are shown again anyway. Waiting for the replay means that a siren cancelled while
 * the agent was stopped is never sounded again; not waiting forever means that an agent that
 * cannot reach the server still shows a siren the person has not acknowledged.
 */
export const OPEN_SIRENS_GRACE_MS = 5000;

/** Why the agent stopped: asked to (`local`), or the server's reason carries the policy `stop`. */
export type AgentStopped = { by: 'local' } | { by: 'server'; reason: string | undefined; code: number | undefined };

/** `session:synced`: the server has replayed what this agent missed (`replayed` messages, up to `seq`). */
export interface SyncInfo {
  replayed: number;
  seq: number;
}

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
  /** Called after every `session:synced`: the agent is up to date. */
  onSynced?: (info: SyncInfo) => void;
  /** Extra socket.io-client options, for tests. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Default OPEN_SIRENS_GRACE_MS. */
  openSirensGraceMs?: number;
}

const SyncInfoSchema = z.object({ replayed: z.number().int().nonnegative(), seq: z.number().int().nonnegative() });
const RepeatSchema = z.object({ alertId: z.string().min(1) });

/**
 * The platform-free agent (protocol 2): connects and authenticates with its cursor, receives
 * alerts, updates and cancellations, hands them to the ThreadTracker (what is shown, sounded and
 * acknowledged), and reports through the ReportSender's outbox. The cursor, the seen and closed
 * ids, the open sirens and the outbox are saved with the state after every change.
 *
 * Guarantees: every message id is handled at most once (also across restarts, for the last
 * SEEN_ALERTS_LIMIT); every report is sent until the server answers it, in order, also across
 * restarts; the cursor sent at each connect is the highest seq processed; nothing of an expired,
 * cancelled or all-cleared thread is shown; after a refusal or a session end the agent retries or
 * stops exactly as the shared DISCONNECT_REASONS table says.
 */
export class AgentCore {
  /** Resolves once the agent has stopped: after `stop()`, or when the server's reason says stop. */
  readonly stopped: Promise<AgentStopped>;

  private readonly socket: AgentSocket;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly onStatus: (status: AgentStatus) => void;
  private readonly onSynced: (info: SyncInfo) => void;
  private readonly state: AgentState;
  private readonly threads: ThreadTracker;
  private readonly reports: ReportSender;
  private readonly saver: StateSaver;
  private readonly reconnectBackoff: Backoff;
  private reconnectTimer: TimerHandle | undefined;
  private readonly openSirensGraceMs: number;
  /** Until the open sirens of the last run are shown again (see OPEN_SIRENS_GRACE_MS). */
  private restoreTimer: TimerHandle | undefined;
  private restored = false;
  /** The highest alert seq processed: the handshake's cursor. */
  private cursor: number;
  /** The seq of the newest messages processed, oldest first: the handshake's `seen`. */
  private readonly seenSeqs: number[];
  /** The sync of the current connection, once the server sent it. */
  private synced: SyncInfo | undefined;
  private syncWaiters: { resolve: (info: SyncInfo) => void; reject: (err: Error) => void }[] = [];
  /** The reason of the last `session:ended`, applied when the server then disconnects. */
  private endedReason: unknown;
  private started = false;
  private isStopped = false;
  private resolveStopped!: (why: AgentStopped) => void;

  constructor(options: AgentCoreOptions) {
    const state = options.state;
    this.state = state;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.onStatus = options.onStatus ?? (() => undefined);
    this.onSynced = options.onSynced ?? (() => undefined);
    this.cursor = state.cursor;
    this.seenSeqs = [...state.seenSeqs];
    this.openSirensGraceMs = options.openSirensGraceMs ?? OPEN_SIRENS_GRACE_MS;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.reconnectBackoff = new Backoff(backoff, options.random);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });

    const handshake = (): AgentHandshake => ({
      deviceId: state.deviceId,
      secret: state.secret,
      protocol: PROTOCOL_VERSION,
      ...(options.agentVersion === undefined ? {} : { agentVersion: options.agentVersion }),
      cursor: this.cursor,
      ...(this.seenSeqs.length > 0 ? { seen: [...this.seenSeqs] } : {}),
    });
    // Transport failures (server down, network gone) are retried by the Manager itself with
    // exponential backoff and jitter; refusals and session ends by scheduleReconnect(). `auth` is
    // a function so that socket.io-client asks for it at every (re)connect: the cursor moves.
    this.socket = io(state.serverUrl, {
      autoConnect: false,
      forceNew: true,
      transports: ['websocket'],
      auth: (cb) => cb(handshake()),
      reconnectionDelay: backoff.minMs,
      reconnectionDelayMax: backoff.maxMs,
      randomizationFactor: backoff.jitter,
      ...options.socketOptions,
    });

    this.saver = new StateSaver(options.store, () => this.snapshotState(), this.log);
    const changed = (): void => this.saver.request();
    this.reports = new ReportSender({
      socket: this.socket,
      clock: this.clock,
      log: this.log,
      backoff,
      random: options.random,
      ackTimeoutMs: options.reportAckTimeoutMs ?? REPORT_ACK_TIMEOUT_MS,
      initial: state.outbox,
      changed,
    });
    this.threads = new ThreadTracker({
      presenter: options.presenter,
      clock: this.clock,
      log: this.log,
      autoAck: options.autoAck ?? false,
      report: (alertId, reported) => this.reports.report(alertId, reported),
      changed,
      seenIds: state.seenAlertIds,
      closedIds: state.closedThreadIds,
    });
    this.wire();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Reports the server has not confirmed yet. */
  pendingReports(): AlertReport[] {
    return this.reports.snapshot();
  }

  /** The highest alert seq processed so far. */
  currentCursor(): number {
    return this.cursor;
  }

  /**
   * Resolves at the `session:synced` of the current connection, or of the next one when it has
   * not come yet: from then on the agent has everything it missed. Rejects if the agent stops first.
   */
  whenSynced(): Promise<SyncInfo> {
    if (this.synced !== undefined) return Promise.resolve(this.synced);
    if (this.isStopped) return Promise.reject(new Error('the agent has stopped'));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /**
   * Connects. Sirens that waited for Kvittér when the agent last stopped are shown again after the
   * first replay (which may have cancelled them), or after OPEN_SIRENS_GRACE_MS without one.
   */
  start(): void {
    if (this.isStopped || this.started) return;
    this.started = true;
    this.restoreTimer = this.clock.setTimeout(() => this.restoreOpenSirens('no sync yet'), this.openSirensGraceMs);
    this.log.info('connecting', { server: this.state.serverUrl, deviceId: this.state.deviceId, cursor: this.cursor, pendingReports: this.reports.size });
    this.onStatus('connecting');
    this.socket.connect();
  }

  /** Disconnects, takes alerts off screen and waits for the state to be saved. */
  async stop(): Promise<void> {
    this.finish({ by: 'local' });
    await this.saver.idle();
  }

  private wire(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      this.reconnectBackoff.reset();
      this.clearReconnectTimer();
      this.endedReason = undefined;
      this.log.info('connected', { socketId: socket.id, cursor: this.cursor, pendingReports: this.reports.size });
      this.onStatus('online');
      this.reports.connected();
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
      this.synced = undefined;
      this.reports.disconnected();
      if (this.isStopped) return;
      this.onStatus('offline');
      if (reason === 'io server disconnect') {
        // The server closed the session on purpose; socket.io-client will not reconnect by itself.
        this.applyPolicy('session ended', this.endedReason, undefined);
      } else {
        this.log.warn('disconnected; reconnecting', { reason });
      }
    });
    socket.on('alert:created', (payload) => this.onAlert(payload));
    socket.on('alert:repeat', (payload) => this.onRepeat(payload));
    socket.on('session:synced', (payload) => this.onSessionSynced(payload));
  }

  private onAlert(payload: unknown): void {
    if (this.isStopped) return;
    const parsed = AgentAlertSchema.safeParse(payload);
    if (!parsed.success) {
      this.log.warn('invalid alert ignored', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const alert = parsed.data;
    this.threads.receive(alert);
    // Processed: its `delivered` is in the outbox (or it was a duplicate), both saved below.
    if (alert.seq > this.cursor) this.cursor = alert.seq;
    this.noteSeen(alert.seq);
    this.saver.request();
  }

  /** Keeps `seq` among the newest HANDSHAKE_SEEN_MAX processed, so the next replay leaves it out. */
  private noteSeen(seq: number): void {
    if (seq <= 0 || this.seenSeqs.includes(seq)) return;
    this.seenSeqs.push(seq);
    // Sequence numbers grow, so the smallest ones are the oldest messages.
    this.seenSeqs.sort((a, b) => a - b);
    if (this.seenSeqs.length > HANDSHAKE_SEEN_MAX) this.seenSeqs.splice(0, this.seenSeqs.length - HANDSHAKE_SEEN_MAX);
  }

  private onRepeat(payload: unknown): void {
    if (this.isStopped) return;
    const parsed = RepeatSchema.safeParse(payload);
    if (!parsed.success) {
      this.log.warn('invalid alert:repeat ignored');
      return;
    }
    this.threads.repeat(parsed.data.alertId);
  }

  private onSessionSynced(payload: unknown): void {
    const parsed = SyncInfoSchema.safeParse(payload);
    if (!parsed.success) {
      this.log.warn('invalid session:synced ignored');
      return;
    }
    this.synced = parsed.data;
    this.log.info('synced', { ...parsed.data, cursor: this.cursor });
    this.restoreOpenSirens('synced');
    for (const waiter of this.syncWaiters.splice(0)) waiter.resolve(parsed.data);
    this.onSynced(parsed.data);
  }

  private restoreOpenSirens(why: string): void {
    this.clearRestoreTimer();
    if (this.restored || this.isStopped) return;
    this.restored = true;
    if (this.state.openSirens.length > 0) this.log.info('showing sirens left unacknowledged again', { count: this.state.openSirens.length, why });
    this.threads.restore(this.state.openSirens);
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

  private snapshotState(): AgentState {
    return {
      ...this.state,
      // Not restored yet (stopped within the grace time): keep them for the next run.
      openSirens: this.restored ? this.threads.openSirens() : this.state.openSirens,
      cursor: this.cursor,
      seenSeqs: [...this.seenSeqs],
      seenAlertIds: this.threads.seenIds(),
      closedThreadIds: this.threads.closedIds(),
      outbox: this.reports.snapshot(),
    };
  }

  private finish(why: AgentStopped): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.clearReconnectTimer();
    this.clearRestoreTimer();
    this.reports.stop();
    this.threads.stopAll();
    this.socket.disconnect();
    this.onStatus('stopped');
    for (const waiter of this.syncWaiters.splice(0)) waiter.reject(new Error('the agent has stopped'));
    this.saver.request();
    this.log.info('stopped', { ...why });
    // idle() never rejects: the saver logs its failures.
    void this.saver.idle().then(() => this.resolveStopped(why));
  }

  private clearRestoreTimer(): void {
    if (this.restoreTimer !== undefined) this.clock.clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}

