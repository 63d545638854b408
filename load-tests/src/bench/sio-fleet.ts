import { policyOf } from '@varsel/shared';
import { AgentWire, ackTarget, type ReportState, type WireEvent } from '../wire/sio-frames.js';
import { WsClient, type WsTarget } from '../wire/ws-client.js';
import { now, type ConnectResult, type ConnectSioCommand, type WorkerStatus } from './agent-protocol.js';
import { AlertTracker } from './alert-tracker.js';
import { SocketIoBackoff } from './sio-backoff.js';
import { PortPool, ephemeralRange, listeningPorts, portsOutside } from './port-pool.js';

/** Engine.IO 4 over a plain websocket, as socket.io-client with `transports: ['websocket']` asks for it. */
const ENGINE_PATH = '/socket.io/?EIO=4&transport=websocket';
// 1 s: how often report timeouts and lost heartbeats are looked for.
const SWEEP_MS = 1000;
// 256 reports per turn of the event loop: between two turns the process reads what arrived, so a
// burst of 15,000 reports to send never holds back the receipt time of another agent's frame.
const REPORT_CHUNK = 256;

/** How one connection attempt of connectAll ended: `ok`, a refusal (`40103 DEVICE_AUTH_FAILED`) or `timeout`. */
type Outcome = string;

/** One simulated agent's connection state; the fleet keeps 15,000 of these per process. */
interface Agent {
  readonly i: number;
  readonly target: WsTarget;
  readonly localAddress: string;
  /** The local port of the current attempt, from the pool of its address; 0 when none. */
  localPort: number;
  readonly wire: AgentWire;
  ws: WsClient | null;
  /** Socket.IO CONNECT acknowledged (socket.io-client's `connect`). */
  connected: boolean;
  /** No more reconnecting: refused with policy `stop`, or closed by the harness. */
  stopped: boolean;
  backoff: SocketIoBackoff;
  retry: NodeJS.Timeout | null;
  /** Why the fleet closed this connection itself (lost heartbeat, server disconnect, refusal). */
  closeWhy: string | null;
  /** When the last Engine.IO ping (or the open) arrived; the server's heartbeat. */
  lastPingAt: number;
  pingDeadlineMs: number;
  /** connectAll waits on this for the first attempt. */
  settle: ((outcome: Outcome) => void) | null;
}

/**
 * The socket.io agents of one harness process. Each speaks the agent protocol (docs/protocol.md)
 * as the PC agent does, minus the person, on the same wire as socket.io-client with
 * `transports: ['websocket']`: Engine.IO 4 over a websocket, the Socket.IO CONNECT with the
 * device's credentials and cursor, pong for every ping, and `alert:report` events with
 * acknowledgements (the framing of ../wire/sio-frames.ts, which the k6 scripts speak too). Each
 * deduplicates by alert id, reports `delivered` at once and `acknowledged` as soon as the server
 * confirmed `delivered`, and reconnects by itself with socket.io-client's backoff (1 s doubling up
 * to 30 s, ±50 %), which is what a reconnect storm is made of.
 *
 * Lean on purpose: a harness process must hold 15,000 connections and still read every frame
 * the moment it arrives, on a machine whose two cores it shares with the servers it measures, so
 * per connection it keeps a socket and this record, not a socket.io-client stack. The same agents
 * serve the bare socket.io server, which ignores the handshake and confirms every report at once.
 */
export class SioFleet {
  readonly tracker: AlertTracker;
  private readonly agents: Agent[];
  private connected = 0;
  private readonly disconnects: Record<string, number> = {};
  /** Failed connection attempts by reason ("ECONNREFUSED", "timeout", …); they are retried. */
  private readonly connectErrors: Record<string, number> = {};
  private disconnectedAt: Float64Array;
  private reconnectedAt: Float64Array;
  private marked = false;
  private closed = false;
  /** Off: alerts are received and counted, and not reported (a diagnostic storm). */
  private reporting = true;
  /** Reports to send, a chunk per turn of the event loop (see REPORT_CHUNK). */
  private toReport: { agent: Agent; alertId: string; state: ReportState }[] = [];
  private reportAt = 0;
  private readonly sweeper: NodeJS.Timeout;
  /** Local ports by source address: each connect is given its port (see PortPool). */
  private readonly ports = new Map<string, PortPool>();

  constructor(private readonly cmd: ConnectSioCommand) {
    const n = cmd.agents.length;
    this.tracker = new AlertTracker(n);
    this.disconnectedAt = new Float64Array(n).fill(Number.NaN);
    this.reconnectedAt = new Float64Array(n).fill(Number.NaN);
    const targets = new Map<string, WsTarget>();
    this.agents = cmd.agents.map((spec, i) => {
      let target = targets.get(spec.url);
      if (!target) {
        const u = new URL(spec.url);
        target = { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), path: ENGINE_PATH };
        targets.set(spec.url, target);
      }
      return {
        i,
        target,
        localAddress: cmd.localAddresses[i % cmd.localAddresses.length] ?? '127.0.0.1',
        localPort: 0,
        wire: new AgentWire({ deviceId: spec.deviceId, deviceSecret: spec.secret }, { protocol: cmd.protocol }),
        ws: null,
        connected: false,
        stopped: false,
        backoff: new SocketIoBackoff(),
        retry: null,
        closeWhy: null,
        lastPingAt: 0,
        pingDeadlineMs: Number.POSITIVE_INFINITY,
        settle: null,
      };
    });
    const [first, last] = portsOutside(ephemeralRange());
    const listening = listeningPorts();
    // Only the addresses this process was given: they are its own (a fallback 127.0.0.1 is not).
    for (const address of new Set(cmd.localAddresses)) this.ports.set(address, new PortPool(first, last, listening));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
  }

  private open(a: Agent): void {
    a.retry = null;
    if (a.stopped || this.closed) return;
    a.localPort = this.ports.get(a.localAddress)?.take() ?? 0;
    a.ws = new WsClient(
      { ...a.target, localAddress: a.localAddress, ...(a.localPort ? { localPort: a.localPort } : {}), openTimeoutMs: this.cmd.connectTimeoutMs },
      {
        open: () => {
          a.lastPingAt = now();
        },
        text: (text) => this.onText(a, text),
        closed: (reason) => this.onClosed(a, reason),
      },
    );
  }

  private onText(a: Agent, text: string): void {
    const at = now();
    if (text === '2') a.lastPingAt = at;
    const { send, events } = a.wire.receive(text, at);
    for (const f of send) a.ws?.send(f);
    for (const e of events) this.onEvent(a, e, at);
  }

  private onEvent(a: Agent, e: WireEvent, at: number): void {
    switch (e.type) {
      case 'open':
        a.pingDeadlineMs = e.pingIntervalMs + e.pingTimeoutMs;
        a.backoff.reset();
        break;
      case 'connected':
        if (!a.connected) {
          a.connected = true;
          this.connected++;
        }
        if (this.marked && Number.isNaN(this.reconnectedAt[a.i])) this.reconnectedAt[a.i] = at;
        a.settle?.('ok');
        break;
      case 'refused':
        // A refusal's policy decides (docs/protocol.md §3); socket.io-client does not retry a refused CONNECT either.
        this.count(this.connectErrors, `refused ${e.code} ${e.reason}`);
        if (policyOf(e.reason) === 'stop') a.stopped = true;
        a.settle?.(`${e.code} ${e.reason}`);
        this.closeConnection(a, 'refused');
        break;
      case 'alert':
        if (!this.tracker.receive(e.alert.id, a.i, at)) return;
        if (this.reporting) this.queueReport(a, ackTarget(e.alert), 'delivered');
        break;
      case 'report-answered':
        if (!e.ack.ok) this.tracker.reportFailed(e.alertId, `${e.state} ${e.ack.error.code}`);
        else if (e.state === 'delivered') this.queueReport(a, e.alertId, 'acknowledged');
        else if (e.state === 'acknowledged') this.tracker.ackConfirmed(e.alertId, a.i, at);
        break;
      case 'ended':
        this.count(this.disconnects, `session:ended ${e.reason}`);
        if (policyOf(e.reason) === 'stop') a.stopped = true;
        break;
      case 'disconnected':
        // The server ended the session (Socket.IO DISCONNECT or Engine.IO close): socket.io-client
        // calls that "io server disconnect"; the agent reconnects unless a policy said stop.
        this.closeConnection(a, 'io server disconnect');
        break;
      case 'synced':
      case 'repeat':
        break;
      case 'unexpected':
        this.count(this.disconnects, `unexpected frame: ${e.why}`);
        break;
    }
  }

  private closeConnection(a: Agent, why: string): void {
    a.closeWhy = why;
    a.ws?.close();
  }

  private onClosed(a: Agent, reason: string): void {
    a.ws = null;
    // A port something else holds after all is not handed out again.
    if (a.localPort && reason !== 'EADDRINUSE') this.ports.get(a.localAddress)?.give(a.localPort);
    a.localPort = 0;
    // Until the Socket.IO CONNECT was answered, any end is a failed attempt (also one whose
    // websocket had opened): the report counts those by the "connect " prefix.
    const why = a.closeWhy ?? (a.connected ? reason : `connect ${reason}`);
    a.closeWhy = null;
    if (a.connected) {
      a.connected = false;
      this.connected--;
      if (!this.closed) {
        this.count(this.disconnects, why);
        if (this.marked && Number.isNaN(this.disconnectedAt[a.i])) this.disconnectedAt[a.i] = now();
      }
    } else if (!this.closed && !a.stopped && why !== 'refused') {
      // A failed attempt: the agent tries again after its backoff.
      this.count(this.connectErrors, why);
    }
    if (a.stopped || this.closed) return;
    a.retry = setTimeout(() => this.open(a), a.backoff.duration());
  }

  /**
   * Reports are sent on later turns of the event loop, REPORT_CHUNK at a time: the frames of
   * other agents that arrive meanwhile get their receipt time first, so our own sends do not
   * inflate them.
   */
  private queueReport(agent: Agent, alertId: string, state: ReportState): void {
    if (this.reportAt === this.toReport.length) setImmediate(() => this.sendReports());
    this.toReport.push({ agent, alertId, state });
  }

  private sendReports(): void {
    const end = Math.min(this.reportAt + REPORT_CHUNK, this.toReport.length);
    for (; this.reportAt < end; this.reportAt++) {
      const { agent, alertId, state } = this.toReport[this.reportAt] as { agent: Agent; alertId: string; state: ReportState };
      const sentAt = now();
      if (!agent.ws?.send(agent.wire.report(alertId, state, sentAt))) this.tracker.reportFailed(alertId, `${state} not connected`);
      else if (state === 'acknowledged') this.tracker.ackSent(alertId, agent.i, sentAt);
    }
    if (this.reportAt < this.toReport.length) setImmediate(() => this.sendReports());
    else {
      this.toReport = [];
      this.reportAt = 0;
    }
  }

  /** Report timeouts (the PC agent's 10 s) and lost heartbeats (socket.io-client's ping timeout). */
  private sweep(): void {
    const t = now();
    for (const a of this.agents) {
      if (a.wire.unanswered > 0) for (const r of a.wire.takeTimedOut(t, this.cmd.reportTimeoutMs)) this.tracker.reportFailed(r.alertId, `${r.state} timeout`);
      if (a.connected && t - a.lastPingAt > a.pingDeadlineMs) this.closeConnection(a, 'ping timeout');
    }
  }

  private count(m: Record<string, number>, key: string): void {
    m[key] = (m[key] ?? 0) + 1;
  }

  /**
   * Connects every agent, at most `concurrency` at once. An attempt ends when the handshake is
   * accepted, refused (no retry: a refusal's policy is final here), or after connectTimeoutMs of
   * retries; a timed-out agent is stopped so it stops trying.
   */
  async connectAll(): Promise<ConnectResult> {
    const failed: Record<string, number> = {};
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < this.agents.length && !this.closed) {
        const outcome = await this.connectOne(this.agents[next++] as Agent);
        if (outcome !== 'ok') failed[outcome] = (failed[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.cmd.concurrency, this.agents.length)) }, lane));
    return { connected: this.connected, failed };
  }

  private connectOne(a: Agent): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        a.stopped = true;
        if (a.retry) clearTimeout(a.retry);
        a.ws?.close();
        settle('timeout');
      }, this.cmd.connectTimeoutMs);
      const settle = (outcome: Outcome): void => {
        clearTimeout(timer);
        a.settle = null;
        resolve(outcome);
      };
      a.settle = settle;
      this.open(a);
    });
  }

  /** Whether the agents report the alerts they receive from now on (off: the --storm-without-reports diagnostic). */
  setReporting(on: boolean): void {
    this.reporting = on;
  }

  mark(): void {
    this.marked = true;
    this.disconnectedAt = new Float64Array(this.agents.length).fill(Number.NaN);
    this.reconnectedAt = new Float64Array(this.agents.length).fill(Number.NaN);
  }

  status(): Omit<WorkerStatus, 'rssKiB' | 'loopDelayMaxMs'> {
    return {
      agents: this.agents.length,
      connected: this.connected,
      disconnects: { ...this.disconnects },
      connectErrors: { ...this.connectErrors },
      disconnectedAt: this.disconnectedAt,
      reconnectedAt: this.reconnectedAt,
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const a of this.agents) {
      a.stopped = true;
      if (a.retry) clearTimeout(a.retry);
      a.ws?.close();
    }
    this.connected = 0;
  }
}
