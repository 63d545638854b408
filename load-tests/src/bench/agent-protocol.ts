/**
 * The IPC protocol between the benchmark (parent) and its harness processes (agent-worker.ts).
 * Every request carries an id and gets exactly one reply with that id. Messages travel with
 * structured clone (fork's `serialization: 'advanced'`), so Float64Arrays and NaN pass as they are.
 *
 * Times are absolute milliseconds (`performance.timeOrigin + performance.now()`), the same clock
 * in every process of this machine, so the parent subtracts its own send time without skew.
 */

/** One simulated Varsel (or bare socket.io) agent. */
export interface SioAgentSpec {
  url: string;
  deviceId: string;
  secret: string;
}

export interface ConnectSioCommand {
  type: 'connect-sio';
  agents: SioAgentSpec[];
  /**
   * Loopback source addresses of this process's connections (127.0.0.x), used round-robin. Each
   * should carry at most a few thousand sockets: the kernel finds a free port for a bound socket
   * by scanning, which gets slow as an address fills up (see SOCKETS_PER_ADDRESS in agent-pool.ts).
   */
  localAddresses: string[];
  concurrency: number;
  connectTimeoutMs: number;
  reportTimeoutMs: number;
  protocol: number;
}

export interface ConnectMqttCommand {
  type: 'connect-mqtt';
  host: string;
  port: number;
  topic: string;
  count: number;
  clientIdPrefix: string;
  localAddresses: string[];
  concurrency: number;
  connectTimeoutMs: number;
}

export type Command =
  | ConnectSioCommand
  | ConnectMqttCommand
  /** Live counts of one alert (for "has everyone got it?" polling). */
  | { type: 'counts'; alertId: string }
  /** Every agent's times for one alert. */
  | { type: 'collect'; alertId: string }
  /** Start of a reconnect storm: from now on, record each agent's first disconnect and reconnect. */
  | { type: 'mark' }
  /** Whether the agents report the alerts they receive from now on (they do unless told not to). */
  | { type: 'reporting'; on: boolean }
  | { type: 'status' }
  /** Close every connection and forget every agent. */
  | { type: 'close-all' };

export interface ConnectResult {
  connected: number;
  /** Connections that failed, by reason (`40103 DEVICE_AUTH_FAILED`, `timeout`, …). */
  failed: Record<string, number>;
}

export interface AlertCounts {
  received: number;
  duplicates: number;
  /** Agents whose `acknowledged` report the server confirmed. */
  acked: number;
  /** Reports that failed (error answer or timeout). */
  reportFailures: number;
}

export interface AlertTimes extends AlertCounts {
  /** Per agent, in the order the agents were given: first receipt; NaN if none. */
  receivedAt: Float64Array;
  /** When the agent sent `acknowledged` (after the server confirmed `delivered`); NaN if never. */
  ackSentAt: Float64Array;
  /** When the server confirmed `acknowledged` (it is in Redis); NaN if never. */
  ackConfirmedAt: Float64Array;
  /** Failed reports by "state reason". */
  failures: Record<string, number>;
  /**
   * The longest the harness process's event loop was held since the previous collect (or mark),
   * in ms: how late it may have read a frame. Large values mean the harness, not the server,
   * limited the figures.
   */
  loopDelayMaxMs: number;
}

export interface WorkerStatus {
  agents: number;
  connected: number;
  /** Connections lost (not closed by us), by reason, since the agents were created. */
  disconnects: Record<string, number>;
  /** Failed connection attempts by message, since the agents were created (socket.io retries them). */
  connectErrors: Record<string, number>;
  /** Since the last `mark`: first disconnect and first reconnect per agent; NaN if none. */
  disconnectedAt: Float64Array;
  reconnectedAt: Float64Array;
  rssKiB: number;
  /** As AlertTimes.loopDelayMaxMs, since the previous collect or mark. */
  loopDelayMaxMs: number;
}

export interface Replies {
  'connect-sio': ConnectResult;
  'connect-mqtt': ConnectResult;
  counts: AlertCounts;
  collect: AlertTimes;
  mark: null;
  reporting: null;
  status: WorkerStatus;
  'close-all': null;
}

export interface Request {
  id: number;
  command: Command;
}

export type Reply = { id: number; ok: true; data: unknown } | { id: number; ok: false; error: string };

/** Sent once by a harness process when it is ready for requests. */
export interface Ready {
  ready: true;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}
