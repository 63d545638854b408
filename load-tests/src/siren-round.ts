import type { AlertCounts, AlertInput, Audience, ReportedState } from '@varsel/shared';
import type { RunOptions } from './arg-parse.js';
import type { Fleet } from './fleet.js';
import type { SimAgent } from './sim-agent.js';
import type { VarselClient } from './varsel-client.js';
import { startProgress } from './progress.js';
import { roundSummary, summarize, type LatencySummary } from './stats.js';
import { msSince, waitUntil } from './timing.js';

/** What the agents report for every alert, in order (as a person who acknowledges at once). */
export const REPORT_STATES: readonly ReportedState[] = ['delivered', 'acknowledged'];

export interface ReportTally {
  /** The server answered ok. */
  ok: number;
  /** Of those, answered `recorded: true` (the device's state moved forward). */
  recorded: number;
  /** Answered `ok: false`, or not within the report timeout. */
  failed: number;
  /** Never answered and never timed out (the round stopped waiting first). */
  pending: number;
}

/** One round: one alert, and what the agents and the API made of it. Times are ms from just before the POST. */
export interface RoundResult {
  round: number;
  alertId: string | null;
  /** Agents connected when the alert was sent: each must receive it. */
  expected: number;
  /** Devices the audience reached just before sending (POST /api/audience/preview), offline ones included; null if unknown. */
  audienceDevices: number | null;
  received: number;
  /** Receipts beyond the first, summed over agents; at-least-once allows them, this run wants 0. */
  duplicates: number;
  latency: LatencySummary;
  /** The POST's own round trip. */
  postMs: number | null;
  /** When the last expected agent had it; null if some never did. */
  allReceivedMs: number | null;
  reports: Record<ReportedState, ReportTally>;
  /** Failed reports by "state reason" (reason: error code or timeout). */
  reportFailures: Record<string, number>;
  /** When GET /api/alerts/:id first showed every expected acknowledgement; null if it never did in time. */
  allAcknowledgedMs: number | null;
  /** Server-side: fan-out done minus alert created (wall clock of the server). */
  fanoutMs: number | null;
  /** Counts from the API once every report was answered. */
  counts: AlertCounts | null;
  /** Why the round could not run (the POST failed). */
  error: string | null;
}

export interface RoundContext {
  client: VarselClient;
  fleet: Fleet;
  options: RunOptions;
  signal: AbortSignal;
}

// 100 ms: fine enough for a figure reported in whole seconds, light on the API (10 requests/s).
const POLL_MS = 100;

/** Sends one alert and measures it. Never throws except on abort; problems end up in the result. */
export async function runRound(ctx: RoundContext, round: number): Promise<{ result: RoundResult; latenciesMs: number[] }> {
  const { client, fleet, options: o, signal } = ctx;
  const agents = fleet.connectedAgents();
  const expected = agents.length;
  const audience: Audience = o.audience === 'all' ? { type: 'all' } : { type: 'units', units: [o.orgUnit] };
  const result = emptyResult(round, expected);

  try {
    result.audienceDevices = (await client.previewAudience(audience)).devices;
  } catch (err) {
    process.stderr.write(`round ${round}: audience preview failed: ${String(err)}\n`);
  }

  const t0 = performance.now();
  let alertId: string;
  try {
    alertId = (await client.sendAlert(alertInput(o, audience, round))).id;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    return { result, latenciesMs: [] };
  }
  result.alertId = alertId;
  result.postMs = msSince(t0);

  let serverAcked = 0;
  const progress = startProgress(() => `round ${round}/${o.rounds}: received ${countReceived(agents, alertId)}/${expected}, acknowledged (server) ${serverAcked}/${expected}`);
  try {
    // Poll the API from the start, so the all-acknowledged time is not delayed by our own waits.
    const ackPoll = waitUntil(
      async () => {
        try {
          const view = await client.getAlert(alertId);
          serverAcked = view.counts.acknowledged;
          if (serverAcked < expected) return false;
          result.allAcknowledgedMs = msSince(t0);
          return true;
        } catch (err) {
          process.stderr.write(`round ${round}: GET alert failed (will retry): ${String(err)}\n`);
          return false;
        }
      },
      { timeoutMs: o.waitMs, everyMs: POLL_MS, signal },
    ).catch(() => false); // rejects only on abort, which the waits below report

    const allReceived = await waitUntil(() => countReceived(agents, alertId) >= expected, { timeoutMs: o.waitMs, everyMs: 10, signal });
    // Each agent reports its states one after the other, each bounded by the report timeout.
    await waitUntil(() => agents.every((a) => a.reportsSettled(alertId)), { timeoutMs: o.reportTimeoutMs * REPORT_STATES.length + 2000, everyMs: 20, signal });
    await ackPoll;

    const view = await client.getAlert(alertId).catch((err: unknown) => {
      result.error = `final GET /api/alerts/${alertId} failed: ${String(err)}`;
      return null;
    });
    if (view) {
      result.counts = view.counts;
      if (view.fanout.doneAt) result.fanoutMs = Date.parse(view.fanout.doneAt) - Date.parse(view.createdAt);
    }

    const latenciesMs = tallyReceipts(agents, alertId, t0, result);
    if (allReceived) result.allReceivedMs = result.latency.max;
    return { result, latenciesMs };
  } finally {
    progress.stop();
  }
}

/** Counts receipts and report answers of one alert into `result`; returns the raw latencies. */
function tallyReceipts(agents: readonly SimAgent[], alertId: string, t0: number, result: RoundResult): number[] {
  const latenciesMs: number[] = [];
  result.received = 0;
  result.duplicates = 0;
  for (const a of agents) {
    const r = a.receipt(alertId);
    if (!r) continue;
    result.received++;
    result.duplicates += r.count - 1;
    latenciesMs.push(r.firstAt - t0);
    for (const [state, outcome] of r.reports) {
      const t = result.reports[state];
      switch (outcome.state) {
        case 'ok':
          t.ok++;
          if (outcome.recorded) t.recorded++;
          break;
        case 'failed': {
          t.failed++;
          const key = `${state} ${outcome.reason}`;
          result.reportFailures[key] = (result.reportFailures[key] ?? 0) + 1;
          break;
        }
        case 'pending':
          t.pending++;
          break;
      }
    }
  }
  result.latency = roundSummary(summarize(latenciesMs));
  return latenciesMs;
}

/** Duplicates of an alert seen so far (late duplicates arrive after the round). */
export function countDuplicates(agents: readonly SimAgent[], alertId: string): number {
  let n = 0;
  for (const a of agents) n += Math.max(0, (a.receipt(alertId)?.count ?? 1) - 1);
  return n;
}

function countReceived(agents: readonly SimAgent[], alertId: string): number {
  let n = 0;
  for (const a of agents) if (a.receipt(alertId)) n++;
  return n;
}

function alertInput(o: RunOptions, audience: Audience, round: number): AlertInput {
  const title = o.kind === 'siren' ? `Belastningstest ${round}` : `Driftsbesked, test ${round}`;
  return {
    kind: o.kind,
    status: 'exercise', // a load test is always a drill, shown as ØVELSE
    content: { da: { title, body: `Øvelse: belastningstest af Varsel med ${o.agents} simulerede enheder. Ingen handling nødvendig.` } },
    audience,
    ...(o.kind === 'siren' ? { confirm: 'SIRENE' } : {}),
  };
}

function emptyResult(round: number, expected: number): RoundResult {
  const tally = (): ReportTally => ({ ok: 0, recorded: 0, failed: 0, pending: 0 });
  return {
    round,
    alertId: null,
    expected,
    audienceDevices: null,
    received: 0,
    duplicates: 0,
    latency: summarize([]),
    postMs: null,
    allReceivedMs: null,
    reports: { delivered: tally(), displayed: tally(), acknowledged: tally() },
    reportFailures: {},
    allAcknowledgedMs: null,
    fanoutMs: null,
    counts: null,
    error: null,
  };
}
