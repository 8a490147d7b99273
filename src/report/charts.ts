import { categoryScale, formatNumber, linearScale, logScale, percentileScale, type Scale } from './chart-scales.js';

/**
 * Charts for reports, as SVG strings built in code: no browser, no DOM, no fonts or scripts to fetch. The
 * same input gives the same bytes: coordinates are rounded to 0.1 px and nothing reads the locale or clock.
 * Every chart has the same 800×450 viewBox. No element has an id, so any number of charts can be inlined
 * in one HTML page.
 */

export interface Bar {
  label: string;
  value: number;
  /** A short line printed under the label (a codec, "×1.8 vs v0"). */
  note?: string;
}

export interface BarChartInput {
  title: string;
  /** The unit of the values, printed along the value axis: "records/s". */
  unit: string;
  bars: Bar[];
  /** Figures to compare with (a seed report's): each is drawn beside the bar with the same label. */
  referenceBars?: Bar[];
  /** Legend names, used when there are reference bars. */
  barsName?: string;
  referenceName?: string;
}

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  /** A reference drawn dashed, without point markers (a limit, a mark at one x). */
  dashed?: boolean;
  /** Points to single out (runs that regressed): a ring around each, no line between them. */
  rings?: boolean;
}

export interface LineChartInput {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
}

/** Lines over a sequence of categories (runs, oldest first): each point's x is the index of its category. */
export interface SequenceChartInput {
  title: string;
  /** The categories in order, each a tick's label. */
  categories: string[];
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
}

/** What src/report/histograms.ts percentileCurve returns. */
export interface PercentilePoint {
  percentile: number;
  valueUs: number;
}

export interface PercentileSeries {
  name: string;
  points: PercentilePoint[];
}

export interface PercentileChartInput {
  title: string;
  series: PercentileSeries[];
}

const WIDTH = 800;
const HEIGHT = 450;
const FONT_FAMILY = 'Helvetica, Arial, sans-serif';
/** Average glyph width in em, wide enough for DejaVu Sans, the usual fallback on Linux. */
const GLYPH_WIDTH_EM = 0.6;
const FONT_SIZE = 12;
const TEXT_COLOUR = '#222222';
const MUTED_COLOUR = '#666666';
const GRID_COLOUR = '#e2e2e2';
const AXIS_COLOUR = '#444444';
/** Tableau 10: tells series apart in colour and, mostly, in greyscale. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const REFERENCE_COLOUR = '#b3b3b3';
/** More points than this and markers would hide the line. */
const MAX_MARKED_POINTS = 40;

interface Plot {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface LegendEntry {
  name: string;
  colour: string;
}

type Attributes = Record<string, string | number>;

/** Text for XML content and attribute values; characters XML 1.0 cannot hold become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function coordinate(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function element(name: string, attributes: Attributes, content?: string): string {
  const written = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? coordinate(value) : escapeXml(value)}"`)
    .join('');
  return content === undefined ? `<${name}${written}/>` : `<${name}${written}>${content}</${name}>`;
}

function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return element('text', { x, y, ...attributes }, escapeXml(content));
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return element('line', { x1, y1, x2, y2, stroke });
}

function textWidth(content: string, fontSize: number): number {
  return [...content].length * fontSize * GLYPH_WIDTH_EM;
}

/** The text cut with an ellipsis to fit the width. */
function fitText(content: string, maxWidth: number, fontSize: number): string {
  const characters = [...content];
  const fitting = Math.max(1, Math.floor(maxWidth / (fontSize * GLYPH_WIDTH_EM)));
  return characters.length <= fitting ? content : `${characters.slice(0, fitting - 1).join('')}…`;
}

/** Words into lines of at most the width; past `maxLines` the last line holds the rest, cut with an ellipsis. */
function wrapText(content: string, maxWidth: number, fontSize: number, maxLines: number): string[] {
  const lines: string[] = [];
  for (const word of content.split(/\s+/).filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidth(`${last} ${word}`, fontSize) <= maxWidth) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  if (lines.length > maxLines) lines.splice(maxLines - 1, lines.length, lines.slice(maxLines - 1).join(' '));
  return lines.map((wrapped) => fitText(wrapped, maxWidth, fontSize));
}

function svgDocument(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" `
      + `font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="${TEXT_COLOUR}" role="img">`,
    element('title', {}, escapeXml(title)),
    element('rect', { width: WIDTH, height: HEIGHT, fill: '#ffffff' }),
    text(WIDTH / 2, 26, fitText(title, WIDTH - 40, 16), { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Legend rows under the title, centred, wrapped to the chart's width. */
function legend(entries: LegendEntry[]): { parts: string[]; height: number } {
  const maxRowWidth = WIDTH - 80;
  const rows: Array<Array<{ entry: LegendEntry; name: string; width: number }>> = [[]];
  for (const entry of entries) {
    const name = fitText(entry.name, 200, FONT_SIZE);
    const width = 17 + textWidth(name, FONT_SIZE);
    const row = rows[rows.length - 1];
    const rowWidth = row.reduce((sum, item) => sum + item.width + 20, 0);
    if (row.length > 0 && rowWidth + width > maxRowWidth) rows.push([{ entry, name, width }]);
    else row.push({ entry, name, width });
  }
  const parts = rows.flatMap((row, index) => {
    const baseline = 50 + index * 18;
    let x = (WIDTH - row.reduce((sum, item) => sum + item.width, 0) - 20 * (row.length - 1)) / 2;
    return row.flatMap((item) => {
      const drawn = [
        element('rect', { x, y: baseline - 10, width: 12, height: 10, fill: item.entry.colour }),
        text(x + 17, baseline, item.name),
      ];
      x += item.width + 20;
      return drawn;
    });
  });
  return { parts, height: rows.length * 18 };
}

/** The plot area: the y tick labels fit left of it and, given an x axis, its last label right of it. */
function plotArea(yScale: Scale, top: number, bottom: number, xScale?: Scale): Plot {
  const widestLabel = Math.max(...yScale.labels.map((label) => textWidth(label, FONT_SIZE)));
  const lastXLabel = xScale ? textWidth(xScale.labels[xScale.labels.length - 1], FONT_SIZE) : 0;
  return { left: Math.max(56, Math.ceil(40 + widestLabel)), top, right: WIDTH - Math.max(32, Math.ceil(lastXLabel / 2 + 16)), bottom };
}

function yAt(scale: Scale, plot: Plot, value: number): number {
  return plot.bottom - scale.fraction(value) * (plot.bottom - plot.top);
}

function xAt(scale: Scale, plot: Plot, value: number): number {
  return plot.left + scale.fraction(value) * (plot.right - plot.left);
}

/** Horizontal grid lines with their labels, and the axis title written upwards. */
function yAxis(scale: Scale, plot: Plot, title: string): string[] {
  const middle = (plot.top + plot.bottom) / 2;
  return [
    ...scale.ticks.flatMap((tick, index) => {
      const y = yAt(scale, plot, tick);
      return [line(plot.left, y, plot.right, y, GRID_COLOUR), text(plot.left - 8, y + 4, scale.labels[index], { 'text-anchor': 'end' })];
    }),
    text(0, 0, fitText(title, plot.bottom - plot.top, FONT_SIZE), {
      transform: `translate(16 ${coordinate(middle)}) rotate(-90)`,
      'text-anchor': 'middle',
    }),
  ];
}

/** Vertical grid lines, tick marks and labels (a label that would touch the previous one is left out). */
function xAxis(scale: Scale, plot: Plot, title: string): string[] {
  let previousRight = -Infinity;
  const ticks = scale.ticks.flatMap((tick, index) => {
    const x = xAt(scale, plot, tick);
    const label = scale.labels[index];
    const halfWidth = textWidth(label, FONT_SIZE) / 2;
    const drawn = [line(x, plot.top, x, plot.bottom, GRID_COLOUR), line(x, plot.bottom, x, plot.bottom + 5, AXIS_COLOUR)];
    if (x - halfWidth >= previousRight + 6) {
      drawn.push(text(x, plot.bottom + 19, label, { 'text-anchor': 'middle' }));
      previousRight = x + halfWidth;
    }
    return drawn;
  });
  return [
    ...ticks,
    line(plot.left, plot.bottom, plot.right, plot.bottom, AXIS_COLOUR),
    text((plot.left + plot.right) / 2, plot.bottom + 40, fitText(title, plot.right - plot.left, FONT_SIZE), { 'text-anchor': 'middle' }),
  ];
}

/** [min, max] of the values and zero, without spreading them (a lag series can have a million points). */
function extentWithZero(values: number[]): [number, number] {
  return values.reduce<[number, number]>(([min, max], value) => [Math.min(min, value), Math.max(max, value)], [0, 0]);
}

function extent(values: number[]): [number, number] {
  return values.reduce<[number, number]>(([min, max], value) => [Math.min(min, value), Math.max(max, value)], [values[0], values[0]]);
}

function emptyChart(title: string): string {
  return svgDocument(title, [text(WIDTH / 2, HEIGHT / 2, 'no data', { 'text-anchor': 'middle', fill: MUTED_COLOUR })]);
}

interface BarGroup {
  label: string;
  note?: string;
  values: Array<number | undefined>;
}

/** One group per bar, in order; a reference bar joins the first group of its label, or makes its own. */
function barGroups(bars: Bar[], referenceBars: Bar[] | undefined): BarGroup[] {
  const groups: BarGroup[] = bars.map((bar) => ({ label: bar.label, note: bar.note, values: [bar.value] }));
  if (referenceBars === undefined) return groups;
  for (const reference of referenceBars) {
    const group = groups.find((candidate) => candidate.label === reference.label && candidate.values.length === 1);
    if (group) {
      group.values.push(reference.value);
      group.note ??= reference.note;
    } else {
      groups.push({ label: reference.label, note: reference.note, values: [undefined, reference.value] });
    }
  }
  for (const group of groups) if (group.values.length === 1) group.values.push(undefined);
  return groups;
}

/** Vertical bars from zero, one group per label; reference figures, when given, beside them in grey. */
export function barChart(input: BarChartInput): string {
  const groups = barGroups(input.bars, input.referenceBars);
  if (groups.length === 0) return emptyChart(input.title);
  const withReference = input.referenceBars !== undefined;
  const colours = withReference ? [PALETTE[0], REFERENCE_COLOUR] : [PALETTE[0]];
  const classes = ['bar', 'reference-bar'];
  const values = groups.flatMap((group) => group.values.filter((value): value is number => value !== undefined && Number.isFinite(value)));
  const scale = linearScale(...extentWithZero(values));
  const key = withReference
    ? legend([{ name: input.barsName ?? 'measured', colour: colours[0] }, { name: input.referenceName ?? 'reference', colour: colours[1] }])
    : { parts: [], height: 0 };
  const plot = plotArea(scale, withReference ? 54 + key.height : 48, HEIGHT - 60);
  const zeroY = yAt(scale, plot, 0);
  const groupWidth = (plot.right - plot.left) / groups.length;
  const slotWidth = groupWidth / colours.length;
  const barWidth = Math.min((groupWidth * 0.7) / colours.length, 90);
  const parts = [...key.parts, ...yAxis(scale, plot, input.unit)];
  groups.forEach((group, groupIndex) => {
    const groupLeft = plot.left + groupIndex * groupWidth;
    const centre = groupLeft + groupWidth / 2;
    const firstBarLeft = centre - (barWidth * colours.length) / 2;
    colours.forEach((colour, seriesIndex) => {
      const value = group.values[seriesIndex];
      if (value === undefined) return;
      const barCentre = firstBarLeft + barWidth * (seriesIndex + 0.5);
      const valueLabel = formatNumber(value);
      if (!Number.isFinite(value)) {
        parts.push(text(barCentre, zeroY - 5, valueLabel, { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED_COLOUR }));
        return;
      }
      const y = yAt(scale, plot, value);
      parts.push(element('rect', {
        class: classes[seriesIndex], x: barCentre - barWidth / 2, y: Math.min(y, zeroY), width: barWidth, height: Math.abs(zeroY - y), fill: colour,
      }));
      if (textWidth(valueLabel, 11) <= slotWidth - 2) {
        parts.push(text(barCentre, value >= 0 ? y - 5 : y + 13, valueLabel, { 'text-anchor': 'middle', 'font-size': 11 }));
      }
    });
    const labelLines = wrapText(group.label, groupWidth - 6, FONT_SIZE, 2);
    labelLines.forEach((labelLine, lineIndex) => {
      parts.push(text(centre, plot.bottom + 18 + lineIndex * 14, labelLine, { 'text-anchor': 'middle' }));
    });
    if (group.note) {
      const noteY = plot.bottom + 18 + labelLines.length * 14;
      parts.push(text(centre, noteY, fitText(group.note, groupWidth - 6, 11), { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED_COLOUR }));
    }
  });
  parts.push(line(plot.left, zeroY, plot.right, zeroY, AXIS_COLOUR));
  return svgDocument(input.title, parts);
}

/** Lines through each series' points on the given axes; markers too while there are few points. */
function plotLines(
  title: string, series: LineSeries[], xScale: Scale, yScale: Scale, xLabel: string, yLabel: string,
): string {
  const key = series.length > 1 ? legend(series.map((one, index) => ({ name: one.name, colour: PALETTE[index % PALETTE.length] }))) : undefined;
  const plot = plotArea(yScale, key ? 54 + key.height : 48, HEIGHT - 52, xScale);
  const parts = [...(key?.parts ?? []), ...yAxis(yScale, plot, yLabel), ...xAxis(xScale, plot, xLabel)];
  series.forEach((one, index) => {
    const colour = PALETTE[index % PALETTE.length];
    const points = one.points.map((point) => [xAt(xScale, plot, point.x), yAt(yScale, plot, point.y)]);
    if (one.rings) {
      for (const [cx, cy] of points) parts.push(element('circle', { cx, cy, r: 7, fill: 'none', stroke: colour, 'stroke-width': 2.5 }));
      return;
    }
    if (points.length > 1) {
      parts.push(element('polyline', {
        points: points.map(([x, y]) => `${coordinate(x)},${coordinate(y)}`).join(' '),
        fill: 'none', stroke: colour, 'stroke-width': 2, 'stroke-linejoin': 'round', ...(one.dashed ? { 'stroke-dasharray': '6 4' } : {}),
      }));
    }
    if (!one.dashed && points.length <= MAX_MARKED_POINTS) {
      for (const [cx, cy] of points) parts.push(element('circle', { cx, cy, r: 3, fill: colour }));
    }
  });
  return svgDocument(title, parts);
}

/**
 * Lines over x (throughput against workers, lag over time). Points that cannot be drawn (not finite, or
 * not positive on a log axis) are left out; a linear y axis starts at zero.
 */
export function lineChart(input: LineChartInput): string {
  const drawable = (point: LinePoint) => Number.isFinite(point.x) && Number.isFinite(point.y)
    && (!input.logX || point.x > 0) && (!input.logY || point.y > 0);
  const series = input.series.map((one) => ({ ...one, points: one.points.filter(drawable).sort((a, b) => a.x - b.x) }));
  const points = series.flatMap((one) => one.points);
  if (points.length === 0) return emptyChart(input.title);
  const xs = extent(points.map((point) => point.x));
  const ys = points.map((point) => point.y);
  const xScale = input.logX ? logScale(...xs) : linearScale(...xs);
  const yScale = input.logY ? logScale(...extent(ys)) : linearScale(...extentWithZero(ys));
  return plotLines(input.title, series, xScale, yScale, input.xLabel, input.yLabel);
}

/**
 * Lines over a sequence (a metric across runs, oldest first): a tick per category, labels that would touch left out;
 * the y axis linear from zero. Points whose value is not finite are left out.
 */
export function sequenceChart(input: SequenceChartInput): string {
  const series = input.series.map((one) => ({ ...one, points: one.points.filter((point) => Number.isFinite(point.y)) }));
  const ys = series.flatMap((one) => one.points.map((point) => point.y));
  if (ys.length === 0 || input.categories.length === 0) return emptyChart(input.title);
  return plotLines(input.title, series, categoryScale(input.categories), linearScale(...extentWithZero(ys)), input.xLabel, input.yLabel);
}

/**
 * Latency by percentile, HdrHistogram style: percentiles on a log scale of 1/(1-p) from 0% to 99.999%
 * (the max drawn at the right edge), latency in ms from zero.
 */
export function percentileChart(input: PercentileChartInput): string {
  const series = input.series.map((one) => ({
    name: one.name,
    points: one.points
      .filter((point) => Number.isFinite(point.percentile) && Number.isFinite(point.valueUs))
      .sort((a, b) => a.percentile - b.percentile)
      .map((point) => ({ x: point.percentile, y: point.valueUs / 1000 })),
  }));
  const ys = series.flatMap((one) => one.points.map((point) => point.y));
  if (ys.length === 0) return emptyChart(input.title);
  const yScale = linearScale(...extentWithZero(ys));
  return plotLines(input.title, series, percentileScale(), yScale, 'percentile', 'latency (ms)');
}
