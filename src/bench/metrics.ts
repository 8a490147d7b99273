import { failedRecords, type ProduceResult, type Throughput } from '../produce/result.js';
import type { LatencyResult } from '../produce/result.js';
import type { LatencySummaryUs } from '../shared/histograms.js';
import type { ProducerPerfSummary } from './java-perf.js';
import type { RdkafkaPerfSummary } from './rdkafka-perf.js';
import type { CapacityResult } from '../capacity/run-capacity.js';
import { DataStormError } from '../shared/errors.js';

/**
 * The figures a bench gate tests: snake_case names with their unit (k6 style), which way is better, and whose they
 * are: a fixed run's (a workload without `capacity:`) or a capacity search's (with it). Thresholds, compare and
 * the tables all take their metric names from here.
 */
export const METRICS = {
  records_per_sec: { of: 'run', better: 'higher', decimals: 0 },
  mb_per_sec: { of: 'run', better: 'higher', decimals: 2 },
  avg_ms: { of: 'run', better: 'lower', decimals: 2 },
  p50_ms: { of: 'run', better: 'lower', decimals: 2 },
  p95_ms: { of: 'run', better: 'lower', decimals: 2 },
  p99_ms: { of: 'run', better: 'lower', decimals: 2 },
  p999_ms: { of: 'run', better: 'lower', decimals: 2 },
  max_ms: { of: 'run', better: 'lower', decimals: 2 },
  error_count: { of: 'run', better: 'lower', decimals: 0 },
  /** The highest rate that met the SLO (src/capacity/run-capacity.ts sustainableRps); 0 when none did. */
  sustainable_rps: { of: 'capacity', better: 'higher', decimals: 0 },
  /** The ramp's ceiling: the highest rate whose backlog stayed bounded. */
  ceiling_rps: { of: 'capacity', better: 'higher', decimals: 0 },
  /** The confirmation's p99 at the knee, from intended send time; absent when the search ran no confirmation. */
  confirmation_p99_ms: { of: 'capacity', better: 'lower', decimals: 2 },
} as const;

export type MetricName = keyof typeof METRICS;
/** Whose figures a result holds: a fixed run's, or a capacity search's. */
export type ResultKind = (typeof METRICS)[MetricName]['of'];
type MetricsOf<Kind extends ResultKind> = { [Name in MetricName]: (typeof METRICS)[Name]['of'] extends Kind ? Name : never }[MetricName];
export type RunMetricName = MetricsOf<'run'>;
export type CapacityMetricName = MetricsOf<'capacity'>;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
export const RUN_METRIC_NAMES = METRIC_NAMES.filter((name): name is RunMetricName => METRICS[name].of === 'run');
export const CAPACITY_METRIC_NAMES = METRIC_NAMES.filter((name): name is CapacityMetricName => METRICS[name].of === 'capacity');

/** A fixed run's figures: every one of them. */
export type MetricValues = Record<RunMetricName, number>;
/** Kafka's ProducerPerformance reports no error count. */
export type ReferenceMetricValues = Omit<MetricValues, 'error_count'>;
/** A capacity search's figures; the confirmation's p99 only when it ran. */
export type CapacityMetricValues = Omit<Record<CapacityMetricName, number>, 'confirmation_p99_ms'> & { confirmation_p99_ms?: number };
/** Figures of either kind, as compare and thresholds take them: a metric the result does not hold is absent. */
export type Figures = Partial<Record<MetricName, number>>;

/** Whose figures these are: every capacity search's hold its sustainable rate, no run's does. */
export const kindOfFigures = (figures: Figures): ResultKind => (figures.sustainable_rps === undefined ? 'run' : 'capacity');

const KIND_NAMES: Record<ResultKind, string> = { run: 'a run\'s result', capacity: 'a capacity search\'s result' };

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/**
 * A gate on a metric that a result does not hold would pass (or fail) on nothing: an error naming the result, the
 * metric and what the result holds instead.
 */
export function missingMetric(metric: MetricName, where: string, kind: ResultKind, figures?: Figures): DataStormError {
  const holds = (kind === 'run' ? RUN_METRIC_NAMES : CAPACITY_METRIC_NAMES).filter((name) => !figures || figures[name] !== undefined);
  return new DataStormError('DS_BAD_OPTION', `${where} has no ${metric}: ${KIND_NAMES[kind]}, it holds ${holds.join(', ')}`, {
    hint: METRICS[metric].of === kind ? 'confirmation_p99_ms is there when the search\'s confirmation ran (its budget held it)'
      : METRICS[metric].of === 'capacity' ? 'a workload with a capacity: block makes a capacity search\'s result' : 'a workload without a capacity: block makes a run\'s result',
  });
}

const US_PER_MS = 1000;

/** A latency summary in the metrics' milliseconds. */
function latencyMetrics(latency: LatencySummaryUs): Omit<ReferenceMetricValues, 'records_per_sec' | 'mb_per_sec'> {
  return {
    avg_ms: latency.meanUs / US_PER_MS,
    p50_ms: latency.p50Us / US_PER_MS,
    p95_ms: latency.p95Us / US_PER_MS,
    p99_ms: latency.p99Us / US_PER_MS,
    p999_ms: latency.p999Us / US_PER_MS,
    max_ms: latency.maxUs / US_PER_MS,
  };
}

/** The figures of one produce run; after a warmup, those of the steady state (as ProducerPerformance reports). */
export function metricsOfProduceResult(result: ProduceResult): MetricValues {
  const { totals, latency }: { totals: Throughput; latency: LatencyResult } = result.steadyState ?? result;
  return {
    records_per_sec: totals.recordsPerSec,
    mb_per_sec: totals.mbPerSec,
    ...latencyMetrics(latency),
    // Errors of the whole run: a failure during warmup is still a failure.
    error_count: failedRecords(result.totals.errors),
  };
}

/** A capacity search's figures: its sustainable rate and ceiling, and its confirmation's p99 when one ran. */
export function metricsOfCapacityResult(result: Pick<CapacityResult, 'sustainableRps' | 'ceilingRps' | 'confirmation'>): CapacityMetricValues {
  return {
    sustainable_rps: result.sustainableRps,
    ceiling_rps: result.ceilingRps,
    ...(result.confirmation ? { confirmation_p99_ms: result.confirmation.p99Ms } : {}),
  };
}

/** The same figures from ProducerPerformance's summary; after a warmup, its steady-state line. */
export function metricsOfJavaSummary(summary: ProducerPerfSummary & { steadyState?: ProducerPerfSummary }): ReferenceMetricValues {
  const s = summary.steadyState ?? summary;
  return {
    records_per_sec: s.recordsPerSec,
    mb_per_sec: s.mbPerSec,
    avg_ms: s.avgLatencyMs,
    p50_ms: s.p50Ms,
    p95_ms: s.p95Ms,
    p99_ms: s.p99Ms,
    p999_ms: s.p999Ms,
    max_ms: s.maxLatencyMs,
  };
}

/** The same figures from an rdkafka_performance run measured with its latency file (the whole run: it has no warmup). */
export function metricsOfRdkafkaRun(summary: RdkafkaPerfSummary, latency: LatencySummaryUs): ReferenceMetricValues {
  return { records_per_sec: summary.recordsPerSec, mb_per_sec: summary.mbPerSec, ...latencyMetrics(latency) };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Which of the values is the median one (the lower middle one of an even count): the run a result keeps whole. */
export function medianIndex(values: number[]): number {
  const order = values.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
  return order[Math.floor((order.length - 1) / 2)].i;
}

/** Each metric's median over several runs, taken metric by metric. */
export function medianMetrics<T extends Figures>(runs: T[]): T {
  const names = METRIC_NAMES.filter((name) => runs.every((run) => run[name] !== undefined));
  return Object.fromEntries(names.map((name) => [name, median(runs.map((run) => run[name] as number))])) as T;
}

/** A value as tables print it; `ratio` values (a run divided by its reference) get three decimals. */
export function formatMetricValue(name: MetricName, value: number, kind: 'absolute' | 'ratio' = 'absolute'): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(kind === 'ratio' ? 3 : METRICS[name].decimals);
}
