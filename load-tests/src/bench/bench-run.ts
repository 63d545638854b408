import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentPool } from './agent-pool.js';
import type { BroadcastSummary } from './figures.js';
import { gitCommit, machineInfo } from './machine.js';
import { agentProcessCount, type BenchOptions } from './options.js';
import { ProcessGroup } from './processes.js';
import { createProgress, type Progress } from './progress-log.js';
import { renderMarkdown } from './report-markdown.js';
import { buildResult, resultBaseName, type BenchResult, type PhaseResults } from './result.js';
import { emptyBareResult, runBarePhase } from './scenarios/bare-phase.js';
import { emptyMqttResult, runMqttPhase } from './scenarios/mqtt-phase.js';
import type { PhaseEnv } from './scenarios/phase-env.js';
import { emptyVarselResult, runVarselPhase } from './scenarios/varsel-phase.js';
import { renderChart, type ChartSeries } from './svg-chart.js';

export interface BenchRun {
  result: BenchResult;
  markdown: string;
  /** Where the files were written; null when the run was aborted (nothing is written then). */
  files: { json: string; md: string; svg: string; stormSvg?: string } | null;
  /** The output of every process the run started (and the CPU profiles with --cpu-prof), for diagnosis. */
  logDir: string;
  aborted: string | null;
}

/**
 * One whole benchmark run: the harness processes, then Varsel's phase (a, c, d, e, f, g), the
 * bare socket.io phase (b, d) and Mosquitto's (c), each with its own servers, started and stopped
 * in turn so that they never compete for the two cores. A phase that fails is recorded as a
 * problem and the next one still runs. Every process started is stopped before this returns,
 * also on errors, on abort (`signal`) and after `timeoutMinutes`.
 */
export async function runBench(o: BenchOptions, opts: { signal?: AbortSignal; progress?: Progress } = {}): Promise<BenchRun> {
  const startedAt = new Date();
  const progress = opts.progress ?? createProgress();
  const deadline = AbortSignal.timeout(o.timeoutMinutes * 60_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const logDir = path.join(os.tmpdir(), `varsel-bench-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const group = new ProcessGroup(logDir);
  const serverNodeArgs = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, 'cpu-profiles')}`] : [];
  const lastResort = (): void => group.killAllNow();
  process.on('exit', lastResort);
  const phases: PhaseResults = { varsel: null, bare: null, mqtt: null, errors: [] };
  let aborted: string | null = null;
  const has = (...s: string[]): boolean => s.some((x) => o.scenarios.some((y) => y === x));

  let pool: AgentPool | undefined;
  try {
    const processes = agentProcessCount(o);
    pool = await AgentPool.start(group, processes, signal);
    progress.line(`started ${processes} harness process(es) (up to ${o.agentsPerProcess} agents each, from source addresses 127.${pool.sourceBlock}.0.2 up)`);
    const env: PhaseEnv = { options: o, group, pool, progress, signal, serverNodeArgs };
    // A phase fills in its result as it goes; when it fails, what it measured so far is kept.
    const phase = async (name: string, run: () => Promise<void>): Promise<void> => {
      if (signal.aborted) return;
      try {
        await run();
      } catch (err) {
        if (signal.aborted) {
          aborted = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
          return;
        }
        const msg = err instanceof Error ? err.message : String(err);
        progress.line(`${name} phase failed: ${msg}`);
        phases.errors.push(`${name} phase failed: ${msg.split('\n')[0] ?? msg}`);
      }
    };
    if (has('a', 'c', 'd', 'e', 'f', 'g', 'h')) {
      const v = (phases.varsel = emptyVarselResult());
      await phase('varsel', () => runVarselPhase(env, v));
    }
    if (has('b', 'd')) {
      const b = (phases.bare = emptyBareResult());
      await phase('bare', () => runBarePhase(env, null, b));
    }
    if (has('c')) {
      const m = (phases.mqtt = emptyMqttResult());
      await phase('mosquitto', () => runMqttPhase(env, m));
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await pool?.stop();
    await group.stopAll();
    process.off('exit', lastResort);
  }
  if (signal.aborted && aborted === null) aborted = deadline.aborted ? `the run took longer than --timeout-minutes ${o.timeoutMinutes}` : signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  if (aborted !== null) phases.errors.unshift(`run stopped early: ${aborted}`);

  const result = buildResult({ options: o, phases, machine: machineInfo(), commit: gitCommit(), startedAt, finishedAt: new Date() });
  const base = path.join(o.outDir, resultBaseName(startedAt, result.commit));
  const storm = stormChartOf(result);
  const names = { json: `${base}.json`, md: `${base}.md`, svg: `${base}.svg`, ...(storm ? { stormSvg: `${base}-storm.svg` } : {}) };
  const markdown = renderMarkdown(result, { json: path.basename(names.json), svg: path.basename(names.svg), ...(names.stormSvg ? { stormSvg: path.basename(names.stormSvg) } : {}) });
  progress.line(`the output of every process is in ${logDir}`);
  if (aborted !== null) return { result, markdown, files: null, aborted, logDir };
  await mkdir(o.outDir, { recursive: true });
  await writeFile(names.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(names.md, markdown);
  await writeFile(names.svg, chartOf(result));
  if (storm && names.stormSvg) await writeFile(names.stormSvg, storm);
  progress.line(`results written to ${names.json}, .md and .svg${storm ? ' (and -storm.svg)' : ''}`);
  return { result, markdown, files: names, aborted: null, logDir };
}

/** The chart of the last measured round: delivered and acknowledged over time, Varsel against bare. */
export function chartOf(r: BenchResult): string {
  const total = (s: BroadcastSummary | null): number => s?.rounds.filter((x) => !x.warmUp).at(-1)?.expected ?? 0;
  const series: ChartSeries[] = [];
  if (r.curves.varsel) {
    series.push({ label: 'Varsel: delivered', color: '#0b5fa5', points: r.curves.varsel.delivered, total: total(r.varsel) });
    series.push({ label: 'Varsel: acknowledged (written to Redis)', color: '#0b5fa5', dashed: true, points: r.curves.varsel.acknowledged, total: total(r.varsel) });
  }
  if (r.curves.bare) {
    series.push({ label: 'bare socket.io: delivered', color: '#d9730d', points: r.curves.bare.delivered, total: total(r.bare) });
    series.push({ label: 'bare socket.io: acknowledged (confirmed at once)', color: '#d9730d', dashed: true, points: r.curves.bare.acknowledged, total: total(r.bare) });
  }
  return renderChart({
    title: `Siren to ${r.agents.toLocaleString('en')} agents on ${r.edges} edges: share of agents over time`,
    subtitle: `last measured round; ${r.startedAt.slice(0, 10)}, commit ${r.commit}; ${r.machine.cores} cores, ${r.machine.cpu}`,
    xLabel: 'milliseconds since the send (POST /api/alerts, or the bare trigger)',
    series,
  });
}

/** The reconnect storms: agents connected again (and, for Varsel, caught up) over time; null without scenario d. */
export function stormChartOf(r: BenchResult): string | null {
  const v = r.reconnect?.varselStorm;
  const b = r.reconnect?.bareStorm;
  if (!v && !b) return null;
  const series: ChartSeries[] = [];
  if (v) {
    const varsel = v.agentsReported === false ? 'Varsel, agents sending no reports' : 'Varsel';
    series.push({ label: `${varsel}: connected again`, color: '#0b5fa5', points: v.connectedCurve, total: v.agents });
    if (v.caughtUpCurve) series.push({ label: `${varsel}: caught up (has the alert sent during the storm)`, color: '#0b5fa5', dashed: true, points: v.caughtUpCurve, total: v.agents });
  }
  if (b) series.push({ label: 'bare socket.io: connected again', color: '#d9730d', points: b.connectedCurve, total: b.agents });
  return renderChart({
    title: `Reconnect storm: kill -9 of all ${r.edges} edges with ${r.agents.toLocaleString('en')} agents; share of agents back over time`,
    subtitle: `agents retry with socket.io-client's backoff (1 s doubling to 30 s, ±50 %); ${r.startedAt.slice(0, 10)}, commit ${r.commit}; ${r.machine.cores} cores`,
    xLabel: 'milliseconds since every edge was killed',
    series,
  });
}
