import { describe, expect, it } from 'vitest';
import { escapeXml, niceStep, renderChart } from './svg-chart.js';

describe('niceStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(1000)).toBe(200);
    expect(niceStep(430)).toBe(100);
    expect(niceStep(7)).toBe(2);
    expect(niceStep(0)).toBe(1);
  });
});

describe('renderChart', () => {
  const svg = renderChart({
    title: 'Siren <to> "all"',
    xLabel: 'ms',
    series: [
      { label: 'Varsel: delivered', color: '#0b5fa5', points: [[100, 50], [200, 100]], total: 100 },
      { label: 'bare & co', color: '#d9730d', dashed: true, points: [[150, 100]], total: 100 },
      { label: 'empty', color: '#000', points: [], total: 0 },
    ],
  });

  it('is one well-formed SVG document with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Siren &lt;to&gt; &quot;all&quot;');
    expect(svg).toContain('bare &amp; co');
  });

  it('draws one step line per series with points, dashed where asked, and a legend entry for each', () => {
    const paths = svg.match(/<path /g) ?? [];
    expect(paths).toHaveLength(2);
    expect(svg).toMatch(/<path [^>]*stroke="#d9730d"[^>]*stroke-dasharray/);
    expect(svg).toContain('>Varsel: delivered</text>');
    expect(svg).toContain('>empty</text>');
  });

  it('puts 100 % at the top of the plot for a series that reached its total', () => {
    // Plot top is y = 56 (the top margin); the Varsel line ends there.
    expect(svg).toMatch(/stroke="#0b5fa5"/);
    expect(svg).toMatch(/L[\d.]+,56"/);
  });

  it('escapes the five XML specials it needs', () => {
    expect(escapeXml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
});
