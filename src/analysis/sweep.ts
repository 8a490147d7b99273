import { barChart, lineChart, type LineSeries } from '../report/charts.js';
import { DataStormError } from '../shared/errors.js';
import type { ReportTable } from '../report/html-report.js';
import { analysisDocument, latencyChart } from './analysis-document.js';
import { pointFigures, pointTable, type ExtraColumns, type PointFigures } from './point-figures.js';
import { entriesOf, flagOf, isVariadic, parseProduceValue, type ProduceArgs, type ProduceOptionKey } from './produce-args.js';
import type { DocumentSection, ReportDocument } from './report-document.js';
import type { AnalysisRun } from './run-analysis.js';
import { SEED_BATCHES, SEED_SOURCE, SEED_WORKERS, formatSeedRate } from './seed-figures.js';

/**
 * `datastorm sweep --workers 1,2,4,8,16`: one produce option takes several values (the axis), every other
 * option one; each value is a point (the seed's "Scaling Pattern" and "Memory Tradeoffs").
 */
export interface SweepAxis {
  key: ProduceOptionKey;
  /** As the user wrote them: also the points' labels. */
  values: string[];
}

/** The one option given several values. */
export function sweepAxis(args: ProduceArgs): SweepAxis {
  const listed = entriesOf(args)
    .filter((entry): entry is [ProduceOptionKey, string[]] => entry[1] !== true && entry[1].length > 1 && !isVariadic(entry[0]));
  if (listed.length === 0) {
    throw new DataStormError('DS_BAD_OPTION', 'sweep needs one produce option with several values', {
      hint: 'e.g. datastorm sweep --workers 1,2,4,8,16, or --batch 1MB,4MB,16MB',
    });
  }
  if (listed.length > 1) {
    throw new DataStormError('DS_BAD_OPTION', `sweep varies one option at a time; ${listed.map(([key]) => flagOf(key)).join(' and ')} have several values`, {
      hint: 'run one sweep per option',
    });
  }
  const [[key, values]] = listed;
  const repeated = values.find((value, i) => values.indexOf(value) !== i);
  if (repeated) throw new DataStormError('DS_BAD_OPTION', `${flagOf(key)} lists ${repeated} twice`);
  return { key, values };
}

/** Each point's options: the common ones with one value of the axis. */
export function sweepPointArgs(args: ProduceArgs, axis: SweepAxis): ProduceArgs[] {
  return axis.values.map((value) => ({ ...args, [axis.key]: [value] }));
}

export const axisName = (key: ProduceOptionKey) => flagOf(key).replace(/^--/, '');

/** A point's position on a numeric axis (batch in MB), or undefined when the option's values are words. */
export function axisPosition(key: ProduceOptionKey, value: string): number | undefined {
  const parsed = parseProduceValue(key, value);
  if (typeof parsed !== 'number') return undefined;
  return key === 'batch' ? parsed / (1024 * 1024) : parsed;
}

const axisLabel = (key: ProduceOptionKey) => (key === 'batch' ? 'batch (MB)' : axisName(key));

/** The seed report's figures for the same axis, where it has some (workers; batch size). */
function seedColumns(key: ProduceOptionKey): ExtraColumns | undefined {
  if (key === 'workers') {
    const seed = (value: string) => SEED_WORKERS[Number(value)];
    return {
      head: ['seed report (its machine, 16MB batches)'],
      cells: (value) => [seed(value) === undefined ? '' : `${formatSeedRate(seed(value))}/s`],
    };
  }
  if (key === 'batch') {
    const seed = (value: string) => SEED_BATCHES[Number(parseProduceValue('batch', value))];
    return {
      head: ['seed report (its machine, 8 workers)'],
      cells: (value) => [seed(value) === undefined ? '' : `${formatSeedRate(seed(value).recordsPerSec)}/s, ${seed(value).memoryGb} GB`],
    };
  }
  return undefined;
}

type Figure = 'records' | 'memory';

/** The seed's points on the same axes as ours: records/s, or memory in MB (its GB × 1024). */
function seedSeries(key: ProduceOptionKey, figure: Figure): LineSeries[] {
  const points = key === 'workers' && figure === 'records'
    ? Object.entries(SEED_WORKERS).map(([workers, recordsPerSec]) => ({ x: Number(workers), y: recordsPerSec }))
    : key === 'batch'
      ? Object.entries(SEED_BATCHES).map(([bytes, seed]) => ({
        x: Number(bytes) / (1024 * 1024), y: figure === 'records' ? seed.recordsPerSec : seed.memoryGb * 1024,
      }))
      : [];
  return points.length ? [{ name: 'seed report (its machine)', points }] : [];
}

export function sweepTable(run: AnalysisRun, key: ProduceOptionKey): ReportTable {
  return pointTable(axisName(key), run.points, run.machine.cpuCount, seedColumns(key));
}

/** records/s and peak RSS against the axis: lines over a numeric axis (log when it spans 8× or more), else bars. */
function figureCharts(run: AnalysisRun, key: ProduceOptionKey): DocumentSection[] {
  const figures = run.points.map((point) => ({ point, f: pointFigures(point, run.machine.cpuCount), x: axisPosition(key, point.label) }));
  const name = axisName(key);
  const charts: Array<{ file: string; title: string; unit: string; pick: (f: PointFigures) => number; figure: Figure }> = [
    { file: 'throughput.svg', title: `Records/s against ${name}`, unit: 'records/s', pick: (f) => f.recordsPerSec, figure: 'records' },
    { file: 'memory.svg', title: `Peak RSS against ${name}`, unit: 'peak RSS (MB)', pick: (f) => f.peakRssMb, figure: 'memory' },
  ];
  const xs = figures.map(({ x }) => x);
  const numeric = xs.every((x): x is number => x !== undefined);
  return charts.map((chart) => {
    const seed = seedSeries(key, chart.figure);
    const allX = [...(xs as number[]), ...seed.flatMap((series) => series.points.map((p) => p.x))];
    const logX = numeric && Math.min(...allX) > 0 && Math.max(...allX) / Math.min(...allX) >= 8;
    // The seed's figures are several times ours: a log y axis keeps both readable.
    const svg = numeric
      ? lineChart({
        title: chart.title, xLabel: axisLabel(key), yLabel: chart.unit, logX, logY: seed.length > 0,
        series: [{ name: 'measured here', points: figures.map(({ f, x }) => ({ x: x!, y: chart.pick(f) })) }, ...seed],
      })
      : barChart({ title: chart.title, unit: chart.unit, bars: figures.map(({ point, f }) => ({ label: point.label, value: chart.pick(f) })) });
    return { heading: chart.title, chart: { file: chart.file, title: chart.title, svg } };
  });
}

/** The report of one point per value of an option: a sweep, or a comparison (`compare --driver`). */
export function sweepDocument(run: AnalysisRun, key: ProduceOptionKey, what: 'sweep' | 'comparison' = 'sweep'): ReportDocument {
  const name = axisName(key);
  const seed = seedColumns(key)
    ? `\n\nThe seed column (and the "seed report" series in the charts) holds the figures of ${SEED_SOURCE}, under its own settings.` : '';
  return analysisDocument(run, `DataStorm: ${what} of ${name}`, [
    { heading: `Throughput, latency and memory by ${name}`, text: `One point per value of --${name}; every other option the same.${seed}`, table: sweepTable(run, key) },
    ...figureCharts(run, key),
    { heading: 'Latency by percentile', chart: latencyChart(run, `Latency by percentile, one line per --${name} value (send to ack)`) },
  ]);
}
