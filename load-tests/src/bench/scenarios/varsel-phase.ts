import type { Audience } from '@varsel/shared';
import { now } from '../agent-protocol.js';
import { sleep } from '../../timing.js';
import { mergeDisconnects } from '../agent-pool.js';
import { benchAlertInput } from '../bench-alert.js';
import { median, summarizeRounds, summarizeVarselRounds, type BroadcastSummary, type VarselBroadcastSummary } from '../figures.js';
import { startVarselCluster, type VarselCluster } from '../varsel-cluster.js';
import type { VarselClient } from '../../varsel-client.js';
import { runRounds, type Broadcaster, type RoundContext, type RoundCurves } from './broadcast-round.js';
import { connectAgents, edgeOf, type ConnectFigures, type Credentials } from './connect.js';
import { enrollDevices } from './enroll.js';
import { reconnectStorm, type StormFigures } from './reconnect-storm.js';
import { scrapeServerMetrics, type ServerMetrics } from '../server-metrics.js';
import type { PhaseEnv } from './phase-env.js';
import { BenchPushService, PUSH_CERT_FILE, vapidKeyPair } from '../push-service.js';
import { measurePushWakeUp, registerPush, type PushFigures } from './push-wakeup.js';

export interface ReachFigures {
  /** Devices the audience reached (every enrolled device, for both audiences). */
  devices: number;
  samples: number;
  /** Median time of POST /api/audience/preview for `{ type: 'all' }`. */
  allMs: number | null;
  /** The same for every administration by name (the org-unit tree is resolved to all its units). */
  unitsMs: number | null;
  unitsDevices: number;
}

export interface VarselPhaseResult {
  enrolled: number;
  enrollMs: number;
  connect: ConnectFigures | null;
  reach: ReachFigures | null;
  broadcast: VarselBroadcastSummary | null;
  curves: RoundCurves | null;
  storm: StormFigures | null;
  oneEdge: BroadcastSummary | null;
  /** h: the push wake-up of the devices without an agent. */
  push: PushFigures | null;
  /** Varsel's own /metrics, read after the broadcast rounds and after the storm. */
  metrics: ServerMetrics[];
  /** Connections lost unexpectedly (not by the storm's kill) during the phase, by reason. */
  disconnects: Record<string, number>;
  problems: string[];
}

export function emptyVarselResult(): VarselPhaseResult {
  return { enrolled: 0, enrollMs: 0, connect: null, reach: null, broadcast: null, curves: null, storm: null, oneEdge: null, push: null, metrics: [], disconnects: {}, problems: [] };
}

// 5 s: the servers' default; the wake-up goes to whoever has not reported delivered by then.
const PUSH_AFTER_MS = 5000;

/**
 * Scenarios a, c (Varsel's side), d (Varsel's side), e, f, g and h, on one Varsel cluster. Fills in
 * `result` as it goes, so the figures measured before a failure are kept.
 */
export async function runVarselPhase(env: PhaseEnv, result: VarselPhaseResult): Promise<void> {
  const { options: o, group, pool, progress, signal } = env;
  const has = (s: string): boolean => o.scenarios.some((x) => x === s);
  progress.line(`varsel: starting Redis, ${o.edges} edge(s) and ${o.workers} worker(s)`);
  // Scenario h: the servers send Web Push from the start (as configured in production), to a local push service.
  const pushService = has('h') && o.devices > o.agents ? await new BenchPushService().listen() : undefined;
  const push = pushService ? { vapid: vapidKeyPair(), caFile: PUSH_CERT_FILE, afterMs: PUSH_AFTER_MS } : undefined;
  const cluster = await startVarselCluster(group, { edges: o.edges, workers: o.workers, nodeArgs: env.serverNodeArgs, signal, push }).catch(async (err: unknown) => {
    await pushService?.close();
    throw err;
  });
  const problems = result.problems;
  try {
    const api = cluster.clients[0] as VarselClient;
    const enrolled = await enrollDevices(cluster.clients, o.devices, progress, signal);
    result.enrolled = enrolled.devices.length;
    result.enrollMs = enrolled.ms;
    const processes = (): { name: string; pid: number }[] => [...cluster.servers.processes(), { name: 'varsel-redis', pid: cluster.redis.process.pid }, ...pool.processes.map((p) => ({ name: 'agents', pid: p.pid }))];
    const agents = enrolled.devices.slice(0, o.agents);

    if (has('a') || has('d') || has('e') || has('f') || has('g') || has('h')) {
      result.connect = await connectAgents({ pool, servers: cluster.servers, devices: agents, edgeIndexOf: (i) => edgeOf(i, o.edges), concurrency: o.connectConcurrency, progress, label: 'varsel', signal });
      if (result.connect.connected < agents.length) problems.push(`varsel: only ${result.connect.connected} of ${agents.length} agents connected (${JSON.stringify(result.connect.failed)})`);
    }
    if (has('g')) result.reach = await measureReach(api, o.reachSamples, enrolled.devices.length, progress);

    const ctx = (expected: number, edges: number, edgeIndexOf: (i: number) => number): RoundContext => ({ pool, expected, edges, edgeOf: edgeIndexOf, processes, timeoutMs: o.roundTimeoutMs, progress, signal });
    if (has('a') || has('f')) {
      const expected = await pool.connected();
      const rounds = await runRounds(ctx(expected, o.edges, (i) => edgeOf(i, o.edges)), varselBroadcaster(api), 'varsel', o.rounds);
      result.broadcast = summarizeVarselRounds(rounds.rounds);
      result.curves = rounds.lastCurves;
      problems.push(...broadcastProblems('varsel (a)', result.broadcast));
      for (const r of rounds.rounds) {
        const c = r.server?.counts;
        if (!r.warmUp && c && (c.delivered !== r.expected || c.acknowledged !== r.expected)) {
          problems.push(`varsel round ${r.round}: the API counts ${c.delivered} delivered and ${c.acknowledged} acknowledged, expected ${r.expected}`);
        }
      }
      const m = await readMetrics(cluster, 'after the broadcast rounds (a)');
      result.metrics.push(m);
      problems.push(...metricsProblems(m, rounds.rounds.reduce((a, r) => a + r.received, 0)));
    }
    if (has('d')) {
      const stormContext = { pool, agents: await pool.connected(), servers: cluster.servers, processes, timeoutMs: o.stormTimeoutMs, progress, signal, reports: !o.stormWithoutReports };
      if (o.stormWithoutReports) progress.line('varsel storm: a diagnostic run, the agents send no reports about the alert they catch up');
      const storm = await reconnectStorm(stormContext, 'varsel storm', async (edge) => {
        const client = cluster.clients[edge.index] ?? api;
        return (await client.sendAlert(benchAlertInput())).id;
      });
      result.storm = storm;
      // The edges were restarted: their counters cover the storm alone.
      result.metrics.push(await readMetrics(cluster, 'after the reconnect storm (d)'));
      progress.line(`varsel storm: all reconnected at ${storm.allConnectedMs ?? '-'} ms, all caught up at ${storm.allCaughtUpMs ?? '-'} ms (99 %: ${storm.caughtUp99Ms ?? '-'} ms)`);
      if (storm.allCaughtUpMs === null) problems.push(`varsel storm: ${storm.caughtUp ?? 0} of ${storm.agents} agents caught up the alert in time`);
    }
    result.disconnects = unexpected(mergeDisconnects(await pool.status()), result.storm);
    if (has('c')) result.oneEdge = await runOneEdge(env, cluster, enrolled.devices, ctx, problems);
    if (has('h') && !pushService) progress.line('push wake-up (h) skipped: every enrolled device has an agent (give more --devices than --agents)');
    if (pushService && push) {
      // Last: its pushes and registrations would otherwise take CPU from the other scenarios.
      const offline = enrolled.devices.slice(o.agents);
      // The wake-ups of the earlier scenarios' sirens are due PUSH_AFTER_MS after them: let them pass
      // (they find no registration), so that only this scenario's siren pushes.
      await sleep(push.afterMs + 1000, signal);
      progress.line(`push wake-up: ${offline.length} devices without an agent register a Web Push subscription`);
      const reg = await registerPush(offline, cluster.servers.edges.map((e) => e.url), pushService, signal);
      if (reg.failed.length > 0) problems.push(`push wake-up: ${reg.failed.length} registrations failed (${reg.failed.slice(0, 3).join('; ')})`);
      const expected = await pool.connected();
      result.push = await measurePushWakeUp(ctx(expected, o.edges, (i) => edgeOf(i, o.edges)), varselBroadcaster(api), pushService, reg, push.afterMs, () => readMetrics(cluster, 'push wake-up (h)'));
      result.metrics.push(await readMetrics(cluster, 'after the push wake-up (h)'));
      const p = result.push;
      progress.line(`push wake-up: ${p.reached}/${p.expected} subscriptions reached, the last ${p.lastMs ?? '-'} ms after the POST; results ${JSON.stringify(p.results)}`);
      problems.push(...pushProblems(p));
    }
  } finally {
    await pool.closeAll();
    progress.line('varsel: stopping');
    await cluster.stop();
    await pushService?.close();
  }
}

/** What must hold of scenario h: every live subscription woken once, every gone one counted and nothing malformed. */
export function pushProblems(p: PushFigures): string[] {
  const out: string[] = [];
  if (p.reached < p.expected) out.push(`push wake-up: ${p.expected - p.reached} of ${p.expected} subscriptions got no push`);
  if ((p.results.sent ?? 0) !== p.expected) out.push(`push wake-up: the worker counted ${p.results.sent ?? 0} pushes sent, the push service accepted ${p.reached}`);
  if ((p.results.gone ?? 0) !== p.gone) out.push(`push wake-up: the worker counted ${p.results.gone ?? 0} gone, ${p.gone} subscriptions were`);
  const other = Object.entries(p.results).filter(([k]) => k !== 'sent' && k !== 'gone');
  if (other.length > 0) out.push(`push wake-up: pushes failed (${other.map(([k, n]) => `${k} ${n}`).join(', ')})`);
  if (p.malformed > 0) out.push(`push wake-up: ${p.malformed} pushes lacked a TTL or VAPID header`);
  return out;
}

/** Scenario c, Varsel's side: `mqttAgents` agents all on edge 0, the other edges idle. */
async function runOneEdge(
  env: PhaseEnv,
  cluster: VarselCluster,
  devices: readonly Credentials[],
  ctx: (expected: number, edges: number, edgeIndexOf: (i: number) => number) => RoundContext,
  problems: string[],
): Promise<BroadcastSummary> {
  const { options: o, pool, progress, signal } = env;
  await pool.closeAll();
  const n = Math.min(o.mqttAgents, devices.length);
  const connect = await connectAgents({ pool, servers: cluster.servers, devices: devices.slice(0, n), edgeIndexOf: () => 0, concurrency: o.connectConcurrency, progress, label: 'varsel one edge', signal });
  if (connect.connected < n) problems.push(`varsel one edge: only ${connect.connected} of ${n} agents connected`);
  const rounds = await runRounds(ctx(await pool.connected(), 1, () => 0), varselBroadcaster(cluster.clients[0] as VarselClient), 'varsel one edge', o.rounds);
  const summary = summarizeRounds(rounds.rounds);
  problems.push(...broadcastProblems('varsel one edge (c)', summary));
  return summary;
}

/** A siren to everyone through POST /api/alerts; the server's counts through GET /api/alerts/:id. */
export function varselBroadcaster(api: VarselClient): Broadcaster {
  return {
    acks: true,
    async send() {
      const t0 = now();
      const sent = await api.sendAlert(benchAlertInput());
      return { alertId: sent.id, t0, answeredAt: now() };
    },
    serverAckCount: async (id) => (await api.getAlert(id)).counts.acknowledged,
    async serverFacts(id) {
      const a = await api.getAlert(id);
      return {
        createdAt: Date.parse(a.createdAt),
        broadcastAt: a.fanout.broadcastAt ? Date.parse(a.fanout.broadcastAt) : null,
        fanoutDoneAt: a.fanout.doneAt ? Date.parse(a.fanout.doneAt) : null,
        counts: { targeted: a.counts.targeted, delivered: a.counts.delivered, displayed: a.counts.displayed, acknowledged: a.counts.acknowledged },
      };
    },
  };
}

/** Scenario g: POST /api/audience/preview, timed `samples` times per audience; medians. */
async function measureReach(api: VarselClient, samples: number, enrolled: number, progress: PhaseEnv['progress']): Promise<ReachFigures> {
  const administrations = (await api.orgUnits()).filter((u) => u.parent === undefined).map((u) => u.id);
  const time = async (audience: Audience): Promise<{ ms: number[]; devices: number }> => {
    const ms: number[] = [];
    let devices = 0;
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      devices = (await api.previewAudience(audience)).devices;
      ms.push(performance.now() - t);
    }
    return { ms, devices };
  };
  const all = await time({ type: 'all' });
  const units = administrations.length > 0 ? await time({ type: 'units', units: administrations }) : { ms: [], devices: 0 };
  const r: ReachFigures = { devices: all.devices, samples, allMs: median(all.ms), unitsMs: median(units.ms), unitsDevices: units.devices };
  progress.line(`reach at ${r.devices} devices (${enrolled} enrolled): all ${r.allMs ?? '-'} ms, ${administrations.length} administrations ${r.unitsMs ?? '-'} ms`);
  return r;
}

export function broadcastProblems(what: string, s: BroadcastSummary): string[] {
  const p: string[] = [];
  for (const r of s.rounds) {
    if (r.received < r.expected) p.push(`${what} ${r.warmUp ? 'warm-up round' : `round ${r.round}`}: ${r.expected - r.received} of ${r.expected} agents never received the broadcast`);
    if (r.duplicates > 0) p.push(`${what} round ${r.round}: ${r.duplicates} duplicate receipts`);
    const failed = Object.values(r.reportFailures).reduce((a, b) => a + b, 0);
    if (failed > 0) p.push(`${what} round ${r.round}: ${failed} reports failed (${JSON.stringify(r.reportFailures)})`);
  }
  return p;
}

/** Lost connections other than the ones the storm caused on purpose. */
function unexpected(all: Record<string, number>, storm: StormFigures | null): Record<string, number> {
  const out = { ...all };
  for (const [k, v] of Object.entries(storm?.disconnects ?? {})) out[k] = (out[k] ?? 0) - v;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v > 0));
}

function readMetrics(cluster: VarselCluster, at: string): Promise<ServerMetrics> {
  const { edges, workers } = cluster.metricsSources();
  return scrapeServerMetrics(at, edges, workers);
}

/**
 * The server's counters against what the agents saw: every broadcast the agents received was
 * reported delivered and acknowledged, and recorded exactly once; no report failed.
 */
export function metricsProblems(m: ServerMetrics, received: number): string[] {
  const p: string[] = [];
  if (m.unreadable.length > 0) p.push(`varsel metrics ${m.at}: not read from ${m.unreadable.join('; ')}`);
  for (const state of ['delivered', 'acknowledged']) {
    const recorded = m.reports[state]?.recorded ?? 0;
    if (recorded !== received) p.push(`varsel metrics ${m.at}: ${recorded} ${state} reports recorded, the agents received ${received} broadcasts`);
  }
  const failed = Object.values(m.reports).reduce((a, row) => a + (row.failed ?? 0), 0);
  if (failed > 0) p.push(`varsel metrics ${m.at}: ${failed} reports failed (not written; the agents resent them)`);
  return p;
}
