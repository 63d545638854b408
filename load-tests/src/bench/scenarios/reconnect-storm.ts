import { waitUntil } from '../../timing.js';
import { now } from '../agent-protocol.js';
import { concat, mergeDisconnects, type AgentPool } from '../agent-pool.js';
import { cumulative, latencies, timeToFraction } from '../figures.js';
import { cpuDelta, cpuSnapshot } from '../processes.js';
import type { Progress } from '../progress-log.js';
import type { Edge, ServerSet } from '../server-set.js';

/** A reconnect storm, in ms from the moment every edge was sent SIGKILL. */
export interface StormFigures {
  agents: number;
  /** The first edge, and the last, ready again (listening). */
  firstEdgeUpMs: number;
  allEdgesUpMs: number;
  /** Varsel: when the API answered the alert sent as soon as the first edge was back. */
  alertSentMs: number | null;
  connected99Ms: number | null;
  allConnectedMs: number | null;
  /** Varsel: connected again and holding the alert (by replay or live). */
  caughtUp99Ms: number | null;
  allCaughtUpMs: number | null;
  reconnected: number;
  caughtUp: number | null;
  duplicates: number | null;
  /** Agents connected again (and, for Varsel, holding the alert) over ms since the kill: (ms, count) points. */
  connectedCurve: [number, number][];
  caughtUpCurve: [number, number][] | null;
  /** Varsel: whether the agents reported the alert (false: the --storm-without-reports diagnostic); null without an alert. */
  agentsReported: boolean | null;
  /** The longest any harness process's event loop was held during the storm, in ms. */
  harnessLoopMaxMs: number;
  /** Connections lost during the storm, by reason (the kill shows as "transport close"). */
  disconnects: Record<string, number>;
  cpuMs: Record<string, number>;
}

export interface StormContext {
  pool: AgentPool;
  agents: number;
  servers: ServerSet;
  processes: () => { name: string; pid: number }[];
  timeoutMs: number;
  progress: Progress;
  signal: AbortSignal;
  /** False: the agents send no reports about the storm's alert (a diagnostic). */
  reports?: boolean;
}

/**
 * kill -9 every edge, start them all again at once on their ports, and (if `sendAlert` is given)
 * send an alert through the first edge that is back. Then wait, bounded, until every agent is
 * connected again (and holds the alert), and read when each one got there.
 */
export async function reconnectStorm(ctx: StormContext, label: string, sendAlert?: (edge: Edge) => Promise<string>): Promise<StormFigures> {
  const { pool, agents, signal } = ctx;
  const cpuBefore = cpuSnapshot(ctx.processes());
  const disconnectsBefore = mergeDisconnects(await pool.status());
  const reports = ctx.reports ?? true;
  if (!reports) await pool.reporting(false);
  await pool.mark();
  const killedAt = now();
  await ctx.servers.killEdges();
  ctx.progress.line(`${label}: killed ${ctx.servers.edges.length} edges (kill -9), starting them again`);
  const ups = ctx.servers.restartEdges(signal);
  const first = await Promise.race(ups);
  const firstUpAt = now();
  let alertId: string | null = null;
  let alertSentAt: number | null = null;
  if (sendAlert) {
    alertId = await sendAlert(first);
    alertSentAt = now();
    ctx.progress.line(`${label}: alert sent through ${first.name} ${Math.round(alertSentAt - killedAt)} ms after the kill`);
  }
  await Promise.all(ups);
  const allUpAt = now();

  let connected = 0;
  let caughtUp = 0;
  const status = ctx.progress.every(1000, () => `${label}: ${connected}/${agents} connected again${alertId ? `, ${caughtUp} caught up` : ''}`);
  try {
    await waitUntil(
      async () => {
        try {
          connected = await pool.connected();
          if (alertId) caughtUp = (await pool.counts(alertId)).received;
        } catch (err) {
          // A harness process too busy to answer in time is part of a storm: ask again.
          if (signal.aborted) throw err;
          ctx.progress.line(`${label}: ${err instanceof Error ? err.message : String(err)}; asking again`);
          return false;
        }
        return connected >= agents && (alertId === null || caughtUp >= agents);
      },
      // 250 ms: each poll is a request to every harness process, which is busy enough.
      { timeoutMs: ctx.timeoutMs, everyMs: 250, signal },
    );
  } finally {
    status.stop();
  }
  // (A storm that failed ends its phase, agents and all.)
  if (!reports) await pool.reporting(true);

  const statuses = await pool.status();
  const reconnectedAt = concat(statuses.map((s) => s.reconnectedAt));
  const times = alertId ? await pool.collect(alertId) : null;
  const disconnects = mergeDisconnects(statuses);
  for (const [k, v] of Object.entries(disconnectsBefore)) disconnects[k] = (disconnects[k] ?? 0) - v;
  return {
    agents,
    firstEdgeUpMs: Math.round(firstUpAt - killedAt),
    allEdgesUpMs: Math.round(allUpAt - killedAt),
    alertSentMs: alertSentAt === null ? null : Math.round(alertSentAt - killedAt),
    connected99Ms: timeToFraction(reconnectedAt, killedAt, agents, 0.99),
    allConnectedMs: timeToFraction(reconnectedAt, killedAt, agents, 1),
    caughtUp99Ms: times ? timeToFraction(times.receivedAt, killedAt, agents, 0.99) : null,
    allCaughtUpMs: times ? timeToFraction(times.receivedAt, killedAt, agents, 1) : null,
    reconnected: reconnectedAt.filter((v) => !Number.isNaN(v)).length,
    caughtUp: times ? times.received : null,
    duplicates: times ? times.duplicates : null,
    harnessLoopMaxMs: Math.max(0, ...statuses.map((s) => s.loopDelayMaxMs)),
    connectedCurve: cumulative(latencies(reconnectedAt, killedAt)),
    caughtUpCurve: times ? cumulative(latencies(times.receivedAt, killedAt)) : null,
    agentsReported: alertId ? reports : null,
    disconnects: Object.fromEntries(Object.entries(disconnects).filter(([, v]) => v > 0)),
    cpuMs: cpuDelta(cpuBefore, cpuSnapshot(ctx.processes())),
  };
}
