import { ratio, type BroadcastSummary, type VarselBroadcastSummary } from './figures.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions, Scenario } from './options.js';
import type { BarePhaseResult } from './scenarios/bare-phase.js';
import type { RoundCurves } from './scenarios/broadcast-round.js';
import type { MqttPhaseResult } from './scenarios/mqtt-phase.js';
import type { StormFigures } from './scenarios/reconnect-storm.js';
import type { ReachFigures, VarselPhaseResult } from './scenarios/varsel-phase.js';
import type { ServerMetrics } from './server-metrics.js';
import type { PushFigures } from './scenarios/push-wakeup.js';

/**
 * The JSON document of a run (`<date>-<commit>.json`). The top-level figures are the ones the
 * issue asks for; the per-round details, storms, CPU use and curves below them say where the time went.
 */
export interface BenchResult {
  schema: 'varsel-bench/1';
  startedAt: string;
  finishedAt: string;
  durationS: number;
  commit: string;
  /** The checkout had uncommitted changes to tracked files. */
  dirty: boolean;
  machine: MachineInfo;
  options: Omit<BenchOptions, 'outDir'>;
  agents: number;
  devices: number;
  edges: number;
  workers: number;
  scenarios: Scenario[];
  /** a: siren to every agent through the HTTP API. */
  varsel: VarselBroadcastSummary | null;
  /** b: the same broadcast by a bare socket.io set. */
  bare: BroadcastSummary | null;
  /** varsel.p99Ms / bare.p99Ms. */
  ratioP99: number | null;
  /** c: `mqttAgents` agents on one Varsel edge, and on Mosquitto with QoS 1. */
  varsel15k: BroadcastSummary | null;
  mosquitto: BroadcastSummary | null;
  ratioP99VsMosquitto: number | null;
  /** d: kill -9 every edge and start them again. */
  reconnect: {
    varselAllCaughtUpMs: number | null;
    varsel99Ms: number | null;
    varselAllConnectedMs: number | null;
    bareAllConnectedMs: number | null;
    bare99Ms: number | null;
    /** varselAllCaughtUpMs / bareAllConnectedMs. */
    ratio: number | null;
    varselStorm: StormFigures | null;
    bareStorm: StormFigures | null;
  } | null;
  /** e: growth of the edges' RSS per connected agent, in KiB. */
  edgeKiBPerAgent: number | null;
  bareEdgeKiBPerAgent: number | null;
  /** f: acknowledgements counted per second, from the first one sent until all were counted (median of rounds). */
  ackRatePerSec: number | null;
  /** g: median time to compute the reach of an audience (the slower of "all" and "every administration"). */
  reachMs: number | null;
  reach: ReachFigures | null;
  /** h: Web Push wake-up of the devices without an agent, through a local push service. */
  push: PushFigures | null;
  setup: {
    enrolled: number | null;
    enrollMs: number | null;
    varselConnect: { connected: number; ms: number; failed: Record<string, number>; edgeRssBeforeKiB: number[]; edgeRssAfterKiB: number[] } | null;
    bareConnect: { connected: number; ms: number; failed: Record<string, number>; edgeRssBeforeKiB: number[]; edgeRssAfterKiB: number[] } | null;
    mqttConnect: { connected: number; ms: number } | null;
  };
  /** Varsel's own Prometheus metrics, read after the broadcast rounds and after the storm. */
  serverMetrics: ServerMetrics[];
  /** Connections lost during a phase other than by the storm's kill, by reason. */
  disconnects: { varsel: Record<string, number>; bare: Record<string, number> };
  problems: string[];
  /** Cumulative receipts and confirmed acknowledgements of the last measured round (for the chart). */
  curves: { varsel: RoundCurves | null; bare: RoundCurves | null };
}

export interface PhaseResults {
  varsel: VarselPhaseResult | null;
  bare: BarePhaseResult | null;
  mqtt: MqttPhaseResult | null;
  /** Phases that failed outright, with why. */
  errors: string[];
}

export function buildResult(x: {
  options: BenchOptions;
  phases: PhaseResults;
  machine: MachineInfo;
  commit: { commit: string; dirty: boolean };
  startedAt: Date;
  finishedAt: Date;
}): BenchResult {
  const { options: o, phases } = x;
  const v = phases.varsel;
  const b = phases.bare;
  const m = phases.mqtt;
  const { outDir: _outDir, ...options } = o;
  const vs = v?.storm ?? null;
  const bs = b?.storm ?? null;
  const reachMs = v?.reach ? maxOf(v.reach.allMs, v.reach.unitsMs) : null;
  const connectOf = (c: VarselPhaseResult['connect']   | null | undefined): BenchResult['setup']['varselConnect'] =>
    c ? { connected: c.connected, ms: c.ms, failed: c.failed, edgeRssBeforeKiB: c.edgeRssBeforeKiB, edgeRssAfterKiB: c.edgeRssAfterKiB } : null;
  return {
    schema: 'varsel-bench/1',
    startedAt: x.startedAt.toISOString(),
    finishedAt: x.finishedAt.toISOString(),
    durationS: Math.round((x.finishedAt.getTime() - x.startedAt.getTime()) / 100) / 10,
    commit: x.commit.commit,
    dirty: x.commit.dirty,
    machine: x.machine,
    options,
    agents: o.agents,
    devices: o.devices,
    edges: o.edges,
    workers: o.workers,
    scenarios: o.scenarios,
    varsel: v?.broadcast ?? null,
    bare: b?.broadcast ?? null,
    ratioP99: ratio(v?.broadcast?.p99Ms, b?.broadcast?.p99Ms),
    varsel15k: v?.oneEdge ?? null,
    mosquitto: m?.broadcast ?? null,
    ratioP99VsMosquitto: ratio(v?.oneEdge?.p99Ms, m?.broadcast?.p99Ms),
    reconnect:
      vs || bs
        ? {
            varselAllCaughtUpMs: vs?.allCaughtUpMs ?? null,
            varsel99Ms: vs?.caughtUp99Ms ?? null,
            varselAllConnectedMs: vs?.allConnectedMs ?? null,
            bareAllConnectedMs: bs?.allConnectedMs ?? null,
            bare99Ms: bs?.connected99Ms ?? null,
            ratio: ratio(vs?.allCaughtUpMs, bs?.allConnectedMs),
            varselStorm: vs,
            bareStorm: bs,
          }
        : null,
    edgeKiBPerAgent: o.scenarios.includes('e') ? (v?.connect?.kibPerAgent ?? null) : null,
    bareEdgeKiBPerAgent: b?.connect?.kibPerAgent ?? null,
    ackRatePerSec: v?.broadcast?.ackRatePerSec ?? null,
    reachMs,
    reach: v?.reach ?? null,
    push: v?.push ?? null,
    setup: {
      enrolled: v?.enrolled ?? null,
      enrollMs: v?.enrollMs ?? null,
      varselConnect: connectOf(v?.connect),
      bareConnect: connectOf(b?.connect),
      mqttConnect: m ? { connected: m.connected, ms: m.connectMs } : null,
    },
    disconnects: { varsel: v?.disconnects ?? {}, bare: b?.disconnects ?? {} },
    serverMetrics: v?.metrics ?? [],
    problems: [...phases.errors, ...(v?.problems ?? []), ...(b?.problems ?? []), ...(m?.problems ?? [])],
    curves: { varsel: v?.curves ?? null, bare: b?.curves ?? null },
  };
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** `2026-11-23-ca9a7a0`: the base name of a run's files. */
export function resultBaseName(startedAt: Date, commit: string): string {
  return `${startedAt.toISOString().slice(0, 10)}-${commit}`;
}
