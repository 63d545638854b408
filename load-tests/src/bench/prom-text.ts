/**
 * Reading the Prometheus text format (version 0.0.4) that every Varsel process serves at
 * /metrics: the benchmark's report and the server's metric tests both use it.
 */

/** One sample of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of a text-format scrape (comments and blank lines skipped). */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const v = m[3] as string;
    out.push({ name: m[1] as string, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): PromSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** Their sum; undefined when there is no such sample (so "absent" and 0 differ). */
export function sumOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samplesOf(samples, name, labels);
  return matching.length === 0 ? undefined : matching.reduce((a, s) => a + s.value, 0);
}

/**
 * The sum of the samples named `name` whose labels include `labels`; undefined when there is no
 * such sample (so a test can tell "absent" from 0).
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return sumOf(parsePrometheusText(text), name, labels);
}

/** A histogram summed over every series matching `labels`: count, sum and cumulative buckets by `le`. */
export interface PromHistogram {
  count: number;
  sum: number;
  buckets: { le: number; count: number }[];
}

export function histogramOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): PromHistogram | undefined {
  const count = sumOf(samples, `${name}_count`, labels);
  if (count === undefined) return undefined;
  const byLe = new Map<number, number>();
  for (const s of samplesOf(samples, `${name}_bucket`, labels)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { count, sum: sumOf(samples, `${name}_sum`, labels) ?? 0, buckets };
}

/** The upper bound of the bucket holding quantile q (0..1): "at most this"; null when empty. */
export function quantileAtMost(h: PromHistogram, q: number): number | null {
  if (h.count === 0) return null;
  const rank = q * h.count;
  return h.buckets.find((b) => b.count >= rank)?.le ?? null;
}
