import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  type AckResult,
  type AgentAlert,
  type AgentClientToServer,
  type AgentServerToClient,
  type ReportedState,
} from '@varsel/shared';

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

/** How the server answered one alert:report. */
export type ReportOutcome =
  | { state: 'pending' }
  | { state: 'ok'; recorded: boolean }
  /** `reason`: the error code of an `ok: false` answer, or `timeout`. */
  | { state: 'failed'; reason: string };

/** What one agent saw of one alert. */
export interface Receipt {
  /** performance.now() at the first `alert:created` with this id. */
  firstAt: number;
  /** How many times it arrived; more than 1 is a duplicate delivery. */
  count: number;
  reports: Map<ReportedState, ReportOutcome>;
}

/** How a connection attempt ended: connected, or refused with a reason (`err.data.code`, or the transport's message). */
export type ConnectOutcome = { ok: true } | { ok: false; reason: string };

export interface SimAgentOptions {
  url: string;
  deviceId: string;
  secret: string;
  /** Source address of the connection (a loopback alias such as 127.0.0.2), to get past ~28k ports per source. */
  localAddress?: string | undefined;
  connectTimeoutMs: number;
  reportTimeoutMs: number;
  /** Protocol version sent in the handshake. */
  protocol: number;
  /** Reported in this order for every new alert, each after the server answered the previous one. */
  reportStates: readonly ReportedState[];
}

/**
 * One simulated agent: a real socket.io client that speaks the agent protocol like the PC agent
 * does, minus the person: it reports every new alert as `delivered` at once and then `acknowledged`,
 * and records when each alert arrived and how the server answered each report.
 *
 * It does not reconnect: in a measurement a dropped agent must show up as a missing receipt,
 * not be papered over by a retry.
 */
export class SimAgent {
  readonly socket: AgentSocket;
  private readonly receipts = new Map<string, Receipt>();
  /** Why the connection ended (socket.io's disconnect reason, or the server's session:ended reason). */
  lastDisconnect: string | undefined;

  constructor(private readonly opts: SimAgentOptions) {
    // localAddress is passed through engine.io-client to ws, but socket.io-client's types omit it.
    const options: Partial<ManagerOptions & SocketOptions> & { localAddress?: string } = {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      timeout: opts.connectTimeoutMs,
      auth: { deviceId: opts.deviceId, secret: opts.secret, protocol: opts.protocol },
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    };
    this.socket = io(opts.url, options);
    this.socket.on('alert:created', (alert) => this.onAlert(alert));
    this.socket.on('session:ended', ({ reason }) => {
      this.lastDisconnect = `session:ended ${reason}`;
    });
    this.socket.on('disconnect', (reason) => {
      this.lastDisconnect ??= reason;
    });
  }

  get deviceId(): string {
    return this.opts.deviceId;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Connects once. Resolves (never rejects) when the handshake is accepted, refused, or has not
   * finished after connectTimeoutMs; a refusal's reason is the server's `err.data.code`.
   */
  connect(): Promise<ConnectOutcome> {
    if (this.socket.connected) return Promise.resolve({ ok: true });
    return new Promise((resolve) => {
      const finish = (outcome: ConnectOutcome): void => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
        resolve(outcome);
      };
      const onConnect = (): void => finish({ ok: true });
      const onError = (err: Error): void => finish({ ok: false, reason: refusalReason(err) });
      // A little over socket.io's own timeout, which normally answers first with connect_error "timeout".
      const timer = setTimeout(() => {
        this.socket.disconnect();
        finish({ ok: false, reason: 'timeout' });
      }, this.opts.connectTimeoutMs + 1000);
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
      this.socket.connect();
    });
  }

  /** What this agent saw of an alert, if it arrived. */
  receipt(alertId: string): Receipt | undefined {
    return this.receipts.get(alertId);
  }

  /** True when every report of the alert has been answered (or given up on). */
  reportsSettled(alertId: string): boolean {
    const r = this.receipts.get(alertId);
    if (!r) return true;
    return this.opts.reportStates.every((s) => r.reports.get(s)?.state !== 'pending');
  }

  close(): void {
    this.socket.disconnect();
    this.socket.removeAllListeners();
  }

  private onAlert(alert: AgentAlert): void {
    const now = performance.now();
    const known = this.receipts.get(alert.id);
    if (known) {
      // Deduplicate by id, as the protocol requires of every agent; count it so the run can flag it.
      known.count++;
      return;
    }
    const receipt: Receipt = { firstAt: now, count: 1, reports: new Map(this.opts.reportStates.map((s) => [s, { state: 'pending' }])) };
    this.receipts.set(alert.id, receipt);
    // Report on the next turn of the event loop: the other agents whose alert is already waiting in
    // this poll phase get their receipt time first, so our own sends do not inflate the latencies.
    setImmediate(() => void this.reportAll(alert.id, receipt));
  }

  private async reportAll(alertId: string, receipt: Receipt): Promise<void> {
    for (const state of this.opts.reportStates) receipt.reports.set(state, await this.report(alertId, state));
  }

  /** One alert:report with an ack; never rejects. */
  private report(alertId: string, state: ReportedState): Promise<ReportOutcome> {
    return new Promise((resolve) => {
      this.socket.timeout(this.opts.reportTimeoutMs).emit('alert:report', { alertId, state }, (err: Error | null, result: AckResult<{ recorded: boolean }>) => {
        if (err) resolve({ state: 'failed', reason: 'timeout' });
        else if (result.ok) resolve({ state: 'ok', recorded: result.data.recorded });
        else resolve({ state: 'failed', reason: String(result.error.code) });
      });
    });
  }
}

/** `err.data.code` of a refused handshake (HandshakeErrorData), else the transport's message. */
export function refusalReason(err: Error): string {
  const data = (err as Error & { data?: unknown }).data;
  if (typeof data === 'object' && data !== null && 'code' in data && typeof data.code === 'number') {
    const reason = 'reason' in data && typeof data.reason === 'string' ? ` ${data.reason}` : '';
    return `${data.code}${reason}`;
  }
  return err.message || 'connect_error';
}
