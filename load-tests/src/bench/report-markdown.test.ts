import { describe, expect, it } from 'vitest';
import { summarizeRounds, summarizeVarselRounds, type RoundFigures } from './figures.js';
import type { MachineInfo } from './machine.js';
import { benchOptions } from './options.js';
import { failedAttempts, renderMarkdown } from './report-markdown.js';
import { stormChartOf } from './bench-run.js';
import { buildResult, resultBaseName } from './result.js';
import type { StormFigures } from './scenarios/reconnect-storm.js';

const machine: MachineInfo = { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23.5, os: 'Linux 6', node: 'v20.20.2', redis: '7.0.15', mosquitto: '2.0.11', socketIo: '4.8.4', maxOpenFiles: 20_000, localPortRange: '32768-60999' };

function round(p99Ms: number, over: Partial<RoundFigures> = {}): RoundFigures {
  return { round: 1, warmUp: false, alertId: 'x', expected: 45_000, received: 45_000, duplicates: 0, p50Ms: p99Ms / 2, p95Ms: p99Ms * 0.9, p99Ms, maxMs: p99Ms + 10, sendMs: 20, perEdgeP99Ms: [p99Ms], acks: null, server: null, reportFailures: {}, cpuMs: { 'varsel-edge': 1200, agents: 900 }, harnessLoopMaxMs: 40, ...over };
}

const storm = (allConnectedMs: number, allCaughtUpMs: number | null): StormFigures => ({
  agents: 45_000, firstEdgeUpMs: 900, allEdgesUpMs: 1100, alertSentMs: 1000, connected99Ms: allConnectedMs - 100, allConnectedMs, caughtUp99Ms: allCaughtUpMs, allCaughtUpMs, reconnected: 45_000, caughtUp: 45_000, duplicates: 0,
  harnessLoopMaxMs: 120, connectedCurve: [[1000, 1], [allConnectedMs, 45_000]], caughtUpCurve: allCaughtUpMs === null ? null : [[1100, 1], [allCaughtUpMs, 45_000]], disconnects: {}, cpuMs: {},
  agentsReported: allCaughtUpMs === null ? null : true,
});

function result() {
  const acks = { confirmed: 45_000, firstSentMs: 300, lastSentMs: 2000, lastConfirmedMs: 2100, allCountedMs: 2400, countedAfterLastSentMs: 400, ratePerSec: 21_429 };
  const varsel = summarizeVarselRounds([round(900, { warmUp: true, round: 0, acks }), round(600, { acks })]);
  const bare = summarizeRounds([round(500)]);
  return buildResult({
    options: benchOptions(),
    machine,
    commit: { commit: 'abc1234', dirty: false },
    startedAt: new Date('2026-11-23T10:00:00Z'),
    finishedAt: new Date('2026-11-23T10:07:30Z'),
    phases: {
      errors: [],
      varsel: {
        enrolled: 50_000, enrollMs: 20_000, connect: { agents: 45_000, connected: 45_000, failed: {}, ms: 30_000, edgeRssBeforeKiB: [80_000], edgeRssAfterKiB: [80_000 + 45_000 * 14] , kibPerAgent: 14 },
        reach: { devices: 50_000, samples: 9, allMs: 1.2, unitsMs: 2.5, unitsDevices: 50_000 },
        push: {
          registered: 5000, registerMs: 9000, gone: 100, afterMs: 5000, reached: 4900, expected: 4900, firstMs: 5100, p99Ms: 6500, lastMs: 6600, ratePerSec: 3267, malformed: 0,
          results: { sent: 4900, gone: 100 }, unregistered: 300, cpuMs: {},
        },
        broadcast: varsel, curves: null, storm: storm(9000, 9500), oneEdge: summarizeRounds([round(300, { expected: 15_000, received: 15_000 })]), disconnects: {}, problems: [],
        metrics: [
          {
            at: 'after the broadcast rounds (a)',
            edges: [{ name: 'varsel-edge-0', connectedAgents: 15_000, eventLoopLagP99Ms: 210.5, eventLoopLagMaxMs: 640, rssMiB: 230 }],
            reports: { delivered: { recorded: 90_000, unchanged: 0 }, acknowledged: { recorded: 90_000, failed: 0 } },
            reportBatches: { count: 300, meanSize: 600, meanMs: 4.2, p99MsAtMost: 25 },
            replayedMessages: 0,
            upgradesAbandoned: 3,
            handshakeRefusals: {},
            fanout: { jobs: { completed: 2 }, count: 2, meanMs: 61.5, p99MsAtMost: 100 },
            alertsAccepted: 2,
            pushResults: {},
            pushUnregistered: 0,
            queues: {},
            unreadable: [],
          },
        ],
      },
      bare: { connect: { agents: 45_000, connected: 45_000, failed: {}, ms: 25_000, edgeRssBeforeKiB: [60_000], edgeRssAfterKiB: [60_000 + 45_000 * 12], kibPerAgent: 12 }, broadcast: bare, curves: null, storm: storm(8000, null), disconnects: {}, problems: [] },
      mqtt: { connected: 15_000, connectMs: 9000, broadcast: summarizeRounds([round(400, { expected: 15_000, received: 14_990 })]), problems: ['mosquitto (c) round 1: 10 of 15000 agents never received the broadcast'] },
    },
  });
}

describe('buildResult', () => {
  it('carries the figures the issue names, with the ratios worked out', () => {
    const r = result();
    expect(r).toMatchObject({ agents: 45_000, edges: 3, ratioP99: 1.2, ratioP99VsMosquitto: 0.75, edgeKiBPerAgent: 14, ackRatePerSec: 21_429, reachMs: 2.5, commit: 'abc1234', durationS: 450 });
    expect(r.varsel).toMatchObject({ p99Ms: 600, received: 45_000, expected: 45_000, allAckedMs: 2400 });
    expect(r.mosquitto).toMatchObject({ p99Ms: 400, received: 14_990, expected: 15_000 });
    expect(r.reconnect).toMatchObject({ varselAllCaughtUpMs: 9500, bareAllConnectedMs: 8000, ratio: 1.19 });
    expect(r.problems).toHaveLength(1);
  });

  it('names its files by date and commit', () => {
    expect(resultBaseName(new Date('2026-11-23T23:59:00Z'), 'abc1234')).toBe('2026-11-23-abc1234');
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(result(), { json: 'r.json', svg: 'r.svg' });

  it('opens with the run, the machine and one row per scenario with its target', () => {
    expect(md).toMatch(/^# Varsel fan-out benchmark: 2026-11-23, commit abc1234\n/);
    expect(md).toContain('45,000 agents on 3 edge(s)');
    expect(md).toContain('| a | siren to 45,000 agents via HTTP, p50 / p95 / p99 / max | 300 / 540 / 600 / 610 ms | bare socket.io 250 / 450 / 500 / 510 ms | 1.20× | p99 ≤ 1.2× bare | yes |');
    expect(md).toContain('| c | 15,000 agents on one edge');
    expect(md).toMatch(/\| d \| reconnect storm .* \| 9,500 ms \(9,500 ms\) \| bare: all reconnected 8,000 ms \(7,900 ms\) \| 1\.19× \| ≤ 1\.2× bare \| yes \|/);
    expect(md).toContain('| e | edge RSS per connected agent | 14 KiB | bare 12 KiB |  | ≤ 25 KiB | yes |');
    expect(md).toContain('| f | acknowledgement ingestion (first sent → all counted) | 21,429 acks/s |');
    expect(md).toContain('all: 1.2 ms; every administration: 2.5 ms');
    expect(md).toContain('| h | Web Push wake-up of 5,000 devices without an agent, due 5,000 ms after the fan-out: first / 99 % / last push received after the POST | 5,100 ms / 6,500 ms / 6,600 ms; 4,900 / 4,900 reached, 3,267/s |');
    expect(md).toContain('| h | push results by reason (varsel_push_results_total) | sent 4,900, gone 100 |');
  });

  it('says 400 ms after the last ack sent meets the 1 s target', () => {
    expect(md).toContain('| 2,400 ms; 400 ms after |  |  | ≤ 1,000 ms after the last sent | yes |');
  });

  it('lists the storms with their failed attempts by reason', () => {
    expect(failedAttempts({ 'transport close': 45_000, 'connect ECONNREFUSED': 6067, 'connect timeout': 545, 'refused 50301 UNAVAILABLE': 3 })).toBe('6,615 (ECONNREFUSED 6,067, timeout 545, refused 50301 UNAVAILABLE 3)');
    expect(failedAttempts({ 'transport close': 45_000 })).toBe('0');
    expect(md).toContain('| Varsel | 45,000 | 900 | 1,100 | 1,000 | 8,900 | 9,000 | 9,500 | 9,500 | 0 | 120 |');
  });

  it('does not judge the storm of the --storm-without-reports diagnostic, and names it', () => {
    const r = result();
    if (!r.reconnect?.varselStorm) throw new Error('no storm');
    r.reconnect.varselStorm.agentsReported = false;
    const diagnostic = renderMarkdown(r, { json: 'r.json', svg: 'r.svg' });
    expect(diagnostic).toContain(
      '| d | reconnect storm after kill -9 of every edge: all caught up (99 %); diagnostic: the agents sent no reports (--storm-without-reports) | 9,500 ms (9,500 ms) | bare: all reconnected 8,000 ms (7,900 ms) | 1.19× | not judged | – |',
    );
    expect(diagnostic).toContain('| Varsel (diagnostic: the agents sent no reports (--storm-without-reports)) | 45,000 |');
    expect(stormChartOf(r)).toContain('Varsel, agents sending no reports: caught up');
    // A run as usual says nothing of it.
    expect(md).not.toContain('diagnostic');
    expect(result().reconnect?.varselStorm?.agentsReported).toBe(true);
  });

  it("shows Varsel's own metrics, one row per read", () => {
    expect(md).toContain('| after the broadcast rounds (a) | 15,000 | 90,000 / 90,000 | 0 / 0 / 0 | 300, 600, 4.2 / 25 | 0 | 3 | 2, 61.5 / 100 | 211 / 640 | 230 |');
  });

  it('lists every round, the warm-up marked, and the problems', () => {
    expect(md).toContain('| Varsel | warm-up | 45,000/45,000 |');
    expect(md).toContain('| Mosquitto | 1 | 14,990/15,000 |');
    expect(md).toContain('## Problems\n\n- mosquitto (c) round 1: 10 of 15000 agents never received the broadcast');
    expect(md.trimEnd().endsWith('Files: `r.json` (every figure), `r.svg` (delivery and acknowledgement curves, Varsel against bare socket.io).')).toBe(true);
  });
});

describe('stormChartOf', () => {
  it('draws Varsel connected and caught up, and bare connected, over ms since the kill', () => {
    const svg = stormChartOf(result());
    expect(svg).toContain('<svg');
    expect(svg).toContain('Varsel: connected again');
    expect(svg).toContain('Varsel: caught up');
    expect(svg).toContain('bare socket.io: connected again');
    expect(svg).toContain('milliseconds since every edge was killed');
  });

  it('draws nothing for a run without a storm', () => {
    expect(stormChartOf({ ...result(), reconnect: null })).toBeNull();
  });

  it('names the storm chart among the files when there is one', () => {
    const md = renderMarkdown(result(), { json: 'r.json', svg: 'r.svg', stormSvg: 'r-storm.svg' });
    expect(md.trimEnd().endsWith('`r-storm.svg` (the reconnect storms over time).')).toBe(true);
  });
});
