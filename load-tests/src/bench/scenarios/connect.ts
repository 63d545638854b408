import { PROTOCOL_VERSION } from '@varsel/shared';
import { sleep } from '../../timing.js';
import type { SioAgentSpec } from '../agent-protocol.js';
import type { AgentPool } from '../agent-pool.js';
import type { Progress } from '../progress-log.js';
import type { ServerSet } from '../server-set.js';

/** A device's credentials (enrolled in Varsel, or made up for the bare server, which ignores them). */
export interface Credentials {
  deviceId: string;
  secret: string;
}

/** Edge of agent i: round-robin, so every edge gets an equal share. */
export function edgeOf(agent: number, edges: number): number {
  return agent % edges;
}

// 20 s per connection attempt: a handshake waits behind thousands of others at the start.
const CONNECT_TIMEOUT_MS = 20_000;
// 10 s: an alert:report is answered within milliseconds unless the edge is overwhelmed.
const REPORT_TIMEOUT_MS = 10_000;

export interface ConnectFigures {
  agents: number;
  connected: number;
  failed: Record<string, number>;
  ms: number;
  /** Edge memory before and after (KiB per edge), and the growth per connected agent (scenario e). */
  edgeRssBeforeKiB: number[];
  edgeRssAfterKiB: number[];
  kibPerAgent: number | null;
}

/**
 * Connects `devices.length` agents to the given edges (`edgeIndexOf` picks each agent's edge),
 * reading every edge's RSS before and, after a settling pause, again.
 */
export async function connectAgents(
  x: { pool: AgentPool; servers: ServerSet; devices: readonly Credentials[]; edgeIndexOf: (agent: number) => number; concurrency: number; progress: Progress; label: string; signal: AbortSignal },
): Promise<ConnectFigures> {
  const { pool, servers, devices } = x;
  // 1 s: lets the edges finish what they did before (enrollment, a previous phase) before RSS is read.
  await sleep(1000, x.signal);
  const edgeRssBeforeKiB = servers.edgeRssKiB();
  const urls = servers.edges.map((e) => e.url);
  const specs: SioAgentSpec[] = devices.map((d, i) => ({ url: urls[x.edgeIndexOf(i)] ?? '', deviceId: d.deviceId, secret: d.secret }));
  const started = performance.now();
  x.progress.line(`${x.label}: connecting ${devices.length} agents to ${new Set(devices.map((_, i) => x.edgeIndexOf(i))).size} edge(s) from ${pool.size} harness process(es)`);
  const res = await pool.connectSio(
    { agents: specs, concurrency: x.concurrency, connectTimeoutMs: CONNECT_TIMEOUT_MS, reportTimeoutMs: REPORT_TIMEOUT_MS, protocol: PROTOCOL_VERSION },
    // Bounded: every attempt ends within its connect timeout, `concurrency` at a time per process.
    Math.max(60_000, Math.ceil(devices.length / Math.max(1, pool.size * x.concurrency)) * (CONNECT_TIMEOUT_MS + 1000)),
    (n) => x.progress.line(`${x.label}: connecting ${n}/${devices.length}`),
  );
  const ms = Math.round(performance.now() - started);
  const failedCount = Object.values(res.failed).reduce((a, b) => a + b, 0);
  x.progress.line(`${x.label}: ${res.connected}/${devices.length} connected in ${(ms / 1000).toFixed(1)} s${failedCount ? ` (${failedCount} failed: ${JSON.stringify(res.failed)})` : ''}`);
  // 3 s: the handshakes' garbage is collected and the heartbeat timers are set before RSS is read.
  await sleep(3000, x.signal);
  const edgeRssAfterKiB = servers.edgeRssKiB();
  const grown = edgeRssAfterKiB.reduce((a, v, i) => a + v - (edgeRssBeforeKiB[i] ?? 0), 0);
  return {
    agents: devices.length,
    connected: res.connected,
    failed: res.failed,
    ms,
    edgeRssBeforeKiB,
    edgeRssAfterKiB,
    kibPerAgent: res.connected > 0 ? Math.round((grown / res.connected) * 10) / 10 : null,
  };
}
