/**
 * A small line chart as hand-written SVG, pure and dependency-free: cumulative share of agents
 * (0-100 %) over milliseconds since the send, one step line per series.
 */

export interface ChartSeries {
  label: string;
  color: string;
  dashed?: boolean;
  /** (ms, cumulative count) points, ascending in both. */
  points: readonly (readonly [number, number])[];
  /** The count that is 100 %. */
  total: number;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 24, top: 56, bottom: 84 };

/** "Nice" tick step (1, 2 or 5 × 10^n) giving about `count` ticks over [0, max]. */
export function niceStep(max: number, count = 6): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n1 = (v: number): string => (Math.round(v * 10) / 10).toString();

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const height = spec.height ?? 520;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const maxX = Math.max(1, ...spec.series.flatMap((s) => s.points.map((p) => p[0])));
  const step = niceStep(maxX);
  const xMax = Math.ceil(maxX / step) * step;
  const x = (ms: number): number => MARGIN.left + (Math.max(0, ms) / xMax) * plotW;
  const y = (share: number): number => MARGIN.top + (1 - share) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${MARGIN.left}" y="24" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${MARGIN.left}" y="42" fill="#555">${escapeXml(spec.subtitle)}</text>`);

  // Grid and axes.
  for (let pct = 0; pct <= 100; pct += 20) {
    const yy = n1(y(pct / 100));
    out.push(`<line x1="${MARGIN.left}" y1="${yy}" x2="${MARGIN.left + plotW}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${pct} %</text>`);
  }
  for (let t = 0; t <= xMax + step / 1e6; t += step) {
    const xx = n1(x(t));
    out.push(`<line x1="${xx}" y1="${MARGIN.top}" x2="${xx}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${xx}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${n1(t)}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);

  // Series as step lines: the count holds until the next receipt.
  for (const s of spec.series) {
    if (s.points.length === 0 || s.total <= 0) continue;
    let d = `M${n1(x(0))},${n1(y(0))}`;
    let lastY = y(0);
    for (const [ms, count] of s.points) {
      const xx = n1(x(ms));
      d += ` L${xx},${n1(lastY)}`;
      lastY = y(Math.min(1, count / s.total));
      d += ` L${xx},${n1(lastY)}`;
    }
    out.push(`<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
  }

  // Legend under the axis label.
  const legendY = MARGIN.top + plotH + 60;
  spec.series.forEach((s, i) => {
    const lx = MARGIN.left + (i % 2) * (plotW / 2);
    const ly = legendY + Math.floor(i / 2) * 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${escapeXml(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 36}" y="${ly}" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
