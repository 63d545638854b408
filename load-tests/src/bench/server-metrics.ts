import { histogramOf, parsePrometheusText, quantileAtMost, samplesOf, sumOf, type PromSample } from './prom-text.js';

/**
 * What Varsel's own Prometheus metrics (GET /metrics on every edge, METRICS_PORT on every worker)
 * said at one point of a run: the server's account of the same events the harness measured
 * from outside, so each can be checked against the other.
 */
export interface ServerMetrics {
  /** When it was read, e.g. "after the broadcast rounds". */
  at: string;
  edges: {
    name: string;
    connectedAgents: number | null;
    /** The process's event-loop delay since the previous scrape (prom-client resets it each scrape). */
    eventLoopLagP99Ms: number | null;
    eventLoopLagMaxMs: number | null;
    rssMiB: number | null;
  }[];
  /** varsel_reports_total summed over the edges: state → outcome → count. */
  reports: Record<string, Record<string, number>>;
  reportBatches: { count: number; meanSize: number | null; meanMs: number | null; p99MsAtMost: number | null };
  replayedMessages: number;
  /** Upgrade requests the edges dropped because the agent had already closed the connection. */
  upgradesAbandoned: number;
  handshakeRefusals: Record<string, number>;
  /** From the workers. */
  fanout: { jobs: Record<string, number>; count: number; meanMs: number | null; p99MsAtMost: number | null };
  alertsAccepted: number;
  /** From the workers: varsel_push_results_total, channel → reason → pushes. */
  pushResults: Record<string, Record<string, number>>;
  /** From the workers: varsel_push_unregistered_total. */
  pushUnregistered: number;
  /** varsel_queue_jobs, "queue state" → jobs (every process reports the same; the largest is kept). */
  queues: Record<string, number>;
  /** Processes that did not answer, with why. */
  unreadable: string[];
}

export interface MetricsSource {
  name: string;
  url: string;
}

// 5 s: a scrape is answered within milliseconds unless the process is far behind.
const SCRAPE_TIMEOUT_MS = 5000;

const ms = (seconds: number | undefined | null): number | null => (seconds == null || !Number.isFinite(seconds) ? null : Math.round(seconds * 10_000) / 10);
const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Every series of `name`, summed by the values of two labels. */
function byLabels(samples: readonly PromSample[], name: string, a: string, b: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of samplesOf(samples, name)) {
    const ka = s.labels[a] ?? '';
    const kb = s.labels[b] ?? '';
    const row = (out[ka] ??= {});
    row[kb] = (row[kb] ?? 0) + s.value;
  }
  return out;
}

function byLabel(samples: readonly PromSample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samplesOf(samples, name)) out[s.labels[label] ?? ''] = (out[s.labels[label] ?? ''] ?? 0) + s.value;
  return out;
}

/** Summarises scrapes of edges and workers (pure; see scrapeServerMetrics). */
export function summarizeMetrics(at: string, edges: { name: string; samples: PromSample[] }[], workers: PromSample[][], unreadable: string[]): ServerMetrics {
  const all = [...edges.map((e) => e.samples), ...workers].flat();
  const edgeSamples = edges.flatMap((e) => e.samples);
  const batches = histogramOf(edgeSamples, 'varsel_report_batch_size');
  const batchTimes = histogramOf(edgeSamples, 'varsel_report_batch_duration_seconds');
  const workerSamples = workers.flat();
  const fan = histogramOf(workerSamples, 'varsel_fanout_duration_seconds');
  const queues: Record<string, number> = {};
  for (const s of samplesOf(all, 'varsel_queue_jobs')) {
    const k = `${s.labels.queue ?? ''} ${s.labels.state ?? ''}`;
    queues[k] = Math.max(queues[k] ?? 0, s.value);
  }
  return {
    at,
    edges: edges.map((e) => {
      const rss = sumOf(e.samples, 'varsel_process_resident_memory_bytes');
      return {
        name: e.name,
        connectedAgents: sumOf(e.samples, 'varsel_connected_agents') ?? null,
        eventLoopLagP99Ms: ms(sumOf(e.samples, 'varsel_nodejs_eventloop_lag_p99_seconds')),
        eventLoopLagMaxMs: ms(sumOf(e.samples, 'varsel_nodejs_eventloop_lag_max_seconds')),
        rssMiB: rss === undefined ? null : round1(rss / 1_048_576),
      };
    }),
    reports: byLabels(edgeSamples, 'varsel_reports_total', 'state', 'outcome'),
    reportBatches: {
      count: batches?.count ?? 0,
      meanSize: batches && batches.count > 0 ? round1(batches.sum / batches.count) : null,
      meanMs: batchTimes && batchTimes.count > 0 ? ms(batchTimes.sum / batchTimes.count) : null,
      p99MsAtMost: batchTimes ? ms(quantileAtMost(batchTimes, 0.99)) : null,
    },
    replayedMessages: sumOf(edgeSamples, 'varsel_replayed_messages_total') ?? 0,
    upgradesAbandoned: sumOf(edgeSamples, 'varsel_upgrades_abandoned_total') ?? 0,
    handshakeRefusals: byLabel(edgeSamples, 'varsel_handshake_refusals_total', 'reason'),
    fanout: {
      jobs: byLabel(workerSamples, 'varsel_fanout_jobs_total', 'result'),
      count: fan?.count ?? 0,
      meanMs: fan && fan.count > 0 ? ms(fan.sum / fan.count) : null,
      p99MsAtMost: fan ? ms(quantileAtMost(fan, 0.99)) : null,
    },
    alertsAccepted: sumOf(edgeSamples, 'varsel_alerts_accepted_total') ?? 0,
    pushResults: byLabels(workerSamples, 'varsel_push_results_total', 'channel', 'reason'),
    pushUnregistered: sumOf(workerSamples, 'varsel_push_unregistered_total') ?? 0,
    queues,
    unreadable,
  };
}

async function scrape(url: string): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return parsePrometheusText(await res.text());
}

/** Reads /metrics of every edge and worker; a process that does not answer is listed, not fatal. */
export async function scrapeServerMetrics(at: string, edges: readonly MetricsSource[], workers: readonly MetricsSource[]): Promise<ServerMetrics> {
  const unreadable: string[] = [];
  const read = async (s: MetricsSource): Promise<PromSample[] | null> => {
    try {
      return await scrape(s.url);
    } catch (err) {
      unreadable.push(`${s.name}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  const [e, w] = await Promise.all([Promise.all(edges.map(read)), Promise.all(workers.map(read))]);
  return summarizeMetrics(
    at,
    edges.flatMap((src, i) => (e[i] ? [{ name: src.name, samples: e[i] }] : [])),
    w.flatMap((x) => (x ? [x] : [])),
    unreadable,
  );
}
