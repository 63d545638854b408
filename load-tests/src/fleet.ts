import { hostname } from 'node:os';
import type { ReportedState } from '@varsel/shared';
import { HttpError, type Enrolled, type VarselClient } from './varsel-client.js';
import { SimAgent } from './sim-agent.js';
import { runPool } from './pool.js';
import { startProgress } from './progress.js';
import { msSince, sleep } from './timing.js';

export interface EnrollFleetOptions {
  token: string;
  count: number;
  orgUnit: string;
  concurrency: number;
  signal?: AbortSignal;
}

// 3 tries, 250 ms apart: rides out a brief 5xx or 429 without hiding a server that keeps failing.
const ENROLL_TRIES = 3;
const ENROLL_RETRY_MS = 250;

/** Enrolls `count` devices with bounded concurrency; prints "enrolled 1200/5000" every second. */
export async function enrollFleet(client: VarselClient, o: EnrollFleetOptions): Promise<{ devices: Enrolled[]; ms: number; retries: number }> {
  const started = performance.now();
  const host = `${hostname()}-${process.pid}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  let done = 0;
  let retries = 0;
  const progress = startProgress(() => `enrolled ${done}/${o.count}${retries ? ` (${retries} retried)` : ''}`);
  try {
    const devices = await runPool(
      o.count,
      o.concurrency,
      async (i) => {
        for (let attempt = 1; ; attempt++) {
          try {
            const d = await client.enroll({ token: o.token, platform: 'linux', hostname: `lt-${host}-${i}`.slice(0, 253), orgUnit: o.orgUnit, agentVersion: 'load-test' }, o.signal);
            done++;
            return d;
          } catch (err) {
            if (!(err instanceof HttpError && err.transient) || attempt >= ENROLL_TRIES) throw err;
            retries++;
            await sleep(ENROLL_RETRY_MS, o.signal);
          }
        }
      },
      o.signal,
    );
    return { devices, ms: msSince(started), retries };
  } finally {
    progress.stop();
  }
}

export interface FleetOptions {
  url: string;
  localAddresses: readonly string[];
  connectTimeoutMs: number;
  reportTimeoutMs: number;
  protocol: number;
  reportStates: readonly ReportedState[];
}

export interface ConnectSummary {
  connected: number;
  /** Refused or failed connections by reason (`err.data.code` and reason for handshake refusals). */
  refusals: Record<string, number>;
  ms: number;
}

/** The simulated agents of one run. */
export class Fleet {
  readonly agents: SimAgent[];

  constructor(devices: readonly Enrolled[], o: FleetOptions) {
    this.agents = devices.map(
      (d, i) =>
        new SimAgent({
          url: o.url,
          deviceId: d.deviceId,
          secret: d.deviceSecret,
          // Round-robin, so each source address carries an equal share of the ports.
          localAddress: o.localAddresses.length > 0 ? o.localAddresses[i % o.localAddresses.length] : undefined,
          connectTimeoutMs: o.connectTimeoutMs,
          reportTimeoutMs: o.reportTimeoutMs,
          protocol: o.protocol,
          reportStates: o.reportStates,
        }),
    );
  }

  /**
   * Connects every agent, `batch` at a time: a batch starts when the previous one has settled
   * (each attempt is bounded by the connect timeout), so the handshake rate follows what the
   * server manages instead of a fixed schedule. Prints "connected 1200/5000" every second.
   * Never throws; after an abort it returns the figures so far.
   */
  async connectAll(batch: number, signal?: AbortSignal): Promise<ConnectSummary> {
    const started = performance.now();
    const refusals: Record<string, number> = {};
    let connected = 0;
    let refused = 0;
    const progress = startProgress(() => `connected ${connected}/${this.agents.length}${refused ? ` (refused ${refused})` : ''}`);
    try {
      // On abort, stop starting batches and return what happened so far; the caller reports the abort.
      for (let i = 0; i < this.agents.length && !signal?.aborted; i += batch) {
        const outcomes = await Promise.all(this.agents.slice(i, i + batch).map((a) => a.connect()));
        for (const o of outcomes) {
          if (o.ok) connected++;
          else {
            refused++;
            refusals[o.reason] = (refusals[o.reason] ?? 0) + 1;
          }
        }
      }
    } finally {
      progress.stop();
    }
    return { connected, refusals, ms: msSince(started) };
  }

  connectedAgents(): SimAgent[] {
    return this.agents.filter((a) => a.connected);
  }

  /** Agents that lost their connection after connecting, by reason. */
  disconnects(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.agents) {
      if (a.lastDisconnect !== undefined && a.lastDisconnect !== 'io client disconnect') out[a.lastDisconnect] = (out[a.lastDisconnect] ?? 0) + 1;
    }
    return out;
  }

  /** Closes every socket; safe to call more than once. */
  closeAll(): void {
    for (const a of this.agents) a.close();
  }
}
