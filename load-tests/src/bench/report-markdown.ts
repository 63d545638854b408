import type { BroadcastSummary, RoundFigures } from './figures.js';
import type { BenchResult } from './result.js';
import type { StormFigures } from './scenarios/reconnect-storm.js';
import type { ServerMetrics } from './server-metrics.js';

/** The Markdown summary of a run (`<date>-<commit>.md`, also printed last on stdout). Pure. */

const int = (v: number | null | undefined): string => (v == null ? '–' : Math.round(v).toLocaleString('en'));
const num = (v: number | null | undefined): string => (v == null ? '–' : (Math.round(v * 10) / 10).toLocaleString('en'));
const ms = (v: number | null | undefined): string => (v == null ? '–' : `${int(v)} ms`);
const x2 = (v: number | null | undefined): string => (v == null ? '–' : `${v.toFixed(2)}×`);

/** How the --storm-without-reports diagnostic is named in the summary. */
const NO_REPORTS = 'diagnostic: the agents sent no reports (--storm-without-reports)';

/** "yes" / "no" / "–" for a target a figure must not exceed. */
function met(value: number | null | undefined, limit: number): string {
  if (value == null) return '–';
  return value <= limit ? 'yes' : 'no';
}

function latencyCell(s: BroadcastSummary | null): string {
  if (!s) return '–';
  return `${int(s.p50Ms)} / ${int(s.p95Ms)} / ${int(s.p99Ms)} / ${int(s.maxMs)} ms`;
}

function receivedCell(s: BroadcastSummary | null): string {
  return s ? `${int(s.received)} / ${int(s.expected)}` : '–';
}

export function renderMarkdown(r: BenchResult, files: { json: string; svg: string; stormSvg?: string }): string {
  const m = r.machine;
  const v = r.varsel;
  const b = r.bare;
  const rc = r.reconnect;
  // The --storm-without-reports diagnostic leaves out work the target includes: it is not judged.
  const stormDiagnostic = rc?.varselStorm?.agentsReported === false;
  const allReceived = v ? v.received === v.expected && v.expected > 0 : null;
  const lines: string[] = [];
  lines.push(`# Varsel fan-out benchmark: ${r.startedAt.slice(0, 10)}, commit ${r.commit}${r.dirty ? ' (with uncommitted changes)' : ''}`);
  lines.push('');
  lines.push(
    `${int(r.agents)} agents on ${r.edges} edge(s) and ${r.workers} worker(s), ${int(r.devices)} devices enrolled; ` +
      `${r.options.rounds} measured round(s) per broadcast after one warm-up round (figures are medians over the rounds, ` +
      `counts are totals); scenarios ${r.scenarios.join(', ')}. ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ` +
      `Redis ${m.redis ?? '?'} (infra/redis/redis.conf: AOF, fsync always), socket.io ${m.socketIo ?? '?'}, Mosquitto ${m.mosquitto ?? '?'}; ` +
      `${int(m.maxOpenFiles)} open files per process. The run took ${(r.durationS / 60).toFixed(1)} min.`,
  );
  lines.push('');
  lines.push('| | figure | Varsel | compared with | ratio | target | met |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  const row = (...cells: string[]): number => lines.push(`| ${cells.join(' | ')} |`);
  if (v || b) {
    row('a', `siren to ${int(r.agents)} agents via HTTP, p50 / p95 / p99 / max`, latencyCell(v), b ? `bare socket.io ${latencyCell(b)}` : '–', x2(r.ratioP99), 'p99 ≤ 1.2× bare', met(r.ratioP99, 1.2));
    row('a', 'received / expected', receivedCell(v), b ? `bare ${receivedCell(b)}` : '–', '', '100 %', allReceived === null ? '–' : allReceived ? 'yes' : 'no');
  }
  if (v) {
    row('a', 'every acknowledgement counted (from the POST; after the last one was sent)', `${ms(v.allAckedMs)}; ${ms(v.ackCountedAfterLastSentMs)} after`, '', '', '≤ 1,000 ms after the last sent', met(v.ackCountedAfterLastSentMs, 1000));
  }
  if (r.varsel15k || r.mosquitto) {
    row('c', `${int(r.options.mqttAgents)} agents on one edge, p50 / p95 / p99 / max`, latencyCell(r.varsel15k), `Mosquitto QoS 1 ${latencyCell(r.mosquitto)}`, x2(r.ratioP99VsMosquitto), 'p99 ≤ Mosquitto', met(r.ratioP99VsMosquitto, 1));
    row('c', 'received / expected', receivedCell(r.varsel15k), `Mosquitto ${receivedCell(r.mosquitto)}`, '', '100 %', '');
  }
  if (rc) {
    row(
      'd',
      `reconnect storm after kill -9 of every edge: all caught up (99 %)${stormDiagnostic ? `; ${NO_REPORTS}` : ''}`,
      `${ms(rc.varselAllCaughtUpMs)} (${ms(rc.varsel99Ms)})`,
      `bare: all reconnected ${ms(rc.bareAllConnectedMs)} (${ms(rc.bare99Ms)})`,
      x2(rc.ratio),
      stormDiagnostic ? 'not judged' : '≤ 1.2× bare',
      stormDiagnostic ? '–' : met(rc.ratio, 1.2),
    );
  }
  if (r.edgeKiBPerAgent !== null || r.bareEdgeKiBPerAgent !== null) {
    row('e', 'edge RSS per connected agent', r.edgeKiBPerAgent === null ? '–' : `${r.edgeKiBPerAgent} KiB`, r.bareEdgeKiBPerAgent === null ? '–' : `bare ${r.bareEdgeKiBPerAgent} KiB`, '', '≤ 25 KiB', met(r.edgeKiBPerAgent, 25));
  }
  if (r.ackRatePerSec !== null) row('f', 'acknowledgement ingestion (first sent → all counted)', `${int(r.ackRatePerSec)} acks/s`, '', '', '', '');
  if (r.reach) {
    row('g', `reach of an audience at ${int(r.reach.devices)} devices (median of ${r.reach.samples})`, `all: ${fmtMs(r.reach.allMs)}; every administration: ${fmtMs(r.reach.unitsMs)}`, '', '', '', '');
  }
  const p = r.push;
  if (p) {
    row(
      'h',
      `Web Push wake-up of ${int(p.registered)} devices without an agent, due ${int(p.afterMs)} ms after the fan-out: first / 99 % / last push received after the POST`,
      `${ms(p.firstMs)} / ${ms(p.p99Ms)} / ${ms(p.lastMs)}; ${int(p.reached)} / ${int(p.expected)} reached, ${p.ratePerSec === null ? '–' : `${int(p.ratePerSec)}/s`}`,
      '',
      '',
      '',
      '',
    );
    row('h', 'push results by reason (varsel_push_results_total)', pushResults(p.results), '', '', '', '');
  }
  lines.push('');

  const rounds: [string, BroadcastSummary | null][] = [
    ['Varsel', v],
    ['bare', b],
    ['Varsel, one edge', r.varsel15k],
    ['Mosquitto', r.mosquitto],
  ];
  if (rounds.some(([, s]) => s)) {
    lines.push('## Rounds');
    lines.push('');
    lines.push('Milliseconds from just before the send. "stored", "broadcast" and "fan-out done" are Varsel\'s own timestamps (the alert\'s `createdAt`, `fanout.broadcastAt` and `fanout.doneAt`; the audience is fixed after the broadcast); "acks counted" is when the server reported every acknowledgement; CPU is what each process group used during the round; "harness lag" is the longest any harness process\'s event loop was held (how late it may have read a frame).');
    lines.push('');
    lines.push('| system | round | received | p50 | p95 | p99 | max | send | stored | broadcast | fan-out done | acks counted | last ack sent | harness lag | CPU ms |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, s] of rounds) for (const rf of s?.rounds ?? []) lines.push(roundRow(name, rf));
    lines.push('');
  }

  if (rc) {
    lines.push('## Reconnect storms');
    lines.push('');
    lines.push(
      'Milliseconds from the moment every edge was sent SIGKILL. Agents reconnect with the protocol\'s backoff (1 s doubling to 30 s, ±50 %); "failed attempts" are connection attempts that did not get through (refused while the edges were down, reset, or not answered within the 20 s connect timeout: `timeout` before the TCP connection was accepted, `upgrade timeout` after), each followed by a longer wait.',
    );
    lines.push('');
    lines.push('| system | agents | first edge up | all edges up | alert sent | 99 % connected | all connected | 99 % caught up | all caught up | failed attempts | harness lag | CPU ms |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const varselName = stormDiagnostic ? `Varsel (${NO_REPORTS})` : 'Varsel';
    for (const [name, s] of [[varselName, rc.varselStorm], ['bare', rc.bareStorm]] as [string, StormFigures | null][]) {
      if (!s) continue;
      lines.push(
        `| ${name} | ${int(s.agents)} | ${int(s.firstEdgeUpMs)} | ${int(s.allEdgesUpMs)} | ${int(s.alertSentMs)} | ${int(s.connected99Ms)} | ${int(s.allConnectedMs)} | ${int(s.caughtUp99Ms)} | ${int(s.allCaughtUpMs)} | ${failedAttempts(s.disconnects)} | ${int(s.harnessLoopMaxMs)} | ${cpu(s.cpuMs)} |`,
      );
    }
    lines.push('');
  }

  if (r.serverMetrics.length > 0) {
    lines.push("## Varsel's own metrics");
    lines.push('');
    lines.push(
      "Read from every edge's `/metrics` and every worker's `METRICS_PORT` (Prometheus text): the server's account of the same events. Counters are totals since the processes started (the storm's edges were started anew); the event-loop delay is since the previous read.",
    );
    lines.push('');
    lines.push('| read | agents connected, per edge | reports recorded: delivered / acknowledged | unchanged / not targeted / failed | report batches: number, mean size, mean / p99 ≤ ms | replayed | upgrades dropped as abandoned | fan-out jobs: completed, mean / p99 ≤ ms | edge event-loop delay p99 / max, ms | edge RSS, MiB |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const m of r.serverMetrics) lines.push(metricsRow(m));
    lines.push('');
  }

  const lost = Object.entries({ ...prefix('Varsel', r.disconnects.varsel), ...prefix('bare', r.disconnects.bare) });
  if (lost.length > 0) lines.push(`Connections lost outside the storms: ${lost.map(([k, n]) => `${k}: ${n}`).join(', ')}.`, '');
  if (r.problems.length > 0) {
    lines.push('## Problems');
    lines.push('');
    for (const p of r.problems) lines.push(`- ${p}`);
    lines.push('');
  } else {
    lines.push('No problems: every expected agent received every broadcast, no report failed.', '');
  }
  lines.push(
    `Files: \`${files.json}\` (every figure), \`${files.svg}\` (delivery and acknowledgement curves, Varsel against bare socket.io)` +
      (files.stormSvg ? `, \`${files.stormSvg}\` (the reconnect storms over time).` : '.'),
  );
  return lines.join('\n') + '\n';
}

/** "sent 4,900, gone 100" */
function pushResults(results: Record<string, number>): string {
  const e = Object.entries(results).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '–' : e.map(([k, n]) => `${k} ${int(n)}`).join(', ');
}

function fmtMs(v: number | null): string {
  return v === null ? '–' : `${v.toFixed(1)} ms`;
}

function roundRow(name: string, r: RoundFigures): string {
  const a = r.acks;
  return `| ${name} | ${r.warmUp ? 'warm-up' : r.round} | ${int(r.received)}/${int(r.expected)} | ${int(r.p50Ms)} | ${int(r.p95Ms)} | ${int(r.p99Ms)} | ${int(r.maxMs)} | ${int(r.sendMs)} | ${int(r.server?.storedMs)} | ${int(r.server?.broadcastMs)} | ${int(r.server?.fanoutDoneMs)} | ${int(a?.allCountedMs)} | ${int(a?.lastSentMs)} | ${int(r.harnessLoopMaxMs)} | ${cpu(r.cpuMs)} |`;
}

function cpu(c: Record<string, number>): string {
  return Object.entries(c)
    .filter(([, v]) => v > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ');
}

function prefix(p: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p} ${k}`, v]));
}

/** "8,146 (ECONNREFUSED 6,067, timeout 545)": the failed connection attempts of a storm, by reason. */
export function failedAttempts(disconnects: Record<string, number>): string {
  const failed = Object.entries(disconnects)
    .filter(([k]) => k.startsWith('connect ') || k.startsWith('refused '))
    .map(([k, v]) => [k.replace(/^connect /, ''), v] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = failed.reduce((a, [, v]) => a + v, 0);
  return total === 0 ? '0' : `${int(total)} (${failed.map(([k, v]) => `${k} ${int(v)}`).join(', ')})`;
}

function metricsRow(m: ServerMetrics): string {
  const sum = (outcome: string): number => Object.values(m.reports).reduce((a, row) => a + (row[outcome] ?? 0), 0);
  const rec = (state: string): string => int(m.reports[state]?.recorded ?? 0);
  const b = m.reportBatches;
  const f = m.fanout;
  const each = <T>(pick: (e: ServerMetrics['edges'][number]) => T, fmt: (v: T) => string): string => m.edges.map((e) => fmt(pick(e))).join(', ');
  return [
    '',
    m.at + (m.unreadable.length > 0 ? ` (not read: ${m.unreadable.length})` : ''),
    each((e) => e.connectedAgents, int),
    `${rec('delivered')} / ${rec('acknowledged')}`,
    `${int(sum('unchanged'))} / ${int(sum('not_targeted'))} / ${int(sum('failed'))}`,
    `${int(b.count)}, ${int(b.meanSize)}, ${num(b.meanMs)} / ${num(b.p99MsAtMost)}`,
    int(m.replayedMessages),
    int(m.upgradesAbandoned),
    `${int(f.jobs.completed ?? 0)}, ${num(f.meanMs)} / ${num(f.p99MsAtMost)}`,
    each((e) => [e.eventLoopLagP99Ms, e.eventLoopLagMaxMs] as const, ([p, x]) => `${int(p)} / ${int(x)}`),
    each((e) => e.rssMiB, int),
    '',
  ].join(' | ').trim();
}
