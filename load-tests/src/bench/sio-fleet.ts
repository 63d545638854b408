import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { AckResult, AgentAlert, ReportedState } from '@varsel/shared';
import type { AgentSocket } from '../sim-agent.js';
import { refusalReason } from '../sim-agent.js';
import { now, type ConnectResult, type ConnectSioCommand, type WorkerStatus } from './agent-protocol.js';
import { AlertTracker } from './alert-tracker.js';

/**
 * The socket.io agents of one harness process: real socket.io-client sockets that speak the agent
 * protocol (docs/protocol.md) as the PC agent does, minus the person. Each sends its cursor in the
 * handshake, deduplicates by alert id, reports `delivered` at once and `acknowledged` as soon as
 * the server confirmed `delivered`, and reconnects by itself with the protocol's backoff (1 s
 * doubling up to 30 s, ±50 %), which is what a reconnect storm is made of. The same agents serve
 * the bare socket.io server, which ignores the handshake and confirms every report at once.
 */
export class SioFleet {
  readonly tracker: AlertTracker;
  private readonly sockets: AgentSocket[];
  private readonly cursors: Float64Array;
  private readonly up: Uint8Array;
  private connected = 0;
  private readonly disconnects: Record<string, number> = {};
  /** Failed connection attempts (socket.io retries them) by message: "timeout", "websocket error", … */
  private readonly connectErrors: Record<string, number> = {};
  private disconnectedAt: Float64Array;
  private reconnectedAt: Float64Array;
  private marked = false;
  private closed = false;

  constructor(private readonly cmd: ConnectSioCommand) {
    const n = cmd.agents.length;
    this.tracker = new AlertTracker(n);
    this.cursors = new Float64Array(n);
    this.up = new Uint8Array(n);
    this.disconnectedAt = new Float64Array(n).fill(Number.NaN);
    this.reconnectedAt = new Float64Array(n).fill(Number.NaN);
    this.sockets = cmd.agents.map((spec, i) => this.createSocket(spec.url, spec.deviceId, spec.secret, i));
  }

  private createSocket(url: string, deviceId: string, secret: string, i: number): AgentSocket {
    // localAddress is passed through engine.io-client to ws, but socket.io-client's types omit it.
    const options: Partial<ManagerOptions & SocketOptions> & { localAddress: string } = {
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnection: true,
      // docs/protocol.md §8: 1 s doubling up to 30 s, ±50 %.
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30_000,
      randomizationFactor: 0.5,
      timeout: this.cmd.connectTimeoutMs,
      localAddress: this.cmd.localAddresses[i % this.cmd.localAddresses.length] ?? '127.0.0.1',
      auth: (cb) => cb({ deviceId, secret, protocol: this.cmd.protocol, cursor: this.cursors[i] ?? 0 }),
    };
    const socket: AgentSocket = io(url, options);
    socket.on('connect', () => {
      if (this.up[i] === 0) {
        this.up[i] = 1;
        this.connected++;
      }
      if (this.marked && Number.isNaN(this.reconnectedAt[i])) this.reconnectedAt[i] = now();
    });
    socket.on('disconnect', (reason) => {
      if (this.up[i] === 1) {
        this.up[i] = 0;
        this.connected--;
      }
      if (this.closed || reason === 'io client disconnect') return;
      this.disconnects[reason] = (this.disconnects[reason] ?? 0) + 1;
      if (this.marked && Number.isNaN(this.disconnectedAt[i])) this.disconnectedAt[i] = now();
    });
    socket.on('connect_error', (err) => {
      const key = `connect_error ${err.message}`;
      this.connectErrors[key] = (this.connectErrors[key] ?? 0) + 1;
    });
    socket.on('session:ended', ({ reason }) => {
      this.disconnects[`session:ended ${reason}`] = (this.disconnects[`session:ended ${reason}`] ?? 0) + 1;
    });
    socket.on('alert:created', (alert: AgentAlert) => this.onAlert(socket, i, alert));
    return socket;
  }

  private onAlert(socket: AgentSocket, i: number, alert: AgentAlert): void {
    const at = now();
    if (alert.seq > (this.cursors[i] ?? 0)) this.cursors[i] = alert.seq;
    if (!this.tracker.receive(alert.id, i, at)) return;
    // Report on the next turn of the event loop: the other agents whose frame is already waiting
    // in this poll phase get their receipt time first, so our own sends do not inflate them.
    setImmediate(() => this.report(socket, i, alert.id));
  }

  private report(socket: AgentSocket, i: number, alertId: string): void {
    this.send(socket, alertId, 'delivered', () => {
      this.tracker.ackSent(alertId, i, now());
      this.send(socket, alertId, 'acknowledged', () => this.tracker.ackConfirmed(alertId, i, now()));
    });
  }

  private send(socket: AgentSocket, alertId: string, state: ReportedState, onOk: () => void): void {
    socket.timeout(this.cmd.reportTimeoutMs).emit('alert:report', { alertId, state }, (err: Error | null, res: AckResult<{ recorded: boolean }>) => {
      if (err) this.tracker.reportFailed(alertId, `${state} timeout`);
      else if (!res.ok) this.tracker.reportFailed(alertId, `${state} ${res.error.code}`);
      else onOk();
    });
  }

  /**
   * Connects every agent, at most `concurrency` at once. An attempt ends when the handshake is
   * accepted, refused (no retry: a refusal's policy is final here), or after connectTimeoutMs of
   * socket.io's own retries; a timed-out socket is closed so it stops trying.
   */
  async connectAll(): Promise<ConnectResult> {
    const failed: Record<string, number> = {};
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < this.sockets.length && !this.closed) {
        const i = next++;
        const outcome = await this.connectOne(this.sockets[i] as AgentSocket);
        if (outcome !== 'ok') failed[outcome] = (failed[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.cmd.concurrency, this.sockets.length)) }, lane));
    return { connected: this.connected, failed };
  }

  private connectOne(socket: AgentSocket): Promise<string> {
    return new Promise((resolve) => {
      const finish = (outcome: string): void => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        resolve(outcome);
      };
      const onConnect = (): void => finish('ok');
      // A refusal by the server carries err.data; a transport error is retried by socket.io itself.
      const onError = (err: Error): void => {
        if ((err as Error & { data?: unknown }).data !== undefined) finish(refusalReason(err));
      };
      const timer = setTimeout(() => {
        socket.disconnect();
        finish('timeout');
      }, this.cmd.connectTimeoutMs);
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.connect();
    });
  }

  mark(): void {
    this.marked = true;
    this.disconnectedAt = new Float64Array(this.sockets.length).fill(Number.NaN);
    this.reconnectedAt = new Float64Array(this.sockets.length).fill(Number.NaN);
  }

  status(): Omit<WorkerStatus, 'rssKiB'> {
    return {
      agents: this.sockets.length,
      connected: this.connected,
      disconnects: { ...this.disconnects },
      connectErrors: { ...this.connectErrors },
      disconnectedAt: this.disconnectedAt,
      reconnectedAt: this.reconnectedAt,
    };
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets) {
      s.disconnect();
      s.removeAllListeners();
    }
    this.connected = 0;
  }
}
