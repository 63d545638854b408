import { io as connect, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  type AckResult,
  type AgentAlert,
  type AgentClientToServer,
  type AgentServerToClient,
  type EnrollResponse,
  type ReportedState,
} from '@varsel/shared';

interface PendingReport {
  alertId: string;
  state: ReportedState;
}

/**
 * A simulated protocol-2 agent for fault tests: reconnects by itself (through whatever URL it was
 * given, e.g. a load balancer), sends its cursor, deduplicates by id, keeps unconfirmed reports
 * and sends them again after a reconnect, and acknowledges sirens at once (autoAck).
 * Its state lives in memory, so stop() and start() are a restart with the state file intact.
 */
export class SimAgent {
  /** Every alert:created received, duplicates included. */
  readonly received: AgentAlert[] = [];
  /** Messages shown to the person: first receipts, without originals cancelled before they came. */
  readonly shown: AgentAlert[] = [];
  readonly repeats: string[] = [];
  readonly cancelled = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly outbox: PendingReport[] = [];
  private sending = false;
  cursor = 0;
  /** The `seen` of the handshake (sequence numbers the server leaves out of the replay); not sent when undefined. */
  seenSeqs: number[] | undefined;
  /** `replayed` of each `session:synced`, in order. */
  readonly replayed: number[] = [];
  syncs = 0;
  readonly socket: Socket<AgentServerToClient, AgentClientToServer>;

  constructor(
    url: string,
    readonly device: EnrollResponse,
    private readonly opts: { autoAck: boolean; autoConnect?: boolean } = { autoAck: true },
  ) {
    this.socket = connect(url, {
      transports: ['websocket'],
      forceNew: true,
      autoConnect: opts.autoConnect ?? true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 2000,
      randomizationFactor: 0.5,
      auth: (cb) =>
        cb({
          deviceId: device.deviceId,
          secret: device.deviceSecret,
          protocol: PROTOCOL_VERSION,
          cursor: this.cursor,
          ...(this.seenSeqs ? { seen: this.seenSeqs } : {}),
        }),
    });
    this.socket.on('alert:created', (a) => this.onAlert(a));
    this.socket.on('alert:repeat', ({ alertId }) => this.repeats.push(alertId));
    this.socket.on('session:synced', ({ replayed }) => {
      this.replayed.push(replayed);
      this.syncs++;
    });
    this.socket.on('connect', () => void this.flush());
  }

  private onAlert(a: AgentAlert): void {
    this.received.push(a);
    if (this.seen.has(a.id)) return;
    this.seen.add(a.id);
    this.cursor = Math.max(this.cursor, a.seq);
    this.report(a.id, 'delivered');
    if (a.msgType === 'cancel' && a.references) this.cancelled.add(a.references);
    if (a.msgType === 'alert' && this.cancelled.has(a.id)) return;
    this.shown.push(a);
    if (this.opts.autoAck && a.msgType === 'alert' && a.kind === 'siren') this.report(a.id, 'acknowledged');
  }

  /** Shown originals of this id (a siren shown twice would be a bug). */
  shownCount(alertId: string): number {
    return this.shown.filter((s) => s.id === alertId).length;
  }

  receivedCount(alertId: string): number {
    return this.received.filter((s) => s.id === alertId).length;
  }

  report(alertId: string, state: ReportedState): void {
    this.outbox.push({ alertId, state });
    void this.flush();
  }

  get unconfirmed(): number {
    return this.outbox.length;
  }

  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outbox.length > 0 && this.socket.connected) {
        const r = this.outbox[0]!;
        try {
          const res: AckResult<{ recorded: boolean }> = await this.socket.timeout(5000).emitWithAck('alert:report', r);
          // A 5xx answer keeps the report; anything else is final.
          if (!res.ok && res.error.code >= 50000) throw new Error(res.error.message);
          this.outbox.shift();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  stop(): void {
    this.socket.disconnect();
  }

  start(): void {
    this.socket.connect();
  }
}
