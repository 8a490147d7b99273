import { benchMetrics, figuresOf, isCapacityResult, referenceLabel, relativeMetrics, type AnyBenchResult, type BenchResult } from './bench-result.js';
import {
  CAPACITY_METRIC_NAMES, RUN_METRIC_NAMES, formatMetricValue, median, medianMetrics, type Figures, type MetricName, type MetricValues,
} from './metrics.js';
import { BARRIER_LATE_MS, markReused } from '../report/produce-report.js';

/** Tables of `bench run` and `merge`, as rows of strings (src/report/table.ts draws them on stderr). */
export interface TableRows {
  head: string[];
  rows: string[][];
}

/** A one-line digest of a run's figures, e.g. for Kafka's Java tool next to DataStorm's summary line. */
export function formatMetricsLine(values: Partial<MetricValues>): string {
  const ms = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));
  return `${values.records_per_sec?.toFixed(0) ?? '-'} records/s, ${values.mb_per_sec?.toFixed(2) ?? '-'} MB/s, ` +
    `avg ${ms(values.avg_ms)} ms, p50 ${ms(values.p50_ms)} ms, p99 ${ms(values.p99_ms)} ms, max ${ms(values.max_ms)} ms`;
}

const MIB = 1024 * 1024;

/** A table cell of a metric a result may not hold (a reference's error count, a search's unconfirmed p99). */
const cell = (name: MetricName, value: number | undefined, kind: 'absolute' | 'ratio' = 'absolute') =>
  (value === undefined ? '-' : formatMetricValue(name, value, kind));

/**
 * Each metric per run (or search) and its median, those of its kind; with a reference, its median and the ratio
 * to it beside them.
 */
export function benchTable(result: AnyBenchResult): TableRows {
  const runs: Figures[] = result.bench?.runs ?? [];
  const reference = isCapacityResult(result) ? undefined : result.bench?.reference;
  const repeated = runs.length > 1;
  const values = figuresOf(result);
  const theirs: Figures | undefined = reference ? medianMetrics(reference.runs.map((run) => run.metrics)) : undefined;
  const ratio: Figures | undefined = reference ? relativeMetrics(result, 'this result') : undefined;
  const label = reference ? referenceLabel(reference) : '';
  const head = ['metric', ...(repeated ? runs.map((_, i) => `run ${i + 1}`) : []), markReused(repeated ? 'median' : 'datastorm', result.config),
    ...(reference ? [label, `datastorm/${label}`] : [])];
  const rows = (isCapacityResult(result) ? CAPACITY_METRIC_NAMES : RUN_METRIC_NAMES).map((name) => [
    name,
    ...(repeated ? runs.map((run) => cell(name, run[name])) : []),
    cell(name, values[name]),
    ...(reference ? [cell(name, theirs?.[name]), cell(name, ratio?.[name], 'ratio')] : []),
  ]);
  const processes = isCapacityResult(result) ? undefined : referenceProcesses(result);
  if (processes && !isCapacityResult(result)) {
    // What each side cost: the DataStorm process of the median run and the reference's median process.
    const filler = repeated ? runs.map(() => '') : [];
    const costs: Array<[string, number, number, number]> = [
      ['peak_rss_mb', result.process.peakRssBytes / MIB, median(processes.map((p) => p.peakRssBytes)) / MIB, 1],
      ['cpu_sec', (result.process.cpuUserMs + result.process.cpuSystemMs) / 1000,
        median(processes.map((p) => p.cpuUserMs + p.cpuSystemMs)) / 1000, 2],
    ];
    for (const [name, ours, other, decimals] of costs) {
      rows.push([name, ...filler, ours.toFixed(decimals), other.toFixed(decimals), (ours / other).toFixed(3)]);
    }
  }
  return { head, rows };
}

/** The reference's measured processes, when every run of it was measured (the table then adds what each side cost). */
function referenceProcesses(result: BenchResult): Array<{ peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number }> | undefined {
  const runs = result.bench?.reference?.runs;
  const processes = runs?.flatMap((run) => (run.process ? [run.process] : []));
  return runs && processes && processes.length === runs.length ? processes : undefined;
}

/**
 * Under the cost rows: they are not measured alike. DataStorm's run shares its process with the bench command, so
 * its CPU is the run's own, from the topic's preparation on; the reference is a process of its own, start-up included.
 */
export function costNote(result: BenchResult): string | undefined {
  return referenceProcesses(result)
    ? 'peak_rss_mb and cpu_sec: DataStorm\'s process, its CPU from the run\'s start (Node\'s and the command\'s start-up left out); ' +
      'the reference\'s whole process, start-up included (GNU time): benchmarks/produce-vs-clients.mjs measures both alike'
    : undefined;
}

/** Says when the figures are of the steady state: the table's counts then leave the warmup out. */
export function steadyStateNote(result: BenchResult): string | undefined {
  return result.steadyState
    ? `figures of the steady state: the first ${result.config.warmupRecords} records (warmup) are left out`
    : undefined;
}

/** The inputs of a merge side by side with the merged result. */
export function mergeTable(inputs: BenchResult[], labels: string[], merged: BenchResult): TableRows {
  const all = [...inputs, merged];
  const metrics = all.map(benchMetrics);
  return {
    head: ['', ...labels.map((label, i) => markReused(label, inputs[i].config)), markReused('merged', merged.config)],
    rows: [
      ['records', ...all.map((r) => String((r.steadyState ?? r).totals.records))],
      ['duration_ms', ...all.map((r) => (r.steadyState ?? r).totals.durationMs.toFixed(0))],
      ...RUN_METRIC_NAMES.map((name) => [name, ...metrics.map((m) => formatMetricValue(name, m[name]))]),
    ],
  };
}

/** How far apart the merged shards started, and whether a start barrier held them together. */
export function formatStartSpreadLine(inputs: BenchResult[], merged: BenchResult): string {
  const spread = merged.bench?.startSpreadMs ?? 0;
  const barriers = [...new Set(inputs.map((r) => r.barrier?.plannedEpochMs))];
  if (barriers.length === 1 && barriers[0] !== undefined) {
    const late = Math.max(...inputs.map((r) => r.barrier!.lateMs));
    return `start spread: ${spread.toFixed(1)} ms across ${inputs.length} shards (start barrier ${new Date(barriers[0]).toISOString()}` +
      `${late > BARRIER_LATE_MS ? `; one started ${late.toFixed(0)} ms after it` : ''})`;
  }
  return `start spread: ${spread.toFixed(1)} ms across ${inputs.length} shards (no common start barrier: the merged rate is diluted by the ` +
    'stagger; give each shard the same --start-at)';
}

/** A merge forced past the inputs not being one run (merge --force): said beside its table, as its JSON says it. */
export function formatForcedMergeLine(merged: BenchResult): string | undefined {
  const forced = merged.bench?.forcedMerge;
  return forced ? `FORCED MERGE (--force): ${forced.notOneRunBecause}: these figures are not one run's load` : undefined;
}

/** Beside a gate on a capacity search whose answer is not of high confidence: how confident, and why (its notes). */
export function formatSearchConfidenceNote(result: AnyBenchResult, file: string): string | undefined {
  if (!isCapacityResult(result) || result.confidence === 'high') return undefined;
  return `note: ${file}: the search's confidence is ${result.confidence}${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`;
}
