import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import type {
  AckResult,
  AgentAlert,
  AgentClientToServer,
  AgentServerToClient,
  AlertReport,
  DisconnectReason,
  HandshakeErrorData,
} from '@varsel/shared';
import { DISCONNECT_REASONS } from '@varsel/shared';

export type AgentServerSocket = Socket<AgentClientToServer, AgentServerToClient>;
export type ReportAnswer = AckResult<{ recorded: boolean }> | 'no-answer';

export interface FakeVarselServerOptions {
  /** Refuse the handshake with this reason, or accept it (undefined). `attempt` counts from 1. */
  refuse?: (auth: Record<string, unknown>, attempt: number) => DisconnectReason | undefined;
  /** How to answer the n-th report (from 1); default: recorded. */
  answer?: (report: AlertReport, n: number) => ReportAnswer;
  /**
   * Replay on every connect, as the real server does (protocol §6) but by the cursor alone: every
   * alert sent so far whose seq is above the handshake's cursor, in seq order, before
   * `session:synced`. Off: only `session:synced` (with nothing replayed).
   */
  replay?: boolean;
}

/**
 * The server side of the agent protocol on a real socket.io Server on port 0: handshake refusals
 * with HandshakeErrorData, a replay by cursor and session:synced, session:ended, alert:created,
 * alert:repeat, and alert:report acknowledgements.
 */
export class FakeVarselServer {
  /** Every report received, in order, answered or not. */
  readonly reports: AlertReport[] = [];
  /** The `auth` of every handshake, refused or not. */
  readonly handshakes: Record<string, unknown>[] = [];
  /** How many sockets were accepted. */
  accepted = 0;
  /** Every alert sent with sendAlert(), in order: what a replay draws on. */
  readonly sent: AgentAlert[] = [];
  answer: (report: AlertReport, n: number) => ReportAnswer;

  private constructor(
    readonly io: Server<AgentClientToServer, AgentServerToClient>,
    readonly url: string,
    options: FakeVarselServerOptions,
  ) {
    this.answer = options.answer ?? (() => ({ ok: true, data: { recorded: true } }));
    io.use((socket, next) => {
      const auth = socket.handshake.auth as Record<string, unknown>;
      this.handshakes.push(auth);
      const reason = options.refuse?.(auth, this.handshakes.length);
      if (reason === undefined) {
        next();
        return;
      }
      const err = new Error(`refused: ${reason}`) as Error & { data: HandshakeErrorData };
      err.data = { code: DISCONNECT_REASONS[reason].code, reason };
      next(err);
    });
    io.on('connection', (socket) => {
      this.accepted += 1;
      const cursor = typeof socket.handshake.auth.cursor === 'number' ? socket.handshake.auth.cursor : 0;
      const missed = options.replay === true ? this.sent.filter((a) => a.seq > cursor).sort((a, b) => a.seq - b.seq) : [];
      for (const alert of missed) socket.emit('alert:created', alert);
      socket.emit('session:synced', { replayed: missed.length, seq: missed.at(-1)?.seq ?? cursor });
      socket.on('alert:report', (report, ack) => {
        this.reports.push(report);
        const answer = this.answer(report, this.reports.length);
        if (answer !== 'no-answer') ack(answer);
      });
    });
  }

  static async start(options: FakeVarselServerOptions = {}): Promise<FakeVarselServer> {
    return FakeVarselServer.startOn(0, options);
  }

  /** On a given port: to bring a server back where an agent expects it. */
  static async startOn(port: number, options: FakeVarselServerOptions = {}): Promise<FakeVarselServer> {
    const http = createServer();
    const io = new Server<AgentClientToServer, AgentServerToClient>(http, { transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', resolve);
    });
    const { port: bound } = http.address() as AddressInfo;
    return new FakeVarselServer(io, `http://127.0.0.1:${bound}`, options);
  }

  sockets(): AgentServerSocket[] {
    return [...this.io.of('/').sockets.values()];
  }

  /** Broadcasts a message to every connected agent (and keeps it for replays). */
  sendAlert(alert: AgentAlert): void {
    this.sent.push(alert);
    this.io.emit('alert:created', alert);
  }

  sendRepeat(alertId: string): void {
    this.io.emit('alert:repeat', { alertId });
  }

  /** session:ended, then a server-side disconnect, as the real server does. */
  endSessions(reason: DisconnectReason): void {
    for (const socket of this.sockets()) {
      socket.emit('session:ended', { reason });
      socket.disconnect(true);
    }
  }

  /** Cuts the transport under every socket, as a network failure would. */
  dropConnections(): void {
    for (const socket of this.sockets()) socket.conn.close();
  }

  reportsFor(alertId: string): string[] {
    return this.reports.filter((r) => r.alertId === alertId).map((r) => r.state);
  }

  /** Disconnects every socket and closes the port; closing twice is fine. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve, reject) => {
      void this.io.close((err) => (err === undefined ? resolve() : reject(err)));
    });
    return this.closing;
  }

  private closing: Promise<void> | undefined;
}
