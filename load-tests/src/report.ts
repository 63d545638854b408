import type { RunOptions } from './arg-parse.js';
import type { RoundResult } from './siren-round.js';
import { roundSummary, summarize, type LatencySummary } from './stats.js';

/**
 * The verdict and the presentation of a run, pure: what counts as a failure (so the tool can serve
 * as a smoke check), the human table on stdout and the JSON document.
 */

export interface SetupResult {
  agents: number;
  /** Devices the run had: reused from --devices-file plus newly enrolled. */
  enrolled: number;
  /** Of those, reused from --devices-file. */
  reused: number;
  enrollMs: number | null;
  enrollRetries: number;
  connected: number;
  connectMs: number | null;
  /** Refused or failed connections by reason (`40103 DEVICE_AUTH_FAILED`, `timeout`, ...). */
  refusals: Record<string, number>;
  /** Connections lost after connecting, by reason; filled in at the end of the run. */
  disconnects: Record<string, number>;
}

export interface OverallResult {
  rounds: number;
  received: number;
  expected: number;
  duplicates: number;
  latency: LatencySummary;
  /** The slowest round's time until the API showed every acknowledgement; null if one never did. */
  maxAllAcknowledgedMs: number | null;
  reportFailures: number;
}

export interface RunReport {
  ok: boolean;
  problems: string[];
  startedAt: string;
  finishedAt: string;
  /** The options of the run, password left out. */
  options: Omit<RunOptions, 'password'>;
  setup: SetupResult;
  rounds: RoundResult[];
  overall: OverallResult;
  /** Set when the run stopped early (Ctrl-C, login or enrollment failed). */
  aborted: string | null;
}

/** Everything that makes a round fail; empty when it passed. */
export function roundProblems(r: RoundResult): string[] {
  const p: string[] = [];
  const at = `round ${r.round}`;
  if (r.error !== null) p.push(`${at}: ${r.error}`);
  if (r.alertId === null) return p;
  if (r.received < r.expected) p.push(`${at}: ${r.expected - r.received} of ${plural(r.expected, 'agent')} never received the alert`);
  if (r.duplicates > 0) p.push(`${at}: ${plural(r.duplicates, 'duplicate receipt')}`);
  for (const [state, t] of Object.entries(r.reports)) {
    if (t.failed > 0) p.push(`${at}: ${plural(t.failed, `${state} report`)} failed (${formatCounts(only(r.reportFailures, `${state} `))})`);
    if (t.pending > 0) p.push(`${at}: ${plural(t.pending, `${state} report`)} never answered`);
    if (t.ok > t.recorded) p.push(`${at}: ${plural(t.ok - t.recorded, `first ${state} report`)} answered recorded:false`);
  }
  if (r.allAcknowledgedMs === null) p.push(`${at}: the API never showed all ${r.expected} acknowledgements in time`);
  if (r.counts === null) {
    p.push(`${at}: no final counts from the API`);
  } else {
    const c = r.counts;
    // Each agent acknowledged, and acknowledged implies delivered and displayed (docs/protocol.md §6).
    for (const field of ['delivered', 'displayed', 'acknowledged'] as const) {
      if (c[field] !== r.expected) p.push(`${at}: the API counts ${c[field]} ${field}, expected ${r.expected}`);
    }
    if (r.audienceDevices !== null && c.targeted !== r.audienceDevices) {
      p.push(`${at}: the API counts ${c.targeted} targeted, but the audience had ${r.audienceDevices} devices just before`);
    }
  }
  return p;
}

/** Problems of the setup (enrollment and connections); after an early stop, missing work is not one. */
export function setupProblems(s: SetupResult, aborted = false): string[] {
  const p: string[] = [];
  if (!aborted && s.enrolled < s.agents) p.push(`only ${s.enrolled} of ${plural(s.agents, 'device')} enrolled`);
  const refused = Object.values(s.refusals).reduce((a, b) => a + b, 0);
  if (refused > 0) p.push(`${plural(refused, 'agent')} could not connect (${formatCounts(s.refusals)})`);
  else if (!aborted && s.connected < s.enrolled) p.push(`${plural(s.enrolled - s.connected, 'agent')} could not connect`);
  const lost = Object.values(s.disconnects).reduce((a, b) => a + b, 0);
  if (lost > 0) p.push(`${plural(lost, 'agent')} lost their connection during the run (${formatCounts(s.disconnects)})`);
  return p;
}

export function overallOf(rounds: readonly RoundResult[], latenciesMs: readonly number[]): OverallResult {
  const ran = rounds.filter((r) => r.alertId !== null);
  const acked = ran.map((r) => r.allAcknowledgedMs);
  return {
    rounds: rounds.length,
    received: ran.reduce((a, r) => a + r.received, 0),
    expected: rounds.reduce((a, r) => a + r.expected, 0),
    duplicates: ran.reduce((a, r) => a + r.duplicates, 0),
    latency: roundSummary(summarize(latenciesMs)),
    maxAllAcknowledgedMs: ran.length > 0 && acked.every((v) => v !== null) ? Math.max(...acked) : null,
    reportFailures: ran.reduce((a, r) => a + Object.values(r.reports).reduce((b, t) => b + t.failed + t.pending, 0), 0),
  };
}

export function buildReport(x: {
  options: RunOptions;
  setup: SetupResult;
  rounds: RoundResult[];
  latenciesMs: readonly number[];
  startedAt: Date;
  finishedAt: Date;
  aborted: string | null;
}): RunReport {
  const { password: _password, ...options } = x.options;
  const problems = [...(x.aborted ? [`run stopped early: ${x.aborted}`] : []), ...setupProblems(x.setup, x.aborted !== null), ...x.rounds.flatMap(roundProblems)];
  if (!x.aborted && x.rounds.length < x.options.rounds) problems.push(`only ${x.rounds.length} of ${plural(x.options.rounds, 'round')} ran`);
  return {
    ok: problems.length === 0,
    problems,
    startedAt: x.startedAt.toISOString(),
    finishedAt: x.finishedAt.toISOString(),
    options,
    setup: x.setup,
    rounds: x.rounds,
    overall: overallOf(x.rounds, x.latenciesMs),
    aborted: x.aborted,
  };
}

/** The compact table printed on stdout at the end of a run. */
export function formatReport(rep: RunReport): string {
  const o = rep.options;
  const s = rep.setup;
  const lines = [
    `Varsel ${o.kind} run against ${o.url}: ${s.connected}/${s.agents} agents connected` +
      ` (${s.reused ? `${s.reused} reused, ` : ''}enrolled in ${fmtS(s.enrollMs)}, connected in ${fmtS(s.connectMs)}${o.localAddresses.length ? ` from ${o.localAddresses.join(', ')}` : ''}),` +
      ` audience ${o.audience === 'all' ? 'all' : `unit ${o.orgUnit}`}`,
    '',
  ];
  const header = ['round', 'received', 'dup', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'all acked ms', 'fan-out ms', 'report fails', 'API t/d/a'];
  const rows = rep.rounds.map((r) => [
    String(r.round),
    `${r.received}/${r.expected}`,
    String(r.duplicates),
    fmt(r.latency.p50),
    fmt(r.latency.p95),
    fmt(r.latency.p99),
    fmt(r.latency.max),
    fmt(r.allAcknowledgedMs),
    fmt(r.fanoutMs),
    String(Object.values(r.reports).reduce((a, t) => a + t.failed + t.pending, 0)),
    r.counts ? `${r.counts.targeted}/${r.counts.delivered}/${r.counts.acknowledged}` : r.error ? 'error' : '-',
  ]);
  const all = rep.overall;
  rows.push([
    'all',
    `${all.received}/${all.expected}`,
    String(all.duplicates),
    fmt(all.latency.p50),
    fmt(all.latency.p95),
    fmt(all.latency.p99),
    fmt(all.latency.max),
    fmt(all.maxAllAcknowledgedMs),
    '',
    String(all.reportFailures),
    '',
  ]);
  if (rep.rounds.length > 0) lines.push(...table([header, ...rows]), '');
  lines.push(rep.ok ? 'PASS' : `FAIL (${plural(rep.problems.length, 'problem')}):`);
  for (const p of rep.problems) lines.push(`  - ${p}`);
  return lines.join('\n') + '\n';
}

/** Left-aligned first column, right-aligned numbers. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** "1 agent", "2 agents". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fmt(v: number | null): string {
  return v === null ? '-' : String(Math.round(v));
}

function fmtS(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function only(c: Record<string, number>, prefix: string): Record<string, number> {
  return Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith(prefix)));
}

function formatCounts(c: Record<string, number>): string {
  const entries = Object.entries(c);
  return entries.length === 0 ? 'no reason given' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
}
