import { readFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, percentileChart, sequenceChart } from '../../src/report/charts.js';
import { createHistogram, percentileCurve, recordLatencyUs } from '../../src/shared/histograms.js';

interface ParsedElement {
  name: string;
  attributes: Record<string, string>;
  text: string;
}

/** Every element of the document, in order, by a strict XML parser: it throws on anything not well-formed. */
function parseXml(xml: string): ParsedElement[] {
  const elements: ParsedElement[] = [];
  const open: ParsedElement[] = [];
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    const parsed = { name: tag.name, attributes: { ...(tag.attributes as Record<string, string>) }, text: '' };
    elements.push(parsed);
    open.push(parsed);
  });
  parser.on('text', (text) => {
    if (open.length > 0) open[open.length - 1].text += text;
  });
  parser.on('closetag', () => open.pop());
  parser.write(xml).close();
  return elements;
}

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/charts/${name}`, import.meta.url), 'utf8'));

/** Deterministic numbers for property checks (xorshift). */
function randomValues(seed: number, count: number, scale: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return ((x >>> 0) / 2 ** 32) * scale;
  });
}

const HOSTILE = 'a<b>&c"d\'e]]> <script>x</script> \u0000\u0007\uD800 ok';

describe('escapeXml', () => {
  it('escapes markup and replaces what XML cannot hold', () => {
    expect(escapeXml('<a href="x">Tom & Jerry\'s</a>')).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
    expect(escapeXml('tab\there\u0001\uDC00😀')).toBe('tab\there\uFFFD\uFFFD😀');
  });
});

describe('barChart', () => {
  it('draws two bars exactly', () => {
    const svg = barChart({ title: 'Throughput', unit: 'records/s', bars: [{ label: 'none', value: 1200 }, { label: 'lz4', value: 3000, note: 'a&b' }] });
    expect(svg).toBe(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 450" width="800" height="450" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222222" role="img">
<title>Throughput</title>
<rect width="800" height="450" fill="#ffffff"/>
<text x="400" y="26" text-anchor="middle" font-size="16" font-weight="bold">Throughput</text>
<line x1="69" y1="390" x2="768" y2="390" stroke="#e2e2e2"/>
<text x="61" y="394" text-anchor="end">0</text>
<line x1="69" y1="333" x2="768" y2="333" stroke="#e2e2e2"/>
<text x="61" y="337" text-anchor="end">500</text>
<line x1="69" y1="276" x2="768" y2="276" stroke="#e2e2e2"/>
<text x="61" y="280" text-anchor="end">1K</text>
<line x1="69" y1="219" x2="768" y2="219" stroke="#e2e2e2"/>
<text x="61" y="223" text-anchor="end">1.5K</text>
<line x1="69" y1="162" x2="768" y2="162" stroke="#e2e2e2"/>
<text x="61" y="166" text-anchor="end">2K</text>
<line x1="69" y1="105" x2="768" y2="105" stroke="#e2e2e2"/>
<text x="61" y="109" text-anchor="end">2.5K</text>
<line x1="69" y1="48" x2="768" y2="48" stroke="#e2e2e2"/>
<text x="61" y="52" text-anchor="end">3K</text>
<text x="0" y="0" transform="translate(16 219) rotate(-90)" text-anchor="middle">records/s</text>
<rect class="bar" x="198.8" y="253.2" width="90" height="136.8" fill="#4e79a7"/>
<text x="243.8" y="248.2" text-anchor="middle" font-size="11">1.2K</text>
<text x="243.8" y="408" text-anchor="middle">none</text>
<rect class="bar" x="548.3" y="48" width="90" height="342" fill="#4e79a7"/>
<text x="593.3" y="43" text-anchor="middle" font-size="11">3K</text>
<text x="593.3" y="408" text-anchor="middle">lz4</text>
<text x="593.3" y="422" text-anchor="middle" font-size="11" fill="#666666">a&amp;b</text>
<line x1="69" y1="390" x2="768" y2="390" stroke="#444444"/>
</svg>
`);
  });

  it('makes every bar, measured or reference, as tall as its value on one scale', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const values = randomValues(seed, 2 + seed * 3, 10 ** (seed + 1));
      const bars = values.map((value, index) => ({ label: `b${index}`, value }));
      const referenceBars = bars.filter((_, index) => index % 2 === 0).map((bar) => ({ label: bar.label, value: bar.value * 0.7 }));
      const rects = parseXml(barChart({ title: 't', unit: 'u', bars, referenceBars })).filter((el) => el.name === 'rect' && el.attributes.class);
      const drawn = [...values, ...referenceBars.map((bar) => bar.value)];
      expect(rects).toHaveLength(drawn.length);
      const heights = new Map(rects.map((rect) => [rect, Number(rect.attributes.height)]));
      const measured = rects.filter((rect) => rect.attributes.class === 'bar');
      const reference = rects.filter((rect) => rect.attributes.class === 'reference-bar');
      const tallest = Math.max(...heights.values());
      const pxPerUnit = tallest / Math.max(...drawn);
      // Coordinates are rounded to 0.1 px: each height is within 0.1 px of value × scale.
      measured.forEach((rect, index) => expect(Math.abs(heights.get(rect)! - values[index] * pxPerUnit)).toBeLessThanOrEqual(0.1));
      reference.forEach((rect, index) => expect(Math.abs(heights.get(rect)! - referenceBars[index].value * pxPerUnit)).toBeLessThanOrEqual(0.1));
      // Bars stand on one baseline.
      const bottoms = new Set(rects.map((rect) => (Number(rect.attributes.y) + heights.get(rect)!).toFixed(0)));
      expect(bottoms.size).toBe(1);
    }
  });

  it('groups reference bars with the bars of the same label, and keeps the ones without a match', () => {
    const svg = barChart({
      title: 'stages', unit: 'records/s', barsName: 'this run', referenceName: 'seed report',
      bars: [{ label: 'v0', value: 10 }, { label: 'v1', value: 20 }],
      referenceBars: [{ label: 'v1', value: 25 }, { label: 'v9', value: 5 }],
    });
    const elements = parseXml(svg);
    const texts = elements.filter((el) => el.name === 'text').map((el) => el.text);
    expect(texts).toEqual(expect.arrayContaining(['this run', 'seed report', 'v0', 'v1', 'v9']));
    const rects = elements.filter((el) => el.attributes.class);
    expect(rects.map((rect) => rect.attributes.class)).toEqual(['bar', 'bar', 'reference-bar', 'reference-bar']);
    const [, v1, v1Reference] = rects.map((rect) => Number(rect.attributes.x));
    expect(v1Reference - v1).toBeCloseTo(Number(rects[1].attributes.width), 0);
  });

  it('prints n/a for a value that is not a number and draws no bar for it', () => {
    const elements = parseXml(barChart({ title: 't', unit: 'u', bars: [{ label: 'a', value: NaN }, { label: 'b', value: 5 }] }));
    expect(elements.filter((el) => el.attributes.class === 'bar')).toHaveLength(1);
    expect(elements.some((el) => el.text === 'n/a')).toBe(true);
  });

  it('wraps a long label on two lines and cuts the rest', () => {
    const bars = Array.from({ length: 10 }, (_, index) => ({ label: `stage ${index} with a name far too long to fit under its bar`, value: index + 1 }));
    const labels = parseXml(barChart({ title: 't', unit: 'u', bars })).filter((el) => el.name === 'text' && Number(el.attributes.y) > 400);
    expect(labels).toHaveLength(20);
    expect(labels[0].text).toBe('stage 0');
    expect(labels[1].text).toBe('with a n…');
  });
});

describe('lineChart', () => {
  it('draws a polyline and markers per series, the legend when there are several', () => {
    const svg = lineChart(fixture('workers-sweep.json'));
    const elements = parseXml(svg);
    expect(elements.filter((el) => el.name === 'polyline')).toHaveLength(2);
    expect(elements.filter((el) => el.name === 'circle')).toHaveLength(10);
    const texts = elements.filter((el) => el.name === 'text').map((el) => el.text);
    expect(texts).toEqual(expect.arrayContaining(['kafkajs + lz4', 'Java ProducerPerformance', '1', '2', '4', '8', '16', '1M', 'workers', 'records/s']));
  });

  it('puts the points where the axes say', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [{ x: 0, y: 0 }, { x: 5, y: 50 }, { x: 10, y: 100 }] }] });
    const elements = parseXml(svg);
    const points = elements.find((el) => el.name === 'polyline')!.attributes.points.split(' ').map((pair) => pair.split(',').map(Number));
    const [[x0, y0], [x5, y50], [x10, y100]] = points;
    expect(x5 - x0).toBeCloseTo(x10 - x5, 0);
    expect(y0 - y50).toBeCloseTo(y50 - y100, 0);
    expect(y0).toBe(398);
    expect(y100).toBe(48);
  });

  it('leaves out points a log axis cannot show, and does not touch its input', () => {
    const input = { title: 't', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 's', points: [{ x: 3, y: 10 }, { x: 1, y: 0 }, { x: 2, y: 100 }] }] };
    const copy = structuredClone(input);
    const polyline = parseXml(lineChart(input)).find((el) => el.name === 'polyline')!;
    expect(polyline.attributes.points.split(' ')).toHaveLength(2);
    expect(input).toEqual(copy);
  });

  it('drops markers on long series and copes with a million points', () => {
    const points = Array.from({ length: 1_000_000 }, (_, index) => ({ x: index, y: index % 1000 }));
    const svg = lineChart({ title: 'lag', xLabel: 'time (s)', yLabel: 'records', series: [{ name: 'lag', points }] });
    expect(svg).not.toContain('<circle');
    expect(svg).toContain('<polyline');
  });
});

describe('sequenceChart', () => {
  it('draws runs in equal slots, a point in the middle of each, and rings the points singled out, exactly', () => {
    const svg = sequenceChart({ title: 'p99', categories: ['#1', '#2'], xLabel: 'run', yLabel: 'ms', series: [
      { name: 'p99_ms', points: [{ x: 0, y: 10 }, { x: 1, y: 20 }] },
      { name: 'regressed', rings: true, points: [{ x: 1, y: 20 }] },
    ] });
    // The plot spans x 56..768: two slots of 356, their middles at 234 and 590; 10 ms halfway up the 0..20 axis.
    expect(svg).toBe(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 450" width="800" height="450" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222222" role="img">
<title>p99</title>
<rect width="800" height="450" fill="#ffffff"/>
<text x="400" y="26" text-anchor="middle" font-size="16" font-weight="bold">p99</text>
<rect x="319" y="40" width="12" height="10" fill="#4e79a7"/>
<text x="336" y="50">p99_ms</text>
<rect x="399.2" y="40" width="12" height="10" fill="#f28e2b"/>
<text x="416.2" y="50">regressed</text>
<line x1="56" y1="398" x2="768" y2="398" stroke="#e2e2e2"/>
<text x="48" y="402" text-anchor="end">0</text>
<line x1="56" y1="316.5" x2="768" y2="316.5" stroke="#e2e2e2"/>
<text x="48" y="320.5" text-anchor="end">5</text>
<line x1="56" y1="235" x2="768" y2="235" stroke="#e2e2e2"/>
<text x="48" y="239" text-anchor="end">10</text>
<line x1="56" y1="153.5" x2="768" y2="153.5" stroke="#e2e2e2"/>
<text x="48" y="157.5" text-anchor="end">15</text>
<line x1="56" y1="72" x2="768" y2="72" stroke="#e2e2e2"/>
<text x="48" y="76" text-anchor="end">20</text>
<text x="0" y="0" transform="translate(16 235) rotate(-90)" text-anchor="middle">ms</text>
<line x1="234" y1="72" x2="234" y2="398" stroke="#e2e2e2"/>
<line x1="234" y1="398" x2="234" y2="403" stroke="#444444"/>
<text x="234" y="417" text-anchor="middle">#1</text>
<line x1="590" y1="72" x2="590" y2="398" stroke="#e2e2e2"/>
<line x1="590" y1="398" x2="590" y2="403" stroke="#444444"/>
<text x="590" y="417" text-anchor="middle">#2</text>
<line x1="56" y1="398" x2="768" y2="398" stroke="#444444"/>
<text x="412" y="438" text-anchor="middle">run</text>
<polyline points="234,235 590,72" fill="none" stroke="#4e79a7" stroke-width="2" stroke-linejoin="round"/>
<circle cx="234" cy="235" r="3" fill="#4e79a7"/>
<circle cx="590" cy="72" r="3" fill="#4e79a7"/>
<circle cx="590" cy="72" r="7" fill="none" stroke="#f28e2b" stroke-width="2.5"/>
</svg>
`);
  });

  it('leaves out values that are not numbers, and draws no data as such', () => {
    const svg = sequenceChart({ title: 't', categories: ['a', 'b', 'c'], xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [{ x: 0, y: 1 }, { x: 1, y: NaN }, { x: 2, y: 3 }] }] });
    expect(parseXml(svg).find((el) => el.name === 'polyline')!.attributes.points.split(' ')).toHaveLength(2);
    expect(sequenceChart({ title: 't', categories: [], xLabel: 'x', yLabel: 'y', series: [] })).toContain('>no data</text>');
  });
});

describe('percentileChart', () => {
  it('draws percentileCurve output on the HdrHistogram axis, 100% at the right edge', () => {
    const histogram = createHistogram();
    for (const value of randomValues(9, 10_000, 50_000)) recordLatencyUs(histogram, 500 + value);
    const curve = percentileCurve(histogram);
    const elements = parseXml(percentileChart({ title: 'latency', series: [{ name: 'none', points: curve }] }));
    const texts = elements.filter((el) => el.name === 'text').map((el) => el.text);
    expect(texts).toEqual(expect.arrayContaining(['0%', '90%', '99%', '99.9%', '99.99%', '99.999%', 'latency (ms)', 'percentile']));
    const circles = elements.filter((el) => el.name === 'circle').map((el) => ({ x: Number(el.attributes.cx), y: Number(el.attributes.cy) }));
    expect(circles).toHaveLength(curve.length);
    const xOf = (percentile: number) => circles[curve.findIndex((point) => point.percentile === percentile)].x;
    const decade = xOf(99) - xOf(90);
    expect(xOf(90) - xOf(0)).toBeCloseTo(decade, 0);
    expect(xOf(99.9) - xOf(99)).toBeCloseTo(decade, 0);
    expect(xOf(100)).toBe(xOf(99.999));
    expect(xOf(99.999) - xOf(99.99)).toBeCloseTo(decade, 0);
    // Higher percentiles are never lower on the chart (smaller y is higher).
    for (let i = 1; i < circles.length; i++) expect(circles[i].y).toBeLessThanOrEqual(circles[i - 1].y);
  });
});

describe('every chart', () => {
  const charts = [
    barChart(fixture('evolution.json')),
    barChart({ ...fixture('edge-cases.json').escaping }),
    barChart(fixture('edge-cases.json').manyBars),
    barChart({ title: HOSTILE, unit: HOSTILE, bars: [{ label: HOSTILE, value: 1, note: HOSTILE }], referenceBars: [], barsName: HOSTILE, referenceName: HOSTILE }),
    barChart({ title: 'empty', unit: 'u', bars: [] }),
    lineChart(fixture('workers-sweep.json')),
    lineChart(fixture('lag-over-time.json')),
    lineChart(fixture('edge-cases.json').logBoth),
    lineChart(fixture('edge-cases.json').onePoint),
    lineChart({ title: HOSTILE, xLabel: HOSTILE, yLabel: HOSTILE, series: [{ name: HOSTILE, points: [{ x: 1, y: 1 }] }, { name: HOSTILE, points: [] }] }),
    percentileChart(fixture('latency-by-codec.json')),
    percentileChart({ title: HOSTILE, series: [{ name: HOSTILE, points: [{ percentile: 50, valueUs: 10 }] }, { name: 'b', points: [] }] }),
    percentileChart(fixture('edge-cases.json').empty),
    sequenceChart({ title: HOSTILE, categories: [HOSTILE, 'b'], xLabel: HOSTILE, yLabel: HOSTILE, series: [{ name: HOSTILE, rings: true, points: [{ x: 1, y: 2 }] }] }),
  ];

  it('is well-formed XML with the fixed viewBox, no script, no id and nothing fetched', () => {
    for (const svg of charts) {
      const [root] = parseXml(svg);
      expect(root.name).toBe('svg');
      expect(root.attributes.viewBox).toBe('0 0 800 450');
      expect(svg).not.toMatch(/<script|href=|url\(|@import| id=|\son\w+=/i);
    }
  });

  it('keeps every label as text, escaped', () => {
    const svg = charts[3];
    const texts = parseXml(svg).filter((el) => el.name === 'text' || el.name === 'title').map((el) => el.text);
    expect(texts).toContain('a<b>&c"d\'e]]> <script>x</script> \uFFFD\uFFFD\uFFFD ok');
    expect(svg).not.toContain('<script>');
  });

  it('keeps everything inside the 800×450 box', () => {
    for (const svg of charts) {
      for (const el of parseXml(svg)) {
        for (const name of ['x', 'x1', 'x2', 'cx']) if (name in el.attributes) expect(Number(el.attributes[name])).toBeLessThanOrEqual(800);
        for (const name of ['y', 'y1', 'y2', 'cy']) if (name in el.attributes) expect(Number(el.attributes[name])).toBeLessThanOrEqual(450);
        for (const name of ['x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy']) if (name in el.attributes) expect(Number(el.attributes[name])).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('gives the same bytes for the same input', () => {
    expect(lineChart(fixture('lag-over-time.json'))).toBe(charts[6]);
    expect(percentileChart(fixture('latency-by-codec.json'))).toBe(charts[10]);
    expect(barChart(fixture('evolution.json'))).toBe(charts[0]);
  });
});
